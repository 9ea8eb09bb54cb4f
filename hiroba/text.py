"""Checks on free text that every entry point shares."""

from __future__ import annotations

import unicodedata

# Control characters (NUL would be refused by PostgreSQL itself) and lone surrogates (which
# cannot be encoded as UTF-8 at all) never belong in anything a person types.
FORBIDDEN_CATEGORIES = {"Cc", "Cs"}


def has_forbidden_characters(value: str, allowed: str = "") -> bool:
    """True if ``value`` holds a control character or lone surrogate not listed in ``allowed``."""
    return any(
        unicodedata.category(ch) in FORBIDDEN_CATEGORIES and ch not in allowed for ch in value
    )
