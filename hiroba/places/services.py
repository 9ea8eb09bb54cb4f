"""Registering and editing places. Services flush; the request or command commits once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from hiroba import geo
from hiroba.accounts.models import User
from hiroba.accounts.services import find_user_by_email
from hiroba.database import OUTSIDE_DISTRICTS, guarded_write
from hiroba.districts.queries import district_at
from hiroba.errors import EditConflict, OutsideDistricts, PermissionDenied, ValidationFailed
from hiroba.extensions import db
from hiroba.permissions import can_edit_place, can_register_on_behalf
from hiroba.places.models import OpeningPeriod, Place, PlaceStatus
from hiroba.places.validation import clean_place_values
from hiroba.review.services import record_creation
from hiroba.text import has_forbidden_characters

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


def _insert(owner: User, values: Mapping[str, Any], actor: User, **extra: Any) -> Place:
    place = Place(owner=owner, status=PlaceStatus.DRAFT, **extra)
    apply_values(place, values)
    with guarded_write(REFUSALS):
        db.session.add(place)
    record_creation(place, actor)
    db.session.flush()
    return place


def create_place(owner: User, raw: Mapping[str, Any]) -> Place:
    """A new draft listing owned by ``owner``; ValidationFailed (nothing written) if wrong."""
    return _insert(owner, clean_place_values(raw), owner)


# 代理登録: what staff record about the owner they register a place for.
MAX_CONSENT_NOTE = 500
MAX_OWNER_NOTE = 300


def _proxy_note(errors: dict[str, Any], field: str, value: str | None, limit: int, required: bool):
    value = (value or "").replace("\r\n", "\n").strip()
    if has_forbidden_characters(value, allowed="\n"):
        errors[field] = _l("Contains characters that are not allowed.")
    elif required and not value:
        errors[field] = _l("Write how and when the owner agreed to this listing.")
    elif len(value) > limit:
        errors[field] = _l("At most %(n)d characters.", n=limit)
    return value or None


def _proxy_owner(errors: dict[str, Any], staff: User, owner_email: str | None) -> User:
    email = (owner_email or "").strip()
    if not email:
        return staff
    owner = find_user_by_email(email)
    if owner is None:
        errors["owner_email"] = _l("There is no account with this email address.")
        return staff
    return owner


def register_on_behalf(
    staff: User,
    raw: Mapping[str, Any],
    consent_note: str | None,
    owner_email: str | None = None,
    owner_note: str | None = None,
) -> Place:
    """代理登録: a draft listing that ``staff`` registers for an owner who does not use the web.

    The owner is the account with ``owner_email`` if given, else ``staff`` holds the listing.
    The consent note (required) and the owner's name and contact (optional) are for the owner
    and the ward's staff only. Staff register only in their wards (checked on the ward of the
    point); every problem is reported at once.
    """
    errors: dict[str, Any] = {}
    try:
        values = clean_place_values(raw)
    except ValidationFailed as error:
        errors.update(error.errors)
        values = None
    consent = _proxy_note(errors, "consent_note", consent_note, MAX_CONSENT_NOTE, True)
    contact = _proxy_note(errors, "owner_note", owner_note, MAX_OWNER_NOTE, False)
    owner = _proxy_owner(errors, staff, owner_email)
    if values is not None:
        district = district_at(values["location"])
        if district is None:
            errors["location"] = OutsideDistricts().errors["location"]
        elif not can_register_on_behalf(staff, district.code):
            errors["location"] = _l(
                "This point is in %(ward)s, which is not one of your wards.", ward=district.name_ja
            )
    if errors:
        raise ValidationFailed(errors)
    return _insert(
        owner,
        values,
        staff,
        registered_by_id=staff.id,
        proxy_consent_note=consent,
        proxy_owner_note=contact,
    )


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
