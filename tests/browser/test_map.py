"""The resident's map in a real headless Chromium: markers, popups, no outside requests, XSS."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from hiroba.accounts.services import find_user_by_email
from hiroba.extensions import db
from hiroba.places.models import Place
from hiroba.places.services import create_place
from hiroba.review import services as review
from tests.factories import place_values

pytestmark = pytest.mark.browser

ITEMS = "/api/collections/places/items"
# The only hosts a page may reach besides ours: the base map's tile servers.
TILE_HOSTS = {"tile.openstreetmap.org", "cyberjapandata.gsi.go.jp"}
KNOWN = ("中原市民館", 35.577, 139.66)  # a seeded, approved place: name, lat, lon
HOSTILE_NAME = "<img src=x onerror=window.__pwned=1>${window.__pwned=2}"
HOSTILE_POINT = (139.6500, 35.5750)  # lon, lat in 中原区, away from the seeded places

MAP = "window[document.querySelector('[data-hiroba-places-map]').dataset.mapName]"
DRAWN = (
    "() => document.querySelector('[data-hiroba-places-map]').dataset.loaded !== undefined"
    " && document.querySelector('.map-status').textContent"
    " !== JSON.parse(document.getElementById('hiroba-messages').textContent).loading"
)


def map_js(tab, expression: str, arg=None):
    """Evaluate ``expression`` with ``map`` bound to the page's Leaflet map."""
    return tab.page.evaluate(f"(arg) => {{ const map = {MAP}; return ({expression}); }}", arg)


def open_map(tab) -> None:
    """Open ``/`` and wait until the map has framed the wards and drawn their places."""
    tab.open("/")
    tab.page.wait_for_load_state("networkidle")
    tab.page.wait_for_function(DRAWN)


def zoom_by_clicking(tab, target) -> None:
    """Click ``target`` and wait for the zoom animation and the new area's places."""
    # Wrapped in an object: evaluate_handle would otherwise wait for the promise itself.
    moved = tab.page.evaluate_handle(
        f"() => ({{ end: new Promise(done => {MAP}.once('moveend', done)) }})"
    )
    target.click()
    # The move (and its animation) has ended, or it never started in ten seconds.
    assert tab.page.evaluate(
        "moved => Promise.race([moved.end.then(() => true),"
        " new Promise(late => setTimeout(() => late(false), 10000))])",
        moved,
    ), "the map did not move"
    tab.page.wait_for_function(DRAWN)


def show_around(tab, lat: float, lon: float, zoom: int = 17) -> None:
    """Move the map there (no animation) and wait for that area's places."""
    map_js(tab, "map.setView(arg[0], arg[1], {animate: false})", [[lat, lon], zoom])
    tab.page.wait_for_function(DRAWN)


@pytest.fixture(scope="session")
def hostile_place(live_app, live_server):
    """An approved place whose name is an XSS payload, added once through the services."""
    with live_app.app_context():
        existing = db.session.scalar(select(Place.id).where(Place.name == HOSTILE_NAME))
        if existing is None:
            owner = find_user_by_email("owner.chonaikai@hiroba.example")
            staff = find_user_by_email("staff.nakahara@hiroba.example")
            values = place_values(name=HOSTILE_NAME, location=list(HOSTILE_POINT))
            place = create_place(owner, values)
            review.submit(place, owner)
            review.approve(place, staff)
            db.session.commit()
            existing = place.id
        db.session.remove()
    return existing


def test_map_shows_clustered_places_that_open_up_when_zoomed(tab):
    open_map(tab)
    page = tab.page
    assert page.locator(".leaflet-container").is_visible()
    assert page.locator(".leaflet-tile-pane").count() == 1
    loaded = int(page.locator("[data-hiroba-places-map]").get_attribute("data-loaded"))
    assert loaded > 20  # the seeded wards hold dozens of approved places
    assert str(loaded) in page.locator(".map-status").inner_text()
    assert page.locator(".marker-cluster, .place-marker").count() > 0
    for _ in range(8):
        if page.locator(".place-marker").count():
            break
        zoom_by_clicking(tab, page.locator(".marker-cluster").first)
    markers = page.locator(".place-marker")
    assert markers.count() > 0
    assert markers.first.is_visible()
    assert markers.first.get_attribute("title")


def test_zoom_control_brings_markers_into_view(tab):
    open_map(tab)
    page = tab.page
    start = map_js(tab, "map.getZoom()")
    show_around(tab, KNOWN[1], KNOWN[2], start)
    for _ in range(6):
        zoom_by_clicking(tab, page.locator(".leaflet-control-zoom-in"))
    assert map_js(tab, "map.getZoom()") == start + 6
    assert page.get_by_title(KNOWN[0], exact=True).is_visible()


def test_nothing_is_loaded_from_other_hosts_except_tiles(tab):
    open_map(tab)
    show_around(tab, KNOWN[1], KNOWN[2], 15)
    outside = tab.outside_requests()
    assert outside, "the base map asks for tiles"
    for url, kind in outside:
        assert urlsplit(url).hostname in TILE_HOSTS, url
        assert kind == "image", url
    assert tab.failed_local == []
    unexpected = [
        (text, source)
        for text, source in tab.console_errors
        if urlsplit(source or "").hostname not in TILE_HOSTS
    ]
    assert unexpected == []
    assert tab.page_errors == []


def test_marker_popup_links_to_the_place_page(tab):
    open_map(tab)
    show_around(tab, KNOWN[1], KNOWN[2])
    page = tab.page
    page.get_by_title(KNOWN[0], exact=True).click()
    link = page.locator(".leaflet-popup-content .place-popup-name a")
    assert link.inner_text() == KNOWN[0]
    href = link.get_attribute("href")
    assert href.startswith("/places/") and href.removeprefix("/places/").isdigit()
    link.click()
    page.wait_for_url(f"**{href}")
    assert page.locator("h1").inner_text() == KNOWN[0]
    small_map = page.locator(".place-map .leaflet-container")
    assert small_map.is_visible()
    pin = page.locator(".place-map .leaflet-marker-icon")
    assert pin.count() == 1
    assert pin.evaluate("img => img.complete && img.naturalWidth > 0")
    assert tab.page_errors == [] and tab.failed_local == []


def test_hostile_place_name_is_shown_as_text_and_never_runs(tab, hostile_place):
    open_map(tab)
    lon, lat = HOSTILE_POINT
    show_around(tab, lat, lon, 18)
    page = tab.page
    marker = page.get_by_title(HOSTILE_NAME, exact=True)
    marker.click()
    link = page.locator(".leaflet-popup-content .place-popup-name a")
    assert link.inner_text() == HOSTILE_NAME
    assert page.locator(".leaflet-popup-content img").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
    link.click()
    page.wait_for_url(f"**/places/{hostile_place}")
    assert page.locator("h1").inner_text() == HOSTILE_NAME
    assert page.title().startswith(HOSTILE_NAME)
    assert page.locator('img[src="x"]').count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert not [u for u, _kind in tab.requests if urlsplit(u).path == "/x"]
    assert tab.page_errors == []


def test_phone_sized_screen_shows_map_and_list(phone_tab):
    open_map(phone_tab)
    page = phone_tab.page
    map_box = page.locator(".leaflet-container").bounding_box()
    assert map_box["width"] >= 370 and map_box["height"] >= 300
    assert page.locator(".place-list .place-item").first.is_visible()
    assert page.locator(".place-list .place-item").count() == 20
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator(".place-list .place-item a").first.scroll_into_view_if_needed()
    assert page.locator(".place-list .place-item a").first.is_visible()
    assert page.locator(".marker-cluster, .place-marker").count() > 0
