"""Keeping listings fresh: owners are reminded to confirm their published places, and a place
nobody confirmed through the grace period is hidden (``dormant``) until someone does.

Nothing is ever deleted. The job is safe to run from cron, and twice at once: each step claims
its rows in the database (a guarded UPDATE, or row locks skipped by a second run), so every
reminder and every hiding happens once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from hiroba.accounts.models import User
from hiroba.errors import InvalidTransition, PermissionDenied
from hiroba.extensions import db
from hiroba.notifications.models import NotificationKind
from hiroba.notifications.services import notify_owner, notify_reviewers
from hiroba.permissions import can_confirm_place
from hiroba.places.models import Place, PlaceStatus
from hiroba.review import services as review

HIDDEN_REASON = _l("Not confirmed by its owner in time: hidden until confirmed.")


@dataclass(frozen=True)
class Periods:
    """When a reminder is due, and when an unanswered one hides the listing."""

    remind_after: timedelta
    hide_after: timedelta

    @classmethod
    def from_config(cls) -> Periods:
        config = current_app.config
        periods = cls(
            timedelta(days=config["FRESHNESS_REMIND_AFTER_DAYS"]),
            timedelta(days=config["FRESHNESS_HIDE_AFTER_DAYS"]),
        )
        if not timedelta(0) < periods.remind_after < periods.hide_after:
            raise ValueError(
                "FRESHNESS_HIDE_AFTER_DAYS must be greater than FRESHNESS_REMIND_AFTER_DAYS > 0"
            )
        return periods

    @property
    def grace(self) -> timedelta:
        return self.hide_after - self.remind_after


def unanswered_reminder():
    """The owner was reminded and has not confirmed the listing since."""
    return Place.reminded_at >= Place.last_confirmed_at


def send_reminders(now: datetime, periods: Periods) -> list[Place]:
    """Remind the owners of published places not confirmed for ``remind_after``, once each."""
    claimed = db.session.scalars(
        update(Place)
        .where(
            Place.status == PlaceStatus.APPROVED,
            Place.last_confirmed_at < now - periods.remind_after,
            or_(Place.reminded_at.is_(None), Place.reminded_at < Place.last_confirmed_at),
        )
        .values(reminded_at=now)
        .returning(Place.id)
        .execution_options(synchronize_session=False)
    ).all()
    places = _load(claimed)
    for place in places:
        db.session.refresh(place, ["reminded_at"])
        notify_owner(place, NotificationKind.FRESHNESS_REMINDER, None)
    return places


def hide_unconfirmed(now: datetime, periods: Periods) -> list[Place]:
    """Hide published places still unconfirmed ``hide_after`` and reminded ``grace`` ago."""
    places = db.session.scalars(
        select(Place)
        .where(
            Place.status == PlaceStatus.APPROVED,
            Place.last_confirmed_at < now - periods.hide_after,
            unanswered_reminder(),
            Place.reminded_at <= now - periods.grace,
        )
        .order_by(Place.id)
        .with_for_update(skip_locked=True, of=Place)
    ).all()
    for place in places:
        review.change_status_by_system(place, PlaceStatus.DORMANT, str(HIDDEN_REASON), now)
        notify_owner(place, NotificationKind.LISTING_HIDDEN, None)
        notify_reviewers(place, NotificationKind.LISTING_HIDDEN, None)
    return places


def run(now: datetime, periods: Periods | None = None) -> dict[str, int]:
    """One pass of the job: reminders first, then hiding. The caller commits."""
    periods = periods or Periods.from_config()
    reminded = send_reminders(now, periods)
    hidden = hide_unconfirmed(now, periods)
    db.session.flush()
    return {"reminded": len(reminded), "hidden": len(hidden)}


def confirm(place: Place, actor: User, now: datetime) -> bool:
    """``actor`` says the listing is still accurate; a hidden one is published again.

    Returns whether the listing was hidden (and is now shown again).
    """
    if not can_confirm_place(actor, place):
        if place.status not in (PlaceStatus.APPROVED, PlaceStatus.DORMANT):
            raise InvalidTransition(_l("Only a published or hidden listing can be confirmed."))
        raise PermissionDenied()
    was_hidden = place.status == PlaceStatus.DORMANT
    if was_hidden:
        review.change_status(place, PlaceStatus.APPROVED, actor)  # sets last_confirmed_at
    place.last_confirmed_at = now
    place.reminded_at = None
    db.session.flush()
    return was_hidden


def _load(ids: list[int]) -> list[Place]:
    if not ids:
        return []
    return list(db.session.scalars(select(Place).where(Place.id.in_(ids)).order_by(Place.id)))
