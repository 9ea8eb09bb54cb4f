"""The signed "still accurate" link sent to owners: whoever holds it may confirm one listing.

The token names the place and the confirmation it was issued after, so once the listing has
been confirmed again the old link confirms nothing (it only says so), and it expires.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from hiroba.places.models import Place

SALT = "hiroba.freshness.confirm"


class BadConfirmationLink(ValueError):
    """Tampered with, expired, or not a confirmation link at all."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _stamp(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def confirmation_token(place: Place) -> str:
    return _serializer().dumps({"place": place.id, "after": _stamp(place.last_confirmed_at)})


def read_confirmation_token(token: str) -> tuple[int, str]:
    """(place id, the confirmation the link was issued after), or ``BadConfirmationLink``."""
    max_age = current_app.config["FRESHNESS_LINK_MAX_AGE_DAYS"] * 86400
    try:
        data = _serializer().loads(token, max_age=max_age)
        return int(data["place"]), str(data["after"])
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise BadConfirmationLink() from exc


def is_current(place: Place, after: str) -> bool:
    """Was the link issued for the place's latest confirmation (not confirmed again since)?"""
    return _stamp(place.last_confirmed_at) == after
