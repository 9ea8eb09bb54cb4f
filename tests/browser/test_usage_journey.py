"""A usage request (利用相談) as people walk it in Chromium (issue #6's acceptance):

a resident asks to use a place from its page → the owner accepts → both see each other's contact
→ the resident cancels → the time is free again: the place page shows it free, and the owner can
accept another request for that time.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from hiroba.accounts.models import Role, User
from hiroba.accounts.services import create_user
from hiroba.extensions import db
from hiroba.places.models import Place, PlaceStatus
from hiroba.places.services import create_place
from hiroba.review import services as review
from hiroba.usage import services as usage
from hiroba.usage.models import UsageRequest, UsageStatus
from tests.browser.conftest import log_in, new_tab
from tests.factories import NAKAHARA, place_values
from tests.test_usage_services import MONDAY, asked

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"
NAKAHARA_STAFF = "staff.nakahara@hiroba.example"
PHONE = "090-8765-4321"


def people_and_place(live_app) -> dict:
    """A new owner with an approved place (Mon–Fri 09:00–21:00), and two new residents."""
    tag = uuid.uuid4().hex[:8]
    with live_app.app_context():
        owner, resident, neighbour = (
            create_user(f"{who}-{tag}@example.jp", name, PASSWORD, Role.RESIDENT)
            for who, name in [("owner", "集会所の持ち主"), ("aoi", "あおい"), ("mei", "めい")]
        )
        place = create_place(owner, place_values(NAKAHARA, contact_phone="044-222-3333"))
        review.submit(place, owner)
        staff = db.session.scalar(select(User).where(User.email == NAKAHARA_STAFF))
        review.change_status(place, PlaceStatus.APPROVED, staff)
        db.session.commit()
        values = {
            "place_id": place.id,
            "place_name": place.name,
            "owner": owner.email,
            "resident": resident.email,
            "neighbour_id": neighbour.id,
        }
        db.session.remove()
    return values


def day_row(tab, place_id: int):
    tab.open(f"/places/{place_id}")
    return tab.page.locator(f'#availability tr[data-date="{MONDAY.isoformat()}"]')


def test_ask_accept_share_contacts_cancel_and_the_time_is_free_again(
    browser, live_app, live_server, tab, dialogs
):
    known = people_and_place(live_app)
    place_id = known["place_id"]
    resident = tab
    owner_context, owner = new_tab(browser, live_server, viewport={"width": 1280, "height": 800})
    try:
        # The resident asks from the place's page.
        log_in(resident, known["resident"], PASSWORD)
        resident.open(f"/places/{place_id}")
        with resident.page.expect_navigation():
            resident.page.click("section.ask-to-use a.button")
        page = resident.page
        page.fill("#date", MONDAY.isoformat())
        page.fill("#start", "10:00")
        page.fill("#end", "12:00")
        page.fill("#headcount", "8")
        page.fill("#purpose", "子ども食堂の打ち合わせ")
        page.fill("#message", "机と椅子を使わせてください。")
        page.fill("#contact_phone", PHONE)
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        assert "/me/requests/" in page.url
        request_id = int(page.url.rsplit("/", 1)[1])
        assert page.locator("article.usage-request").get_attribute("data-status") == "requested"
        assert known["owner"] not in page.content()

        # The owner finds it, sees no contact yet, and accepts.
        log_in(owner, known["owner"], PASSWORD)
        owner.open("/me/requests")
        with owner.page.expect_navigation():
            owner.page.click(f'[data-request-id="{request_id}"] a')
        assert "子ども食堂の打ち合わせ" in owner.page.locator("main").inner_text()
        assert known["resident"] not in owner.page.content() and PHONE not in owner.page.content()
        with owner.page.expect_navigation():
            owner.page.click("[data-answer=accept] button")
        contact = owner.page.locator('[data-contact="requester"]').inner_text()
        assert known["resident"] in contact and PHONE in contact

        # The resident now sees the owner's contact and the place's phone.
        resident.open(f"/me/requests/{request_id}")
        contact = resident.page.locator('[data-contact="owner"]').inner_text()
        assert known["owner"] in contact and "044-222-3333" in contact

        # Everyone sees the time taken on the place's page, but not by whom.
        row = day_row(owner, place_id)
        assert "10:00–12:00" in row.locator(".busy").inner_text()
        assert "あおい" not in owner.page.locator("#availability").inner_text()

        # The resident cancels, with a reason.
        resident.open(f"/me/requests/{request_id}")
        resident.page.click("[data-answer=cancel] summary")
        resident.page.fill("#cancel-reason", "参加者が集まらなかったため")
        with resident.page.expect_navigation():
            resident.page.click("[data-answer=cancel] button[type=submit]")
        assert resident.page.locator("article.usage-request").get_attribute("data-status") == (
            "cancelled"
        )

        # The time is free again on the place's page ...
        row = day_row(resident, place_id)
        assert "10:00–12:00" not in row.inner_text()
        assert row.locator(".free").count() == 1

        # ... and the owner can accept someone else for the same time.
        with live_app.app_context():
            place = db.session.get(Place, place_id)
            neighbour = db.session.get(User, known["neighbour_id"])
            second = usage.ask(place, neighbour, asked(start="10:00", end="12:00"))
            db.session.commit()
            second_id = second.id
            db.session.remove()
        owner.open(f"/me/requests/{second_id}")
        with owner.page.expect_navigation():
            owner.page.click("[data-answer=accept] button")
        assert owner.page.locator("article.usage-request").get_attribute("data-status") == (
            "accepted"
        )
        with live_app.app_context():
            statuses = {
                r.id: r.status
                for r in db.session.scalars(
                    select(UsageRequest).where(UsageRequest.place_id == place_id)
                )
            }
            db.session.remove()
        assert statuses == {request_id: UsageStatus.CANCELLED, second_id: UsageStatus.ACCEPTED}

        # The availability stays readable on a 360 px phone.
        owner.page.set_viewport_size({"width": 360, "height": 740})
        row = day_row(owner, place_id)
        assert "10:00–12:00" in row.inner_text()
        overflow = owner.page.evaluate(
            "() => document.querySelector('.availability-table').getBoundingClientRect().right"
            " - document.documentElement.clientWidth"
        )
        assert overflow <= 0
    finally:
        owner_context.close()
    assert dialogs == []
    assert resident.page_errors == [] and owner.page_errors == []
