"""Checking what a resident types when posting a need, every problem at once, per field.

The area is a ward, or a point with a radius; "when" is weekdays or up to five dates, with one
time window (Japan time; an end of 24:00 is midnight). Which ward a point falls in is decided
by the database in the services, not here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l

from hiroba import geo
from hiroba.errors import ValidationFailed
from hiroba.needs.models import (
    HEADCOUNT_RANGE,
    MAX_DATES,
    MAX_DETAILS,
    MAX_TITLE,
    RADIUS_RANGE,
)
from hiroba.places.search import TOKYO
from hiroba.places.validation import FieldCleaner, parse_minutes
from hiroba.places.vocabulary import Accessibility, Condition

AREAS = ("ward", "circle")
WHEN = ("weekly", "dates")
FEES = ("free", "any")
MIN_MINUTES = 30  # a shorter window is not a meeting
MAX_DAYS_AHEAD = 366
MAX_MESSAGE = 1000  # what staff write to a poster or an owner


def _list(value: Any) -> list | None:
    """Form lists arrive as lists, JSON ones too; a comma string is accepted; else None."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [part for part in value.split(",") if part]
    if isinstance(value, list | tuple):
        return list(value)
    return None


def _whole(value: Any, low: int, high: int) -> int | None:
    """A whole number within [low, high] from a string or an int, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value or "").strip()
        if not text.isascii() or not text.isdigit() or len(text) > 7:
            return None
        number = int(text)
    return number if low <= number <= high else None


def _area(c: FieldCleaner) -> dict[str, Any]:
    area = str(c.raw.get("area") or "ward")
    if area not in AREAS:
        c.fail("area", _l("Choose a ward, or a point and a distance."))
        return {}
    if area == "ward":
        code = str(c.raw.get("district") or "").strip()
        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            c.fail("district", _l("Choose a ward."))
            return {}
        return {"district_code": code, "location": None, "radius_m": None}
    lat, lon = c.raw.get("lat"), c.raw.get("lon")
    if lat in (None, "") or lon in (None, ""):
        c.fail("lat", _l("Enter the latitude and longitude of the point."))
        point = None
    else:
        point = c.geometry("lat", lambda: geo.parse_point(lon, lat, "lat"))
    radius = _whole(c.raw.get("radius"), *RADIUS_RANGE)
    if radius is None:
        c.fail("radius", _l("Enter a distance between %(low)d and %(high)d metres.",
                            low=RADIUS_RANGE[0], high=RADIUS_RANGE[1]))  # fmt: skip
    return {"district_code": None, "location": point, "radius_m": radius}


def _weekdays(c: FieldCleaner) -> list[int]:
    values = _list(c.raw.get("weekdays"))
    days = None if values is None else [_whole(v, 1, 7) for v in values]
    if days is None or None in days:
        c.fail("weekdays", _l("Choose days of the week from the list."))
        return []
    if not days:
        c.fail("weekdays", _l("Choose at least one day of the week."))
    return sorted(set(days))


def _dates(c: FieldCleaner, today: date) -> list[date]:
    values = _list(c.raw.get("dates"))
    if values is None or any(not isinstance(v, str) for v in values):
        c.fail("dates", _l("Enter dates such as 2026-12-05."))
        return []
    try:
        days = sorted({date.fromisoformat(v.strip()) for v in values if v.strip()})
    except ValueError:
        c.fail("dates", _l("Enter dates such as 2026-12-05."))
        return []
    if not days:
        c.fail("dates", _l("Enter at least one date."))
    elif len(days) > MAX_DATES:
        c.fail("dates", _l("Enter at most %(n)d dates.", n=MAX_DATES))
    elif days[0] < today:
        c.fail("dates", _l("%(day)s has already passed.", day=days[0].isoformat()))
    elif days[-1] > today + timedelta(days=MAX_DAYS_AHEAD):
        c.fail("dates", _l("Choose dates within the coming year."))
    else:
        return days
    return []


def _window(c: FieldCleaner) -> tuple[int, int] | None:
    start, end = parse_minutes(c.raw.get("start")), parse_minutes(c.raw.get("end"))
    if start is None or start >= 24 * 60:
        c.fail("start", _l("Enter a time such as 13:00."))
    if end is None:
        c.fail("end", _l("Enter a time such as 17:00 (24:00 for midnight)."))
    if start is None or end is None or start >= 24 * 60:
        return None
    if end <= start:
        c.fail("end", _l("The end must be after the start."))
        return None
    if end - start < MIN_MINUTES:
        c.fail("end", _l("Ask for at least %(n)d minutes.", n=MIN_MINUTES))
        return None
    return start, end


def _headcount(c: FieldCleaner) -> int | None:
    raw = c.raw.get("headcount")
    if raw in (None, ""):
        c.fail("headcount", _l("This field is required."))
        return None
    value = _whole(raw, *HEADCOUNT_RANGE)
    if value is None:
        c.fail("headcount", _l("Enter a whole number between %(low)d and %(high)d.",
                               low=HEADCOUNT_RANGE[0], high=HEADCOUNT_RANGE[1]))  # fmt: skip
    return value


def clean_need_values(raw: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """The values of a need, checked on their own (the ward comes in the services)."""
    c = FieldCleaner(raw)
    title = c.text("title", MAX_TITLE, required=True)
    details = c.text("details", MAX_DETAILS, multiline=True)
    area = _area(c)
    when = str(raw.get("when") or "weekly")
    weekdays: list[int] = []
    dates: list[date] = []
    if when == "weekly":
        weekdays = _weekdays(c)
    elif when == "dates":
        dates = _dates(c, now.astimezone(TOKYO).date())
    else:
        c.fail("when", _l("Choose days of the week or dates."))
    window = _window(c)
    headcount = _headcount(c)
    fee = raw.get("fee") or "any"
    if fee not in FEES:
        c.fail("fee", _l("Unknown value: %(value)s", value=str(fee)[:40]))
    accessibility = c.keys("accessibility", Accessibility)
    conditions = c.keys("conditions", Condition)
    if c.errors:
        raise ValidationFailed(c.errors)
    return {
        "title": title,
        "details": details or "",
        **area,
        "weekdays": weekdays,
        "dates": dates,
        "starts_minute": window[0],
        "ends_minute": window[1],
        "headcount": headcount,
        "free_only": fee == "free",
        "accessibility": accessibility,
        "conditions": conditions,
    }


def clean_message(raw: Any, *, required: bool) -> str | None:
    """What staff write to a poster or an owner (``message``)."""
    c = FieldCleaner({"message": raw})
    message = c.text("message", MAX_MESSAGE, required=required, multiline=True)
    if c.errors:
        raise ValidationFailed(c.errors)
    return message
