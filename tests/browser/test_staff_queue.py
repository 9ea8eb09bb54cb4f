"""A ward reviewer in a real Chromium: the queue's map and list, the review page, a reason
template, and a decision the owner is told about."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from hiroba.accounts.services import create_user, find_user_by_email
from hiroba.extensions import db
from hiroba.notifications.models import Notification, NotificationKind
from hiroba.places.models import Place, PlaceStatus
from hiroba.places.services import create_place
from hiroba.review import services as review
from hiroba.review.models import ReviewEvent
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, place_values

pytestmark = pytest.mark.browser

STAFF = ("staff.nakahara@hiroba.example", "hiroba-staff-2026")  # a seeded reviewer of 中原区
SPOT = [139.6512, 35.5731]  # lon, lat in 中原区, away from the seeded places
QUEUE_MAP = "[data-hiroba-queue-map]"
LOCAL = {"127.0.0.1", "localhost"}
TILE_HOSTS = {"tile.openstreetmap.org", "cyberjapandata.gsi.go.jp"}


@pytest.fixture
def waiting_place(live_app, live_server):
    """A place just submitted in 中原区, whose name would run as code if it were HTML."""
    name = f"審査待ちの集会所 {uuid.uuid4().hex[:6]} <img src=x onerror=window.__pwned=1>"
    with live_app.app_context():
        owner = create_user(f"owner-{uuid.uuid4().hex}@test.example", "持ち主さん", PASSWORD)
        place = create_place(owner, place_values(name=name, location=SPOT))
        review.submit(place, owner)
        db.session.commit()
        ids = (place.id, owner.id)
        db.session.remove()
    return ids, name


def test_a_reviewer_sends_a_place_back_with_a_reason_template(tab, live_app, waiting_place):
    (place_id, owner_id), name = waiting_place
    page = tab.page
    log_in(tab, *STAFF)

    tab.open("/staff/queue")
    page.wait_for_function(f"() => document.querySelector('{QUEUE_MAP}').dataset.loaded")
    assert page.locator(QUEUE_MAP).get_attribute("data-loaded") not in (None, "error")
    marker = page.get_by_title(name, exact=True)
    assert marker.is_visible()
    marker.click()
    popup = page.locator(".leaflet-popup-content .queue-popup")
    popup.wait_for()
    assert popup.locator(".place-popup-name a").inner_text() == name  # text, not HTML
    assert page.evaluate("() => window.__pwned") is None

    item = page.locator(f'.queue-item[data-place-id="{place_id}"]')
    assert item.is_visible()
    assert "持ち主さん" in item.inner_text()
    with page.expect_navigation():
        item.locator("a.place-name").click()
    assert page.url.endswith(f"/staff/places/{place_id}")
    assert page.locator(".review .leaflet-marker-icon").count() == 1  # the exact point

    page.select_option("#place-template", "faces_in_photos")
    template_text = page.locator('#place-template option[value="faces_in_photos"]').get_attribute(
        "data-text"
    )
    assert page.input_value("#place-reason") == template_text
    page.locator("#place-reason").press("End")
    page.keyboard.type("（入口の写真）")
    page.check("input[name='place-decision'][value='request_changes']")
    with page.expect_navigation():
        page.click(".review-decision button[type=submit]")
    assert page.url.endswith("/staff/queue")
    assert page.locator(f'.queue-item[data-place-id="{place_id}"]').count() == 0

    expected_reason = template_text + "（入口の写真）"
    with live_app.app_context():
        reviewer = find_user_by_email(STAFF[0])
        assert db.session.get(Place, place_id).status == PlaceStatus.CHANGES_REQUESTED
        told = db.session.scalars(
            select(Notification).where(Notification.user_id == owner_id)
        ).all()
        assert [(n.kind, n.reason, n.actor_id) for n in told] == [
            (NotificationKind.CHANGES_REQUESTED, expected_reason, reviewer.id)
        ]
        decisions = select(func.count()).where(
            ReviewEvent.place_id == place_id, ReviewEvent.reason == expected_reason
        )
        assert db.session.scalar(decisions) == 1
        db.session.remove()

    assert tab.page_errors == []
    assert tab.failed_local == []
    # Tiles are blocked in tests (their failures are the only console errors allowed).
    unexpected = [
        (t, src) for t, src in tab.console_errors if urlsplit(src or "").hostname in LOCAL
    ]
    assert unexpected == []
    assert {urlsplit(u).hostname for u, _ in tab.outside_requests()} <= TILE_HOSTS
