"""Status changes of listings, each written to the append-only review history.

Every decision may carry the version of the place the actor was looking at: if someone else
changed the place since, the decision is refused (``EditConflict``) instead of silently
overriding theirs — and the database's version check catches the race the Python check cannot.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l

from hiroba.accounts.models import User
from hiroba.database import guarded_write
from hiroba.errors import EditConflict, InvalidTransition, PermissionDenied, ValidationFailed
from hiroba.extensions import db
from hiroba.notifications.models import NotificationKind
from hiroba.notifications.services import notify_owner, notify_reviewers
from hiroba.permissions import can_transition_place
from hiroba.photos.store import discard_revision_photos
from hiroba.places.models import Place, PlaceRevision, PlaceStatus, RevisionStatus
from hiroba.places.queries import pending_revision_of
from hiroba.places.vocabulary import label
from hiroba.review.models import ReviewAction, ReviewEvent
from hiroba.review.workflow import REASON_REQUIRED, Party, parties_for
from hiroba.usage.services import close_for_place

MAX_REASON = 2000
HUMANS = {Party.OWNER, Party.REVIEWER}

# Who hears about a status change, and what they are told.
OWNER_NEWS = {
    PlaceStatus.APPROVED: NotificationKind.PLACE_APPROVED,
    PlaceStatus.CHANGES_REQUESTED: NotificationKind.CHANGES_REQUESTED,
    PlaceStatus.REJECTED: NotificationKind.PLACE_REJECTED,
    PlaceStatus.ARCHIVED: NotificationKind.PLACE_ARCHIVED,
}


def check_version(obj: Place | PlaceRevision, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != obj.version:
        raise EditConflict()


def clean_reason(reason: str | None, required: bool) -> str | None:
    reason = (reason or "").strip() or None
    if required and not reason:
        raise ValidationFailed({"reason": _l("Please give a reason for the owner.")})
    if reason and len(reason) > MAX_REASON:
        raise ValidationFailed({"reason": _l("At most %(n)d characters.", n=MAX_REASON)})
    return reason


def record_event(
    place: Place,
    actor: User | None,
    action: ReviewAction = ReviewAction.TRANSITION,
    from_status: PlaceStatus | None = None,
    reason: str | None = None,
    revision: PlaceRevision | None = None,
) -> ReviewEvent:
    """Append one event to the place's history (to_status is the place's status now)."""
    event = ReviewEvent(
        place_id=place.id,
        actor_id=actor.id if actor else None,
        action=action,
        from_status=from_status,
        to_status=place.status,
        reason=reason,
        revision_id=revision.id if revision else None,
    )
    db.session.add(event)
    return event


def record_creation(place: Place, actor: User) -> ReviewEvent:
    """The first event of every listing: created as a draft."""
    return record_event(place, actor)


def change_status(
    place: Place,
    to_status: PlaceStatus,
    actor: User,
    reason: str | None = None,
    expected_version: int | None = None,
) -> ReviewEvent:
    """Move ``place`` to ``to_status`` if the workflow allows it and ``actor`` may do it."""
    check_version(place, expected_version)
    _check_transition(place, to_status, HUMANS)
    if not can_transition_place(actor, place, to_status):
        raise PermissionDenied()
    reason = clean_reason(reason, required=to_status in REASON_REQUIRED)
    return _move(place, to_status, actor, reason, datetime.now(UTC))


def change_status_by_system(
    place: Place, to_status: PlaceStatus, reason: str, now: datetime
) -> ReviewEvent:
    """A move only a scheduled job makes (the workflow's SYSTEM party); the event has no actor."""
    _check_transition(place, to_status, {Party.SYSTEM})
    return _move(place, to_status, None, reason, now)


def _check_transition(place: Place, to_status: PlaceStatus, parties: set[Party]) -> None:
    """Refuse a move that does not exist for these parties (people, or the scheduled jobs)."""
    if not parties_for(place.status, to_status) & parties:
        raise InvalidTransition(
            _l(
                "A listing cannot go from “%(old)s” to “%(new)s”.",
                old=label(place.status),
                new=label(to_status),
            )
        )


def _move(
    place: Place, to_status: PlaceStatus, actor: User | None, reason: str | None, now: datetime
) -> ReviewEvent:
    from_status = place.status
    with guarded_write({}):
        place.status = to_status
        if to_status == PlaceStatus.PENDING:
            place.submitted_at = now
        if to_status == PlaceStatus.APPROVED:
            place.last_confirmed_at = now
    event = record_event(place, actor, from_status=from_status, reason=reason)
    if from_status == PlaceStatus.APPROVED:
        _withdraw_pending_revision(place, actor, now)
        close_for_place(place, now)  # its usage requests and future agreed uses
    if to_status == PlaceStatus.PENDING:
        notify_reviewers(place, NotificationKind.PLACE_SUBMITTED, actor)
    elif to_status in OWNER_NEWS:
        notify_owner(place, OWNER_NEWS[to_status], actor, reason)
    db.session.flush()
    return event


def _withdraw_pending_revision(place: Place, actor: User | None, now: datetime) -> None:
    """A place leaving publication takes its waiting changes (and their photos) with it."""
    revision = db.session.scalar(pending_revision_of(place))
    if revision is None:
        return
    revision.status, revision.decided_at = RevisionStatus.WITHDRAWN, now
    discard_revision_photos(revision)
    record_event(place, actor, ReviewAction.REVISION_WITHDRAWN, place.status, None, revision)


def submit(place: Place, owner: User, expected_version: int | None = None) -> ReviewEvent:
    return change_status(place, PlaceStatus.PENDING, owner, expected_version=expected_version)


def approve(
    place: Place, reviewer: User, note: str | None = None, expected_version: int | None = None
) -> ReviewEvent:
    return change_status(place, PlaceStatus.APPROVED, reviewer, note, expected_version)


def request_changes(
    place: Place, reviewer: User, reason: str, expected_version: int | None = None
) -> ReviewEvent:
    return change_status(place, PlaceStatus.CHANGES_REQUESTED, reviewer, reason, expected_version)


def reject(
    place: Place, reviewer: User, reason: str, expected_version: int | None = None
) -> ReviewEvent:
    return change_status(place, PlaceStatus.REJECTED, reviewer, reason, expected_version)


def archive(
    place: Place, actor: User, reason: str | None = None, expected_version: int | None = None
) -> ReviewEvent:
    return change_status(place, PlaceStatus.ARCHIVED, actor, reason, expected_version)
