"""A ward coordinator in a real Chromium: the coverage of their ward, at two walking distances."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.axe import serious_violations
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

STAFF = ("staff.nakahara@hiroba.example", "hiroba-staff-2026")  # a seeded reviewer of 中原区
NAKAHARA = "141330"
GAP = "path.coverage-gap"
LOCAL = {"127.0.0.1", "localhost"}
TILE_HOSTS = {"tile.openstreetmap.org", "cyberjapandata.gsi.go.jp"}


def share(page) -> float:
    return float(page.locator(".coverage-share").get_attribute("data-share"))


def test_a_coordinator_sees_the_gaps_grow_as_the_distance_shrinks(tab):
    page = tab.page
    log_in(tab, *STAFF)

    tab.open("/staff/queue")
    with page.expect_navigation():
        page.locator("main a[href='/staff/districts']").click()
    with page.expect_navigation():
        page.locator(f'tr[data-code="{NAKAHARA}"] a').click()
    assert urlsplit(page.url).path == f"/staff/districts/{NAKAHARA}"

    at_800 = share(page)
    assert 0 < at_800 < 1
    assert page.input_value("#coverage-distance") == "800"
    page.locator(GAP).first.wait_for(state="attached")
    gaps_at_800 = page.locator(GAP).count()
    assert gaps_at_800 == int(page.locator("[data-coverage-map]").get_attribute("data-gaps"))
    assert serious_violations(page) == []

    page.fill("#coverage-distance", "300")
    with page.expect_navigation():
        page.locator(".coverage-filters button[type=submit]").click()
    assert "distance=300" in page.url
    assert page.input_value("#coverage-distance") == "300"
    at_300 = share(page)
    assert at_800 < at_300 < 1
    page.locator(GAP).first.wait_for(state="attached")
    assert page.locator(GAP).count() >= 1
    # The gap table: one row per drawn gap (up to its limit), each with an area.
    assert page.locator(".gap-row").count() == min(30, page.locator(GAP).count())
    assert serious_violations(page) == []

    assert tab.page_errors == []
    assert tab.failed_local == []
    unexpected = [
        (t, src) for t, src in tab.console_errors if urlsplit(src or "").hostname in LOCAL
    ]
    assert unexpected == []
    assert {urlsplit(u).hostname for u, _ in tab.outside_requests()} <= TILE_HOSTS
