"""An owner adds an activity to a published place in Chromium, first with a mistake the form
explains, and the place page shows it with its next dates in Japanese and in English — with no
serious accessibility problem on the form (errors shown) or on the place page."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from hiroba.accounts.models import Role, User
from hiroba.accounts.services import create_user
from hiroba.extensions import db
from hiroba.places.models import PlaceStatus
from hiroba.places.services import create_place
from hiroba.review import services as review
from tests.browser.axe import serious_violations
from tests.browser.conftest import log_in
from tests.factories import NAKAHARA, place_values

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"
NAKAHARA_STAFF = "staff.nakahara@hiroba.example"
AWAY_FROM_SEEDS = (139.6320, 35.5900)  # in 中原区, a kilometre from every seeded place


def owner_and_place(live_app) -> tuple[str, int]:
    tag = uuid.uuid4().hex[:8]
    with live_app.app_context():
        owner = create_user(f"salon-{tag}@example.jp", "サロンの世話人", PASSWORD, Role.RESIDENT)
        # Away from the seeded places the map tests look at: next to 中原市民館, a new place
        # would cluster with it at the map's neighbourhood zoom.
        place = create_place(owner, place_values(NAKAHARA, location=list(AWAY_FROM_SEEDS)))
        review.submit(place, owner)
        staff = db.session.scalar(select(User).where(User.email == NAKAHARA_STAFF))
        review.change_status(place, PlaceStatus.APPROVED, staff)
        db.session.commit()
        found = owner.email, place.id
        db.session.remove()
    return found


def test_an_owner_adds_an_activity_and_the_place_page_shows_it(live_app, tab):
    email, place_id = owner_and_place(live_app)
    log_in(tab, email, PASSWORD)
    page = tab.page
    tab.open(f"/places/{place_id}")
    with page.expect_navigation():
        page.click("#activities a[href$='/activities']")  # 活動を管理する
    with page.expect_navigation():
        page.click("main a.button")  # 活動を追加する

    page.fill("#title", "いきいきサロン")
    page.check("#recurrence-1")  # monthly, on a weekday
    page.check("#weekdays-1")  # Tuesday
    page.fill("#starts_on", "2026-04-01")
    page.fill("#start", "10:00")
    page.fill("#end", "12:00")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    # Forgot which week of the month: said beside the field, in Japanese, nothing saved.
    error = page.locator("#weeks_of_month-error")
    assert "第1" in error.inner_text()
    assert page.locator("#title").input_value() == "いきいきサロン"
    assert serious_violations(page) == []

    page.check("#weeks_of_month-1")  # 2nd
    page.check("#skip_holidays")
    page.fill("#organiser", "小杉町会")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.url.endswith(f"/me/places/{place_id}/activities")

    tab.open(f"/places/{place_id}")
    section = page.locator("#activities")
    assert "いきいきサロン" in section.inner_text()
    assert "毎月第2火曜 10:00–12:00（祝日は休み）" in section.inner_text()
    assert section.locator("ul.activity-dates time").count() == 4
    assert serious_violations(page) == []

    with page.expect_navigation():
        page.click("nav.language button[lang=en]")
    section = page.locator("#activities")
    text = section.inner_text()
    assert "Activities here" in text
    assert "2nd Tuesday of every month, 10:00–12:00 (not on national holidays)" in text
    assert section.locator("h3[lang=ja]").inner_text() == "いきいきサロン"
    assert serious_violations(page) == []
    assert tab.page_errors == []
