"""Looking for a place (issue 8, point 2) as people walk it in Chromium:

a resident posts "Nakahara ward, Saturday afternoon, 20 people, step-free, free of charge" →
sees the places that fit, best first, with why → the ward's coordinator finds the need among
the open ones and suggests a place → the resident is told, sees the suggestion and marks the
search as found. Every page passes axe in Japanese and in English, with no text left in the
other language; staff of another ward never see the need.
"""

from __future__ import annotations

import uuid

import pytest

from hiroba.accounts.models import Role
from hiroba.accounts.services import create_user
from hiroba.extensions import db
from tests.browser.axe import serious_violations
from tests.browser.conftest import log_in, new_tab
from tests.browser.test_languages import english_left, japanese_left, switch_to
from tests.test_needs_acceptance import AFTERNOON, expected_order

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"
NAKAHARA_STAFF = ("staff.nakahara@hiroba.example", "hiroba-staff-2026")
TAKATSU_STAFF = ("staff.takatsu@hiroba.example", "hiroba-staff-2026")


def new_resident(live_app) -> str:
    email = f"needs-{uuid.uuid4().hex[:8]}@example.jp"
    with live_app.app_context():
        create_user(email, "はるこ", PASSWORD, Role.RESIDENT)
        db.session.commit()
        db.session.remove()
    return email


def check(tab, language: str) -> None:
    page = tab.page
    assert page.locator("html").get_attribute("lang") == language
    problems = serious_violations(page)
    assert problems == [], f"{page.url} ({language}):\n" + "\n".join(problems)
    left = japanese_left(tab) if language == "en" else english_left(tab)
    assert left == [], f"{page.url} ({language}) has text in the other language:\n" + "\n".join(
        left
    )
    assert tab.page_errors == [] and tab.failed_local == []


def post_need(tab) -> int:
    page = tab.page
    tab.open("/me/needs/new")
    check(tab, "ja")
    page.fill("#title", "体操の会の練習場所")
    page.check("input[name=area][value=ward]")
    page.select_option("#district", "141330")
    page.check("input[name=when][value=weekly]")
    page.check("input[name=weekdays][value='6']")
    page.fill("#start", AFTERNOON[0])
    page.fill("#end", AFTERNOON[1])
    page.fill("#headcount", "20")
    page.check("input[name=fee][value=free]")
    page.check("input[name=accessibility][value=step_free_entrance]")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/me/needs/" in page.url
    return int(page.url.rsplit("/", 1)[1])


def match_names(tab) -> list[str]:
    return tab.page.locator(".need-match-list .need-match-head a").all_inner_texts()


def test_post_see_matches_staff_suggest_and_mark_found(browser, live_app, live_server, tab):
    resident = tab
    log_in(resident, new_resident(live_app), PASSWORD)
    need_id = post_need(resident)
    expected = [name for name, _score in expected_order()]
    assert match_names(resident) == expected
    first = resident.page.locator(".need-match").first
    assert first.get_attribute("data-fits") == "yes"
    assert first.locator("tr[data-factor=hours]").get_attribute("data-stated") == "yes"
    check(resident, "ja")

    # Staff of another ward do not see it, not even by its address.
    other_context, other = new_tab(browser, live_server)
    try:
        log_in(other, *TAKATSU_STAFF)
        other.open("/staff/needs")
        assert other.page.locator(f'[data-need-id="{need_id}"]').count() == 0
        assert other.open(f"/me/needs/{need_id}").status == 404
    finally:
        other_context.close()

    # The ward's coordinator finds it among the open needs and suggests the second match.
    staff_context, staff = new_tab(browser, live_server, viewport={"width": 1280, "height": 800})
    try:
        log_in(staff, *NAKAHARA_STAFF)
        staff.open("/staff/needs")
        item = staff.page.locator(f'.need-item[data-need-id="{need_id}"]')
        assert item.locator(".need-match-head a").all_inner_texts() == expected[:3]
        check(staff, "ja")
        with staff.page.expect_navigation():
            item.locator(".need-item-head a").click()
        suggested = staff.page.locator(".need-match").nth(1)
        place_id = suggested.get_attribute("data-place-id")
        suggested.locator("textarea").first.fill("土曜の午後も開いています。")
        with staff.page.expect_navigation():
            suggested.locator(".need-suggest button").click()
        assert staff.page.locator(".flash-success").count() == 1
        check(staff, "ja")
        switch_to(staff, "English")
        check(staff, "en")
    finally:
        staff_context.close()

    # The resident is told, sees the suggestion, and marks the search as found.
    resident.open("/me/notifications")
    with resident.page.expect_navigation():
        resident.page.locator(f'a[href="/me/needs/{need_id}"]').first.click()
    suggestions = resident.page.locator(".need-suggestions li")
    assert suggestions.get_attribute("data-place-id") == place_id
    assert "土曜の午後も開いています。" in suggestions.inner_text()
    switch_to(resident, "English")
    check(resident, "en")
    assert (
        resident.page.locator(".need-match")
        .first.locator(".need-score")
        .inner_text()
        .startswith("Fit: ")
    )
    with resident.page.expect_navigation():
        resident.page.click("[data-close=solved] button")
    assert resident.page.locator("article.need").get_attribute("data-status") == "solved"
    check(resident, "en")
    resident.open("/me/needs/new")
    check(resident, "en")
