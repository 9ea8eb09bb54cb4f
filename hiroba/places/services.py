"""Registering and editing places. Services flush; the request or command commits once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hiroba import geo
from hiroba.accounts.models import User
from hiroba.database import OUTSIDE_DISTRICTS, guarded_write
from hiroba.errors import EditConflict, OutsideDistricts, PermissionDenied
from hiroba.extensions import db
from hiroba.permissions import can_edit_place
from hiroba.places.models import OpeningPeriod, Place, PlaceStatus
from hiroba.places.validation import clean_place_values
from hiroba.review.services import record_creation

# The database decides the district (trigger ``places_derive``); its refusal becomes ours.
REFUSALS = {OUTSIDE_DISTRICTS: OutsideDistricts}


def apply_values(place: Place, values: Mapping[str, Any]) -> None:
    """Copy cleaned values (``clean_place_values``) onto the model."""
    for field, value in values.items():
        if field == "location":
            place.location = geo.to_db(value)
        elif field == "footprint":
            place.footprint = geo.to_db(value) if value is not None else None
        elif field == "opening_hours":
            place.opening_hours = [
                OpeningPeriod(
                    weekday=p.weekday, opens_minute=p.opens_minute, closes_minute=p.closes_minute
                )
                for p in value
            ]
        else:
            setattr(place, field, value)


def create_place(owner: User, raw: Mapping[str, Any]) -> Place:
    """A new draft listing owned by ``owner``; ValidationFailed (nothing written) if wrong."""
    values = clean_place_values(raw)
    place = Place(owner=owner, status=PlaceStatus.DRAFT)
    apply_values(place, values)
    with guarded_write(REFUSALS):
        db.session.add(place)
    record_creation(place, owner)
    db.session.flush()
    return place


def update_place(
    place: Place, actor: User, raw: Mapping[str, Any], expected_version: int | None = None
) -> Place:
    """Replace the values of a listing not yet published; ``expected_version`` guards against
    lost updates. (Published listings change through ``revisions.propose_revision``.)"""
    if not can_edit_place(actor, place) or place.status == PlaceStatus.APPROVED:
        raise PermissionDenied()
    if expected_version is not None and expected_version != place.version:
        raise EditConflict()
    values = clean_place_values(raw)
    with guarded_write(REFUSALS):
        apply_values(place, values)
    return place
