"""Japanese first, English complete: every UI string has a Japanese translation."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "hiroba" / "translations"
JA_PO = TRANSLATIONS / "ja" / "LC_MESSAGES" / "messages.po"
JA_MO = JA_PO.with_suffix(".mo")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
METHODS = [("hiroba/**.py", "python"), ("templates/**.html", "jinja2")]
# As in hiroba/translations/babel.cfg: without it, templates using {% do %} are skipped silently.
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.do"}}


def source_messages() -> set[str]:
    """Every msgid marked for translation in the code and templates, as `make messages` sees it."""
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, options_map=OPTIONS, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def japanese_catalog():
    with JA_PO.open("rb") as handle:
        return read_po(handle, locale="ja")


def test_templates_that_use_do_are_read():
    """Guards the extraction itself: a template the reader skips would hide its strings."""
    assert "Required" in source_messages()  # only in templates/macros/forms.html


def test_every_ui_string_has_a_japanese_translation():
    catalog = japanese_catalog()
    missing = []
    for msgid in sorted(source_messages()):
        entry = catalog.get(msgid)
        strings = entry.string if entry is not None else None
        if isinstance(strings, tuple):
            strings = strings[0]
        if entry is None or not strings or entry.fuzzy:
            missing.append(msgid)
    assert missing == [], "untranslated (run `make messages` and translate):\n" + "\n".join(missing)


def test_translations_keep_their_placeholders():
    catalog = japanese_catalog()
    problems = [(m.id, str(err)) for m in catalog if m.id for err in m.check(catalog)]
    assert problems == []


def test_compiled_catalogue_is_current():
    """The running app reads the compiled .mo; a stale one would show old or English text."""
    assert JA_MO.exists(), "run `make translations`"
    with JA_MO.open("rb") as handle:
        compiled = read_mo(handle)

    def entries(catalog):
        def freeze(value):
            return tuple(value) if isinstance(value, list | tuple) else value

        return {freeze(m.id): freeze(m.string) for m in catalog if m.id}

    assert entries(compiled) == entries(japanese_catalog())


@pytest.mark.parametrize(
    ("accept_language", "lang", "heading"),
    [(None, "ja", None), ("ja,en;q=0.5", "ja", None), ("en-GB,en;q=0.9", "en", "Places to meet")],
)
def test_pages_speak_the_visitors_language(client, accept_language, lang, heading):
    headers = {"Accept-Language": accept_language} if accept_language else {}
    html = client.get("/", headers=headers).get_data(as_text=True)
    expected = heading or japanese_catalog().get("Places to meet").string
    assert f'<html lang="{lang}">' in html
    assert f">{expected}</h1>" in html
