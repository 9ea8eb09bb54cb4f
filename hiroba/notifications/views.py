"""The user's in-app notifications, and the unread count the header shows."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from hiroba.extensions import db
from hiroba.notifications.models import Notification, NotificationKind
from hiroba.notifications.services import (
    CONFIRMATION_NEWS,
    FOR_STAFF,
    NEED_PATHS,
    for_user,
    mark_all_read,
    message,
    unread_count,
)

bp = Blueprint("notifications", __name__)


def unread_notifications() -> int:
    """How many notifications the current user has not read (0 when logged out).

    Counted once per request, however often a template asks.
    """
    if not current_user.is_authenticated:
        return 0
    if "hiroba_unread_notifications" not in g:
        g.hiroba_unread_notifications = unread_count(current_user)
    return g.hiroba_unread_notifications


@bp.app_context_processor
def notification_helpers() -> dict:
    return {"unread_notifications": unread_notifications}


def link_for(notification: Notification) -> str | None:
    """Where a notification leads: news of a usage request to that request; staff to the
    review page, owners to their place (or to its form, when they are asked for changes)."""
    if notification.usage_request_id is not None:
        return url_for("usage.request_page", request_id=notification.usage_request_id)
    if notification.kind in NEED_PATHS:
        path = NEED_PATHS[notification.kind]
        return request.script_root + path.format(
            need=notification.need_id, place=notification.place_id
        )
    if notification.place_id is None:
        return None
    if notification.kind in FOR_STAFF:
        return url_for("staff.review_place", place_id=notification.place_id)
    if notification.kind in CONFIRMATION_NEWS:
        if notification.user_id == notification.place.owner_id:
            return url_for("owner.my_places", _anchor=f"place-{notification.place_id}")
        return url_for("staff.review_place", place_id=notification.place_id)
    if notification.kind == NotificationKind.CHANGES_REQUESTED:
        return url_for("owner.edit_place_page", place_id=notification.place_id)
    return url_for("places.detail", place_id=notification.place_id)


@bp.get("/me/notifications")
@login_required
def index():
    """Newest first; unread ones stand out until the user marks them read."""
    notifications = db.session.scalars(
        for_user(current_user).options(joinedload(Notification.place))
    ).all()
    items = [(n, message(n), link_for(n)) for n in notifications]
    unread = sum(1 for n in notifications if n.read_at is None)
    return render_template("notifications/index.html", items=items, unread=unread)


@bp.post("/me/notifications/read")
@login_required
def mark_read():
    mark_all_read(current_user)
    db.session.commit()
    return redirect(url_for("notifications.index"))
