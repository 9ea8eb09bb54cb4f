"""Forms of the account pages. They check presence and that passwords match; the services check
everything else (lengths, characters, duplicates), so the same rules hold for the CLI and seeds."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectChoice,
    StringField,
)
from wtforms.validators import EqualTo, InputRequired

from hiroba.accounts.models import Role
from hiroba.accounts.services import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from hiroba.i18n import LANGUAGE_NAMES

ROLE_LABELS = {
    Role.RESIDENT: _l("Resident"),
    Role.STAFF: _l("Ward staff"),
    Role.ADMIN: _l("Administrator"),
}
REQUIRED = _l("Please fill in this field.")
MISMATCH = _l("The two passwords are not the same.")


def _password_field(label, autocomplete: str) -> PasswordField:
    return PasswordField(
        label,
        [InputRequired(REQUIRED)],
        render_kw={"autocomplete": autocomplete, "maxlength": MAX_PASSWORD_LENGTH},
    )


def _new_password_field(label) -> PasswordField:
    return PasswordField(
        label,
        [InputRequired(REQUIRED)],
        render_kw={
            "autocomplete": "new-password",
            "minlength": MIN_PASSWORD_LENGTH,
            "maxlength": MAX_PASSWORD_LENGTH,
        },
    )


def _display_name_field() -> StringField:
    return StringField(
        _l("Display name"),
        [InputRequired(REQUIRED)],
        render_kw={"autocomplete": "nickname", "maxlength": 60},
    )


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        [InputRequired(REQUIRED)],
        render_kw={"autocomplete": "username", "maxlength": 254},
    )
    password = _password_field(_l("Password"), "current-password")
    remember = BooleanField(_l("Keep me logged in on this device (30 days)"))


class RegisterForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        [InputRequired(REQUIRED)],
        render_kw={"autocomplete": "email", "maxlength": 254},
    )
    display_name = _display_name_field()
    password = _new_password_field(_l("Password"))
    confirm = PasswordField(
        _l("Password again"),
        [InputRequired(REQUIRED), EqualTo("password", MISMATCH)],
        render_kw={"autocomplete": "new-password", "maxlength": MAX_PASSWORD_LENGTH},
    )


class ProfileForm(FlaskForm):
    display_name = _display_name_field()
    locale = RadioField(
        _l("Language of emails"),
        [InputRequired(REQUIRED)],
        choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
    )


class PasswordForm(FlaskForm):
    current_password = _password_field(_l("Current password"), "current-password")
    new_password = _new_password_field(_l("New password"))
    confirm = PasswordField(
        _l("New password again"),
        [InputRequired(REQUIRED), EqualTo("new_password", MISMATCH)],
        render_kw={"autocomplete": "new-password", "maxlength": MAX_PASSWORD_LENGTH},
    )
