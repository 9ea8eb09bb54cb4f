"""Language and time zone choice: Japanese by default, English complete.

The visitor's explicit choice (a cookie set by the language switcher) wins; on a first visit the
browser's Accept-Language decides; otherwise Japanese.
"""

from __future__ import annotations

import re
from functools import lru_cache

from flask import current_app, has_request_context, request
from flask_babel import get_locale, gettext
from flask_babel.speaklater import LazyString
from markupsafe import Markup
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

LANGUAGE_COOKIE = "hiroba_lang"
LANGUAGE_NAMES = {"ja": "日本語", "en": "English"}
# Kana, kanji, CJK punctuation (「」、。) and full-width forms (（）, ｶﾅ): the same set as
# static/js/places/render.js.
JAPANESE_SCRIPT = re.compile("[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
LATIN_LETTER = re.compile("[A-Za-z]")
# A run of Japanese, with any digits and spaces inside it ("時間 500円").
_J = JAPANESE_SCRIPT.pattern
JAPANESE_RUN = re.compile(f"{_J}(?:[{_J[1:-1]}\\s0-9]*{_J})?")


def select_locale() -> str:
    supported = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and background work speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in supported:
        return chosen
    accepted = request.headers.get("Accept-Language", "")
    return _best_match(accepted, tuple(supported)) or current_app.config["BABEL_DEFAULT_LOCALE"]


@lru_cache(maxsize=256)
def _best_match(accept_language: str, supported: tuple[str, ...]) -> str | None:
    """The supported language an Accept-Language header prefers, parsed once per header
    (browsers send a few different ones; every API request asks)."""
    return parse_accept_header(accept_language, LanguageAccept).best_match(supported)


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def current_language() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def localized(name_ja: str | None, name_en: str | None) -> str:
    """The English name on English pages when there is one, else the Japanese name."""
    if current_language() == "en" and name_en:
        return name_en
    return name_ja or name_en or ""


def text_language(text: str | None) -> str | None:
    """The language of a piece of user text, as far as its script tells: "ja" if it holds
    any Japanese, "en" if it holds Latin letters only, None for digits and signs."""
    if not text:
        return None
    text = str(text)  # also a lazy string
    if JAPANESE_SCRIPT.search(text):
        return "ja"
    return "en" if LATIN_LETTER.search(text) else None


def lang_attr(text: str | None) -> Markup:
    """` lang="…"` for the element holding user text in another language than the page
    (WCAG 3.1.2, language of parts: a screen reader then reads a Japanese name in Japanese
    on an English page); nothing when the languages agree."""
    language = text_language(text)
    if language is None or language == current_language():
        return Markup("")
    return Markup(' lang="%s"') % language


def user_text(text: str | None) -> Markup:
    """User text, escaped, in a ``<span lang>`` when its language is not the page's: for text
    inside a sentence or a translated message ("More places in %(ward)s")."""
    attr = lang_attr(text)
    if not attr:
        return Markup.escape(text or "")
    return Markup("<span%s>%s</span>") % (attr, text)


def japanese_parts(text: str | None) -> Markup:
    """UI text that quotes Japanese on purpose ("Example: コスギシミンカン"), escaped, with each
    Japanese run in a ``<span lang="ja">`` unless the page is in Japanese."""
    if not text or current_language() == "ja":
        return Markup.escape(text or "")
    text = str(text)  # form hints are lazy strings
    parts, end = [], 0
    for run in JAPANESE_RUN.finditer(text):
        parts.append(Markup.escape(text[end : run.start()]))
        parts.append(Markup('<span lang="ja">%s</span>') % run.group())
        end = run.end()
    parts.append(Markup.escape(text[end:]))
    return Markup("").join(parts)


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


def escape_lazy_text(value):
    """Every value a template prints passes here first (the Jinja environment's ``finalize``).

    Flask-Babel's lazy strings claim to be safe HTML (``__html__``), so Jinja would print them
    as they are — with the values interpolated into them, such as a rejected parameter a visitor
    typed. As plain text they are escaped like any other.
    """
    return str(value) if isinstance(value, LazyString) else value
