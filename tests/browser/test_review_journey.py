"""The whole path of a listing, as people walk it in Chromium (issue #3's acceptance):

a new user registers → registers a place with a pin and a drawn outline → submits it → staff of
its ward find it in their queue (staff of another ward do not) → request changes with a reason →
the owner reads the reason, edits and resubmits → staff approve → the place is on the public map
and in the API, and its history shows every step.
"""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select

from hiroba.extensions import db
from hiroba.places.models import Place, PlaceStatus
from hiroba.review.models import ReviewEvent
from tests.browser.conftest import log_in, new_tab

pytestmark = pytest.mark.browser

NAKAHARA_STAFF = ("staff.nakahara@hiroba.example", "hiroba-staff-2026")
TAMA_STAFF = ("staff.tama@hiroba.example", "hiroba-staff-2026")
SPOT = (35.5690, 139.6480)  # lat, lon in 中原区, away from the seeded places
EDITOR = "[data-hiroba-place-editor]"
CORNERS = [(-60, -40), (60, -40), (60, 40), (-60, 40)]  # pixels around the map's centre
REASON = "入口の場所がわかりにくいので、説明に最寄り駅からの道順を書いてください。"


@pytest.fixture
def second_tab(browser, live_server):
    context, tab = new_tab(browser, live_server, viewport={"width": 1280, "height": 800})
    yield tab
    context.close()


def register(tab, email: str) -> None:
    tab.open("/register")
    tab.page.fill("input[name=email]", email)
    tab.page.fill("input[name=display_name]", "はじめての持ち主")
    tab.page.fill("input[name=password]", "a long enough password")
    tab.page.fill("input[name=confirm]", "a long enough password")
    with tab.page.expect_navigation():
        tab.page.click("main form button[type=submit]")
    assert "/register" not in tab.page.url


def draw_place(tab, name: str) -> None:
    """Pin the point, draw an outline around it and fill the required fields."""
    page = tab.page
    tab.open("/places/new")
    page.wait_for_selector(f"{EDITOR}[data-ready=true]")
    page.evaluate(
        f"() => window[document.querySelector('{EDITOR}').dataset.mapName]"
        f".setView([{SPOT[0]}, {SPOT[1]}], 17, {{animate: false}})"
    )
    frame = page.locator(f"{EDITOR} .folium-map")
    frame.scroll_into_view_if_needed()
    box = frame.bounding_box()
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.click(*centre)
    page.locator("#district-status").filter(has_text="中原区").wait_for()
    page.click(".leaflet-draw-draw-polygon")
    for count, (dx, dy) in enumerate(CORNERS, start=1):
        page.mouse.click(centre[0] + dx, centre[1] + dy)
        page.locator(".leaflet-editing-icon").nth(count - 1).wait_for()
        page.wait_for_timeout(120)  # Leaflet.draw ignores clicks for 50 ms after a corner
    page.mouse.click(centre[0] + CORNERS[0][0], centre[1] + CORNERS[0][1])
    page.wait_for_function("() => document.getElementById('footprint').value !== ''")
    page.fill("#name", name)
    page.select_option("#kind", "open_space")
    page.check("input[name=sector][value=private]")
    page.fill("#description", "広場の一角でベンチが使えます。")


def decide(tab, place_id: int, decision: str, reason: str = "") -> None:
    page = tab.page
    tab.open(f"/staff/places/{place_id}")
    page.check(f"input[name='place-decision'][value='{decision}']")
    if reason:
        page.fill("#place-reason", reason)
    with page.expect_navigation():
        page.click(".review-decision button[type=submit]")


def test_a_listing_from_registration_to_the_public_map(
    tab, second_tab, live_app, live_server, dialogs
):
    owner, staff = tab, second_tab
    name = f"みんなの小広場 {uuid.uuid4().hex[:6]}"

    # A newcomer registers and lists a place, then sends it for review.
    register(owner, f"newcomer-{uuid.uuid4().hex[:8]}@example.jp")
    draw_place(owner, name)
    with owner.page.expect_navigation():
        owner.page.click("button[name=action][value=submit]")
    with live_app.app_context():
        place = db.session.scalar(select(Place).where(Place.name == name))
        assert place.status == PlaceStatus.PENDING
        assert place.footprint is not None and place.district_code == "141330"
        place_id = place.id
        db.session.remove()

    # Staff of another ward neither see it in their queue nor can open it.
    log_in(staff, *TAMA_STAFF)
    staff.open("/staff/queue")
    assert staff.page.locator(f'.queue-item[data-place-id="{place_id}"]').count() == 0
    assert staff.open(f"/staff/places/{place_id}").status == 404
    staff.page.context.clear_cookies()

    # Staff of its ward find it and ask for a change, with a reason.
    log_in(staff, *NAKAHARA_STAFF)
    staff.open("/staff/queue")
    assert staff.page.locator(f'.queue-item[data-place-id="{place_id}"]').is_visible()
    decide(staff, place_id, "request_changes", REASON)

    # The owner is told why, edits the place and sends it again.
    owner.open("/me/notifications")
    assert REASON in owner.page.locator("main").inner_text()
    owner.open(f"/places/{place_id}/edit")
    owner.page.fill("#description", "広場の一角でベンチが使えます。武蔵小杉駅から徒歩8分です。")
    with owner.page.expect_navigation():
        owner.page.click("button[name=action][value=submit]")

    # Staff approve; the place is public on the map, on its page and in the API.
    decide(staff, place_id, "approve")
    visitor_context, visitor = new_tab(owner.page.context.browser, live_server)
    try:
        visitor.open(f"/places/{place_id}")
        assert name in visitor.page.locator("h1").inner_text()
        visitor.open("/")
        visitor.page.evaluate(
            f"() => window[document.querySelector('[data-hiroba-places-map]').dataset.mapName]"
            f".setView([{SPOT[0]}, {SPOT[1]}], 18, {{animate: false}})"
        )
        visitor.page.get_by_title(name, exact=True).wait_for()
        bbox = f"{SPOT[1] - 0.01},{SPOT[0] - 0.01},{SPOT[1] + 0.01},{SPOT[0] + 0.01}"
        api = visitor.page.request.get(f"{live_server}/api/collections/places/items?bbox={bbox}")
        assert name in [f["properties"]["name"] for f in json.loads(api.text())["features"]]
    finally:
        visitor_context.close()

    # The history shows every step, on the review page and in the database.
    staff.open(f"/staff/places/{place_id}")
    history = staff.page.locator("table.history tbody tr")
    assert history.count() == 5
    assert REASON in staff.page.locator("table.history").inner_text()
    with live_app.app_context():
        steps = db.session.execute(
            select(ReviewEvent.from_status, ReviewEvent.to_status)
            .where(ReviewEvent.place_id == place_id)
            .order_by(ReviewEvent.id)
        ).all()
        db.session.remove()
    assert [(f and f.value, t.value) for f, t in steps] == [
        (None, "draft"),
        ("draft", "pending"),
        ("pending", "changes_requested"),
        ("changes_requested", "pending"),
        ("pending", "approved"),
    ]
    assert dialogs == []
    assert owner.page_errors == [] and staff.page_errors == []
