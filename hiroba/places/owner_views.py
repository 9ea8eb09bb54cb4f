"""An owner's pages: registering and editing places, their photos, and my places; and 代理登録
(ward staff registering a place for an owner who does not use the web).

Another owner's place is "not found" unless its page is public anyway (then "forbidden"), so
these pages never reveal that an unpublished listing exists. A save is one unit: the place's
values, its new photos and the submission are committed together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import joinedload

from hiroba import geo, maps
from hiroba.database import MAX_ID
from hiroba.districts.queries import district_at, extent, outlines_geojson
from hiroba.errors import (
    EditConflict,
    InvalidGeometry,
    NotFound,
    OutsideDistricts,
    PermissionDenied,
    ValidationFailed,
)
from hiroba.extensions import db
from hiroba.forms import FORM_LEVEL, show_errors
from hiroba.i18n import localized
from hiroba.permissions import (
    can_edit_place,
    can_transition_place,
    can_use_staff_pages,
    can_view_place,
    is_owner,
)
from hiroba.photos.models import PlacePhoto
from hiroba.photos.services import add_photo, remove_photo
from hiroba.photos.store import path_for
from hiroba.places.forms import ERROR_FIELDS, PlaceForm, ProxyPlaceForm
from hiroba.places.models import Place, PlaceRevision, PlaceStatus, RevisionStatus
from hiroba.places.revisions import edit_place, pending_revision, withdraw_revision
from hiroba.places.services import create_place, register_on_behalf
from hiroba.places.values import raw_from_place
from hiroba.review import services as review
from hiroba.review.models import ReviewAction, ReviewEvent

bp = Blueprint("owner", __name__)

PLACE_ID = f"<int(max={MAX_ID}):place_id>"
PHOTO_ID = f"<int(max={MAX_ID}):photo_id>"


def _own_place(place_id: int) -> Place:
    """The current user's place: 404 for those who may not see it, 403 for those who may."""
    place = db.session.get(Place, place_id)
    if place is None or not can_view_place(current_user, place):
        raise NotFound(_("There is no published place at this address."))
    if not is_owner(current_user, place):
        raise PermissionDenied()
    return place


def _editable_place(place_id: int) -> Place:
    place = _own_place(place_id)
    if not can_edit_place(current_user, place):
        if place.status == PlaceStatus.PENDING:
            raise PermissionDenied(
                _("This listing is waiting for review. You can change it once staff decide.")
            )
        raise PermissionDenied(_("This listing can no longer be changed."))
    return place


def _posted_version() -> int:
    value = request.form.get("version", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else -1


# --- the form ----------------------------------------------------------------------------------


def _editor_map(form: PlaceForm) -> maps.RenderedMap:
    try:
        point = geo.parse_point(form.lon.data, form.lat.data)
    except InvalidGeometry:
        point = None
    return maps.place_editor_map(
        center=current_app.config["MAP_CENTER"],
        zoom=current_app.config["MAP_ZOOM"],
        wards_geojson=outlines_geojson(),
        wards_name=_("Ward boundaries"),
        bounds=extent(),
        point=point,
    )


def _render_form(form: PlaceForm, place: Place | None, mode: str, status: int = 200):
    revision = pending_revision(place) if place is not None else None
    removed = set((revision.values or {}).get("removed_photo_ids") or []) if revision else set()
    source = render_template(
        "owner/place_form.html",
        form=form,
        place=place,
        mode=mode,
        map=_editor_map(form),
        revision=revision,
        removed_photo_ids=removed,
    )
    return source, status


def _add_photos(place: Place, form: PlaceForm, written: list[str]) -> None:
    for upload in form.uploads():
        photo = add_photo(place, current_user, upload.stream, form.photo_caption.data)
        written.append(photo.storage_key)


def _save(form: PlaceForm, existing: Place | None, mode: str, write: Callable[[], Place]):
    """Write the place and its photos (and submit it if asked), or show the form again."""
    written: list[str] = []
    try:
        place = write()
        _add_photos(place, form, written)
        submitted = request.form.get("action") == "submit" and can_transition_place(
            current_user, place, PlaceStatus.PENDING
        )
        if submitted:
            review.submit(place, current_user)
    except (ValidationFailed, EditConflict) as error:
        _undo(written)
        return _show_again(form, existing, mode, error)
    except Exception:
        _undo(written)
        raise
    db.session.commit()
    return _after_save(place, submitted, mode)


def _undo(written: list[str]) -> None:
    """Roll back the save, and delete the files of the photos it wrote (their rows are gone)."""
    db.session.rollback()
    for key in written:
        path_for(key).unlink(missing_ok=True)


def _show_again(form: PlaceForm, place: Place | None, mode: str, error: Exception):
    """The form as the user filled it, with what to correct (or the conflict) on top."""
    if isinstance(error, EditConflict):
        form.form_errors.append(
            _(
                "Someone else changed this listing while you were editing it. Your changes "
                "are not saved yet: check them below, then save again to replace theirs."
            )
        )
        form.version.data = str(place.version) if place is not None else ""
        return _render_form(form, place, mode, 409)
    show_errors(form, error, ERROR_FIELDS)
    if form.uploads():
        form.photos.errors = [*form.photos.errors, _("Please choose the photos again.")]
    return _render_form(form, place, mode, 422)


def _after_save(place: Place, submitted: bool, mode: str):
    if mode == "proxy":
        if place.owner_id != current_user.id:
            flash(_("Registered. The owner can check the draft and send it for review."))
        else:
            flash(_("Sent for review.") if submitted else _("Saved as a draft."))
        return redirect(url_for("places.detail", place_id=place.id))
    if place.status == PlaceStatus.APPROVED:
        flash(
            _(
                "Your changes were sent for review. The published listing stays as it is "
                "until ward staff approve them."
            )
        )
        return redirect(url_for(".my_places"))
    if submitted:
        flash(_("Sent for review. Ward staff will check the listing and let you know."))
        return redirect(url_for(".my_places"))
    flash(_("Saved as a draft. Nobody else can see it until you send it for review."))
    return redirect(url_for(".edit_place_page", place_id=place.id))


@bp.route("/places/new", methods=["GET", "POST"])
@login_required
def new_place():
    form = PlaceForm()
    if form.is_submitted():
        return _save(form, None, "new", lambda: create_place(current_user, form.raw_values()))
    return _render_form(form, None, "new")


@bp.route(f"/places/{PLACE_ID}/edit", methods=["GET", "POST"])
@login_required
def edit_place_page(place_id: int):
    place = _editable_place(place_id)
    if request.method == "POST":
        form = PlaceForm()
        return _save(form, place, "edit", lambda: _edit(place, form))
    revision = pending_revision(place)
    # A pending revision holds the owner's latest proposal: edit that, not the public values.
    raw = revision.values if revision is not None else raw_from_place(place)
    return _render_form(PlaceForm(data=PlaceForm.initial(raw, place.version)), place, "edit")


def _edit(place: Place, form: PlaceForm) -> Place:
    try:
        edit_place(place, current_user, form.raw_values(), form.expected_version())
    except ValidationFailed as error:
        # Only new photos for a published place: they make the revision by themselves.
        only_photos = form.uploads() and set(error.errors) == {FORM_LEVEL}
        if not (only_photos and place.status == PlaceStatus.APPROVED):
            raise
    return place


@bp.route("/staff/places/new", methods=["GET", "POST"])
@login_required
def register_on_behalf_page():
    """代理登録. The ward is checked on the chosen point: staff register in their wards only."""
    if not can_use_staff_pages(current_user):
        raise PermissionDenied()
    form = ProxyPlaceForm()
    if form.is_submitted():

        def write() -> Place:
            return register_on_behalf(
                current_user,
                form.raw_values(),
                form.consent_note.data,
                owner_email=form.owner_email.data,
                owner_note=form.owner_note.data,
            )

        return _save(form, None, "proxy", write)
    return _render_form(form, None, "proxy")


@bp.get("/places/district-at")
@login_required
def district_at_point():
    """The ward a point falls in, for the form's map (the database decides it the same way)."""
    try:
        point = geo.parse_point(request.args.get("lon"), request.args.get("lat"))
    except InvalidGeometry as error:
        return jsonify(district=None, message=str(next(iter(error.errors.values())))), 400
    district = district_at(point)
    if district is None:
        return jsonify(district=None, message=str(OutsideDistricts().errors["location"]))
    name = localized(district.name_ja, district.name_en)
    return jsonify(
        district={"code": district.code, "name": name},
        message=_("This point is in %(ward)s.", ward=name),
    )


# --- actions -----------------------------------------------------------------------------------


@bp.post(f"/places/{PLACE_ID}/submit")
@login_required
def submit_place(place_id: int):
    place = _own_place(place_id)
    if not can_transition_place(current_user, place, PlaceStatus.PENDING):
        raise PermissionDenied()
    review.submit(place, current_user, _posted_version())
    db.session.commit()
    flash(_("Sent for review. Ward staff will check the listing and let you know."))
    return redirect(url_for(".my_places"))


@bp.post(f"/places/{PLACE_ID}/archive")
@login_required
def archive_place(place_id: int):
    place = _own_place(place_id)
    if not can_transition_place(current_user, place, PlaceStatus.ARCHIVED):
        raise PermissionDenied()
    review.archive(place, current_user, expected_version=_posted_version())
    db.session.commit()
    flash(_("The listing is archived: it is no longer shown to the public."))
    return redirect(url_for(".my_places"))


@bp.post(f"/places/{PLACE_ID}/revision/withdraw")
@login_required
def withdraw_place_revision(place_id: int):
    place = _own_place(place_id)
    if not can_edit_place(current_user, place):
        raise PermissionDenied()
    revision = pending_revision(place)
    if revision is None:
        raise NotFound(_("There are no proposed changes waiting for review."))
    withdraw_revision(revision, current_user)
    db.session.commit()
    flash(_("Your proposed changes were withdrawn. The published listing is unchanged."))
    return redirect(url_for(".my_places"))


@bp.post(f"/places/{PLACE_ID}/photos/{PHOTO_ID}/delete")
@login_required
def delete_photo(place_id: int, photo_id: int):
    place = _own_place(place_id)
    photo = db.session.get(PlacePhoto, photo_id)
    if photo is None or photo.place_id != place.id:
        raise NotFound()
    if not can_edit_place(current_user, place):
        raise PermissionDenied()
    published = place.status == PlaceStatus.APPROVED and photo.revision_id is None
    remove_photo(photo, current_user)
    db.session.commit()
    flash(
        _("The photo will be removed when ward staff approve your changes.")
        if published
        else _("The photo was removed.")
    )
    return redirect(url_for(".edit_place_page", place_id=place.id))


# --- my places ---------------------------------------------------------------------------------


def _latest_reasons(place_ids: list[int]) -> dict[int, str]:
    """Each place's latest reason for requesting changes or rejecting it."""
    rows = db.session.execute(
        select(ReviewEvent.place_id, ReviewEvent.reason)
        .where(
            ReviewEvent.place_id.in_(place_ids),
            ReviewEvent.action == ReviewAction.TRANSITION,
            ReviewEvent.to_status.in_([PlaceStatus.CHANGES_REQUESTED, PlaceStatus.REJECTED]),
            ReviewEvent.reason.is_not(None),
        )
        .order_by(ReviewEvent.place_id, ReviewEvent.created_at.desc(), ReviewEvent.id.desc())
        .ext(distinct_on(ReviewEvent.place_id))
    )
    return {place_id: reason for place_id, reason in rows}


@bp.get("/me/places")
@login_required
def my_places():
    places = db.session.scalars(
        select(Place)
        .where(Place.owner_id == current_user.id)
        .options(joinedload(Place.district))
        .order_by(Place.updated_at.desc(), Place.id.desc())
    ).all()
    ids = [p.id for p in places]
    pending = set(
        db.session.scalars(
            select(PlaceRevision.place_id).where(
                PlaceRevision.place_id.in_(ids), PlaceRevision.status == RevisionStatus.PENDING
            )
        )
    )
    return render_template(
        "owner/my_places.html",
        places=places,
        reasons=_latest_reasons(ids),
        pending_revisions=pending,
        statuses=PlaceStatus,
    )
