"""A place page, a ward page and the printable ward map in a real headless Chromium.

Screenshots go to test-results/screenshots/ and the printed ward map to test-results/print/
(not committed), so anyone can look at what residents and ward centres get.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from hiroba.accounts.services import find_user_by_email
from hiroba.extensions import db
from hiroba.places.models import Place
from hiroba.places.services import create_place
from hiroba.review import services as review
from tests.conftest import ROOT
from tests.factories import place_values

pytestmark = pytest.mark.browser

RESULTS = ROOT / "test-results"
TILE_HOSTS = {"tile.openstreetmap.org", "cyberjapandata.gsi.go.jp"}
NAKAHARA = "141330"
KNOWN = ("中原市民館", 35.577, 139.66)  # a seeded, approved place: name, lat, lon
# The same payload and point as the map's browser test: whichever runs first adds the place.
HOSTILE_NAME = "<img src=x onerror=window.__pwned=1>${window.__pwned=2}"
HOSTILE_POINT = (139.6500, 35.5750)
MM_PX = 96 / 25.4  # CSS pixels per millimetre

WARD_MAP = "window[document.querySelector('[data-hiroba-ward-map]').dataset.mapName]"
WARD_LOADED = "() => document.querySelector('[data-hiroba-ward-map]').dataset.loaded !== undefined"


@pytest.fixture(scope="session")
def seeded_ids(live_app):
    """Ids of the known seeded place and of a published place with a hostile name."""
    with live_app.app_context():
        known = db.session.scalar(select(Place.id).where(Place.name == KNOWN[0]))
        hostile = db.session.scalar(select(Place.id).where(Place.name == HOSTILE_NAME))
        if hostile is None:
            owner = find_user_by_email("owner.chonaikai@hiroba.example")
            staff = find_user_by_email("staff.nakahara@hiroba.example")
            place = create_place(
                owner, place_values(name=HOSTILE_NAME, location=list(HOSTILE_POINT))
            )
            review.submit(place, owner)
            review.approve(place, staff)
            db.session.commit()
            hostile = place.id
        db.session.remove()
    return {"known": known, "hostile": hostile}


def assert_only_tiles_left_the_site(tab) -> None:
    for url, kind in tab.outside_requests():
        assert urlsplit(url).hostname in TILE_HOSTS, url
        assert kind == "image", url
    assert tab.failed_local == []
    assert tab.page_errors == []


def test_place_page_shows_hours_today_the_centre_and_a_map(tab, seeded_ids, dialogs):
    tab.open(f"/places/{seeded_ids['known']}")
    page = tab.page
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == KNOWN[0]
    today = page.locator('table.hours tr[aria-current="date"]')
    assert today.count() == 1 and today.is_visible()
    assert page.locator(".open-status").is_visible()
    ask = page.locator("section.ask-to-use")
    assert "中原区ソーシャルデザインセンター" in ask.inner_text()
    assert page.locator(".place-map .leaflet-marker-icon").count() == 1
    assert page.locator(".features li svg[aria-hidden=true]").count() > 0
    (RESULTS / "screenshots").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(RESULTS / "screenshots" / "place-page.png"), full_page=True)
    assert_only_tiles_left_the_site(tab)
    assert dialogs == []


def test_hostile_name_on_its_place_page_stays_text(tab, seeded_ids, dialogs):
    tab.open(f"/places/{seeded_ids['hostile']}")
    page = tab.page
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == HOSTILE_NAME
    assert page.title().startswith(HOSTILE_NAME)
    ld = page.locator('script[type="application/ld+json"]').text_content()
    assert page.evaluate("text => JSON.parse(text).name", ld) == HOSTILE_NAME
    assert page.locator('img[src="x"]').count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert dialogs == []


def test_ward_page_shows_its_places_as_markers_with_text_popups(tab, seeded_ids, dialogs):
    tab.open(f"/districts/{NAKAHARA}")
    page = tab.page
    page.wait_for_function(WARD_LOADED)
    loaded = page.locator("[data-hiroba-ward-map]").get_attribute("data-loaded")
    api = page.evaluate(
        "url => fetch(url).then(r => r.json())",
        f"/api/collections/places/items?district={NAKAHARA}&limit=1000",
    )
    assert loaded == str(api["numberReturned"]) and int(loaded) >= 10
    assert page.locator(".place-marker, .marker-cluster").count() > 0
    assert loaded in page.locator(".map-status").inner_text()

    page.evaluate(f"() => {WARD_MAP}.setView([{KNOWN[1]}, {KNOWN[2]}], 17, {{animate: false}})")
    page.get_by_title(KNOWN[0], exact=True).click()
    link = page.locator(".leaflet-popup-content .place-popup-name a")
    assert link.inner_text() == KNOWN[0]
    assert link.get_attribute("href") == f"/places/{seeded_ids['known']}"

    lon, lat = HOSTILE_POINT
    page.evaluate(f"() => {WARD_MAP}.setView([{lat}, {lon}], 18, {{animate: false}})")
    page.get_by_title(HOSTILE_NAME, exact=True).click()
    hostile = page.locator(".leaflet-popup-content .place-popup-name a")
    assert hostile.inner_text() == HOSTILE_NAME
    assert page.locator(".leaflet-popup-content img").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
    (RESULTS / "screenshots").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(RESULTS / "screenshots" / "ward-page.png"), full_page=True)
    assert_only_tiles_left_the_site(tab)
    assert dialogs == []


def test_printable_ward_map_prints_to_a4_with_readable_qr_codes(tab, seeded_ids):
    tab.open(f"/districts/{NAKAHARA}/print")
    page = tab.page
    page.wait_for_load_state("networkidle")
    page.emulate_media(media="print")
    assert not page.locator(".print-toolbar").is_visible()
    entries = page.locator(".print-entry")
    assert entries.count() >= 10
    markers = page.locator(".print-marker-number")
    assert markers.count() == entries.count()
    assert markers.first.inner_text() == "1"
    sizes = page.eval_on_selector_all(
        ".print-qr svg", "svgs => svgs.map(s => s.getBoundingClientRect().width)"
    )
    assert len(sizes) == entries.count()
    assert min(sizes) >= 18 * MM_PX
    sheet = page.locator(".print-sheet").bounding_box()
    assert sheet["width"] <= 186 * MM_PX + 1  # A4 less 12 mm margins
    (RESULTS / "print").mkdir(parents=True, exist_ok=True)
    target = RESULTS / "print" / f"ward-{NAKAHARA}.pdf"
    pdf = page.pdf(path=str(target), format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= 4
    assert_only_tiles_left_the_site(tab)
