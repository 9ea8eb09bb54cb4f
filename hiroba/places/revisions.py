"""Edits to approved places: proposed as a revision, reviewed, then applied or discarded.

While a revision waits, the approved listing stays public unchanged. Approving applies the
revision's values (and publishes its new photos); rejecting discards it. One revision per place
is pending at a time (a partial unique index has the last word).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from hiroba.accounts.models import User
from hiroba.database import OUTSIDE_DISTRICTS, guarded_write
from hiroba.districts.queries import district_at
from hiroba.errors import (
    EditConflict,
    InvalidTransition,
    OutsideDistricts,
    PermissionDenied,
    ValidationFailed,
)
from hiroba.extensions import db
from hiroba.notifications.models import NotificationKind
from hiroba.notifications.services import notify_owner, notify_reviewers
from hiroba.permissions import can_decide_revision, can_edit_place
from hiroba.photos.store import discard_revision_photos, publish_revision_photos
from hiroba.places.models import Place, PlaceRevision, PlaceStatus, RevisionStatus
from hiroba.places.queries import pending_revision_of
from hiroba.places.services import apply_values, update_place
from hiroba.places.validation import clean_place_values
from hiroba.places.values import differences, raw_from_clean, raw_from_place
from hiroba.review.models import ReviewAction
from hiroba.review.services import check_version, clean_reason, record_event

REFUSALS = {OUTSIDE_DISTRICTS: OutsideDistricts, "uq_place_revisions_one_pending": EditConflict}
NOT_PENDING = _l("This revision has already been decided.")


def pending_revision(place: Place) -> PlaceRevision | None:
    return db.session.scalar(pending_revision_of(place))


def _check_inside_a_district(values: dict[str, Any]) -> None:
    """Refuse now what the database would refuse when the revision is applied."""
    if district_at(values["location"]) is None:
        raise OutsideDistricts()


def open_revision(place: Place, owner: User) -> PlaceRevision:
    """The place's pending revision, started from its current values if there is none yet."""
    if place.status != PlaceStatus.APPROVED or not can_edit_place(owner, place):
        raise PermissionDenied()
    revision = pending_revision(place)
    if revision is None:
        revision = PlaceRevision(
            place_id=place.id, proposed_by_id=owner.id, values=raw_from_place(place)
        )
        with guarded_write(REFUSALS):
            db.session.add(revision)
        record_event(place, owner, ReviewAction.REVISION_PROPOSED, place.status, None, revision)
        notify_reviewers(place, NotificationKind.REVISION_SUBMITTED, owner)
    return revision


def propose_revision(
    place: Place, owner: User, raw: dict[str, Any], expected_version: int | None = None
) -> PlaceRevision:
    """Store the owner's edit of an approved place for review; the public listing stays as is."""
    if place.status != PlaceStatus.APPROVED or not can_edit_place(owner, place):
        raise PermissionDenied()
    check_version(place, expected_version)
    values = clean_place_values(raw)
    _check_inside_a_district(values)
    proposed = raw_from_clean(values)
    existing = pending_revision(place)
    if existing is None and not differences(raw_from_place(place), proposed):
        raise ValidationFailed({"form": _l("Nothing was changed.")})
    revision = open_revision(place, owner)
    with guarded_write(REFUSALS):
        revision.values = {**proposed, **_photo_changes(revision)}
    return revision


def _photo_changes(revision: PlaceRevision) -> dict[str, Any]:
    removed = (revision.values or {}).get("removed_photo_ids")
    return {"removed_photo_ids": removed} if removed else {}


def _decide(revision: PlaceRevision, reviewer: User, expected_version: int | None) -> Place:
    if revision.status != RevisionStatus.PENDING:
        raise InvalidTransition(NOT_PENDING)
    if not can_decide_revision(reviewer, revision):
        raise PermissionDenied()
    check_version(revision, expected_version)
    if revision.place.status != PlaceStatus.APPROVED:
        raise InvalidTransition(NOT_PENDING)
    return revision.place


def approve_revision(
    revision: PlaceRevision,
    reviewer: User,
    note: str | None = None,
    expected_version: int | None = None,
) -> PlaceRevision:
    """Apply the revision to the public listing."""
    place = _decide(revision, reviewer, expected_version)
    note = clean_reason(note, required=False)
    values = clean_place_values(revision.values)
    now = datetime.now(UTC)
    with guarded_write(REFUSALS):
        apply_values(place, values)
        place.last_confirmed_at = now
        revision.status, revision.decided_by_id, revision.decided_at = (
            RevisionStatus.APPROVED,
            reviewer.id,
            now,
        )
        revision.reason = note
        publish_revision_photos(revision)
    record_event(place, reviewer, ReviewAction.REVISION_APPROVED, place.status, note, revision)
    notify_owner(place, NotificationKind.REVISION_APPROVED, reviewer, note)
    db.session.flush()
    return revision


def reject_revision(
    revision: PlaceRevision, reviewer: User, reason: str, expected_version: int | None = None
) -> PlaceRevision:
    """Discard the revision (and its new photos); the listing stays as it was."""
    place = _decide(revision, reviewer, expected_version)
    reason = clean_reason(reason, required=True)
    with guarded_write(REFUSALS):
        revision.status, revision.decided_by_id, revision.decided_at = (
            RevisionStatus.REJECTED,
            reviewer.id,
            datetime.now(UTC),
        )
        revision.reason = reason
        discard_revision_photos(revision)
    record_event(place, reviewer, ReviewAction.REVISION_REJECTED, place.status, reason, revision)
    notify_owner(place, NotificationKind.REVISION_REJECTED, reviewer, reason)
    db.session.flush()
    return revision


def withdraw_revision(revision: PlaceRevision, owner: User) -> PlaceRevision:
    """The owner takes their proposed changes back."""
    if revision.status != RevisionStatus.PENDING:
        raise InvalidTransition(NOT_PENDING)
    if not can_edit_place(owner, revision.place):
        raise PermissionDenied()
    with guarded_write(REFUSALS):
        revision.status, revision.decided_at = RevisionStatus.WITHDRAWN, datetime.now(UTC)
        discard_revision_photos(revision)
    record_event(
        revision.place,
        owner,
        ReviewAction.REVISION_WITHDRAWN,
        revision.place.status,
        None,
        revision,
    )
    db.session.flush()
    return revision


def revision_differences(revision: PlaceRevision) -> list[tuple[str, Any, Any]]:
    """What approving would change: (field, current, proposed)."""
    return differences(raw_from_place(revision.place), revision.values)


def edit_place(
    place: Place, actor: User, raw: dict[str, Any], expected_version: int | None = None
) -> Place | PlaceRevision:
    """The owner's edit: applied directly before publication, proposed for review after."""
    if place.status == PlaceStatus.APPROVED:
        return propose_revision(place, actor, raw, expected_version)
    return update_place(place, actor, raw, expected_version)
