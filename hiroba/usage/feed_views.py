"""Calendar export: the owner's secret feed of a place, and one agreed use as an .ics file.

The feed is public but secret: calendar apps cannot log in, so the token in its address is the
key. A wrong, revoked or replaced token gets the same 404 page as any unknown address. The
new address is shown once, after the redirect back to the owner's requests page: it waits in
the session (keyed by place) until the calendar partial takes it, since only its hash is kept.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from hiroba.database import MAX_ID
from hiroba.errors import NotFound
from hiroba.extensions import db, limiter
from hiroba.permissions import can_view_place, can_view_usage_request, usage_sides
from hiroba.places.models import Place
from hiroba.urls import safe_next
from hiroba.usage import calendar
from hiroba.usage.models import UsageRequest, UsageStatus
from hiroba.usage.workflow import Side

bp = Blueprint("usage_feeds", __name__)

PLACE_ID = f"<int(max={MAX_ID}):place_id>"
REQUEST_ID = f"<int(max={MAX_ID}):request_id>"
NEW_FEED_URL = "new_calendar_feed"  # session key: {"place_id": …, "url": …} until shown

# A calendar app fetches a feed every few minutes to hours, from a few shared addresses
# (Google's, Apple's): so one feed is limited by its token, and a client address only by the
# wrong tokens it sends (a guesser; with 256-bit tokens this only spares the database).
FEED_LIMITS = "120 per hour"
WRONG_TOKEN_LIMITS = "10 per minute; 100 per day"


def _feed_key() -> str:
    """The rate-limit key of one feed: a hash of its token (the token itself is kept nowhere)."""
    return "calendar-feed:" + calendar.token_hash(str(request.view_args.get("token", "")))


def _not_found(response: Response) -> bool:
    return response.status_code == 404


def _ics(body: bytes, filename: str, disposition: str) -> Response:
    response = Response(body, mimetype="text/calendar")  # Flask adds "; charset=utf-8"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    # Personal data behind a secret or a login: never kept by shared caches or the browser.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/calendar/<token>.ics")
@limiter.limit(FEED_LIMITS, key_func=_feed_key)
@limiter.limit(WRONG_TOKEN_LIMITS, deduct_when=_not_found)
def feed(token: str):
    place = calendar.place_for_token(token)
    if place is None:
        abort(404)  # the same page as any unknown address: nothing about the token
    return _ics(calendar.place_feed(place), f"hiroba-place-{place.id}.ics", "inline")


def _managed_place(place_id: int) -> Place:
    """A place the current user may see (404 otherwise); the service checks the rest."""
    place = db.session.get(Place, place_id)
    if place is None or not can_view_place(current_user, place):
        raise NotFound(_("There is no published place at this address."))
    return place


def _back_to_requests(place: Place) -> Response:
    """To the page the form was on, else the owner's requests page of the place."""
    target = safe_next(request.form.get("next")) or f"/me/places/{place.id}/requests"
    return redirect(target)


@bp.post(f"/me/places/{PLACE_ID}/calendar-feed")
@login_required
def create_feed(place_id: int):
    place = _managed_place(place_id)
    token = calendar.create_feed(place, current_user)
    db.session.commit()
    url = url_for(".feed", token=token, _external=True)
    session[NEW_FEED_URL] = {"place_id": place.id, "url": url}
    flash(_("A new calendar address was made. Copy it now: it is shown only once."), "success")
    return _back_to_requests(place)


@bp.post(f"/me/places/{PLACE_ID}/calendar-feed/revoke")
@login_required
def revoke_feed(place_id: int):
    place = _managed_place(place_id)
    if calendar.revoke_feed(place, current_user):
        db.session.commit()
        flash(
            _("The calendar address was turned off. Calendars using it stop updating."), "success"
        )
    else:
        flash(_("This place had no calendar address."), "info")
    session.pop(NEW_FEED_URL, None)
    return _back_to_requests(place)


@bp.get(f"/me/requests/{REQUEST_ID}.ics")
@login_required
def request_file(request_id: int):
    use = db.session.get(UsageRequest, request_id)
    if use is None or not can_view_usage_request(current_user, use):
        abort(404)  # a stranger learns nothing, not even that the request exists
    if use.status != UsageStatus.ACCEPTED:
        raise NotFound(_("A calendar file is available only for an accepted use."))
    for_owner = Side.REQUESTER not in usage_sides(current_user, use)
    return _ics(calendar.use_file(use, for_owner=for_owner), f"hiroba-{use.id}.ics", "attachment")


def new_feed_url(place: Place) -> str | None:
    """The address just made for ``place``, once: taken out of the session when read."""
    pending = session.get(NEW_FEED_URL)
    if not pending or pending.get("place_id") != place.id:
        return None
    session.pop(NEW_FEED_URL)
    return pending["url"]


@bp.app_context_processor
def calendar_feed_helpers() -> dict:
    return {"calendar_feed_of": calendar.feed_of, "new_calendar_feed_url": new_feed_url}
