"""Creating accounts and giving staff their wards."""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from hiroba.accounts.models import Role, User
from hiroba.accounts.passwords import hash_password
from hiroba.database import guarded_write
from hiroba.districts.models import District
from hiroba.errors import ValidationFailed
from hiroba.extensions import db
from hiroba.text import has_forbidden_characters

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


def validate_account(email: str, display_name: str, password: str) -> dict[str, object]:
    errors: dict[str, object] = {}
    if has_forbidden_characters(email) or not EMAIL_PATTERN.match(email) or len(email) > 254:
        errors["email"] = _l("Enter a valid email address.")
    elif find_user_by_email(email):
        errors["email"] = EMAIL_TAKEN
    name = (display_name or "").strip()
    if has_forbidden_characters(name):
        errors["display_name"] = _l("Contains characters that are not allowed.")
    elif not name:
        errors["display_name"] = _l("Enter a display name.")
    elif len(name) > 60:
        errors["display_name"] = _l("The display name can be at most 60 characters.")
    if has_forbidden_characters(password or ""):
        errors["password"] = _l("Contains characters that are not allowed.")
    elif len(password or "") < MIN_PASSWORD_LENGTH:
        errors["password"] = _l(
            "The password must be at least %(n)d characters.", n=MIN_PASSWORD_LENGTH
        )
    elif len(password) > MAX_PASSWORD_LENGTH:
        errors["password"] = _l("The password is too long.")
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
