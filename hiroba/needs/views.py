"""Needs pages (場所を探しています): post a need, "my searches" with the places that fit, one
need with its matches and history, and the ward staff's list of open needs.

A need is "not found" for anyone but its poster and staff of its ward (admins: every ward):
its address reveals nothing, and nobody else learns that it exists. Every page here is
private and never cached.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from hiroba.database import MAX_ID
from hiroba.districts.queries import all_districts
from hiroba.errors import (
    EditConflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from hiroba.extensions import db, limiter
from hiroba.forms import show_errors
from hiroba.i18n import localized, weekday_names
from hiroba.needs import services
from hiroba.needs.forms import ERROR_FIELDS, CloseForm, ContactOwnerForm, NeedForm, SuggestForm
from hiroba.needs.matching import matches
from hiroba.needs.models import Need, NeedStatus
from hiroba.needs.presentation import (
    EVENT_LABELS,
    FACTOR_LABELS,
    STATUS_LABELS,
    vocabulary_labels,
    when_label,
)
from hiroba.needs.queries import needs_by, open_needs_in_wards, suggested_place_ids
from hiroba.permissions import can_coordinate_need, can_use_staff_pages, can_view_need
from hiroba.places.models import Place
from hiroba.staff.queries import reviewable_wards

bp = Blueprint("needs", __name__)

NEED_ID = f"<int(max={MAX_ID}):need_id>"
PLACE_ID = f"<int(max={MAX_ID}):place_id>"
POST_LIMITS = "5 per hour; 20 per day"  # per client address: a group posts one or two
MATCHES_SHOWN = 30
STAFF_MATCHES_SHOWN = 3
LIST_LIMIT = 200
CLOSED = {
    NeedStatus.SOLVED: _l("Marked as found. We are glad you found a place!"),
    NeedStatus.WITHDRAWN: _l("Your search was withdrawn."),
}


@bp.after_request
def private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.app_context_processor
def need_template_values() -> dict:
    return {
        "need_status": NeedStatus,
        "need_status_labels": STATUS_LABELS,
        "need_event_labels": EVENT_LABELS,
        "need_factor_labels": FACTOR_LABELS,
        "need_when": when_label,
        "need_labels": vocabulary_labels,
    }


# --- posting --------------------------------------------------------------------------------


def _need_form() -> NeedForm:
    form = NeedForm()
    form.district.choices = [("", _("Choose a ward"))] + [
        (d.code, localized(d.name_ja, d.name_en)) for d in db.session.scalars(all_districts())
    ]
    form.weekdays.choices = [(str(n), name) for n, name in enumerate(weekday_names(), start=1)]
    return form


@bp.route("/me/needs/new", methods=["GET", "POST"])
@login_required
@limiter.limit(POST_LIMITS, methods=["POST"])
def new_need():
    form = _need_form()
    if not form.is_submitted():
        return render_template("needs/new.html", form=form)
    try:
        need = services.post_need(current_user, form.raw_values())
    except ValidationFailed as error:
        db.session.rollback()
        show_errors(form, error, ERROR_FIELDS)
        return render_template("needs/new.html", form=form), 422
    except services.TooManyNeeds as error:
        form.form_errors.append(str(error.detail))
        return render_template("needs/new.html", form=form), 409
    db.session.commit()
    flash(_("Your search is posted. These places fit; the ward centre sees it too."), "success")
    return redirect(url_for(".need_page", need_id=need.id))


@bp.get("/me/needs")
@login_required
def my_needs():
    mine = db.session.scalars(needs_by(current_user).limit(LIST_LIMIT)).all()
    return render_template("needs/mine.html", needs=mine)


# --- one need -------------------------------------------------------------------------------


def _visible_need(need_id: int) -> Need:
    need = db.session.get(Need, need_id)
    if need is None or not can_view_need(current_user, need):
        raise NotFound(_("There is no search at this address."))
    return need


def _render_need(need: Need, staff_forms: dict | None = None, problem=None, status: int = 200):
    found = matches(need, limit=MATCHES_SHOWN)
    forms = {}
    if can_coordinate_need(current_user, need):
        for match in found:
            pid = match.place.id
            forms[pid] = {
                "suggest": SuggestForm(prefix=f"s{pid}", formdata=None),
                "contact": ContactOwnerForm(prefix=f"c{pid}", formdata=None),
                **(staff_forms or {}).get(pid, {}),
            }
    page = render_template(
        "needs/need.html", need=need, matches=found, staff_forms=forms, problem=problem,
        suggested=suggested_place_ids(need),
    )  # fmt: skip
    return page, status


@bp.get(f"/me/needs/{NEED_ID}")
@login_required
def need_page(need_id: int):
    return _render_need(_visible_need(need_id))


@bp.post(f"/me/needs/{NEED_ID}/solved")
@login_required
def mark_solved(need_id: int):
    return _close(need_id, NeedStatus.SOLVED)


@bp.post(f"/me/needs/{NEED_ID}/withdraw")
@login_required
def withdraw(need_id: int):
    return _close(need_id, NeedStatus.WITHDRAWN)


def _close(need_id: int, to_status: NeedStatus):
    need = _visible_need(need_id)
    form = CloseForm()
    try:
        services.close_need(need, to_status, current_user, form.expected_version())
    except (EditConflict, InvalidTransition) as error:
        db.session.rollback()
        db.session.refresh(need)
        return _render_need(need, problem=str(error.detail or error.title), status=409)
    db.session.commit()
    flash(str(CLOSED[to_status]), "success")
    return redirect(url_for(".need_page", need_id=need.id))


# --- the ward staff's actions ----------------------------------------------------------------


def _place_for(place_id: int) -> Place:
    place = db.session.get(Place, place_id)
    if place is None:
        raise NotFound(_("There is no published place at this address."))
    return place


@bp.post(f"/me/needs/{NEED_ID}/places/{PLACE_ID}/suggest")
@login_required
def suggest(need_id: int, place_id: int):
    need = _visible_need(need_id)
    place = _place_for(place_id)
    form = SuggestForm(prefix=f"s{place_id}")
    return _staff_action(
        need, place, "suggest", form,
        lambda: services.suggest_place(need, place, current_user, form.message.data),
        _("The place was suggested. We told the person looking for it."),
    )  # fmt: skip


@bp.post(f"/me/needs/{NEED_ID}/places/{PLACE_ID}/contact-owner")
@login_required
def contact_owner(need_id: int, place_id: int):
    need = _visible_need(need_id)
    place = _place_for(place_id)
    form = ContactOwnerForm(prefix=f"c{place_id}")
    return _staff_action(
        need, place, "contact", form,
        lambda: services.contact_owner(need, place, current_user, form.message.data),
        _("Your message was sent to the owner, without who is looking or where."),
    )  # fmt: skip


def _staff_action(need: Need, place: Place, key: str, form, write, done: str):
    try:
        write()
    except ValidationFailed as error:
        db.session.rollback()
        show_errors(form, error)
        return _render_need(need, {place.id: {key: form}}, status=422)
    except (services.AlreadySuggested, InvalidTransition) as error:
        db.session.rollback()
        return _render_need(need, problem=str(error.detail or error.title), status=409)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for(".need_page", need_id=need.id, _anchor=f"match-{place.id}"))


@bp.get("/staff/needs")
@login_required
def staff_needs():
    """Open needs in the staff member's wards (every ward for admins), with their best
    matches."""
    if not can_use_staff_pages(current_user):
        raise PermissionDenied()
    stmt = open_needs_in_wards(reviewable_wards(current_user)).limit(LIST_LIMIT)
    rows = [(need, matches(need, STAFF_MATCHES_SHOWN)) for need in db.session.scalars(stmt)]
    return render_template("needs/staff.html", rows=rows)
