"""axe-core finds no serious or critical accessibility problem on the pages residents and owners
use, in Japanese and in English, on a desktop and on a narrow phone.

Each page is checked once it has finished drawing: the map after its places are loaded, the
ward map after its markers are in, the place form after its map editor is ready.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hiroba.extensions import db
from hiroba.places.models import Place, PlaceStatus
from tests.browser.axe import serious_violations
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

OWNER = ("owner.cafe@hiroba.example", "hiroba-owner-2026")  # a seeded demo account
NAKAHARA = "141330"
LANGUAGES = ["ja", "en"]
WARD_LOADED = "() => document.querySelector('[data-hiroba-ward-map]').dataset.loaded !== undefined"


@pytest.fixture(scope="module")
def approved_place_id(live_app):
    with live_app.app_context():
        place_id = db.session.scalar(
            select(Place.id).where(Place.status == PlaceStatus.APPROVED).order_by(Place.id).limit(1)
        )
        db.session.remove()
    assert place_id is not None
    return place_id


def in_language(tab, language: str) -> None:
    """Choose the UI language as the switcher would (its cookie)."""
    tab.page.context.add_cookies([{"name": "hiroba_lang", "value": language, "url": tab.base}])


def open_map(tab) -> None:
    tab.open("/")
    tab.page.wait_for_selector("[data-hiroba-explore][data-state=ready]")


def open_ward(tab) -> None:
    tab.open(f"/districts/{NAKAHARA}")
    tab.page.wait_for_function(WARD_LOADED)


def open_print(tab) -> None:
    tab.open(f"/districts/{NAKAHARA}/print")
    tab.page.wait_for_load_state("networkidle")


def open_login(tab) -> None:
    tab.open("/login")


def open_form(tab) -> None:
    log_in(tab, *OWNER)
    tab.open("/places/new")
    tab.page.wait_for_selector("[data-hiroba-place-editor][data-ready=true]")


PAGES = {
    "map": open_map,
    "ward": open_ward,
    "ward-print": open_print,
    "login": open_login,
    "place-form": open_form,
}


def check(tab, language: str) -> None:
    assert tab.page.locator("html").get_attribute("lang") == language
    problems = serious_violations(tab.page)
    assert problems == [], f"{tab.page.url} ({language}):\n" + "\n".join(problems)
    assert tab.page_errors == []


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_serious_accessibility_problems(tab, language, name):
    in_language(tab, language)
    PAGES[name](tab)
    check(tab, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_place_page_has_no_serious_accessibility_problems(tab, language, approved_place_id):
    in_language(tab, language)
    tab.open(f"/places/{approved_place_id}")
    tab.page.wait_for_load_state("networkidle")
    check(tab, language)
