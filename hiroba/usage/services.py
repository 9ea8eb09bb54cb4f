"""Usage requests (利用相談): asking, answering, cancelling, and owners' blocked times.

Every change follows the workflow's table (``hiroba.usage.workflow``), is checked by a named
permission, is written to the append-only history and tells the other side. Services flush and
never commit. The database has the last word on double booking: two accepted uses of a place
that overlap are refused by its exclusion constraint, whoever accepts them and however fast.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from hiroba.accounts.models import User
from hiroba.database import guarded_write
from hiroba.errors import (
    EditConflict,
    HirobaError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from hiroba.extensions import db
from hiroba.notifications.models import NotificationKind
from hiroba.notifications.services import notify_usage, ward_reviewers
from hiroba.permissions import can_ask_to_use, can_change_usage, can_manage_usage_calendar
from hiroba.places.models import Place, PlaceStatus
from hiroba.places.search import TOKYO
from hiroba.usage.models import OPEN, PlaceBlock, UsageEvent, UsageRequest, UsageStatus
from hiroba.usage.queries import blocks_overlapping, uses_overlapping
from hiroba.usage.validation import clean_block, clean_proposal, clean_request_values
from hiroba.usage.workflow import REASON_REQUIRED, Side, sides_for, status_label

MAX_REASON = 2000
NEWS = {
    UsageStatus.ACCEPTED: NotificationKind.USAGE_ACCEPTED,
    UsageStatus.DECLINED: NotificationKind.USAGE_DECLINED,
    UsageStatus.PROPOSED: NotificationKind.USAGE_PROPOSED,
    UsageStatus.WITHDRAWN: NotificationKind.USAGE_WITHDRAWN,
    UsageStatus.CANCELLED: NotificationKind.USAGE_CANCELLED,
    UsageStatus.CLOSED: NotificationKind.USAGE_CLOSED,
}


class UsageConflict(HirobaError):
    """The time asked for is taken: it overlaps an accepted use or a closed day."""

    status = 409
    slug = "usage-conflict"
    title = _l("This time is not available")


def now_utc() -> datetime:
    return datetime.now(UTC)


def _when(moment: datetime) -> str:
    return format_datetime(moment.astimezone(TOKYO), "yyyy-MM-dd HH:mm")


def _hours_error(place: Place, starts_at: datetime, ends_at: datetime) -> Any | None:
    """Why the range is outside the place's opening hours, or None if it fits in one period.

    A place without registered hours takes requests at any time (its owner decides)."""
    if not place.opening_hours:
        return None
    local_start = starts_at.astimezone(TOKYO)
    start = local_start.hour * 60 + local_start.minute
    end = start + int((ends_at - starts_at).total_seconds() // 60)
    if end > 24 * 60:
        return _l("A request must start and end on the same day.")
    weekday = local_start.isoweekday()
    if any(
        p.weekday == weekday and p.opens_minute <= start and end <= p.closes_minute
        for p in place.opening_hours
    ):
        return None
    return _l("The place is not open for the whole of this time. Please check its opening hours.")


def _check_free(
    place: Place, starts_at: datetime, ends_at: datetime, *, ignore: UsageRequest | None = None
) -> None:
    blocks = db.session.scalars(blocks_overlapping(place.id, starts_at, ends_at)).first()
    if blocks is not None:
        raise UsageConflict(_l("The owner has closed the place for requests at this time."))
    taken = db.session.scalars(uses_overlapping(place.id, starts_at, ends_at, ignore)).first()
    if taken is not None:
        raise UsageConflict(_l("This time overlaps a use that is already agreed."))


def _record(
    request: UsageRequest,
    actor: User | None,
    from_status: UsageStatus | None,
    reason: str | None = None,
    times: tuple[datetime, datetime] | None = None,
) -> UsageEvent:
    event = UsageEvent(
        request_id=request.id,
        actor_id=actor.id if actor else None,
        from_status=from_status,
        to_status=request.status,
        reason=reason,
        starts_at=times[0] if times else None,
        ends_at=times[1] if times else None,
    )
    db.session.add(event)
    return event


def _clean_reason(reason: str | None, required: bool) -> str | None:
    reason = (reason or "").replace("\r\n", "\n").strip() or None
    if required and not reason:
        raise ValidationFailed({"reason": _l("Please give a reason: the other side will read it.")})
    if reason and len(reason) > MAX_REASON:
        raise ValidationFailed({"reason": _l("At most %(n)d characters.", n=MAX_REASON)})
    return reason


def _other_sides(request: UsageRequest) -> list[int]:
    """Everyone who hears about a step: the requester and the owner (the actor is left out)."""
    return [request.requester_id, request.place.owner_id]


# --- asking -------------------------------------------------------------------------------------


def ask(
    place: Place, requester: User, raw: Mapping[str, Any], now: datetime | None = None
) -> UsageRequest:
    """A new request to use ``place``; the owner and the ward's staff are told."""
    if not can_ask_to_use(requester, place):
        if place.status != PlaceStatus.APPROVED:
            raise NotFound()
        raise PermissionDenied(_l("This is your own place."))
    now = now or now_utc()
    values = clean_request_values(raw, now)
    errors: dict[str, Any] = {}
    hours = _hours_error(place, values["starts_at"], values["ends_at"])
    if hours:
        errors["start"] = hours
    if place.capacity and values["headcount"] > place.capacity:
        errors["headcount"] = _l("This place takes at most %(n)d people.", n=place.capacity)
    if errors:
        raise ValidationFailed(errors)
    _check_free(place, values["starts_at"], values["ends_at"])
    mine = db.session.scalar(
        select(UsageRequest.id).where(
            UsageRequest.place_id == place.id,
            UsageRequest.requester_id == requester.id,
            UsageRequest.status.in_(OPEN),
            UsageRequest.starts_at < values["ends_at"],
            UsageRequest.ends_at > values["starts_at"],
        )
    )
    if mine is not None:
        raise UsageConflict(_l("You have already asked for this time. See “My requests”."))
    request = UsageRequest(place=place, requester=requester, **values)
    db.session.add(request)
    db.session.flush()
    _record(request, requester, None)
    reviewers = ward_reviewers(place)
    notify_usage(request, NotificationKind.USAGE_REQUESTED, requester, [place.owner_id, *reviewers])
    db.session.flush()
    return request


# --- answering ----------------------------------------------------------------------------------


def change(
    request: UsageRequest,
    to_status: UsageStatus,
    actor: User,
    reason: str | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> UsageEvent:
    """Move ``request`` to ``to_status`` if the workflow allows it and ``actor`` may."""
    if expected_version is not None and expected_version != request.version:
        raise EditConflict()
    if not sides_for(request.status, to_status):
        raise InvalidTransition(
            _l(
                "A request cannot go from “%(old)s” to “%(new)s”.",
                old=status_label(request.status),
                new=status_label(to_status),
            )
        )
    if not can_change_usage(actor, request, to_status):
        raise PermissionDenied()
    reason = _clean_reason(reason, required=to_status in REASON_REQUIRED)
    now = now or now_utc()
    if to_status == UsageStatus.ACCEPTED:
        if request.place.status != PlaceStatus.APPROVED:
            raise InvalidTransition(_l("The place is no longer published."))
        if request.starts_at <= now:
            raise InvalidTransition(_l("This time has already passed, so it cannot be accepted."))
        _check_free(request.place, request.starts_at, request.ends_at, ignore=request)
    from_status = request.status
    taken = UsageConflict(_l("This time overlaps a use that is already agreed."))
    with guarded_write({"no_double_booking": lambda: taken}):
        request.status = to_status
    event = _record(request, actor, from_status, reason)
    notify_usage(request, NEWS[to_status], actor, _other_sides(request), reason)
    db.session.flush()
    return event


def propose(
    request: UsageRequest,
    actor: User,
    raw: Mapping[str, Any],
    reason: str | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> UsageEvent:
    """The owner's side proposes another time; the requester may then accept it or withdraw."""
    if expected_version is not None and expected_version != request.version:
        raise EditConflict()
    if not can_change_usage(actor, request, UsageStatus.PROPOSED):
        if not sides_for(request.status, UsageStatus.PROPOSED):
            raise InvalidTransition(_l("Another time can be proposed only for a new request."))
        raise PermissionDenied()
    now = now or now_utc()
    starts_at, ends_at = clean_proposal(raw, now)
    hours = _hours_error(request.place, starts_at, ends_at)
    if hours:
        raise ValidationFailed({"start": hours})
    _check_free(request.place, starts_at, ends_at)
    reason = _clean_reason(reason, required=False)
    from_status = request.status
    with guarded_write({}):
        request.status, request.starts_at, request.ends_at = (
            UsageStatus.PROPOSED,
            starts_at,
            ends_at,
        )
    event = _record(request, actor, from_status, reason, (starts_at, ends_at))
    notify_usage(request, NEWS[UsageStatus.PROPOSED], actor, _other_sides(request), reason)
    db.session.flush()
    return event


def accept(request: UsageRequest, actor: User, **kwargs) -> UsageEvent:
    return change(request, UsageStatus.ACCEPTED, actor, **kwargs)


def decline(request: UsageRequest, actor: User, reason: str, **kwargs) -> UsageEvent:
    return change(request, UsageStatus.DECLINED, actor, reason, **kwargs)


def withdraw(request: UsageRequest, actor: User, **kwargs) -> UsageEvent:
    return change(request, UsageStatus.WITHDRAWN, actor, **kwargs)


def cancel(request: UsageRequest, actor: User, reason: str, **kwargs) -> UsageEvent:
    return change(request, UsageStatus.CANCELLED, actor, reason, **kwargs)


# --- closed by hiroba ---------------------------------------------------------------------------


def _close(request: UsageRequest, reason: str) -> None:
    if Side.SYSTEM not in sides_for(request.status, UsageStatus.CLOSED):
        return
    from_status = request.status
    request.status = UsageStatus.CLOSED
    _record(request, None, from_status, reason)
    notify_usage(request, NEWS[UsageStatus.CLOSED], None, _other_sides(request), reason)


def close_for_place(place: Place, now: datetime | None = None) -> int:
    """A place leaves publication: its open requests and future agreed uses are closed."""
    now = now or now_utc()
    requests = db.session.scalars(
        select(UsageRequest)
        .where(
            UsageRequest.place_id == place.id,
            (UsageRequest.status.in_(OPEN))
            | ((UsageRequest.status == UsageStatus.ACCEPTED) & (UsageRequest.ends_at > now)),
        )
        .order_by(UsageRequest.id)
    ).all()
    reason = str(_l("The place is no longer listed on hiroba."))
    for request in requests:
        _close(request, reason)
    db.session.flush()
    return len(requests)


def close_expired(now: datetime | None = None) -> int:
    """Requests never answered before their time began are closed (safe to run again)."""
    now = now or now_utc()
    requests = db.session.scalars(
        select(UsageRequest)
        .where(UsageRequest.status.in_(OPEN), UsageRequest.starts_at <= now)
        .order_by(UsageRequest.id)
        .with_for_update(skip_locked=True)
    ).all()
    reason = str(_l("The requested time passed without an answer."))
    for request in requests:
        _close(request, reason)
    db.session.flush()
    return len(requests)


# --- blocked times ------------------------------------------------------------------------------


def block(
    place: Place, actor: User, raw: Mapping[str, Any], now: datetime | None = None
) -> PlaceBlock:
    """Close ``place`` for requests on whole days; agreed uses on those days must go first."""
    if not can_manage_usage_calendar(actor, place):
        raise PermissionDenied()
    values = clean_block(raw, now or now_utc())
    agreed = db.session.scalars(
        uses_overlapping(place.id, values["starts_at"], values["ends_at"])
    ).first()
    if agreed is not None:
        raise UsageConflict(
            _l(
                "A use is already agreed on %(when)s. Cancel it first if the place is closed.",
                when=_when(agreed.starts_at),
            )
        )
    closed = PlaceBlock(place=place, created_by_id=actor.id, **values)
    db.session.add(closed)
    db.session.flush()
    return closed


def unblock(closed: PlaceBlock, actor: User) -> None:
    if not can_manage_usage_calendar(actor, closed.place):
        raise PermissionDenied()
    db.session.delete(closed)
    db.session.flush()
