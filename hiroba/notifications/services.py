"""Telling people about decisions: in the app always, by email when it can be sent.

``notify_*`` add notification rows in the caller's transaction (flush, never commit). Emails go
out after the request has committed (``deliver_after_request``) or from the
``send-notifications`` command; a failed send is counted and retried later, and never undoes
the decision it reports.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime

from flask import Flask, Response, current_app, g
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from hiroba import mail
from hiroba.accounts.models import Role, User
from hiroba.extensions import db
from hiroba.freshness.tokens import confirmation_token
from hiroba.notifications.models import Notification, NotificationKind
from hiroba.places.models import Place
from hiroba.usage.models import UsageRequest

log = logging.getLogger(__name__)
MAX_EMAIL_ATTEMPTS = 5

SUBJECTS = {
    NotificationKind.PLACE_SUBMITTED: _l("New place to review: %(place)s"),
    NotificationKind.REVISION_SUBMITTED: _l("Changes to review: %(place)s"),
    NotificationKind.PLACE_APPROVED: _l("Your place is published: %(place)s"),
    NotificationKind.CHANGES_REQUESTED: _l("Changes requested for %(place)s"),
    NotificationKind.PLACE_REJECTED: _l("Your place was not accepted: %(place)s"),
    NotificationKind.PLACE_ARCHIVED: _l("Listing archived: %(place)s"),
    NotificationKind.REVISION_APPROVED: _l("Your changes are published: %(place)s"),
    NotificationKind.REVISION_REJECTED: _l("Your changes were not accepted: %(place)s"),
    NotificationKind.USAGE_REQUESTED: _l("New request to use %(place)s"),
    NotificationKind.USAGE_ACCEPTED: _l("Request accepted: %(place)s"),
    NotificationKind.USAGE_DECLINED: _l("Request declined: %(place)s"),
    NotificationKind.USAGE_PROPOSED: _l("Another time proposed: %(place)s"),
    NotificationKind.USAGE_WITHDRAWN: _l("Request withdrawn: %(place)s"),
    NotificationKind.USAGE_CANCELLED: _l("Use cancelled: %(place)s"),
    NotificationKind.USAGE_CLOSED: _l("Request closed: %(place)s"),
    NotificationKind.FRESHNESS_REMINDER: _l("Is your listing still accurate? %(place)s"),
    NotificationKind.LISTING_HIDDEN: _l("Hidden until confirmed: %(place)s"),
    # Needs: "place" is the need's title when the notice is about no place.
    NotificationKind.NEED_POSTED: _l("Someone is looking for a place: %(place)s"),
    NotificationKind.NEED_PLACE_SUGGESTED: _l("The ward centre suggests a place: %(place)s"),
    NotificationKind.NEED_EXPIRED: _l("Your search for a place has ended: %(place)s"),
    NotificationKind.NEED_OWNER_CONTACTED: _l("A group is looking for a place like %(place)s"),
}
FOR_STAFF = {NotificationKind.PLACE_SUBMITTED, NotificationKind.REVISION_SUBMITTED}
# Told to the owner with a link that confirms the listing in one step (hiroba.freshness).
CONFIRMATION_NEWS = {
    NotificationKind.FRESHNESS_REMINDER: _l(
        "Please check that the listing is still accurate. If it is, confirm it with the link "
        "below; if something changed, log in and edit it."
    ),
    NotificationKind.LISTING_HIDDEN: _l(
        "Nobody confirmed this listing in time, so it is hidden from the public for now. "
        "Nothing was deleted: confirm it with the link below and it is shown again."
    ),
}


def message(notification: Notification) -> str:
    """The one-line text of a notification, in the current language."""
    if notification.place:
        name = notification.place.name
    else:
        name = notification.need.title if notification.need else ""
    return str(SUBJECTS[notification.kind] % {"place": name})


def _add(
    user_ids: Iterable[int],
    kind: NotificationKind,
    place: Place | None,
    actor: User | None,
    reason: str | None,
    usage_request_id: int | None = None,
    need_id: int | None = None,
) -> list[Notification]:
    actor_id = actor.id if actor else None
    added = [
        Notification(
            user_id=uid,
            kind=kind,
            place_id=place.id if place else None,
            actor_id=actor_id,
            reason=reason,
            usage_request_id=usage_request_id,
            need_id=need_id,
        )
        for uid in sorted(set(user_ids))
        if uid != actor_id  # nobody is told about their own action
    ]
    db.session.add_all(added)
    db.session.flush()
    g.setdefault("hiroba_new_notifications", []).extend(n.id for n in added)
    return added


def ward_reviewers(place: Place) -> list[int]:
    """Staff of the place's ward; admins when the ward has no staff yet."""
    return ward_staff(place.district_code)


def ward_staff(code: str) -> list[int]:
    """Staff of the ward with this code; admins when the ward has no staff yet."""
    staff = db.session.scalars(
        select(User.id).where(User.role == Role.STAFF, User.wards.any(code=code))
    ).all()
    if staff:
        return list(staff)
    return list(db.session.scalars(select(User.id).where(User.role == Role.ADMIN)))


def notify_reviewers(
    place: Place, kind: NotificationKind, actor: User | None
) -> list[Notification]:
    return _add(ward_reviewers(place), kind, place, actor, None)


def notify_owner(
    place: Place, kind: NotificationKind, actor: User | None, reason: str | None = None
) -> list[Notification]:
    return _add([place.owner_id], kind, place, actor, reason)


def notify_usage(
    request: UsageRequest,
    kind: NotificationKind,
    actor: User | None,
    user_ids: Iterable[int],
    reason: str | None = None,
) -> list[Notification]:
    """Tell the people in ``user_ids`` (never the actor) about a step of a usage request."""
    return _add(user_ids, kind, request.place, actor, reason, request.id)


def notify_need(
    need_id: int,
    kind: NotificationKind,
    actor: User | None,
    user_ids: Iterable[int],
    place: Place | None = None,
    reason: str | None = None,
) -> list[Notification]:
    """Tell the people in ``user_ids`` (never the actor) about a need (hiroba.needs)."""
    return _add(user_ids, kind, place, actor, reason, need_id=need_id)


NEED_PATHS = {
    NotificationKind.NEED_POSTED: "/me/needs/{need}",  # the poster's and the ward staff's page
    NotificationKind.NEED_PLACE_SUGGESTED: "/me/needs/{need}",
    NotificationKind.NEED_EXPIRED: "/me/needs/{need}",
    # The owner never sees the need itself (it is the poster's): their place is the link.
    NotificationKind.NEED_OWNER_CONTACTED: "/places/{place}",
}


def unread_count(user: User) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )


def for_user(user: User, limit: int = 100):
    """Newest first: a select of the user's notifications."""
    return (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )


def mark_all_read(user: User) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=datetime.now(UTC))
    )


def _email_body(notification: Notification) -> str:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    if notification.usage_request_id is not None:
        path = f"/me/requests/{notification.usage_request_id}"
    elif notification.kind in NEED_PATHS:
        path = NEED_PATHS[notification.kind].format(
            need=notification.need_id, place=notification.place_id
        )
    elif notification.kind in FOR_STAFF:
        path = "/staff/queue"
    else:
        path = "/me/places"
    lines = [message(notification)]
    place = notification.place
    if notification.kind in CONFIRMATION_NEWS and place and notification.user_id == place.owner_id:
        path = f"/confirm/{confirmation_token(place)}"
        lines += ["", str(CONFIRMATION_NEWS[notification.kind])]
    elif notification.kind in CONFIRMATION_NEWS:
        path = "/staff/queue"
    if notification.reason:
        lines += ["", str(_l("Reason:")), notification.reason]
    lines += ["", f"{base}{path}", "", str(_l("hiroba — places where neighbours meet"))]
    return "\n".join(lines)


def deliver(ids: Iterable[int] | None = None) -> int:
    """Email the given (or all) unsent notifications; returns how many were sent."""
    stmt = select(Notification).where(
        Notification.emailed_at.is_(None), Notification.email_attempts < MAX_EMAIL_ATTEMPTS
    )
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(list(ids)))
    sent = 0
    for notification in db.session.scalars(stmt.order_by(Notification.id)).all():
        with force_locale(notification.user.locale):
            subject, body = message(notification), _email_body(notification)
        notification.email_attempts += 1
        try:
            mail.sender().send(notification.user.email, subject, body)
        except mail.MailError as exc:
            log.warning(
                "notification %s not emailed (attempt %s): %s",
                notification.id,
                notification.email_attempts,
                exc,
            )
        else:
            notification.emailed_at = datetime.now(UTC)
            sent += 1
        db.session.commit()
    return sent


def init_app(app: Flask) -> None:
    @app.after_request
    def deliver_after_request(response: Response) -> Response:
        """Email what this request decided — only what it committed (rolled-back rows are gone)."""
        ids = g.pop("hiroba_new_notifications", None)
        if ids:
            db.session.rollback()  # anything uncommitted by now was not meant to be kept
            deliver(ids)
        return response
