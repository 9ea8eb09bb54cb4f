"""Usage request pages (利用相談): asking from a place's page, each side's lists, one request
with its history and answers, a place's requests and closed days, and the ward staff's list.

A request is "not found" for anyone who is on neither side of it (not its requester, not the
place's owner, not staff of the place's ward), so its address reveals nothing. Contact details
appear only once a request is accepted (``can_see_usage_contacts``).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from hiroba.database import MAX_ID
from hiroba.errors import (
    EditConflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from hiroba.extensions import db, limiter, login_manager
from hiroba.forms import show_errors
from hiroba.permissions import (
    can_ask_to_use,
    can_manage_usage_calendar,
    can_use_staff_pages,
    can_view_usage_request,
    usage_sides,
)
from hiroba.places.models import Place, PlaceStatus
from hiroba.staff.queries import reviewable_wards
from hiroba.usage import services
from hiroba.usage.availability import closed_days, when_label
from hiroba.usage.forms import AnswerForm, AskForm, BlockForm, ProposeForm, ReasonForm
from hiroba.usage.models import PlaceBlock, UsageRequest, UsageStatus
from hiroba.usage.queries import (
    blocks_ahead,
    requests_by,
    requests_for_place,
    requests_in_wards,
    requests_to_owner,
)
from hiroba.usage.services import UsageConflict
from hiroba.usage.workflow import STATUS_LABELS, Side

bp = Blueprint("usage", __name__)

PLACE_ID = f"<int(max={MAX_ID}):place_id>"
REQUEST_ID = f"<int(max={MAX_ID}):request_id>"
BLOCK_ID = f"<int(max={MAX_ID}):block_id>"
# Per client IP address: a group asks for a few times at once, a script asks for hundreds.
ASK_LIMITS = "10 per minute; 60 per day"
LIST_LIMIT = 200  # the lists show the coming uses first; older ones beyond this are dropped
# The answers on a request's page: action → (status it leads to, form, the person writes why).
ANSWERS = {
    "accept": (UsageStatus.ACCEPTED, AnswerForm),
    "decline": (UsageStatus.DECLINED, ReasonForm),
    "withdraw": (UsageStatus.WITHDRAWN, AnswerForm),
    "cancel": (UsageStatus.CANCELLED, ReasonForm),
}
# What the person reads once their answer is saved.
ANSWERED = {
    UsageStatus.ACCEPTED: _l("Accepted. You can now see each other's contact details."),
    UsageStatus.DECLINED: _l("The request was declined. The requester can read your reason."),
    UsageStatus.PROPOSED: _l("Your proposal was sent. The requester can accept it or withdraw."),
    UsageStatus.WITHDRAWN: _l("Your request was withdrawn."),
    UsageStatus.CANCELLED: _l("The use was cancelled and the time is free again."),
}
# Someone else answered between loading the page and this answer, or the time got taken.
LOST_RACES = (EditConflict, InvalidTransition, UsageConflict)


@bp.app_context_processor
def usage_template_values() -> dict:
    return {
        "usage_status": UsageStatus,
        "usage_status_labels": STATUS_LABELS,
        "usage_sides": usage_sides,
        "usage_side": Side,
        "usage_when": when_label,
    }


# --- asking -------------------------------------------------------------------------------------


def _published_place(place_id: int) -> Place:
    place = db.session.get(Place, place_id)
    if place is None or place.status != PlaceStatus.APPROVED:
        raise NotFound(_("There is no published place at this address."))
    return place


@bp.route(f"/places/{PLACE_ID}/ask", methods=["GET", "POST"])
@limiter.limit(ASK_LIMITS, methods=["POST"])
def ask_page(place_id: int):
    place = _published_place(place_id)
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not can_ask_to_use(current_user, place):
        raise PermissionDenied(_("This is your own place: you cannot ask to use it."))
    form = AskForm()
    if not form.is_submitted():
        return _render_ask(form, place)
    try:
        usage_request = services.ask(place, current_user, form.raw_values())
    except ValidationFailed as error:
        show_errors(form, error)
        return _render_ask(form, place, 422)
    except UsageConflict as error:
        form.form_errors.append(str(error.detail))
        return _render_ask(form, place, 409)
    db.session.commit()
    flash(_("Your request was sent. The owner will answer here; we also tell you by email."))
    return redirect(url_for(".request_page", request_id=usage_request.id))


def _render_ask(form: AskForm, place: Place, status: int = 200):
    if place.capacity:
        form.headcount.render_kw = {**form.headcount.render_kw, "max": place.capacity}
    return render_template("usage/ask.html", form=form, place=place), status


# --- each side's lists --------------------------------------------------------------------------


@bp.get("/me/requests")
@login_required
def my_requests():
    mine = db.session.scalars(requests_by(current_user).limit(LIST_LIMIT)).all()
    for_my_places = db.session.scalars(requests_to_owner(current_user).limit(LIST_LIMIT)).all()
    return render_template("usage/my_requests.html", mine=mine, for_my_places=for_my_places)


@bp.get("/staff/requests")
@login_required
def staff_requests():
    """Requests for places in the staff member's wards (every ward for admins)."""
    if not can_use_staff_pages(current_user):
        raise PermissionDenied()
    stmt = requests_in_wards(reviewable_wards(current_user)).limit(LIST_LIMIT)
    return render_template("usage/staff_requests.html", requests=db.session.scalars(stmt).all())


# --- one request --------------------------------------------------------------------------------


def _visible_request(request_id: int) -> UsageRequest:
    """The request, for its requester, the place's owner and the ward's staff; else 404."""
    usage_request = db.session.get(UsageRequest, request_id)
    if usage_request is None or not can_view_usage_request(current_user, usage_request):
        raise NotFound(_("There is no request at this address."))
    return usage_request


def _answer_forms(usage_request: UsageRequest) -> dict:
    """A fresh form per answer, with the request's current version."""
    version = {"version": usage_request.version}
    forms = {action: form(prefix=action, data=version) for action, (_s, form) in ANSWERS.items()}
    forms["propose"] = ProposeForm(prefix="propose", data=version)
    return forms


def _render_request(usage_request: UsageRequest, forms=None, problem=None, status: int = 200):
    forms = {**_answer_forms(usage_request), **(forms or {})}
    page = render_template(
        "usage/request.html", usage_request=usage_request, forms=forms, problem=problem
    )
    return page, status


@bp.get(f"/me/requests/{REQUEST_ID}")
@login_required
def request_page(request_id: int):
    return _render_request(_visible_request(request_id))


# One address per answer (not a variable in one), so every state-changing address is explicit.
@bp.post(f"/me/requests/{REQUEST_ID}/accept")
@login_required
def accept_request(request_id: int):
    return _change(request_id, "accept")


@bp.post(f"/me/requests/{REQUEST_ID}/decline")
@login_required
def decline_request(request_id: int):
    return _change(request_id, "decline")


@bp.post(f"/me/requests/{REQUEST_ID}/withdraw")
@login_required
def withdraw_request(request_id: int):
    return _change(request_id, "withdraw")


@bp.post(f"/me/requests/{REQUEST_ID}/cancel")
@login_required
def cancel_request(request_id: int):
    return _change(request_id, "cancel")


def _change(request_id: int, action: str):
    usage_request = _visible_request(request_id)
    to_status, form_class = ANSWERS[action]
    form = form_class(prefix=action)
    reason = form.reason.data if isinstance(form, ReasonForm) else None
    version = form.expected_version()
    return _answer(
        usage_request,
        {action: form},
        lambda: services.change(usage_request, to_status, current_user, reason, version),
    )


@bp.post(f"/me/requests/{REQUEST_ID}/propose")
@login_required
def propose_time(request_id: int):
    usage_request = _visible_request(request_id)
    form = ProposeForm(prefix="propose")
    return _answer(
        usage_request,
        {"propose": form},
        lambda: services.propose(
            usage_request,
            current_user,
            form.time_values(),
            form.reason.data,
            form.expected_version(),
        ),
    )


def _answer(usage_request: UsageRequest, forms: dict, write):
    """Apply an answer and go back to the request, or show the page again with what went wrong:
    the form's errors, or — when someone else answered first — the request as it is now."""
    try:
        event = write()
    except ValidationFailed as error:
        db.session.rollback()
        show_errors(next(iter(forms.values())), error)
        return _render_request(usage_request, forms, status=422)
    except LOST_RACES as error:
        db.session.rollback()
        db.session.refresh(usage_request)
        return _render_request(usage_request, problem=_lost_race_message(error), status=409)
    db.session.commit()
    flash(str(ANSWERED[event.to_status]), "success")
    return redirect(url_for(".request_page", request_id=usage_request.id))


def _lost_race_message(error: Exception) -> str:
    if isinstance(error, EditConflict):
        return _(
            "Someone else answered this request while you were looking at it. Nothing was "
            "changed by you: this is the request as it is now."
        )
    return str(error.detail)


# --- a place's requests and closed days -----------------------------------------------------


def _managed_place(place_id: int) -> Place:
    """The place, for its owner and its ward's staff; "not found" for everyone else."""
    place = db.session.get(Place, place_id)
    if place is None or not can_manage_usage_calendar(current_user, place):
        raise NotFound(_("There is no place of yours at this address."))
    return place


def _render_place_requests(place: Place, form: BlockForm | None = None, status: int = 200):
    requests = db.session.scalars(requests_for_place(place).limit(LIST_LIMIT)).all()
    blocks = [
        (closed, *closed_days(closed))
        for closed in db.session.scalars(blocks_ahead(place.id, services.now_utc()))
    ]
    page = render_template(
        "usage/place_requests.html",
        place=place,
        requests=requests,
        blocks=blocks,
        form=form or BlockForm(),
    )
    return page, status


@bp.get(f"/me/places/{PLACE_ID}/requests")
@login_required
def place_requests(place_id: int):
    return _render_place_requests(_managed_place(place_id))


@bp.post(f"/me/places/{PLACE_ID}/blocks")
@login_required
def add_block(place_id: int):
    place = _managed_place(place_id)
    form = BlockForm()
    try:
        services.block(place, current_user, form.raw_values())
    except ValidationFailed as error:
        show_errors(form, error)
        return _render_place_requests(place, form, 422)
    except UsageConflict as error:
        form.form_errors.append(str(error.detail))
        return _render_place_requests(place, form, 409)
    db.session.commit()
    flash(_("These days are closed for requests."), "success")
    return redirect(url_for(".place_requests", place_id=place.id))


@bp.post(f"/me/places/{PLACE_ID}/blocks/{BLOCK_ID}/delete")
@login_required
def remove_block(place_id: int, block_id: int):
    place = _managed_place(place_id)
    closed = db.session.get(PlaceBlock, block_id)
    if closed is None or closed.place_id != place.id:
        raise NotFound()
    services.unblock(closed, current_user)
    db.session.commit()
    flash(_("These days are open for requests again."), "success")
    return redirect(url_for(".place_requests", place_id=place.id))
