"""User text in another language than the page is marked with lang (WCAG 3.1.2)."""

from __future__ import annotations

import pytest
from flask_babel import lazy_gettext

from hiroba.i18n import japanese_parts, lang_attr, text_language, user_text


@pytest.mark.parametrize(
    ("text", "language"),
    [("中原市民館", "ja"), ("カフェ ABC", "ja"), ("（仮）", "ja"), ("Book Cafe", "en"),
     ("044-200-0000", None), ("", None), (None, None)],
)  # fmt: skip
def test_the_script_tells_the_language(text, language):
    assert text_language(text) == language


@pytest.mark.parametrize(
    ("page", "text", "marked"),
    [("en", "中原市民館", ' lang="ja"'), ("en", "Book Cafe", ""), ("ja", "中原市民館", ""),
     ("ja", "Book Cafe", ' lang="en"'), ("en", "2-3", "")],
)  # fmt: skip
def test_only_text_in_the_other_language_is_marked(app, page, text, marked):
    with app.test_request_context(headers={"Accept-Language": page}):
        assert lang_attr(text) == marked


def test_user_text_is_escaped_inside_its_span(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert user_text("<b>小杉</b>") == '<span lang="ja">&lt;b&gt;小杉&lt;/b&gt;</span>'
        assert user_text("<b>") == "&lt;b&gt;"


def test_japanese_quoted_in_english_ui_text_is_marked_run_by_run(app):
    hint = "Example: 1時間 500円 <b>"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert japanese_parts(hint) == 'Example: 1<span lang="ja">時間 500円</span> &lt;b&gt;'
    with app.test_request_context(headers={"Accept-Language": "ja"}):
        assert japanese_parts(hint) == "Example: 1時間 500円 &lt;b&gt;"


def test_lazy_strings_are_marked_too(app):
    hint = lazy_gettext("Example: 1時間 500円 <b>")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert japanese_parts(hint) == 'Example: 1<span lang="ja">時間 500円</span> &lt;b&gt;'
        assert lang_attr(lazy_gettext("小杉")) == ' lang="ja"'
