"""Checking and cleaning the values of a place, whatever sent them (form, API, seed, CLI).

``clean_place_values`` collects every problem at once, so a form can show them all together,
and returns values ready for the model. It never touches the database.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from shapely.geometry import Point, Polygon

from hiroba import geo
from hiroba.errors import InvalidGeometry, ValidationFailed
from hiroba.places.vocabulary import (
    Accessibility,
    Amenity,
    Audience,
    Condition,
    Fee,
    LocationPrecision,
    PlaceKind,
    Sector,
)
from hiroba.text import has_forbidden_characters

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # ISO order: index + 1
MAX_PERIODS_PER_DAY = 6
# A footprint may extend a little away from the point, never somewhere else entirely.
FOOTPRINT_TOLERANCE_DEG = 0.001  # about 100 m
_TIME = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")
PHONE = re.compile(r"^\+?[0-9()\- ]{6,40}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_KANA = re.compile(r"^[\u30A0-\u30FF\u3000 0-9・ー]+$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


@dataclass(frozen=True)
class OpeningPeriodValue:
    weekday: int  # ISO, 1 = Monday
    opens_minute: int
    closes_minute: int


class FieldCleaner:
    """Reads one field at a time from the raw values, recording errors instead of raising."""

    def __init__(self, raw: Mapping[str, Any]):
        self.raw = raw
        self.errors: dict[str, Any] = {}

    def fail(self, field: str, message: Any) -> None:
        self.errors.setdefault(field, message)

    def text(self, field: str, max_length: int, *, required=False, multiline=False) -> str | None:
        value = self.raw.get(field)
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.fail(field, _l("Must be text."))
            return None
        value = unicodedata.normalize("NFC", value).strip()
        if multiline:
            value = value.replace("\r\n", "\n")
        if has_forbidden_characters(value, allowed="\n\t" if multiline else ""):
            self.fail(field, _l("Contains characters that are not allowed."))
            return None
        if required and not value:
            self.fail(field, _l("This field is required."))
            return None
        if len(value) > max_length:
            self.fail(field, _l("At most %(n)d characters.", n=max_length))
            return None
        return value or None

    def choice(self, field: str, enum: type[StrEnum], default: StrEnum | None = None):
        value = self.raw.get(field) or default
        if value is None:
            self.fail(field, _l("Choose one."))
            return None
        try:
            return enum(value)
        except ValueError:
            self.fail(field, _l("Unknown value: %(value)s", value=str(value)[:40]))
            return None

    def keys(self, field: str, enum: type[StrEnum]) -> list[str]:
        value = self.raw.get(field) or []
        if isinstance(value, str):
            value = [v for v in value.split(",") if v]
        if not isinstance(value, list | tuple | set):
            self.fail(field, _l("Must be a list."))
            return []
        known = [m.value for m in enum]
        unknown = [str(v)[:40] for v in value if v not in known]
        if unknown:
            self.fail(field, _l("Unknown value: %(value)s", value=", ".join(unknown)))
            return []
        return [key for key in known if key in value]  # vocabulary order, no duplicates

    def number(self, field: str, low: float, high: float, *, integer: bool):
        value = self.raw.get(field)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            self.fail(field, _l("Must be a number."))
            return None
        try:
            # Integers (JSON has no size limit) are compared exactly: float() would overflow.
            number = value if isinstance(value, int) else float(value)
        except (TypeError, ValueError, OverflowError):
            self.fail(field, _l("Must be a number."))
            return None
        if isinstance(number, float) and (
            not math.isfinite(number) or (integer and not number.is_integer())
        ):
            self.fail(field, _l("Must be a whole number.") if integer else _l("Must be a number."))
            return None
        if not low <= number <= high:
            self.fail(field, _l("Must be between %(low)s and %(high)s.", low=low, high=high))
            return None
        return int(number) if integer else round(number, 1)

    def geometry(self, field: str, parse) -> Any:
        try:
            return parse()
        except InvalidGeometry as error:
            self.errors.update({k: v for k, v in error.errors.items() if k not in self.errors})
            return None


def to_katakana(value: str) -> str:
    """Full-width katakana, as the open-data layouts require (hiragana and half-width folded)."""
    value = unicodedata.normalize("NFKC", value)
    return "".join(chr(ord(ch) + 0x60) if "\u3041" <= ch <= "\u3096" else ch for ch in value)


def parse_minutes(value: Any) -> int | None:
    match = _TIME.match(str(value or "").strip())
    if not match:
        return None
    minutes = int(match.group(1)) * 60 + int(match.group(2))
    return minutes if minutes <= 24 * 60 else None


def _weekday(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 7:
        return value
    if isinstance(value, str) and value.lower() in WEEKDAYS:
        return WEEKDAYS.index(value.lower()) + 1
    return None


def clean_opening_hours(raw: Any) -> list[OpeningPeriodValue]:
    """Periods as ``{"weekday": 1-7 or "mon"…, "opens": "HH:MM", "closes": "HH:MM"}``."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list | tuple) or len(raw) > 7 * MAX_PERIODS_PER_DAY:
        raise ValueError(_l("Opening hours must be a list of at most 42 periods."))
    periods = []
    for item in raw:
        if not isinstance(item, Mapping):
            raise ValueError(_l("Each opening period needs a day, an opening and a closing time."))
        weekday = _weekday(item.get("weekday"))
        opens, closes = parse_minutes(item.get("opens")), parse_minutes(item.get("closes"))
        if weekday is None:
            raise ValueError(_l("Unknown day of the week."))
        if opens is None or closes is None:
            raise ValueError(_l("Times are written HH:MM, between 00:00 and 24:00."))
        if opens >= closes:
            raise ValueError(_l("The closing time must be after the opening time."))
        periods.append(OpeningPeriodValue(weekday, opens, closes))
    periods.sort(key=lambda p: (p.weekday, p.opens_minute))
    for before, after in itertools.pairwise(periods):
        if before.weekday == after.weekday and after.opens_minute < before.closes_minute:
            raise ValueError(_l("Two opening periods on the same day overlap."))
    return periods


def _clean_location(c: FieldCleaner) -> Point | None:
    value = c.raw.get("location")
    if isinstance(value, Mapping) and value.get("type") == "Point":
        value = value.get("coordinates")
    if not isinstance(value, list | tuple) or len(value) != 2:
        c.fail("location", _l("Choose the place's location on the map."))
        return None
    return c.geometry("location", lambda: geo.parse_point(value[0], value[1]))


def _clean_footprint(c: FieldCleaner, point: Point | None, precision) -> Polygon | None:
    value = c.raw.get("footprint")
    if not value:
        return None
    footprint = c.geometry("footprint", lambda: geo.parse_polygon(value))
    if footprint is None:
        return None
    if precision == LocationPrecision.APPROXIMATE:
        c.fail(
            "footprint",
            _l(
                "An outline would show exactly where the place is; "
                "remove it or choose the exact location."
            ),
        )
        return None
    if point is not None and not footprint.buffer(FOOTPRINT_TOLERANCE_DEG).covers(point):
        c.fail("footprint", _l("The outline must surround the place's point on the map."))
        return None
    return footprint


def clean_place_values(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validated model values from raw input; raises ValidationFailed listing every problem."""
    c = FieldCleaner(raw)
    kind = c.choice("kind", PlaceKind)
    # Homes and vacant houses default to an approximate public location.
    default_precision = (
        LocationPrecision.APPROXIMATE if kind == PlaceKind.VACANT_HOUSE else LocationPrecision.EXACT
    )
    precision = c.choice("location_precision", LocationPrecision, default_precision)
    location = _clean_location(c)
    values: dict[str, Any] = {
        "name": c.text("name", 120, required=True),
        "name_kana": c.text("name_kana", 120),
        "name_en": c.text("name_en", 120),
        "kind": kind,
        "sector": c.choice("sector", Sector),
        "description": c.text("description", 4000, multiline=True) or "",
        "address": c.text("address", 200),
        "location": location,
        "location_precision": precision,
        "footprint": _clean_footprint(c, location, precision),
        "capacity": c.number("capacity", 1, 100_000, integer=True),
        "floor_area_m2": c.number("floor_area_m2", 1, 1_000_000, integer=False),
        "amenities": c.keys("amenities", Amenity),
        "accessibility": c.keys("accessibility", Accessibility),
        "conditions": c.keys("conditions", Condition),
        "fee": c.choice("fee", Fee, Fee.FREE),
        "fee_details": c.text("fee_details", 500),
        "who_may_use": c.choice("who_may_use", Audience, Audience.ANYONE),
        "hours_note": c.text("hours_note", 500),
        "contact_phone": c.text("contact_phone", 40),
        "contact_email": c.text("contact_email", 254),
        "website_url": c.text("website_url", 500),
    }
    if values["name_kana"]:
        values["name_kana"] = to_katakana(values["name_kana"])
        if not _KANA.match(values["name_kana"]):
            c.fail("name_kana", _l("Write the reading in katakana (or hiragana)."))
    if values["contact_phone"] and not PHONE.match(values["contact_phone"]):
        c.fail("contact_phone", _l("Enter a phone number with digits and hyphens."))
    if values["contact_email"] and not _EMAIL.match(values["contact_email"]):
        c.fail("contact_email", _l("Enter a valid email address."))
    if values["website_url"] and not _URL.match(values["website_url"]):
        c.fail("website_url", _l("Enter a web address starting with https://"))
    try:
        values["opening_hours"] = clean_opening_hours(raw.get("opening_hours"))
    except ValueError as error:
        c.fail("opening_hours", error.args[0])
    if c.errors:
        raise ValidationFailed(c.errors)
    return values
