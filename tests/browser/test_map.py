"""The resident's map page in a real headless Chromium: filters, map and list together, the URL
as the page's state, "near me", hostile names, phones, keyboards and what the page asks for.

Every test waits for the page's own signals: ``data-state="ready"`` and the ``data-loads``
counter on the page's root, set once the places of the final view are shown. Map tiles cannot
load here (the browser may not leave the live server), and nothing waits for them.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlencode, urlsplit
from urllib.request import urlopen

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from hiroba.accounts.services import find_user_by_email
from hiroba.extensions import db
from hiroba.places import finder
from hiroba.places.models import Place
from hiroba.places.services import create_place
from hiroba.review import services as review
from tests.browser.conftest import LOCAL_HOSTS, new_tab
from tests.browser.screenshots import save_screenshot
from tests.factories import place_values

pytestmark = pytest.mark.browser

ITEMS = "/api/collections/places/items"
# The only hosts a page may reach besides ours: the base map's tile servers.
TILE_HOSTS = {"tile.openstreetmap.org", "cyberjapandata.gsi.go.jp"}
KNOWN = ("中原市民館", 35.577, 139.66)  # a seeded, approved place: name, lat, lon
NAKAHARA_VIEW = "center=139.6550,35.5750&zoom=15"  # a dozen places, most of them unclustered
HOSTILE_NAME = "<img src=x onerror=alert(1)>${alert(2)}`);alert(3);//"
HOSTILE_POINT = (139.6505, 35.5735)  # lon, lat in 中原区, apart from the seeded places
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
KOSUGI = {"latitude": 35.5764, "longitude": 139.6571}  # 武蔵小杉駅

ROOT = "[data-hiroba-explore]"
MAP = "window[document.querySelector('[data-hiroba-places-map]').dataset.mapName]"
SETTLED = (
    "after => { const root = document.querySelector('[data-hiroba-explore]');"
    " return root.dataset.state === 'ready' && Number(root.dataset.loads || 0) > after; }"
)
# Every place on the map, clustered or not: ids of the markers the cluster layer holds.
MARKER_IDS = f"""() => {{
  const ids = [];
  {MAP}.eachLayer((layer) => {{
    if (layer instanceof L.MarkerClusterGroup) layer.eachLayer((m) => ids.push(m.placeFeature.id));
  }});
  return ids;
}}"""
# What a person counts on the map: single markers plus the numbers on the group bubbles.
DRAWN_COUNT = """() => {
  const pane = document.querySelector('.leaflet-marker-pane');
  let n = pane.querySelectorAll('.place-marker').length;
  for (const group of pane.querySelectorAll('.place-group')) n += Number(group.textContent);
  return n;
}"""


# --- helpers ------------------------------------------------------------------------------------


def loads(page) -> int:
    return int(page.locator(ROOT).get_attribute("data-loads") or 0)


def settle(page, after: int) -> None:
    """Wait until a load later than the ``after``-th has shown its places and none is pending."""
    page.wait_for_function(SETTLED, arg=after)


def open_map(tab, query: str = "") -> None:
    tab.open("/" + (f"?{query}" if query else ""))
    settle(tab.page, 0)


def map_still(page) -> None:
    """Wait until the map has not moved for a moment (a popup pans it into view) and its
    places are shown: a link in a moving popup is not where a click lands."""
    page.evaluate(
        f"""() => new Promise((done) => {{
          const map = {MAP};
          let timer = setTimeout(done, 400);
          map.on("move", () => {{ clearTimeout(timer); timer = setTimeout(done, 400); }});
        }})"""
    )
    page.wait_for_function(f"() => document.querySelector('{ROOT}').dataset.state === 'ready'")


def map_js(page, expression: str, arg=None):
    """Evaluate ``expression`` with ``map`` bound to the page's Leaflet map."""
    return page.evaluate(f"(arg) => {{ const map = {MAP}; return ({expression}); }}", arg)


def view_bbox(page) -> str:
    return map_js(
        page,
        "[map.getBounds().getWest(), map.getBounds().getSouth(),"
        " map.getBounds().getEast(), map.getBounds().getNorth()].map(v => v.toFixed(6)).join(',')",
    )


def view(page) -> tuple[float, float, int]:
    return tuple(map_js(page, "[map.getCenter().lng, map.getCenter().lat, map.getZoom()]"))


def api_ids(base: str, **params) -> list[int]:
    """Ids of the places the search API finds, in the map list's order: by reading, or nearest
    first with ``near`` (the API alone orders a box nearest its centre by default)."""
    order = {} if "near" in params or "sortby" in params else {"sortby": "name"}
    query = urlencode({"limit": 1000, **order, **params})
    with urlopen(f"{base}{ITEMS}?{query}") as response:
        return [feature["id"] for feature in json.load(response)["features"]]


def listed_ids(page) -> list[int]:
    return [int(i) for i in page.locator(".place-list .place-item").evaluate_all(
        "items => items.map(item => item.dataset.placeId)"
    )]  # fmt: skip


def box(page, name: str, value: str):
    return page.locator(f'#filter-panel input[name="{name}"][value="{value}"]')


def tick(page, name: str, value: str) -> None:
    """Tick a box of the filter form, by its value (its words are being translated)."""
    box(page, name, value).check()


def message(page, key: str, **values) -> str:
    """One of the page's own messages (from its JSON config), placeholders filled."""
    text = page.evaluate(
        "key => JSON.parse(document.getElementById('hiroba-map-config').textContent).messages[key]",
        key,
    )
    if isinstance(text, list):  # singular and plural
        text = text[0] if values.get("n") == 1 else text[1]
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), text)


def url_params(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def drag_map(page, dx: int, dy: int) -> None:
    """Drag the map with the mouse, as a person pans it."""
    box = page.locator(".leaflet-container").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx / 2, y + dy / 2, steps=5)
    page.mouse.move(x + dx, y + dy, steps=5)
    page.wait_for_timeout(120)  # a pause before letting go: no inertia, the map stops here
    page.mouse.up()


def focus_ring(locator) -> bool:
    """Whether the focused element shows an outline or a ring a person can see."""
    return locator.evaluate(
        """el => { const s = getComputedStyle(el);
          return (s.outlineStyle === 'auto' || s.outlineStyle !== 'none'
                  && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none'; }"""
    )


def approved_place(live_app, name: str, point: tuple[float, float]) -> int:
    """An approved place with this name, added once through the services."""
    with live_app.app_context():
        existing = db.session.scalar(select(Place.id).where(Place.name == name))
        if existing is None:
            owner = find_user_by_email("owner.chonaikai@hiroba.example")
            staff = find_user_by_email("staff.nakahara@hiroba.example")
            place = create_place(owner, place_values(name=name, location=list(point)))
            review.submit(place, owner)
            review.approve(place, staff)
            db.session.commit()
            existing = place.id
        db.session.remove()
    return existing


@pytest.fixture(scope="session")
def hostile_place(live_app, live_server):
    return approved_place(live_app, HOSTILE_NAME, HOSTILE_POINT)


@pytest.fixture
def phone(browser, live_server):
    """A phone-sized browser context (360 x 740, touch)."""
    context, tab = new_tab(browser, live_server, **PHONE)
    yield tab
    context.close()


@pytest.fixture
def few_markers(monkeypatch):
    """Count bubbles from a handful of places on, so the seeds are "too many" for markers."""
    monkeypatch.setattr(finder, "MAX_MARKERS", 3)


# --- filters, panning and the URL ---------------------------------------------------------------


def test_filters_change_the_markers_and_the_list_to_exactly_the_matches(tab, live_server):
    open_map(tab)
    page = tab.page
    bbox = view_bbox(page)
    everything = api_ids(live_server, bbox=bbox)
    assert len(everything) > 50  # the whole registry is framed
    assert sorted(page.evaluate(MARKER_IDS)) == sorted(everything)
    assert page.evaluate(DRAWN_COUNT) == len(everything)

    steps = [
        ("kind", lambda: tick(page, "kind", "public_facility")),
        ("kind", lambda: tick(page, "kind", "school")),
        ("accessibility", lambda: (
            page.locator('.filter-more[data-group="accessibility"] summary').click(),
            tick(page, "accessibility", "elevator"),
        )),
        ("q", lambda: page.locator("#filter-q").press_sequentially("市民館", delay=30)),
    ]  # fmt: skip
    filters = {"bbox": bbox}
    previous = everything
    for name, act in steps:
        before = loads(page)
        act()
        settle(page, before)
        value = {"kind": "public_facility,school", "accessibility": "elevator", "q": "市民館"}
        filters[name] = value[name] if name != "kind" or "kind" in filters else "public_facility"
        expected = api_ids(live_server, **filters)
        assert expected and expected != previous, filters  # each step narrows what is shown
        assert listed_ids(page) == expected
        assert sorted(page.evaluate(MARKER_IDS)) == sorted(expected)
        assert page.evaluate(DRAWN_COUNT) == len(expected)
        previous = expected
    names = page.locator(".place-list .place-name").all_inner_texts()
    assert names and all("市民館" in name for name in names)
    assert page.locator(".result-count").inner_text() == message(page, "count", n=len(previous))
    assert page.locator(".filter-count").inner_text() == message(page, "chosen", n=4)
    params = url_params(page)
    assert params["kind"] == ["public_facility", "school"]
    assert params["accessibility"] == ["elevator"] and params["q"] == ["市民館"]
    save_screenshot(page, "map-filtered-desktop-ja")


def test_panning_the_map_makes_the_list_follow_the_view(tab, live_server):
    open_map(tab, NAKAHARA_VIEW)
    page = tab.page
    first = listed_ids(page)
    assert first == api_ids(live_server, bbox=view_bbox(page))
    before_center = url_params(page)["center"]
    before = loads(page)
    drag_map(page, 500, 0)  # the map's content to the right: we look further west
    settle(page, before)
    after = listed_ids(page)
    assert after == api_ids(live_server, bbox=view_bbox(page))
    assert set(first) - set(after), "places now out of view left the list"
    assert set(after) - set(first), "places now in view joined it"
    lon, lat = (float(v) for v in url_params(page)["center"][0].split(","))
    assert url_params(page)["center"] != before_center
    assert lon < 139.6550 and lat == pytest.approx(35.5750, abs=1e-3)
    assert sorted(page.evaluate(MARKER_IDS)) == sorted(after)


def test_a_shared_url_shows_the_same_view_and_back_restores_the_filters(tab, browser, live_server):
    open_map(tab, NAKAHARA_VIEW)
    page = tab.page
    before = loads(page)
    tick(page, "kind", "park")
    settle(page, before)
    before = loads(page)
    page.locator('.filter-more[data-group="accessibility"] summary').click()
    tick(page, "accessibility", "step_free_entrance")
    settle(page, before)
    before = loads(page)
    page.locator(".leaflet-control-zoom-out").click()
    settle(page, before)
    shared_list = listed_ids(page)
    assert shared_list
    shared_view = view(page)

    context, other = new_tab(browser, live_server, viewport={"width": 1280, "height": 800})
    try:
        other.page.goto(page.url)
        settle(other.page, 0)
        ticked = other.page.locator("#filter-panel input:checked").evaluate_all(
            "boxes => boxes.map(b => b.name + '=' + b.value)"
        )
        assert sorted(ticked) == sorted(
            ["kind=park", "accessibility=step_free_entrance", "condition="]
        )
        assert listed_ids(other.page) == shared_list
        lon, lat, zoom = view(other.page)
        assert zoom == shared_view[2]
        assert lon == pytest.approx(shared_view[0], abs=1e-4)
        assert lat == pytest.approx(shared_view[1], abs=1e-4)
        assert other.page.locator('.filter-more[data-group="accessibility"]').get_attribute(
            "open"
        ) is not None  # fmt: skip
    finally:
        context.close()

    before = loads(page)
    box(page, "kind", "park").uncheck()  # every kind, step-free
    settle(page, before)
    assert set(listed_ids(page)) > set(shared_list)
    before = loads(page)
    page.go_back()
    settle(page, before)
    expect(box(page, "kind", "park")).to_be_checked()
    expect(box(page, "accessibility", "step_free_entrance")).to_be_checked()
    assert listed_ids(page) == shared_list
    assert url_params(page)["kind"] == ["park"]
    before = loads(page)
    page.go_forward()
    settle(page, before)
    expect(box(page, "kind", "park")).not_to_be_checked()
    assert "kind" not in url_params(page)


# --- list and map, chosen together --------------------------------------------------------------


def test_choosing_on_the_map_marks_the_list_and_choosing_in_the_list_marks_the_map(tab):
    open_map(tab, NAKAHARA_VIEW)
    page = tab.page
    marker = page.locator(f'.place-marker[title="{KNOWN[0]}"]')
    known_id = int(marker.get_attribute("data-place-id"))
    marker.click()
    expect(page.locator(".leaflet-popup-content .place-popup-name")).to_have_text(KNOWN[0])
    current = page.locator('.place-list .place-item[aria-current="true"]')
    expect(current).to_have_count(1)
    assert int(current.get_attribute("data-place-id")) == known_id
    expect(marker).to_have_class(re.compile(r"\bis-current\b"))

    # Read at once: the popup may pan the map, and the list follow it, at any moment.
    other_id, other_name = page.locator(".place-list").evaluate(
        """(list, known) => {
          const item = [...list.children].find((i) => i.dataset.placeId != known);
          return [Number(item.dataset.placeId), item.querySelector('.place-name').textContent];
        }""",
        known_id,
    )
    other = page.locator(f'.place-list .place-item[data-place-id="{other_id}"]')
    other.get_by_role("button").click()  # "Show on map"
    popup = page.locator(".leaflet-popup-content .place-popup-name")
    expect(popup.filter(has_text=other_name)).to_be_visible()
    expect(popup).to_have_count(1)  # the first one has closed
    expect(popup).to_have_text(other_name)
    chosen = page.locator(f'.place-marker[data-place-id="{other_id}"]')
    expect(chosen).to_have_class(re.compile(r"\bis-current\b"))
    expect(page.locator(".place-marker.is-current")).to_have_count(1)
    expect(current).to_have_count(1)
    assert int(current.get_attribute("data-place-id")) == other_id
    plain = page.locator(".place-marker:not(.is-current)").first
    assert chosen.bounding_box()["width"] > plain.bounding_box()["width"]  # drawn larger


# --- near me ------------------------------------------------------------------------------------


def distance_m(text: str) -> float:
    number = float(re.search(r"[\d.,]+", text).group().replace(",", ""))
    return number * 1000 if "km" in text else number


def test_near_me_lists_the_nearest_first_with_distances(browser, live_server):
    context, tab = new_tab(
        browser, live_server, viewport={"width": 1280, "height": 800},
        geolocation=KOSUGI, permissions=["geolocation"],
    )  # fmt: skip
    try:
        open_map(tab)
        page = tab.page
        button = page.locator(".near-me")
        before = loads(page)
        button.click()
        settle(page, before)
        expect(button).to_have_attribute("aria-pressed", "true")
        expect(page.locator(".near-message")).to_have_text(message(page, "located"))
        expect(page.locator(".list-order")).to_be_visible()
        assert page.locator(".leaflet-marker-pane .you-are-here").count() == 1
        near = url_params(page)["near"][0]
        assert near == f"{KOSUGI['longitude']:.3f},{KOSUGI['latitude']:.3f}"
        items = page.locator(".place-list .place-item")
        assert items.count() >= 3
        distances = [distance_m(t) for t in page.locator(".place-distance").all_inner_texts()]
        assert len(distances) == items.count()
        assert distances == sorted(distances)
        expected = api_ids(live_server, near=near, bbox=view_bbox(page))
        assert listed_ids(page) == expected[: len(listed_ids(page))]
    finally:
        context.close()


def test_near_me_refused_says_so_and_the_page_keeps_working(tab, live_server):
    open_map(tab, NAKAHARA_VIEW)
    page = tab.page
    shown = listed_ids(page)
    page.locator(".near-me").click()
    said = page.locator(".near-message")
    expect(said).to_have_text(message(page, "geoDenied"))
    expect(page.locator(".near-me")).to_have_attribute("aria-pressed", "false")
    assert "near" not in url_params(page)
    assert listed_ids(page) == shown
    before = loads(page)
    tick(page, "kind", "park")
    settle(page, before)
    assert listed_ids(page) == api_ids(live_server, kind="park", bbox=view_bbox(page))
    assert tab.page_errors == []


# --- a hostile name -----------------------------------------------------------------------------


def assert_nothing_ran(tab, dialogs) -> None:
    assert dialogs == []
    assert tab.page.locator('img[src="x"]').count() == 0
    assert not [u for u, _kind in tab.requests if urlsplit(u).path.endswith("/x")]
    assert tab.page_errors == []


def test_hostile_name_is_text_on_the_map_in_the_list_in_popups_and_on_its_page(
    tab, dialogs, hostile_place
):
    lon, lat = HOSTILE_POINT
    open_map(tab, f"center={lon},{lat}&zoom=17")
    page = tab.page
    item = page.locator(f'.place-item[data-place-id="{hostile_place}"]')
    expect(item.locator(".place-name")).to_have_text(HOSTILE_NAME)
    marker = page.locator(f'.place-marker[data-place-id="{hostile_place}"]')
    assert marker.get_attribute("title") == HOSTILE_NAME
    assert marker.get_attribute("aria-label").startswith(HOSTILE_NAME + ", ")
    marker.hover()
    expect(page.locator(".leaflet-tooltip")).to_have_text(HOSTILE_NAME)
    marker.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup.locator(".place-popup-name")).to_have_text(HOSTILE_NAME)
    expect(popup.locator(".place-popup-details .visually-hidden")).to_have_text(": " + HOSTILE_NAME)
    expect(item.locator(".show-on-map .visually-hidden")).to_have_text(HOSTILE_NAME + ": ")
    assert_nothing_ran(tab, dialogs)

    expect(page.locator(".leaflet-popup")).to_have_count(1)
    map_still(page)
    with page.expect_navigation(url=f"**/places/{hostile_place}"):
        popup.locator(".place-popup-name a").click()
    assert page.locator("h1").inner_text() == HOSTILE_NAME
    assert page.title().startswith(HOSTILE_NAME)
    assert_nothing_ran(tab, dialogs)


def test_hostile_name_stays_text_beside_count_bubbles(tab, dialogs, hostile_place, few_markers):
    lon, lat = HOSTILE_POINT
    open_map(tab, f"center={lon},{lat}&zoom=15")
    page = tab.page
    expect(page.locator(".count-bubble").first).to_be_visible()
    assert page.locator(".place-marker").count() == 0
    item = page.locator(f'.place-item[data-place-id="{hostile_place}"]')
    expect(item.locator(".place-name")).to_have_text(HOSTILE_NAME)
    item.locator(".show-on-map").click()  # the chosen place gets a marker of its own
    popup = page.locator(".leaflet-popup-content")
    expect(popup.locator(".place-popup-name")).to_have_text(HOSTILE_NAME)
    lone = page.locator(f'.place-marker[data-place-id="{hostile_place}"]')
    assert lone.get_attribute("title") == HOSTILE_NAME
    page.locator(".leaflet-popup-close-button").click()
    lone.hover()
    expect(page.locator(".leaflet-tooltip")).to_have_text(HOSTILE_NAME)
    counts = page.locator(".count-bubble").all_inner_texts()
    assert counts and all(re.fullmatch(r"\d+", count) for count in counts)
    assert_nothing_ran(tab, dialogs)


# --- phones -------------------------------------------------------------------------------------

# The page's own controls (not Leaflet's attribution, not text inside popups).
CONTROLS = """root => [...root.querySelectorAll(
    'a, button, select, input:not([type=checkbox]):not([type=radio]):not([type=hidden]),'
    + ' label.check, summary, .leaflet-marker-icon[tabindex="0"]')]
  .filter(el => !el.closest('.leaflet-control-attribution, .leaflet-popup, .visually-hidden'))
  .filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
  .filter(el => el.getBoundingClientRect().right > 0)  // skip links wait off-screen for a focus
  .map(el => { const r = el.getBoundingClientRect();
    return {what: el.outerHTML.slice(0, 90), width: r.width, height: r.height}; })"""


def small_targets(page) -> list[dict]:
    return [c for c in page.locator(ROOT).evaluate(CONTROLS) if c["width"] < 44 or c["height"] < 44]


def test_phone_folds_the_filters_away_and_fits_the_screen(phone, live_server, hostile_place):
    open_map(phone, NAKAHARA_VIEW)
    page = phone.page
    assert hostile_place in listed_ids(page)  # a long name without spaces, to wrap
    toggle = page.locator(".filter-toggle")
    panel = page.locator("#filter-panel")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(panel).to_be_hidden()
    map_box = page.locator(".leaflet-container").bounding_box()
    assert map_box["width"] >= 340 and map_box["height"] >= 300
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.locator(".place-marker, .place-group").count() > 0
    assert small_targets(page) == []
    save_screenshot(page, "map-phone-ja")

    toggle.tap()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(panel).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.locator('.filter-more[data-group="accessibility"] summary').tap()
    assert small_targets(page) == []
    before = loads(page)
    box(page, "kind", "public_facility").tap()
    settle(page, before)
    before = loads(page)
    panel.locator("button[type=submit]").tap()  # the form's own submit: folds it away
    settle(page, before)
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(panel).to_be_hidden()
    expect(toggle.locator(".filter-count")).to_have_text(message(page, "chosen", n=1))
    items = page.locator(".place-list .place-item")
    shown = listed_ids(page)
    assert shown and shown == api_ids(live_server, kind="public_facility", bbox=view_bbox(page))
    items.first.scroll_into_view_if_needed()
    expect(items.first).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.evaluate("window.scrollTo(0, 0)")
    marker_id = page.locator(".place-marker").first.get_attribute("data-place-id")
    marker = page.locator(f'.place-marker[data-place-id="{marker_id}"]')
    name = marker.get_attribute("title")
    marker.tap()
    expect(page.locator(".leaflet-popup-content .place-popup-name")).to_have_text(name)
    assert page.locator(".leaflet-tooltip").count() == 0  # no tooltip over the popup on touch
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


# --- what the page asks for ---------------------------------------------------------------------


def test_nothing_is_requested_from_other_hosts_except_tiles(tab, live_server):
    open_map(tab, NAKAHARA_VIEW)
    page = tab.page
    before = loads(page)
    drag_map(page, 200, 150)
    settle(page, before)
    before = loads(page)
    tick(page, "kind", "park")
    settle(page, before)
    page.locator(".place-marker").first.click()
    expect(page.locator(".leaflet-popup-content")).to_be_visible()
    map_still(page)
    page.locator(".leaflet-popup-content .place-popup-name a").click()
    page.wait_for_url("**/places/*")
    page.locator(".place-map .leaflet-marker-icon").wait_for()
    outside = tab.outside_requests()
    assert outside, "the base map asks for tiles"
    for url, kind in outside:
        assert urlsplit(url).hostname in TILE_HOSTS, url
        assert kind == "image", url
    assert {urlsplit(u).hostname for u, _kind in tab.requests} <= LOCAL_HOSTS | TILE_HOSTS
    assert tab.failed_local == []
    assert tab.page_errors == []
    ours = [(t, s) for t, s in tab.console_errors if urlsplit(s or "").hostname not in TILE_HOSTS]
    assert ours == []


# --- both languages, both sizes -----------------------------------------------------------------


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_map_and_place_page_in_japanese_and_english(browser, live_server, size):
    options = PHONE if size == "phone" else {"viewport": {"width": 1280, "height": 800}}
    context, tab = new_tab(browser, live_server, **options)
    try:
        page = tab.page
        open_map(tab, NAKAHARA_VIEW)
        assert page.locator("html").get_attribute("lang") == "ja"
        count = len(listed_ids(page))
        expect(page.locator(".result-count")).to_have_text(message(page, "count", n=count))
        save_screenshot(page, f"map-{size}-ja")
        view_before = url_params(page)["center"]

        with page.expect_navigation():
            page.locator(".language button", has_text="English").click()
        settle(page, 0)
        assert page.locator("html").get_attribute("lang") == "en"
        assert url_params(page)["center"] == view_before  # the switch came back to this view
        expect(page.locator(".result-count")).to_have_text(message(page, "count", n=count))
        assert "map area" in page.locator(".result-count").inner_text()
        save_screenshot(page, f"map-{size}-en")

        link = page.locator(".place-list .place-name", has_text=KNOWN[0])
        with page.expect_navigation(url="**/places/*"):
            link.click()
        page.locator(".place-map .leaflet-marker-icon").wait_for()
        assert page.locator("h1").inner_text() == KNOWN[0]
        save_screenshot(page, f"place-{size}-en", full_page=True)
        with page.expect_navigation(url="**/places/*"):
            page.locator(".language button", has_text="日本語").click()
        assert page.locator("html").get_attribute("lang") == "ja"
        page.locator(".place-map .leaflet-marker-icon").wait_for()
        save_screenshot(page, f"place-{size}-ja", full_page=True)
        assert tab.page_errors == [] and tab.failed_local == []
    finally:
        context.close()


# --- keyboards ----------------------------------------------------------------------------------

ACTIVE = """() => { const el = document.activeElement;
  return {cls: el.className && el.className.baseVal === undefined ? el.className : '',
          id: el.dataset ? el.dataset.placeId || '' : '', tag: el.tagName}; }"""


def tab_until(page, wanted: str, limit: int = 200) -> list[str]:
    """Press Tab until the focused element matches ``wanted``; the classes seen on the way."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        seen.append(page.evaluate(ACTIVE)["cls"])
        if page.evaluate("sel => document.activeElement.matches(sel)", wanted):
            return seen
    raise AssertionError(f"Tab never reached {wanted}: {seen}")


def test_keyboard_reaches_the_map_its_controls_and_the_list_with_a_visible_focus(tab):
    open_map(tab)
    page = tab.page
    page.locator("#filter-q").focus()
    for wanted, limit in [
        (".skip-map", 80),
        (".leaflet-container", 1),  # the map itself: arrow keys pan it
        (".place-marker, .place-group", 1),
        (".leaflet-control-zoom-in", 40),
        (".leaflet-control-zoom-out", 1),
        (".leaflet-control-layers-toggle", 1),
        (".place-item .place-name", 10),
        (".place-item .show-on-map", 1),
    ]:
        tab_until(page, wanted, limit)
        assert focus_ring(page.locator(":focus")), wanted
    item_id = page.evaluate("document.activeElement.closest('.place-item').dataset.placeId")
    page.keyboard.press("Enter")
    expect(page.locator(f'.place-marker.is-current[data-place-id="{item_id}"]')).to_be_visible()
    expect(page.locator(".leaflet-popup-content")).to_be_visible()


def test_keyboard_zooms_into_a_group_of_places_and_stays_on_the_map(tab):
    open_map(tab)
    page = tab.page
    page.locator(".skip-map").focus()
    tab_until(page, ".place-group", 30)  # a group of places: a bubble with its count
    count = int(page.locator(":focus").inner_text())
    zoom = view(page)[2]
    before = loads(page)
    page.keyboard.press("Enter")
    settle(page, before)
    assert view(page)[2] > zoom
    assert page.evaluate(DRAWN_COUNT) >= count  # the group's places are all in view
    # The bubble is gone; the focus is not lost but on the map, and Tab goes on to its places.
    expect(page.locator(".leaflet-container")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator(".leaflet-marker-icon:focus")).to_have_count(1)


def test_keyboard_pans_the_map_and_zooms_into_count_bubbles(tab, few_markers):
    open_map(tab, NAKAHARA_VIEW.replace("zoom=16", "zoom=13"))
    page = tab.page
    page.locator(".leaflet-container").focus()
    lon, _lat, zoom = view(page)
    before = loads(page)
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    settle(page, before)
    assert view(page)[0] > lon
    assert float(url_params(page)["center"][0].split(",")[0]) > lon

    bubble = page.locator(".count-bubble").first
    expect(bubble).to_be_visible()
    tab_until(page, ".count-bubble")
    assert focus_ring(page.locator(":focus"))
    before = loads(page)
    page.keyboard.press("Enter")
    settle(page, before)
    assert view(page)[2] == zoom + 2
    expect(page.locator(".leaflet-container")).to_be_focused()  # not lost with its bubble
    page.keyboard.press("Tab")
    expect(page.locator(".leaflet-marker-icon:focus")).to_have_count(1)
