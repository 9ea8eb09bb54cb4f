"""Nearest-first pages read from an index walk: paging through gives every place once, in order.

Places often share a point (rooms of one hall). A page is numbered from the walk only where the
walk settles it (it found every match, or its farthest place stands alone at its distance);
where places tied at that distance straddle the page's end, the matches are sorted again. Pages
of every size from 1 to 5 over groups of tied places meet both cases at many boundaries.
"""

from __future__ import annotations

import pytest

from tests.factories import NAKAHARA, WARD_POINTS

ITEMS = "/api/collections/places/items"
LON, LAT = WARD_POINTS[NAKAHARA]
# Offsets in degrees from the centre, farther and farther; how many places share each point.
GROUPS = [((0.0001, 0.0), 1), ((0.0, 0.0003), 3), ((-0.0006, 0.0), 2), ((0.0, -0.0009), 4),
          ((0.0012, 0.0), 1), ((0.0, 0.0015), 3)]  # fmt: skip


@pytest.fixture
def tied(make_place) -> list[int]:
    """Ids of the places, nearest the centre first, ids ascending among places of one point."""
    ordered = []
    for (dx, dy), count in GROUPS:
        ids = [make_place(location=[LON + dx, LAT + dy]).id for _ in range(count)]
        ordered += sorted(ids)
    return ordered


def every_page(client, limit: int, **params) -> list[int]:
    """The ids of every page, following ``next`` links from the first."""
    found = []
    query = {**params, "limit": limit}
    url = ITEMS + "?" + "&".join(f"{k}={v}" for k, v in query.items())
    while url:
        page = client.get(url).get_json()
        found += [feature["id"] for feature in page["features"]]
        url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
    return found


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 5])
def test_pages_of_a_box_hold_every_place_once_nearest_its_centre_first(client, tied, limit):
    box = f"{LON - 0.002},{LAT - 0.002},{LON + 0.002},{LAT + 0.002}"
    assert every_page(client, limit, bbox=box) == tied


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 5])
def test_pages_near_a_point_hold_every_place_once_nearest_first(client, tied, limit):
    assert every_page(client, limit, near=f"{LON},{LAT}", radius=500) == tied
