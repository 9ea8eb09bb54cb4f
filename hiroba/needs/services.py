"""Needs (場所を探しています): posting, closing, expiring, and what the ward's staff do with one.

Every step is checked by a named permission, written to the append-only history and told to
whoever should hear of it. Services flush and never commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from hiroba import geo
from hiroba.accounts.models import User
from hiroba.database import guarded_write
from hiroba.districts.models import District
from hiroba.errors import (
    EditConflict,
    HirobaError,
    InvalidTransition,
    OutsideDistricts,
    PermissionDenied,
    ValidationFailed,
)
from hiroba.extensions import db
from hiroba.needs.models import Need, NeedEvent, NeedEventKind, NeedStatus
from hiroba.needs.presentation import owner_summary
from hiroba.needs.validation import clean_message, clean_need_values
from hiroba.notifications.models import NotificationKind
from hiroba.notifications.services import notify_need, ward_staff
from hiroba.permissions import (
    can_close_need,
    can_coordinate_need,
    can_post_need,
    is_owner,
)
from hiroba.places.models import Place, PlaceStatus
from hiroba.places.search import TOKYO

LIFETIME_DAYS = 60  # an open need nobody closes ends after this, or after its last date
MAX_OPEN_PER_POSTER = 10  # more at once is a script, not a group looking for a room
CLOSING = {
    NeedStatus.SOLVED: NeedEventKind.SOLVED,
    NeedStatus.WITHDRAWN: NeedEventKind.WITHDRAWN,
}


class TooManyNeeds(HirobaError):
    status = 409
    slug = "too-many-needs"
    title = _l("You have many open searches already")


class AlreadySuggested(HirobaError):
    status = 409
    slug = "already-suggested"
    title = _l("This place was already suggested")


def now_utc() -> datetime:
    return datetime.now(UTC)


def expiry(dates: list, now: datetime) -> datetime:
    """When a need ends: after ``LIFETIME_DAYS``, or at the end of its last date if sooner."""
    latest = now + timedelta(days=LIFETIME_DAYS)
    if dates:
        end_of_last = datetime.combine(max(dates) + timedelta(days=1), time(0), TOKYO)
        return min(latest, end_of_last)
    return latest


def _ward(values: dict[str, Any]) -> str:
    """The ward whose staff see the need: the one chosen, or the one the point is in."""
    if values["location"] is None:
        if db.session.get(District, values["district_code"]) is None:
            raise ValidationFailed({"district": _l("Choose a ward.")})
        return values["district_code"]
    code = db.session.scalar(select(func.hiroba_district_at(geo.sql_value(values["location"]))))
    if code is None:
        raise OutsideDistricts("lat")
    return code


def _record(
    need: Need, kind: NeedEventKind, actor: User | None, place: Place | None = None,
    note: str | None = None,
) -> NeedEvent:  # fmt: skip
    event = NeedEvent(need_id=need.id, kind=kind, actor_id=actor.id if actor else None,
                      place_id=place.id if place else None, note=note)  # fmt: skip
    db.session.add(event)
    return event


def open_count(poster: User) -> int:
    return db.session.scalar(
        select(func.count(Need.id)).where(
            Need.poster_id == poster.id, Need.status == NeedStatus.OPEN
        )
    )


def post_need(poster: User, raw: Mapping[str, Any], now: datetime | None = None) -> Need:
    """A new need; the ward's staff are told (admins when the ward has no staff)."""
    if not can_post_need(poster):
        raise PermissionDenied()
    now = now or now_utc()
    values = clean_need_values(raw, now)
    values["district_code"] = _ward(values)
    if values["location"] is not None:
        values["location"] = geo.to_db(values["location"])
    if open_count(poster) >= MAX_OPEN_PER_POSTER:
        raise TooManyNeeds(
            _l("Close or withdraw one of your %(n)d open searches first.", n=MAX_OPEN_PER_POSTER)
        )
    need = Need(poster=poster, expires_at=expiry(values["dates"], now), **values)
    db.session.add(need)
    db.session.flush()
    _record(need, NeedEventKind.POSTED, poster)
    notify_need(need.id, NotificationKind.NEED_POSTED, poster, ward_staff(need.district_code))
    db.session.flush()
    return need


def close_need(
    need: Need, to_status: NeedStatus, actor: User, expected_version: int | None = None,
    now: datetime | None = None,
) -> NeedEvent:  # fmt: skip
    """Solved or withdrawn; a need closes once."""
    if expected_version is not None and expected_version != need.version:
        raise EditConflict()
    if need.status != NeedStatus.OPEN:
        raise InvalidTransition(_l("This search is closed already."))
    if to_status not in CLOSING or not can_close_need(actor, need, to_status):
        raise PermissionDenied()
    with guarded_write({}):
        need.status, need.closed_at = to_status, now or now_utc()
    event = _record(need, CLOSING[to_status], actor)
    db.session.flush()
    return event


def expire_needs(now: datetime | None = None) -> int:
    """Open needs past their end are closed as expired and their posters told (safe to run
    again: an expired need is no longer open)."""
    now = now or now_utc()
    due = db.session.scalars(
        select(Need)
        .where(Need.status == NeedStatus.OPEN, Need.expires_at <= now)
        .order_by(Need.id)
        .with_for_update(skip_locked=True)
    ).all()
    for need in due:
        need.status, need.closed_at = NeedStatus.EXPIRED, now
        _record(need, NeedEventKind.EXPIRED, None)
        notify_need(need.id, NotificationKind.NEED_EXPIRED, None, [need.poster_id])
    db.session.flush()
    return len(due)


def _coordinated(need: Need, actor: User, place: Place) -> None:
    if not can_coordinate_need(actor, need):
        if need.status != NeedStatus.OPEN:
            raise InvalidTransition(_l("This search is closed already."))
        raise PermissionDenied()
    if place.status != PlaceStatus.APPROVED:
        raise ValidationFailed({"place": _l("The place is not published.")})


def suggest_place(need: Need, place: Place, actor: User, message: Any = None) -> NeedEvent:
    """Staff suggest ``place`` to the poster, once per place; the poster is told."""
    _coordinated(need, actor, place)
    note = clean_message(message, required=False)
    already = AlreadySuggested(_l("You or a colleague suggested this place already."))
    with guarded_write({"uq_need_events_one_suggestion": lambda: already}):
        event = _record(need, NeedEventKind.SUGGESTED, actor, place, note)
    kind = NotificationKind.NEED_PLACE_SUGGESTED
    notify_need(need.id, kind, actor, [need.poster_id], place, note)
    db.session.flush()
    return event


def contact_owner(need: Need, place: Place, actor: User, message: Any) -> NeedEvent:
    """Staff tell the owner of ``place`` about the need: what is asked, never who asks or where
    they are (the poster's identity and point stay with the ward's staff)."""
    _coordinated(need, actor, place)
    if is_owner(actor, place):
        raise ValidationFailed({"message": _l("You are this place's owner yourself.")})
    note = clean_message(message, required=True)
    event = _record(need, NeedEventKind.OWNER_CONTACTED, actor, place, note)
    summary = owner_summary(need)
    kind = NotificationKind.NEED_OWNER_CONTACTED
    notify_need(need.id, kind, actor, [place.owner_id], place, f"{note}\n\n{summary}")
    db.session.flush()
    return event
