"""Confirming that a listing is still accurate: from the link in a reminder email (no login
needed: the signed link is the owner's key), or with a button for the logged-in owner or staff.

Opening the link changes nothing (mail scanners and link previews open links); the page holds
the one button that confirms.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from hiroba.database import MAX_ID
from hiroba.errors import NotFound, PermissionDenied
from hiroba.extensions import db
from hiroba.freshness import services
from hiroba.freshness.tokens import BadConfirmationLink, is_current, read_confirmation_token
from hiroba.permissions import CONFIRMABLE, can_confirm_place, can_view_place, is_owner
from hiroba.places.models import Place

bp = Blueprint("freshness", __name__)


def _page(state: str, place: Place | None = None, token: str | None = None, status: int = 200):
    return render_template("freshness/confirm.html", state=state, place=place, token=token), status


def _linked_place(token: str) -> tuple[Place | None, str]:
    """The place a link is for, and what the link may still do: confirm, or nothing."""
    try:
        place_id, after = read_confirmation_token(token)
    except BadConfirmationLink:
        return None, "invalid"
    place = db.session.get(Place, place_id)
    if place is None:
        raise NotFound()
    if place.status not in CONFIRMABLE:
        return place, "closed"
    if not is_current(place, after):
        return place, "already"
    return place, "confirm"


@bp.get("/confirm/<token>")
def confirm_page(token: str):
    place, state = _linked_place(token)
    return _page(state, place, token, 400 if state == "invalid" else 200)


@bp.post("/confirm/<token>")
def confirm_by_link(token: str):
    place, state = _linked_place(token)
    if state != "confirm":
        return _page(state, place, token, 400 if state == "invalid" else 409)
    services.confirm(place, place.owner, datetime.now(UTC))
    db.session.commit()
    return _page("done", place)


@bp.post(f"/places/<int(max={MAX_ID}):place_id>/confirm")
@login_required
def confirm_place(place_id: int):
    """The owner's (or a reviewer's) "still accurate" button."""
    place = db.session.get(Place, place_id)
    if place is None or not can_view_place(current_user, place):
        raise NotFound()
    if not can_confirm_place(current_user, place):
        raise PermissionDenied()
    shown_again = services.confirm(place, current_user, datetime.now(UTC))
    db.session.commit()
    if shown_again:
        flash(_("Thank you. %(name)s is confirmed and shown to the public again.", name=place.name))
    else:
        flash(_("Thank you. %(name)s is confirmed as still accurate.", name=place.name))
    if is_owner(current_user, place):
        return redirect(url_for("owner.my_places", _anchor=f"place-{place.id}"))
    return redirect(url_for("staff.review_place", place_id=place.id))
