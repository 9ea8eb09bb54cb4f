"""Pages to manage a place's activities: the list, adding, changing and removing one.

For the place's owner and its ward's staff while the place is published
(``can_manage_activities``); everybody else gets "not found", so the addresses reveal nothing.
The public sees activities on the place's own page (``templates/activities/_on_place.html``).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from hiroba.activities import services
from hiroba.activities.forms import DATES_HINT, ActivityForm
from hiroba.activities.models import AUDIENCE_LABELS, Activity
from hiroba.activities.queries import activities_at
from hiroba.activities.schedule import schedule
from hiroba.database import MAX_ID
from hiroba.errors import NotFound, PermissionDenied, ValidationFailed
from hiroba.extensions import db
from hiroba.forms import show_errors
from hiroba.i18n import current_language
from hiroba.permissions import can_manage_activities, is_coordinator_of
from hiroba.places.models import Place

bp = Blueprint("activities", __name__)

BASE = f"/me/places/<int(max={MAX_ID}):place_id>/activities"
ACTIVITY = f"{BASE}/<int(max={MAX_ID}):activity_id>"


@bp.app_context_processor
def activity_template_values() -> dict:
    return {"activity_audience_labels": AUDIENCE_LABELS}


def _managed_place(place_id: int) -> Place:
    """The place, for whoever may manage its activities; "not found" for strangers."""
    place = db.session.get(Place, place_id)
    if place is None or not is_coordinator_of(current_user, place):
        raise NotFound(_("There is no place of yours at this address."))
    if not can_manage_activities(current_user, place):
        raise PermissionDenied(_("Activities can be added to published places only."))
    return place


def _managed_activity(place: Place, activity_id: int) -> Activity:
    activity = db.session.get(Activity, activity_id)
    if activity is None or activity.place_id != place.id:
        raise NotFound(_("There is no such activity at this place."))
    return activity


@bp.get(BASE)
@login_required
def manage(place_id: int):
    place = _managed_place(place_id)
    today, language = services.tokyo_today(), current_language()
    listed = [(a, schedule(a, today, language))
              for a in db.session.scalars(activities_at(place.id))]  # fmt: skip
    return render_template("activities/manage.html", place=place, listed=listed)


def _render_form(place: Place, form: ActivityForm, activity: Activity | None, status: int = 200):
    page = render_template(
        "activities/form.html", place=place, form=form, activity=activity, dates_hint=DATES_HINT
    )
    return page, status


def _save(place: Place, form: ActivityForm, activity: Activity | None):
    """Write the form's values, or show the form again with every problem beside its field."""
    try:
        if activity is None:
            services.add_activity(place, current_user, form.raw_values())
        else:
            services.change_activity(activity, current_user, form.raw_values())
    except ValidationFailed as error:
        db.session.rollback()
        show_errors(form, error)
        return _render_form(place, form, activity, 422)
    db.session.commit()
    flash(_("The activity is saved and shown on the place's page."), "success")
    return redirect(url_for(".manage", place_id=place.id))


@bp.route(f"{BASE}/new", methods=["GET", "POST"])
@login_required
def add(place_id: int):
    place = _managed_place(place_id)
    form = ActivityForm()
    if not form.is_submitted():
        return _render_form(place, form, None)
    return _save(place, form, None)


@bp.route(f"{ACTIVITY}/edit", methods=["GET", "POST"])
@login_required
def edit(place_id: int, activity_id: int):
    place = _managed_place(place_id)
    activity = _managed_activity(place, activity_id)
    if not ActivityForm().is_submitted():
        form = ActivityForm(data=services.raw_from_activity(activity))
        return _render_form(place, form, activity)
    return _save(place, ActivityForm(), activity)


@bp.post(f"{ACTIVITY}/delete")
@login_required
def remove(place_id: int, activity_id: int):
    place = _managed_place(place_id)
    services.remove_activity(_managed_activity(place, activity_id), current_user)
    db.session.commit()
    flash(_("The activity was removed."), "success")
    return redirect(url_for(".manage", place_id=place.id))
