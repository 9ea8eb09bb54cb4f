"""Status changes of listings, each written to the append-only review history."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l

from hiroba.accounts.models import User
from hiroba.database import guarded_write
from hiroba.errors import InvalidTransition, PermissionDenied, ValidationFailed
from hiroba.extensions import db
from hiroba.permissions import can_transition_place
from hiroba.places.models import Place, PlaceStatus
from hiroba.places.vocabulary import label
from hiroba.review.models import ReviewEvent
from hiroba.review.workflow import REASON_REQUIRED, parties_for


def record_creation(place: Place, actor: User) -> ReviewEvent:
    """The first event of every listing: created as a draft."""
    event = ReviewEvent(place_id=place.id, actor_id=actor.id, to_status=place.status)
    db.session.add(event)
    return event


def change_status(
    place: Place, to_status: PlaceStatus, actor: User, reason: str | None = None
) -> ReviewEvent:
    """Move ``place`` to ``to_status`` if the workflow allows it and ``actor`` may do it."""
    if not parties_for(place.status, to_status):
        raise InvalidTransition(
            _l("A listing cannot go from “%(old)s” to “%(new)s”.",
               old=label(place.status), new=label(to_status))
        )  # fmt: skip
    if not can_transition_place(actor, place, to_status):
        raise PermissionDenied()
    reason = (reason or "").strip() or None
    if to_status in REASON_REQUIRED and not reason:
        raise ValidationFailed({"reason": _l("Please give a reason for the owner.")})
    if reason and len(reason) > 2000:
        raise ValidationFailed({"reason": _l("At most %(n)d characters.", n=2000)})
    event = ReviewEvent(
        place_id=place.id,
        actor_id=actor.id,
        from_status=place.status,
        to_status=to_status,
        reason=reason,
    )
    with guarded_write({}):
        place.status = to_status
        if to_status == PlaceStatus.APPROVED:
            place.last_confirmed_at = datetime.now(UTC)
        db.session.add(event)
    return event


def submit(place: Place, owner: User) -> ReviewEvent:
    return change_status(place, PlaceStatus.PENDING, owner)


def approve(place: Place, reviewer: User, note: str | None = None) -> ReviewEvent:
    return change_status(place, PlaceStatus.APPROVED, reviewer, note)


def request_changes(place: Place, reviewer: User, reason: str) -> ReviewEvent:
    return change_status(place, PlaceStatus.CHANGES_REQUESTED, reviewer, reason)


def reject(place: Place, reviewer: User, reason: str) -> ReviewEvent:
    return change_status(place, PlaceStatus.REJECTED, reviewer, reason)


def archive(place: Place, actor: User, reason: str | None = None) -> ReviewEvent:
    return change_status(place, PlaceStatus.ARCHIVED, actor, reason)
