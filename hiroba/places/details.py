"""What pages show about a place beyond its fields: this week's hours with today marked, whether
it is open now, a one-line hours summary, its kind's icon, and schema.org structured data.

Time is Asia/Tokyo wherever the visitor is: opening hours are local to the place.
Structured data describes the public listing only, whoever looks: the public point (never the
exact one) and, for approximate places, the ward instead of a street address.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from babel.dates import get_day_names
from flask import current_app, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from hiroba import geo
from hiroba.i18n import hhmm, localized, weekday_names
from hiroba.places.models import OpeningPeriod, Place
from hiroba.places.search import TOKYO
from hiroba.places.vocabulary import Audience, Fee, LocationPrecision, PlaceKind, label

KIND_ICONS = Path("icons") / "kinds"  # under the static folder: <kind>.svg, where drawn
SCHEMA_TYPES = {
    PlaceKind.COMMUNITY_HALL: "CivicStructure",
    PlaceKind.PUBLIC_FACILITY: "CivicStructure",
    PlaceKind.SCHOOL: "CivicStructure",
    PlaceKind.PARK: "Park",
    PlaceKind.CAFE: "CafeOrCoffeeShop",
    PlaceKind.SHRINE_TEMPLE: "PlaceOfWorship",
}
SCHEMA_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
COORDINATE_DECIMALS = 6  # as in the API


def tokyo_now() -> datetime:
    return datetime.now(TOKYO)


Period = tuple[int, int]  # opens, closes: minutes since local midnight


def periods_by_day(periods: Iterable[OpeningPeriod]) -> dict[int, list[Period]]:
    """ISO weekday (1 = Monday) → that day's periods in order; every day present."""
    days: dict[int, list[Period]] = {day: [] for day in range(1, 8)}
    for period in sorted(periods, key=lambda p: (p.weekday, p.opens_minute)):
        days[period.weekday].append((period.opens_minute, period.closes_minute))
    return days


@dataclass(frozen=True)
class DayHours:
    weekday: int  # ISO
    name: str
    periods: list[Period]
    today: bool


def week_rows(periods: Iterable[OpeningPeriod], now: datetime) -> list[DayHours]:
    """Monday to Sunday with their periods, today's row marked."""
    names = weekday_names()
    today = now.astimezone(TOKYO).isoweekday()
    return [
        DayHours(day, names[day - 1], day_periods, day == today)
        for day, day_periods in periods_by_day(periods).items()
    ]


def open_status(periods: Iterable[OpeningPeriod], now: datetime) -> tuple[bool, str] | None:
    """(open now?, the sentence saying so and until or from when), or None without hours."""
    days = periods_by_day(periods)
    if not any(days.values()):
        return None
    local = now.astimezone(TOKYO)
    minute, today = local.hour * 60 + local.minute, local.isoweekday()
    for opens, closes in days[today]:
        if opens <= minute < closes:
            return True, _("Open now, until %(time)s", time=hhmm(closes))
    later_today = [opens for opens, _closes in days[today] if opens > minute]
    if later_today:
        return False, _("Closed now. Opens today at %(time)s", time=hhmm(later_today[0]))
    for offset in range(1, 8):
        day = (today - 1 + offset) % 7 + 1
        if days[day]:
            opens = hhmm(days[day][0][0])
            return False, _("Closed now. Next opens %(day)s at %(time)s",
                            day=weekday_names()[day - 1], time=opens)  # fmt: skip
    return None  # unreachable: some day has hours


def hours_summary(periods: Iterable[OpeningPeriod]) -> str:
    """Weekly hours in one line, runs of days with the same hours joined: 月–金 09:00–17:00."""
    locale = get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]
    short = get_day_names("abbreviated", locale=locale)  # 0 = Monday
    runs: list[tuple[int, int, list[Period]]] = []
    for day, day_periods in periods_by_day(periods).items():
        if runs and runs[-1][2] == day_periods and runs[-1][1] == day - 1:
            runs[-1] = (runs[-1][0], day, day_periods)
        else:
            runs.append((day, day, day_periods))
    parts = []
    for first, last, day_periods in runs:
        if not day_periods:
            continue
        days = short[first - 1]
        if last > first:
            days = _("%(first)s–%(last)s", first=short[first - 1], last=short[last - 1])
        times = ", ".join(f"{hhmm(o)}–{hhmm(c)}" for o, c in day_periods)
        parts.append(f"{days} {times}")
    # Japanese lists take 、; "and" before the last item would read as if the runs were one.
    return ("、" if str(locale).startswith("ja") else "; ").join(parts)


def kind_icon_url(kind: PlaceKind | str) -> str | None:
    """The kind's icon under ``static/icons/kinds`` if one has been drawn, else None."""
    name = f"{PlaceKind(kind).value}.svg"
    if (Path(current_app.static_folder) / KIND_ICONS / name).is_file():
        return url_for("static", filename=f"{KIND_ICONS.as_posix()}/{name}")
    return None


def kind_icons() -> dict[str, str]:
    """Kind → icon URL for every kind that has one (for scripts that draw markers)."""
    return {kind.value: url for kind in PlaceKind if (url := kind_icon_url(kind))}


def _time(minutes: int) -> str:
    # schema.org Time has no 24:00; the end of the day is written 23:59.
    return hhmm(min(minutes, 23 * 60 + 59))


def _address(place: Place) -> dict[str, Any]:
    district = place.district
    address = {
        "@type": "PostalAddress",
        "addressCountry": "JP",
        "addressRegion": district.prefecture_ja,
        "addressLocality": (district.city_ja or "") + district.name_ja,
    }
    if place.location_precision == LocationPrecision.EXACT and place.address:
        address["streetAddress"] = place.address
    return {key: value for key, value in address.items() if value}


def structured_data(place: Place, image_urls: Sequence[str]) -> dict[str, Any]:
    """schema.org JSON-LD of a published place (render with ``tojson``, which escapes ``</``)."""
    point = geo.from_db(place.public_location)
    features = [*place.amenities, *place.accessibility]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": SCHEMA_TYPES.get(place.kind, "Place"),
        "@id": url_for("places.detail", place_id=place.id, _external=True),
        "url": url_for("places.detail", place_id=place.id, _external=True),
        "name": place.name,
        "alternateName": [n for n in (place.name_en, place.name_kana) if n] or None,
        "description": place.description or None,
        "address": _address(place),
        "geo": {
            "@type": "GeoCoordinates",
            "latitude": round(point.y, COORDINATE_DECIMALS),
            "longitude": round(point.x, COORDINATE_DECIMALS),
        },
        "containedInPlace": {
            "@type": "AdministrativeArea",
            "name": localized(place.district.name_ja, place.district.name_en),
            "url": url_for("districts.detail", code=place.district_code, _external=True),
        },
        "openingHoursSpecification": [
            {
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": f"https://schema.org/{SCHEMA_DAYS[p.weekday - 1]}",
                "opens": _time(p.opens_minute),
                "closes": _time(p.closes_minute),
            }
            for p in place.opening_hours
        ],
        "amenityFeature": [
            {"@type": "LocationFeatureSpecification", "name": label(key), "value": True}
            for key in features
        ],
        "maximumAttendeeCapacity": place.capacity,
        "isAccessibleForFree": place.fee == Fee.FREE,
        "publicAccess": place.who_may_use == Audience.ANYONE,
        "image": list(image_urls) or None,
        "telephone": place.contact_phone,
        "email": place.contact_email,
        "sameAs": place.website_url,
    }
    return {key: value for key, value in data.items() if value not in (None, [], "")}


def summary(place: Place, length: int = 120) -> str:
    """One line for ``<meta name=description>`` and shared links: kind, ward, description."""
    parts = [label(place.kind), localized(place.district.name_ja, place.district.name_en)]
    text = " ".join((place.description or "").split())
    if text:
        parts.append(text if len(text) <= length else text[: length - 1] + "…")
    return " · ".join(parts)
