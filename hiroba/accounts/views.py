"""Sign-up, log-in and the user's own account pages."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_login.config import COOKIE_NAME

from hiroba.accounts.forms import (
    ROLE_LABELS,
    LoginForm,
    PasswordForm,
    ProfileForm,
    RegisterForm,
)
from hiroba.accounts.models import User
from hiroba.accounts.services import (
    MIN_PASSWORD_LENGTH,
    authenticate,
    change_password,
    create_user,
    record_login,
    rotate_session_token,
    update_profile,
)
from hiroba.errors import ValidationFailed
from hiroba.extensions import db, limiter
from hiroba.forms import show_errors
from hiroba.urls import safe_next

bp = Blueprint("accounts", __name__)

# Per client IP address. Generous for a person who mistypes, tight for a script guessing.
LOGIN_LIMITS = "10 per minute; 100 per day"
REGISTER_LIMITS = "5 per minute; 50 per day"

# Same message whichever of the two was wrong: a failed login never tells whether an account
# exists for the address.
LOGIN_FAILED = _l("The email address or the password is wrong.")

# Pages of other features linked from the profile, when that feature is installed and the
# user may use it: (endpoint, label, who may see the link).


@bp.context_processor
def account_template_values() -> dict:
    return {"role_labels": ROLE_LABELS, "min_password_length": MIN_PASSWORD_LENGTH}


def _next_or(endpoint: str) -> str:
    return safe_next(request.args.get("next")) or url_for(endpoint)


def _log_in(user: User, remember: bool) -> None:
    """Start a new session for ``user``; anything kept from before logging in is dropped."""
    session.clear()
    login_user(user, remember=remember)


def _keep_this_session(user: User) -> None:
    """After the session token rotated: carry the new one here (and in a remember-me cookie
    if this browser had one), while every other session keeps the old, now useless one."""
    cookie = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
    login_user(user, remember=cookie in request.cookies)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(REGISTER_LIMITS, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(_next_or("accounts.profile"))
    form = RegisterForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = create_user(form.email.data, form.display_name.data, form.password.data)
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            record_login(user)
            db.session.commit()
            _log_in(user, remember=False)
            flash(_("Welcome to hiroba! Your account has been created."), "success")
            return redirect(_next_or("accounts.profile"))
    if form.is_submitted():
        status = 422
    next_url = safe_next(request.args.get("next"))
    return render_template("accounts/register.html", form=form, next_url=next_url), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMITS, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_next_or("places.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            db.session.commit()
            _log_in(user, remember=form.remember.data)
            flash(_("You are logged in."), "success")
            return redirect(_next_or("places.index"))
        form.form_errors.append(str(LOGIN_FAILED))
    if form.is_submitted():
        status = 422
    next_url = safe_next(request.args.get("next"))
    return render_template("accounts/login.html", form=form, next_url=next_url), status


@bp.post("/logout")
def logout():
    session.clear()
    logout_user()  # after clear(): it marks the remember-me cookie for deletion in the session
    flash(_("You have logged out."), "success")
    return redirect(url_for("places.index"))


@bp.route("/me", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(data={"display_name": user.display_name, "locale": user.locale})
    status = 200
    if form.validate_on_submit():
        try:
            update_profile(user, form.display_name.data, form.locale.data)
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Your profile has been saved."), "success")
            return redirect(url_for("accounts.profile"))
    if form.is_submitted():
        status = 422
    return render_template("accounts/profile.html", form=form), status


@bp.route("/me/password", methods=["GET", "POST"])
@login_required
def password():
    user = current_user._get_current_object()
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            change_password(user, form.current_password.data, form.new_password.data)
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            db.session.commit()
            _keep_this_session(user)
            flash(
                _("Your password has been changed. You were logged out on other devices."),
                "success",
            )
            return redirect(url_for("accounts.profile"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/password.html", form=form), status


@bp.post("/me/logout-everywhere")
@login_required
def logout_everywhere():
    user = current_user._get_current_object()
    rotate_session_token(user)
    db.session.commit()
    _keep_this_session(user)
    flash(_("You were logged out on every other device and browser."), "success")
    return redirect(url_for("accounts.profile"))
