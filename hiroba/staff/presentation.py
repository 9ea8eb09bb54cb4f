"""What the review page shows, in words a reviewer reads: values, differences, history, map.

Places and revisions are compared as raw values (``hiroba.places.values``), the shape the
owner typed; this module turns each into text — vocabulary labels instead of keys, opening
hours as days and times, a location as coordinates — in the reviewer's language.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from hiroba import geo, maps
from hiroba.errors import InvalidGeometry
from hiroba.extensions import db
from hiroba.i18n import weekday_names
from hiroba.photos.models import PlacePhoto
from hiroba.places.models import Place, PlaceRevision
from hiroba.places.revisions import revision_differences
from hiroba.places.values import FIELDS, raw_from_place
from hiroba.places.vocabulary import (
    Accessibility,
    Amenity,
    Audience,
    Condition,
    Fee,
    LocationPrecision,
    PlaceKind,
    Sector,
    label,
)
from hiroba.review.models import ReviewAction
from hiroba.staff.queries import place_history

FIELD_LABELS = {
    "name": _l("Name"),
    "name_kana": _l("Name in kana"),
    "name_en": _l("Name in English"),
    "kind": _l("Kind of place"),
    "sector": _l("Public or private"),
    "description": _l("Description"),
    "address": _l("Address"),
    "location": _l("Location"),
    "location_precision": _l("Location shown to the public"),
    "footprint": _l("Outline"),
    "capacity": _l("Capacity"),
    "floor_area_m2": _l("Floor area (m²)"),
    "amenities": _l("Amenities"),
    "accessibility": _l("Accessibility"),
    "conditions": _l("Conditions of use"),
    "fee": _l("Fee"),
    "fee_details": _l("Fee details"),
    "who_may_use": _l("Who may use it"),
    "opening_hours": _l("Opening hours"),
    "hours_note": _l("Note on opening hours"),
    "contact_phone": _l("Phone"),
    "contact_email": _l("Email"),
    "website_url": _l("Website"),
}
VOCABULARY: dict[str, type[StrEnum]] = {
    "kind": PlaceKind,
    "sector": Sector,
    "fee": Fee,
    "who_may_use": Audience,
    "location_precision": LocationPrecision,
    "amenities": Amenity,
    "accessibility": Accessibility,
    "conditions": Condition,
}
REVISION_STEPS = {
    ReviewAction.REVISION_PROPOSED: _l("Changes proposed"),
    ReviewAction.REVISION_APPROVED: _l("Changes approved and published"),
    ReviewAction.REVISION_REJECTED: _l("Changes not accepted"),
    ReviewAction.REVISION_WITHDRAWN: _l("Changes withdrawn by the owner"),
}


@dataclass(frozen=True)
class Row:
    field: str
    label: str
    current: str
    proposed: str | None = None


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    actor: str
    by_owner: bool
    step: str
    reason: str | None
    revision_step: bool


def _vocabulary_label(enum: type[StrEnum], key: Any) -> str:
    try:
        return label(enum(key))
    except ValueError:
        return str(key)  # a key this version does not know: show it rather than fail


def _hours(periods: Iterable[dict[str, Any]]) -> str:
    days = weekday_names()
    by_day: dict[int, list[str]] = {}
    for period in periods:
        by_day.setdefault(int(period["weekday"]), []).append(
            f"{period['opens']}–{period['closes']}"
        )
    return "\n".join(f"{days[day - 1]} {', '.join(by_day[day])}" for day in sorted(by_day))


def _outline(value: dict[str, Any]) -> str:
    try:
        area = geo.area_km2(geo.parse_polygon(value)) * 1_000_000
    except InvalidGeometry:
        return _("An outline that cannot be read")
    return _("An outline of about %(area)s m²", area=f"{area:,.0f}")


def readable(field: str, value: Any) -> str:
    """A raw value of ``field`` as text for the reviewer."""
    if value is None or value == "" or value == []:
        return "—"
    if field in VOCABULARY:
        keys = value if isinstance(value, list) else [value]
        return ", ".join(_vocabulary_label(VOCABULARY[field], key) for key in keys)
    if field == "location":
        lon, lat = value
        return _("Latitude %(lat)s, longitude %(lon)s", lat=f"{lat:.6f}", lon=f"{lon:.6f}")
    if field == "footprint":
        return _outline(value)
    if field == "opening_hours":
        return _hours(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def listing(place: Place) -> list[Row]:
    """Every field of the place as the owner filled it in (exact location included)."""
    raw = raw_from_place(place)
    return [Row(f, str(FIELD_LABELS[f]), readable(f, raw.get(f))) for f in FIELDS]


def revision_diff(revision: PlaceRevision) -> list[Row]:
    """What approving the revision would change: field, current and proposed, as text."""
    return [
        Row(field, str(FIELD_LABELS.get(field, field)), readable(field, old), readable(field, new))
        for field, old, new in revision_differences(revision)
    ]


def photos(place: Place, revision: PlaceRevision | None) -> list[tuple[PlacePhoto, str]]:
    """Every photo with its state: ``public``, ``new`` (waiting in the revision) or
    ``removed`` (the revision would remove it)."""
    removed = set((revision.values or {}).get("removed_photo_ids") or []) if revision else set()
    return [
        (photo, "new" if photo.revision_id else "removed" if photo.id in removed else "public")
        for photo in place.photos
    ]


def _step(event) -> str:
    if event.action != ReviewAction.TRANSITION:
        return str(REVISION_STEPS[event.action])
    if event.from_status is None:
        return _("Created as %(status)s", status=label(event.to_status))
    return f"{label(event.from_status)} → {label(event.to_status)}"


def history(place: Place) -> list[HistoryRow]:
    """The review history, oldest first."""
    return [
        HistoryRow(
            at=event.created_at,
            actor=event.actor.display_name if event.actor else _("System"),
            by_owner=event.actor_id == place.owner_id,
            step=_step(event),
            reason=event.reason,
            revision_step=event.action != ReviewAction.TRANSITION,
        )
        for event in db.session.scalars(place_history(place))
    ]


def _parsed(parse, *args):
    try:
        return parse(*args)
    except (InvalidGeometry, TypeError, ValueError):
        return None  # the diff says it in words; the map leaves out what it cannot draw


def _proposed_geometry(revision: PlaceRevision | None, changed: set[str]):
    values = (revision.values or {}) if revision else {}
    point = outline = None
    if "location" in changed and values.get("location"):
        point = _parsed(geo.parse_point, *values["location"])
    if "footprint" in changed and values.get("footprint"):
        outline = _parsed(geo.parse_polygon, values["footprint"])
    return point, outline


def review_map(place: Place, revision: PlaceRevision | None, diff: list[Row]):
    """The exact point and outline, the public area of an approximate place, and any
    location or outline the revision proposes."""
    approximate = place.location_precision == LocationPrecision.APPROXIMATE
    proposed_point, proposed_footprint = _proposed_geometry(revision, {r.field for r in diff})
    return maps.review_map(
        point=geo.from_db(place.location),
        footprint=geo.from_db(place.footprint),
        public_point=geo.from_db(place.public_location) if approximate else None,
        proposed_point=proposed_point,
        proposed_footprint=proposed_footprint,
    )
