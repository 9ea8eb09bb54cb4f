"""Accounts: creating them, logging in, revoking sessions, and roles with staff wards."""

from __future__ import annotations

import functools
import logging
import re
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from hiroba.accounts.models import Role, User, new_session_token
from hiroba.accounts.passwords import hash_password, needs_rehash, verify_password
from hiroba.database import guarded_write
from hiroba.districts.models import District
from hiroba.errors import PermissionDenied, ValidationFailed
from hiroba.extensions import db
from hiroba.i18n import LANGUAGE_NAMES
from hiroba.permissions import can_manage_users
from hiroba.text import has_forbidden_characters

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
# Deliberately loose: one @, something on each side, a dot in the domain, no spaces.
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
EMAIL_TAKEN = _l("An account with this email address already exists.")


def normalise_email(email: str) -> str:
    return (email or "").strip()


def find_user_by_email(email: str) -> User | None:
    # Both sides lowered by PostgreSQL, as the unique index is: Python's lower() differs for
    # some letters (İ).
    if has_forbidden_characters(email):
        return None
    return db.session.scalar(
        select(User).where(func.lower(User.email) == func.lower(email.strip()))
    )


def display_name_error(display_name: str | None) -> object | None:
    """What is wrong with a display name (None if it is fine)."""
    name = (display_name or "").strip()
    if has_forbidden_characters(name):
        return _l("Contains characters that are not allowed.")
    if not name:
        return _l("Enter a display name.")
    if len(name) > 60:
        return _l("The display name can be at most 60 characters.")
    return None


def password_error(password: str | None) -> object | None:
    """What is wrong with a new password (None if it is fine)."""
    if has_forbidden_characters(password or ""):
        return _l("Contains characters that are not allowed.")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return _l("The password must be at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _l("The password is too long.")
    return None


def validate_account(email: str, display_name: str, password: str) -> dict[str, object]:
    errors: dict[str, object] = {}
    if has_forbidden_characters(email) or not EMAIL_PATTERN.match(email) or len(email) > 254:
        errors["email"] = _l("Enter a valid email address.")
    elif find_user_by_email(email):
        errors["email"] = EMAIL_TAKEN
    for field, error in (
        ("display_name", display_name_error(display_name)),
        ("password", password_error(password)),
    ):
        if error is not None:
            errors[field] = error
    return errors


def create_user(
    email: str,
    display_name: str,
    password: str,
    role: Role = Role.RESIDENT,
    ward_codes: Iterable[str] = (),
) -> User:
    """A new account; raises ValidationFailed (writing nothing) on any bad or duplicate value."""
    email = normalise_email(email)
    errors = validate_account(email, display_name, password)
    wards = _districts(ward_codes, errors)
    if errors:
        raise ValidationFailed(errors)
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        role=Role(role),
        wards=wards if role == Role.STAFF else [],
    )
    # The unique index has the last word when two registrations race.
    with guarded_write({"uq_users_email_lower": lambda: ValidationFailed({"email": EMAIL_TAKEN})}):
        db.session.add(user)
    return user


def _districts(codes: Iterable[str], errors: dict[str, object]) -> list[District]:
    codes = sorted(set(codes))
    if not codes:
        return []
    found = db.session.scalars(select(District).where(District.code.in_(codes))).all()
    missing = set(codes) - {d.code for d in found}
    if missing:
        errors["wards"] = _l("Unknown ward code: %(codes)s", codes=", ".join(sorted(missing)))
    return list(found)


# --- logging in and sessions -------------------------------------------------------------------


@functools.cache
def _dummy_hash() -> str:
    """A hash of a random password with the current parameters: unknown emails cost the same."""
    return hash_password(secrets.token_urlsafe(16))


def authenticate(email: str, password: str) -> User | None:
    """The user with this email and password, or None; records the login on success.

    Always one argon2 verification, whether or not the email exists, so that the response time
    does not tell which addresses have accounts. Hashes made with weaker parameters are renewed.
    """
    email = normalise_email(email)
    password = password or ""
    # A password no account can have (control characters, overlong) still costs one
    # verification, of an empty password (argon2 cannot encode a lone surrogate), then fails.
    usable = not has_forbidden_characters(password) and len(password) <= MAX_PASSWORD_LENGTH
    user = find_user_by_email(email) if len(email) <= 254 else None
    stored = user.password_hash if user is not None else _dummy_hash()
    matches = verify_password(stored, password if usable else "")
    if user is None or not usable or not matches:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    record_login(user)
    return user


def record_login(user: User) -> None:
    user.last_login_at = datetime.now(UTC)
    db.session.flush()


def user_by_session_token(token: str | None) -> User | None:
    """The user whose current session token this is (what sessions and remember-me carry)."""
    if not token or len(token) > 64 or has_forbidden_characters(token):
        return None
    return db.session.scalar(select(User).where(User.session_token == token))


def rotate_session_token(user: User) -> None:
    """Sign out every session and remember-me cookie of ``user`` (they carry the old token)."""
    user.session_token = new_session_token()
    db.session.flush()


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Set a new password after checking the current one; every other session is signed out."""
    errors: dict[str, object] = {}
    if not verify_password(user.password_hash, current_password or ""):
        errors["current_password"] = _l("The current password is wrong.")
    if (problem := password_error(new_password)) is not None:
        errors["new_password"] = problem
    if errors:
        raise ValidationFailed(errors)
    user.password_hash = hash_password(new_password)
    rotate_session_token(user)


def update_profile(user: User, display_name: str, locale: str) -> None:
    """Change the display name and the language of emails."""
    errors: dict[str, object] = {}
    if (problem := display_name_error(display_name)) is not None:
        errors["display_name"] = problem
    if locale not in LANGUAGE_NAMES:
        errors["locale"] = _l("Choose a language.")
    if errors:
        raise ValidationFailed(errors)
    user.display_name = display_name.strip()
    user.locale = locale
    db.session.flush()


# --- administration ----------------------------------------------------------------------------


def set_role_and_wards(
    admin: User, user: User, role: Role | str, ward_codes: Iterable[str]
) -> User:
    """Give ``user`` a role, and staff their wards; raises ValidationFailed, writing nothing.

    Staff need at least one ward; other roles have none. The last administrator cannot lose
    the role (there would be nobody left to manage accounts).
    """
    if not can_manage_users(admin):
        raise PermissionDenied()
    errors: dict[str, object] = {}
    try:
        role = Role(role)
    except ValueError:
        errors["role"] = _l("Choose a role.")
        role = None
    codes = list(ward_codes or ())
    wards: list[District] = []
    if role == Role.STAFF:
        wards = _districts(codes, errors)
        if not codes:
            errors["wards"] = _l("Choose at least one ward for staff.")
    if user.role == Role.ADMIN and role not in (Role.ADMIN, None) and _admin_count() <= 1:
        errors["role"] = _l(
            "This is the last administrator. Make someone else an administrator first."
        )
    if errors:
        raise ValidationFailed(errors)
    codes = [w.code for w in wards]
    log.info("user %s set role of user %s to %s, wards %s", admin.id, user.id, role, codes)
    user.role = role
    user.wards = wards
    db.session.flush()
    return user


def _admin_count() -> int:
    # Locking the administrators' rows makes two admins demoting each other at the same time
    # take turns: the second then sees that only one administrator is left.
    admins = db.session.scalars(
        select(User.id).where(User.role == Role.ADMIN).with_for_update()
    ).all()
    return len(admins)
