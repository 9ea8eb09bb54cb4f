"""Places as raw values: the JSON-able shape that forms send, seeds hold and revisions store.

``clean_place_values`` (validation) turns raw values into model values; these functions go the
other way, so that a stored revision or a form prefilled from a place says exactly what the
owner would type.
"""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Any

from hiroba import geo
from hiroba.i18n import hhmm
from hiroba.places.models import Place

# Every field an owner edits, in form order.
FIELDS = (
    "name",
    "name_kana",
    "name_en",
    "kind",
    "sector",
    "description",
    "address",
    "location",
    "location_precision",
    "footprint",
    "capacity",
    "floor_area_m2",
    "amenities",
    "accessibility",
    "conditions",
    "fee",
    "fee_details",
    "who_may_use",
    "opening_hours",
    "hours_note",
    "contact_phone",
    "contact_email",
    "website_url",
)


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return float(value)
    return value


def _raw(source: Any, get) -> dict[str, Any]:
    raw = {field: _plain(get(source, field)) for field in FIELDS}
    raw["location"] = list(get(source, "location").coords[0])
    footprint = get(source, "footprint")
    raw["footprint"] = (
        {"type": "Polygon", "coordinates": [[list(c) for c in footprint.exterior.coords]]}
        if footprint is not None
        else None
    )
    raw["opening_hours"] = [
        {"weekday": p.weekday, "opens": hhmm(p.opens_minute), "closes": hhmm(p.closes_minute)}
        for p in get(source, "opening_hours")
    ]
    for field in ("amenities", "accessibility", "conditions"):
        raw[field] = list(raw[field] or [])
    return raw


def raw_from_clean(values: dict[str, Any]) -> dict[str, Any]:
    """JSON-able raw values from the output of ``clean_place_values``."""
    return _raw(values, lambda source, field: source.get(field))


def raw_from_place(place: Place) -> dict[str, Any]:
    """The place's current values as raw values (exact location: for its owner and staff)."""

    def get(source: Place, field: str) -> Any:
        if field in ("location", "footprint"):
            return geo.from_db(getattr(source, field))
        return getattr(source, field)

    return _raw(place, get)


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(field, old, new) for every field whose raw value differs, in form order."""
    return [(f, before.get(f), after.get(f)) for f in FIELDS if before.get(f) != after.get(f)]
