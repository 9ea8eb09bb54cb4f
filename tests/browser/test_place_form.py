"""Registering a place in a real Chromium: log in, click the map, see the ward, draw an outline
with the draw toolbar, fill the form and save — the place and its outline are stored, and no
dialog ever pops up."""

from __future__ import annotations

import uuid

import pytest
from shapely.geometry import Point
from sqlalchemy import select

from hiroba import geo
from hiroba.extensions import db
from hiroba.places.models import Place
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

OWNER = ("owner.cafe@hiroba.example", "hiroba-owner-2026")  # a seeded demo account
SPOT = (35.5700, 139.6500)  # lat, lon in 中原区, away from the seeded places
MAP = "window[document.querySelector('[data-hiroba-place-editor]').dataset.mapName]"
CORNERS = [(-70, -50), (70, -50), (70, 50), (-70, 50)]  # pixels around the map's centre


def open_form(tab) -> None:
    tab.open("/places/new")
    tab.page.wait_for_selector("[data-hiroba-place-editor][data-ready=true]")
    tab.page.evaluate(f"() => {MAP}.setView([{SPOT[0]}, {SPOT[1]}], 17, {{animate: false}})")


def map_box(tab) -> dict:
    """The map's box in the viewport (scrolled into view: clicks outside it hit nothing)."""
    frame = tab.page.locator("[data-hiroba-place-editor] .folium-map")
    frame.scroll_into_view_if_needed()
    return frame.bounding_box()


def test_register_a_place_with_a_point_and_an_outline(tab, dialogs, live_app):
    log_in(tab, *OWNER)
    open_form(tab)
    box = map_box(tab)
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

    # Click the map: the pin and the coordinates follow, and the ward is named.
    tab.page.mouse.click(*centre)
    tab.page.wait_for_function("() => document.getElementById('lon').value !== ''")
    lon = float(tab.page.input_value("#lon"))
    lat = float(tab.page.input_value("#lat"))
    assert (round(lat, 3), round(lon, 3)) == (round(SPOT[0], 3), round(SPOT[1], 3))
    status = tab.page.locator("#district-status")
    status.filter(has_text="中原区").wait_for()
    assert tab.page.locator(".leaflet-marker-icon").count() == 1

    # Draw an outline around the pin with the toolbar: four corners, then the first again.
    tab.page.click(".leaflet-draw-draw-polygon")
    for count, (dx, dy) in enumerate(CORNERS, start=1):
        tab.page.mouse.click(centre[0] + dx, centre[1] + dy)
        tab.page.locator(".leaflet-editing-icon").nth(count - 1).wait_for()
        # Leaflet.draw ignores clicks for 50 ms after each corner; a person is slower.
        tab.page.wait_for_timeout(120)
    tab.page.mouse.click(centre[0] + CORNERS[0][0], centre[1] + CORNERS[0][1])
    tab.page.wait_for_function("() => document.getElementById('footprint').value !== ''")
    # The clicks that drew the outline did not move the pin.
    assert float(tab.page.input_value("#lon")) == lon

    name = f"ブラウザで登録したひろば {uuid.uuid4().hex[:8]}"  # a draft: never on the public map
    tab.page.fill("#name", name)
    tab.page.select_option("#kind", "park")
    tab.page.check("input[name=sector][value=public]")
    with tab.page.expect_navigation():
        tab.page.click("button[name=action][value=draft]")
    assert "/edit" in tab.page.url, tab.page.content()[:3000]

    with live_app.app_context():
        place = db.session.scalar(select(Place).where(Place.name == name))
        assert place is not None
        point = geo.from_db(place.location)
        footprint = geo.from_db(place.footprint)
        assert place.district_code == "141330"
        assert (point.x, point.y) == pytest.approx((lon, lat), abs=1e-6)
        assert footprint is not None and len(footprint.exterior.coords) == 5
        assert footprint.contains(Point(lon, lat))

    assert dialogs == []
    assert tab.page_errors == []
    assert not [e for e in tab.console_errors if "tile" not in (e[1] or "")]


def test_a_point_outside_every_ward_is_flagged_before_saving(tab, dialogs):
    log_in(tab, *OWNER)
    open_form(tab)
    tab.page.fill("#lon", "139.90")
    tab.page.fill("#lat", "35.40")
    tab.page.dispatch_event("#lat", "change")
    warning = tab.page.locator("#district-status.is-warning")
    warning.wait_for()
    assert "区の外" in warning.text_content() or "outside" in warning.text_content()
    assert dialogs == []
