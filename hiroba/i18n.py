"""Language and time zone choice: Japanese by default, English complete.

The visitor's explicit choice (a cookie set by the language switcher) wins; on a first visit the
browser's Accept-Language decides; otherwise Japanese.
"""

from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_babel import get_locale, gettext

LANGUAGE_COOKIE = "hiroba_lang"
LANGUAGE_NAMES = {"ja": "日本語", "en": "English"}


def select_locale() -> str:
    supported = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and background work speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in supported:
        return chosen
    return (
        request.accept_languages.best_match(supported) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def current_language() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def localized(name_ja: str | None, name_en: str | None) -> str:
    """The English name on English pages when there is one, else the Japanese name."""
    if current_language() == "en" and name_en:
        return name_en
    return name_ja or name_en or ""


def weekday_names() -> list[str]:
    """Day names in ISO order (Monday first), in the visitor's language."""
    return [
        gettext("Monday"),
        gettext("Tuesday"),
        gettext("Wednesday"),
        gettext("Thursday"),
        gettext("Friday"),
        gettext("Saturday"),
        gettext("Sunday"),
    ]


def hhmm(minutes: int) -> str:
    """Minutes since midnight as HH:MM (24:00 for the end of the day)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
