"""The UI speaks one language at a time: after switching to English no Japanese UI text is left,
and the Japanese UI has no English left in it.

What people typed (place names, descriptions, addresses, the ward centres' details) is not UI
text. The pages mark it with ``lang`` when its language is not the page's (WCAG 3.1.2, language
of parts), so the check skips everything inside an element whose language differs from the
page's — and would catch user text that is not marked, too.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.test_accessibility import PAGES, approved_place_id  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

# The UI text of the page as a person or a screen reader gets it: visible text (and text hidden
# only visually), the choices of drop-downs, and names given in attributes. Each piece comes with
# its element, and only when its language (the nearest lang attribute) is the page's.
UI_TEXT = """() => {
  const page = document.documentElement.lang;
  const languageOf = el => (el.closest('[lang]') || document.documentElement).lang;
  const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className.trim()
      ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const shown = el => {
    const box = el.closest('select') || el;
    return box.checkVisibility({visibilityProperty: true}) || !!el.closest('details:not([open])');
  };
  const pieces = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    const text = node.textContent.trim();
    if (!text || el.closest('script, style, noscript, template')) continue;
    if (languageOf(el) !== page || !shown(el)) continue;
    pieces.push([describe(el), text]);
  }
  for (const el of document.body.querySelectorAll('[title], [aria-label], [alt], [placeholder]')) {
    if (languageOf(el) !== page || !shown(el)) continue;
    // A place's marker is named after the place (user text, and an attribute cannot mark the
    // language of a part); the credits' link titles are their providers' words.
    if (el.matches('.leaflet-marker-icon:not(img), .leaflet-control-attribution *')) continue;
    for (const name of ['title', 'aria-label', 'alt', 'placeholder']) {
      const text = (el.getAttribute(name) || '').trim();
      if (text) pieces.push([describe(el) + '[' + name + ']', text]);
    }
  }
  return pieces;
}"""

JAPANESE = re.compile("[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’-]*")
# Latin words that Japanese UI text uses as they are: names of formats, standards and products.
NAMES = {"CSV", "GeoJSON", "API", "OGC", "QR", "A4", "OpenStreetMap", "Leaflet", "km", "m"}
NAMES |= {"Wi-Fi", "JPEG", "PNG", "WebP", "GPS"}
URL_OR_EMAIL = re.compile(r"(https?://|mailto:|tel:)\S*|\S+@\S+")


def ui_text(tab) -> list[tuple[str, str]]:
    return [tuple(piece) for piece in tab.page.evaluate(UI_TEXT)]


def japanese_left(tab) -> list[str]:
    return [f"{where}: {text}" for where, text in ui_text(tab) if JAPANESE.search(text)]


def english_left(tab) -> list[str]:
    left = []
    for where, text in ui_text(tab):
        words = set(LATIN_WORD.findall(URL_OR_EMAIL.sub("", text))) - NAMES
        if words:
            left.append(f"{where}: {text}")
    return left


def switch_to(tab, name: str) -> None:
    """Use the language switcher in the header, as a person would."""
    with tab.page.expect_navigation():
        tab.page.locator(".language button", has_text=name).click()


def open_place(tab, place_id: int) -> None:
    tab.open(f"/places/{place_id}")
    tab.page.wait_for_load_state("networkidle")


def open_page(tab, name: str, place_id: int) -> None:
    if name == "place":
        open_place(tab, place_id)
    elif name == "place-form" and tab.page.locator("form[action$='/logout']").count():
        tab.open("/places/new")  # logged in already
        tab.page.wait_for_selector("[data-hiroba-place-editor][data-ready=true]")
    else:
        PAGES[name](tab)


CHECKED = ["map", "place", "login", "place-form", "ward"]


def test_first_visit_follows_accept_language(browser, live_server):
    context = browser.new_context(locale="en-GB")  # Accept-Language: en-GB,en
    try:
        page = context.new_page()
        page.goto(live_server + "/login")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("main h1").inner_text() == "Log in"
        assert "hiroba_lang" not in {cookie["name"] for cookie in context.cookies()}
    finally:
        context.close()


def test_the_switcher_remembers_the_choice(tab):
    tab.open("/login")
    assert tab.page.locator("html").get_attribute("lang") == "ja"
    switch_to(tab, "English")
    # Back on the same page, now in English, and the next pages stay English.
    assert tab.page.url.endswith("/login")
    assert tab.page.locator("html").get_attribute("lang") == "en"
    tab.open("/districts/")
    assert tab.page.locator("html").get_attribute("lang") == "en"
    switch_to(tab, "日本語")
    assert tab.page.locator("html").get_attribute("lang") == "ja"
    tab.open("/login")
    assert tab.page.locator("html").get_attribute("lang") == "ja"


@pytest.mark.parametrize("name", CHECKED)
def test_english_ui_has_no_japanese_left(tab, name, approved_place_id):  # noqa: F811
    open_page(tab, name, approved_place_id)
    switch_to(tab, "English")
    open_page(tab, name, approved_place_id)  # drawn afresh, the map's script included
    assert tab.page.locator("html").get_attribute("lang") == "en"
    left = japanese_left(tab)
    assert left == [], f"Japanese on the English {name} page:\n" + "\n".join(left)


@pytest.mark.parametrize("name", CHECKED)
def test_japanese_ui_has_no_english_left(tab, name, approved_place_id):  # noqa: F811
    open_page(tab, name, approved_place_id)
    assert tab.page.locator("html").get_attribute("lang") == "ja"
    left = english_left(tab)
    assert left == [], f"English on the Japanese {name} page:\n" + "\n".join(left)


def test_user_text_in_the_other_language_is_marked(tab, approved_place_id):  # noqa: F811
    """A Japanese place name on an English page is read in Japanese; on the Japanese page the
    same name needs no mark."""
    open_place(tab, approved_place_id)
    name = tab.page.locator("h1")
    assert JAPANESE.search(name.inner_text())
    assert name.get_attribute("lang") is None
    switch_to(tab, "English")
    assert tab.page.locator("h1").get_attribute("lang") == "ja"
    open_page(tab, "map", approved_place_id)
    names = tab.page.locator("#place-list .place-name")
    assert names.count() > 0
    for link in names.all():
        if JAPANESE.search(link.inner_text()):
            assert link.get_attribute("lang") == "ja", link.inner_text()
