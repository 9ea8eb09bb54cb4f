"""Administration: users, roles and staff wards, and each ward centre's contact.

Every page here is for administrators only.
"""

from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from hiroba.accounts.forms import ROLE_LABELS
from hiroba.accounts.models import Role, User
from hiroba.accounts.queries import users_matching
from hiroba.accounts.services import set_role_and_wards
from hiroba.admin.forms import DistrictCentreForm, UserRoleForm
from hiroba.database import MAX_ID
from hiroba.districts.models import CENTRE_FIELDS, District
from hiroba.districts.queries import all_districts
from hiroba.districts.services import set_centre_contact
from hiroba.errors import NotFound, PermissionDenied, ValidationFailed
from hiroba.extensions import db, login_manager
from hiroba.forms import show_errors
from hiroba.i18n import localized
from hiroba.permissions import can_manage_users

bp = Blueprint("admin", __name__)

USERS_PAGE_SIZE = 50
DISTRICT_CODE = re.compile(r"^[0-9]{6}$")


@bp.before_request
def administrators_only():
    """One gate for every admin page, including pages added later."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not can_manage_users(current_user):
        raise PermissionDenied()
    return None


@bp.context_processor
def admin_template_values() -> dict:
    return {"role_labels": ROLE_LABELS}


@bp.get("/users")
def users():
    """Every account, searchable by email or name and filterable by role."""
    search = request.args.get("q", "").strip()
    role = request.args.get("role", "")
    role = Role(role) if role in {r.value for r in Role} else None
    page = max(1, min(request.args.get("page", 1, type=int), 10_000))
    query = users_matching(search, role).options(selectinload(User.wards))
    found = db.paginate(query, page=page, per_page=USERS_PAGE_SIZE, error_out=False)
    return render_template("admin/users.html", users=found, search=search, role=role)


@bp.route(f"/users/<int(max={MAX_ID}):user_id>", methods=["GET", "POST"])
def user(user_id: int):
    """One account: its role, and the wards of a staff member."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    form = UserRoleForm(data={"role": user.role.value, "wards": sorted(user.ward_codes)})
    form.wards.choices = [
        SelectChoice(d.code, localized(d.name_ja, d.name_en))
        for d in db.session.scalars(all_districts())
    ]
    if form.validate_on_submit():
        admin = current_user._get_current_object()
        try:
            set_role_and_wards(admin, user, form.role.data, form.wards.data)
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("The role of %(name)s has been saved.", name=user.display_name), "success")
            if not can_manage_users(admin):  # they gave up their own administrator role
                return redirect(url_for("accounts.profile"))
            return redirect(url_for("admin.user", user_id=user.id))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/user.html", user=user, form=form), status


@bp.get("/districts")
def districts():
    """Every ward with its centre's name, to pick one to edit."""
    found = db.session.scalars(all_districts()).all()
    return render_template("admin/districts.html", districts=found)


@bp.route("/districts/<code>", methods=["GET", "POST"])
def district(code: str):
    """One ward's social design centre contact, as residents see it on place pages."""
    district = db.session.get(District, code) if DISTRICT_CODE.match(code) else None
    if district is None:
        raise NotFound()
    form = DistrictCentreForm(obj=district)
    if form.validate_on_submit():
        try:
            raw = {field: getattr(form, field).data for field in CENTRE_FIELDS}
            set_centre_contact(current_user._get_current_object(), district, raw)
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            db.session.commit()
            ward = localized(district.name_ja, district.name_en)
            flash(_("The centre contact of %(ward)s has been saved.", ward=ward), "success")
            return redirect(url_for("admin.district", code=district.code))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/district.html", district=district, form=form), status
