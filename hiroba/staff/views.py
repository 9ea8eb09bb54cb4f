"""Ward staff: the review queue, its map, and the review page with its decisions.

Every page here is for staff with a ward and for admins; a place outside the reviewer's wards
is "not found", so staff of one ward learn nothing about another's queue. Decisions carry the
version the reviewer saw: when someone else decided first, the page says so and shows the
listing as it is now — nothing is overwritten.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from hiroba import geo, maps
from hiroba.database import MAX_ID
from hiroba.districts.queries import outlines_geojson
from hiroba.errors import (
    EditConflict,
    InvalidParameter,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from hiroba.extensions import db, login_manager
from hiroba.forms import show_errors
from hiroba.freshness.queries import stale_places
from hiroba.i18n import localized
from hiroba.permissions import can_use_staff_pages, is_staff_of
from hiroba.places import revisions
from hiroba.places.models import Place, PlaceRevision
from hiroba.places.vocabulary import PlaceKind, label
from hiroba.review import services as review
from hiroba.staff import presentation
from hiroba.staff.forms import ArchiveForm, PlaceDecisionForm, QueueFilterForm, RevisionDecisionForm
from hiroba.staff.queries import (
    QueueEntry,
    count_of,
    queue_entries,
    review_queue,
    reviewable_wards,
    wards_extent,
    wards_of,
)

bp = Blueprint("staff", __name__)

PLACE_DECISIONS = {
    "approve": review.approve,
    "request_changes": review.request_changes,
    "reject": review.reject,
}
REVISION_DECISIONS = {"approve": revisions.approve_revision, "reject": revisions.reject_revision}
# Three forms share the review page; prefixes keep their fields apart.
FORMS = {
    "place_form": PlaceDecisionForm,
    "archive_form": ArchiveForm,
    "revision_form": RevisionDecisionForm,
}
FORM_PREFIXES = {"place_form": "place", "archive_form": "archive", "revision_form": "revision"}
# What someone else may have done between loading the page and deciding.
LOST_RACES = (EditConflict, InvalidTransition)


@bp.before_request
def staff_only():
    """Log in first; then staff with a ward, or an admin."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not can_use_staff_pages(current_user):
        raise PermissionDenied()
    return None


def _queue_filters() -> tuple[frozenset[str] | None, QueueFilterForm]:
    """The reviewer's wards and the validated ``?ward=&kind=`` filters (400 if malformed)."""
    scope = reviewable_wards(current_user)
    wards = db.session.scalars(wards_of(scope)).all()
    form = QueueFilterForm(request.args, wards, every_ward=scope is None)
    if not form.validate():
        name, errors = next(iter(form.errors.items()))
        raise InvalidParameter(name, errors[0])
    return scope, form


def _queue_select(scope, form: QueueFilterForm):
    kind = PlaceKind(form.kind.data) if form.kind.data else None
    return review_queue(scope, form.ward.data or None, kind)


@bp.get("/staff/queue")
def queue():
    """Pending places and proposed changes in the reviewer's wards, the longest waiting first."""
    scope, form = _queue_filters()
    stmt = _queue_select(scope, form)
    shown = [form.ward.data] if form.ward.data else scope
    outlines = outlines_geojson()
    if shown is not None:
        outlines["features"] = [f for f in outlines["features"] if f["id"] in shown]
    fmap = maps.queue_map(
        center=current_app.config["MAP_CENTER"],
        zoom=current_app.config["MAP_ZOOM"],
        wards_geojson=outlines,
        wards_name=_("Ward boundaries"),
        bounds=wards_extent(shown),
    )
    return render_template(
        "staff/queue.html",
        form=form,
        entries=queue_entries(stmt),
        total=count_of(stmt),
        now=datetime.now(UTC),
        map=fmap,
        stale=db.session.scalars(stale_places(scope)).all(),
    )


def _queue_feature(entry: QueueEntry, now: datetime) -> dict:
    """A queue item as a GeoJSON Feature at its exact point (for the staff map only)."""
    place, revision = entry.place, entry.revision
    days = entry.days_waited(now)
    return {
        "type": "Feature",
        "id": f"revision-{revision.id}" if revision else f"place-{place.id}",
        "geometry": geo.to_geojson(geo.from_db(place.location)),
        "properties": {
            "place_id": place.id,
            "revision_id": revision.id if revision else None,
            "name": place.name,
            "kind": place.kind.value,
            "kind_label": label(place.kind),
            "district_name": localized(place.district.name_ja, place.district.name_en),
            "owner": place.owner.display_name,
            "on_behalf": place.registered_by_id is not None,
            "waiting_days": days,
            "waited": ngettext("Waiting %(num)d day", "Waiting %(num)d days", days),
            "url": url_for("staff.review_place", place_id=place.id),
        },
    }


@bp.get("/staff/queue.geojson")
def queue_geojson():
    """The queue's items for its map, with the same filters (exact points: staff only)."""
    scope, form = _queue_filters()
    now = datetime.now(UTC)
    features = [_queue_feature(e, now) for e in queue_entries(_queue_select(scope, form))]
    body = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
    response = Response(body, mimetype="application/geo+json")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _reviewable_place(place_id: int) -> Place:
    """The place, if it lies in one of the reviewer's wards; otherwise not found."""
    place = db.session.get(Place, place_id)
    if place is None or not is_staff_of(current_user, place.district_code):
        raise NotFound(_("There is no place in your wards at this address."))
    return place


def _show_version(form, version: int) -> None:
    form.version.data, form.version.raw_data = version, None  # not what was posted


def _review_page(place: Place, status: int = 200, conflict: bool = False, **forms):
    revision = revisions.pending_revision(place)
    for name, form_class in FORMS.items():
        forms.setdefault(name, form_class(prefix=FORM_PREFIXES[name], formdata=None))
    # Always the version on screen now: deciding again means deciding on what is shown.
    _show_version(forms["place_form"], place.version)
    _show_version(forms["archive_form"], place.version)
    if revision is not None:
        _show_version(forms["revision_form"], revision.version)
    diff = presentation.revision_diff(revision) if revision else []
    html = render_template(
        "staff/review.html",
        place=place,
        revision=revision,
        conflict=conflict,
        map=presentation.review_map(place, revision, diff),
        listing=presentation.listing(place),
        diff=diff,
        photos=presentation.photos(place, revision),
        history=presentation.history(place),
        **forms,
    )
    return html, status


@bp.get(f"/staff/places/<int(max={MAX_ID}):place_id>")
def review_place(place_id: int):
    """Everything a reviewer needs about one place, and the decisions open to them."""
    return _review_page(_reviewable_place(place_id))


def _decided(message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("staff.queue"))


def _refused(place_id: int, form_name: str, form, error: Exception):
    """Re-show the page after a refused decision: the reviewer's text kept, nothing saved.

    After a lost race the page shows the listing as it is now, with a fresh form: deciding
    again means deciding on what is on screen.
    """
    db.session.rollback()
    place = _reviewable_place(place_id)
    if isinstance(error, ValidationFailed):
        show_errors(form, error)
        return _review_page(place, 422, **{form_name: form})
    kept = type(form)(prefix=FORM_PREFIXES[form_name], formdata=None)
    kept.reason.data = form.full_reason()
    return _review_page(place, 409, conflict=True, **{form_name: kept})


@bp.post(f"/staff/places/<int(max={MAX_ID}):place_id>/decision")
def decide_place(place_id: int):
    """Approve, ask for changes or reject a pending place."""
    place = _reviewable_place(place_id)
    form = PlaceDecisionForm(prefix=FORM_PREFIXES["place_form"])
    if not form.validate_on_submit():
        return _review_page(place, 422, place_form=form)
    decide = PLACE_DECISIONS[form.decision.data]
    try:
        decide(place, current_user, form.full_reason(), expected_version=form.version.data)
    except (ValidationFailed, *LOST_RACES) as error:
        return _refused(place_id, "place_form", form, error)
    return _decided(_("%(name)s: %(status)s", name=place.name, status=label(place.status)))


@bp.post(f"/staff/places/<int(max={MAX_ID}):place_id>/archive")
def archive_place(place_id: int):
    """Take a published place off the map (it stays in the history)."""
    place = _reviewable_place(place_id)
    form = ArchiveForm(prefix=FORM_PREFIXES["archive_form"])
    if not form.validate_on_submit():
        return _review_page(place, 422, archive_form=form)
    try:
        review.archive(place, current_user, form.full_reason(), expected_version=form.version.data)
    except (ValidationFailed, *LOST_RACES) as error:
        return _refused(place_id, "archive_form", form, error)
    return _decided(_("%(name)s: %(status)s", name=place.name, status=label(place.status)))


@bp.post(f"/staff/revisions/<int(max={MAX_ID}):revision_id>/decision")
def decide_revision(revision_id: int):
    """Publish or discard the changes an owner proposed to a published place."""
    revision = db.session.get(PlaceRevision, revision_id)
    if revision is None:
        raise NotFound()
    place = _reviewable_place(revision.place_id)
    form = RevisionDecisionForm(prefix=FORM_PREFIXES["revision_form"])
    if not form.validate_on_submit():
        return _review_page(place, 422, revision_form=form)
    decide = REVISION_DECISIONS[form.decision.data]
    try:
        decide(revision, current_user, form.full_reason(), expected_version=form.version.data)
    except (ValidationFailed, *LOST_RACES) as error:
        return _refused(place.id, "revision_form", form, error)
    if form.decision.data == "approve":
        return _decided(_("%(name)s: the changes are published.", name=place.name))
    return _decided(_("%(name)s: the changes were not accepted.", name=place.name))
