"""Checking the contact of a ward's social design centre, whoever sends it (admin form, seeds).

Every field is optional. Phone numbers are typed in many ways (全角 digits, hyphens, brackets):
they are NFKC-normalised and kept as typed otherwise. Websites must use HTTPS, because the
place page sends residents there.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from hiroba.errors import ValidationFailed
from hiroba.text import has_forbidden_characters

# field: (maximum length, several lines allowed)
LIMITS = {
    "centre_name": (120, False),
    "centre_address": (200, False),
    "centre_hours": (300, True),
    "centre_phone": (40, False),
    "centre_email": (254, False),
    "centre_url": (500, False),
    "centre_note": (500, True),
}
_PHONE = re.compile(r"^\+?[0-9][0-9()\- ]{5,39}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def _text(field: str, value: Any, errors: dict[str, Any]) -> str | None:
    max_length, multiline = LIMITS[field]
    if value is None:
        return None
    if not isinstance(value, str):
        errors[field] = _l("Must be text.")
        return None
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").strip()
    if has_forbidden_characters(value, allowed="\n" if multiline else ""):
        errors[field] = _l("Contains characters that are not allowed.")
        return None
    if len(value) > max_length:
        errors[field] = _l("At most %(n)d characters.", n=max_length)
        return None
    return value or None


def _https_url(value: str) -> bool:
    parts = urlsplit(value)
    return (
        parts.scheme == "https"
        and value.lower().startswith("https://")
        and bool(parts.hostname)
        and "." in parts.hostname
        and not any(ch.isspace() for ch in value)
    )


def clean_centre_contact(raw: Mapping[str, Any]) -> dict[str, str | None]:
    """Model values for every centre field from ``raw``; raises ValidationFailed with all
    problems at once."""
    errors: dict[str, Any] = {}
    values = {field: _text(field, raw.get(field), errors) for field in LIMITS}
    phone = values["centre_phone"]
    if phone:
        phone = unicodedata.normalize("NFKC", phone).replace("ー", "-")
        if _PHONE.match(phone):
            values["centre_phone"] = phone
        else:
            errors["centre_phone"] = _l("Enter a phone number with digits and hyphens.")
    email = values["centre_email"]
    if email and not _EMAIL.match(email):
        errors["centre_email"] = _l("Enter a valid email address.")
    url = values["centre_url"]
    if url and not _https_url(url):
        errors["centre_url"] = _l("Enter a web address starting with https://")
    if errors:
        raise ValidationFailed(errors)
    return values
