"""Named permission predicates: the only place that decides who may do what.

Each takes the acting user (possibly anonymous) and the object. Views, the API, the CLI and
templates call these; nobody re-derives a rule inline.
"""

from __future__ import annotations

from typing import Any

from hiroba.accounts.models import Role
from hiroba.places.models import Place, PlaceStatus
from hiroba.review.workflow import Party, parties_for

# An owner edits a listing before review or when asked to change it. Edits to an approved
# listing go through review as a revision (not yet built), so they are not allowed directly.
OWNER_EDITABLE = {PlaceStatus.DRAFT, PlaceStatus.CHANGES_REQUESTED}


def _authenticated(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_admin(user: Any) -> bool:
    return _authenticated(user) and user.role == Role.ADMIN


def is_staff_of(user: Any, district_code: str) -> bool:
    """Staff of that ward (admins count as staff of every ward)."""
    if is_admin(user):
        return True
    return _authenticated(user) and user.role == Role.STAFF and district_code in user.ward_codes


def is_owner(user: Any, place: Place) -> bool:
    return _authenticated(user) and place.owner_id == user.id


def can_view_place(user: Any, place: Place) -> bool:
    """The public sees approved places; owners and the ward's staff see every status."""
    return (
        place.status == PlaceStatus.APPROVED
        or is_owner(user, place)
        or is_staff_of(user, place.district_code)
    )


def can_see_exact_location(user: Any, place: Place) -> bool:
    """The exact point and street address of an approximate place: owner and ward staff only."""
    return is_owner(user, place) or is_staff_of(user, place.district_code)


def can_edit_place(user: Any, place: Place) -> bool:
    return is_owner(user, place) and place.status in OWNER_EDITABLE


def can_review_place(user: Any, place: Place) -> bool:
    """Approve, request changes or reject: staff of the place's ward, never its own owner."""
    return is_staff_of(user, place.district_code) and not is_owner(user, place)


def can_transition_place(user: Any, place: Place, to_status: PlaceStatus) -> bool:
    """May ``user`` move ``place`` to ``to_status`` (per the workflow's transition table)?"""
    parties = parties_for(place.status, to_status)
    return (Party.OWNER in parties and is_owner(user, place)) or (
        Party.REVIEWER in parties and can_review_place(user, place)
    )


PREDICATES = {
    "is_admin": is_admin,
    "is_staff_of": is_staff_of,
    "is_owner": is_owner,
    "can_view_place": can_view_place,
    "can_see_exact_location": can_see_exact_location,
    "can_edit_place": can_edit_place,
    "can_review_place": can_review_place,
    "can_transition_place": can_transition_place,
}
