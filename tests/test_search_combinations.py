"""Search filters combined, on the demo seeds: the result is the intersection of each filter's
own result, computed in Python; sort orders hold with filters and across pages; exports
return exactly what the pages of the same search do."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlencode

import pytest
from sqlalchemy import text

from hiroba.extensions import db
from tests.seeded_search import (
    ITEMS,
    KOSUGI,
    WARDS,
    Listed,
    capacity_at_least,
    conditions,
    expected,
    geodesic_m,
    get_page,
    has_all,
    has_text,
    in_bbox,
    in_district,
    names_of,
    open_at,
    own_sessions,
    prop_in,
    read_published,
    search,
    seeded_database,
    within,
)

TUESDAY_10 = "2026-12-01T10:00:00+09:00"
SATURDAY_11 = "2026-12-05T11:00:00+09:00"
SUNDAY_1630 = "2026-12-06T16:30:00+09:00"
SOUTH = (139.62, 35.50, 139.75, 35.57)  # 川崎区, 幸区 and the south of 中原区
NAKAHARA_BOX = WARDS["141330"].bounds
SPREAD_UPDATED_AT = (
    "UPDATE places SET updated_at = updated_at - ((id * 37) % 101) * interval '1 minute'"
)


def moment(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


COMBINATIONS = {
    "q+kind+district": (
        {"q": "子", "kind": "park", "district": "141313"},
        [has_text("子"), prop_in("kind", "park"), in_district("141313")],
    ),
    "q+kind+district-5": (
        {"q": "子", "kind": "public_facility,cafe", "district": "14136"},
        [has_text("子"), prop_in("kind", "public_facility", "cafe"), in_district("141364")],
    ),
    "q-english+district+who": (
        {"q": "Community", "district": "141321,141364", "who": "registered_groups"},
        [has_text("Community"), in_district("141321", "141364"),
         prop_in("who_may_use", "registered_groups")],
    ),
    "amenity+accessibility+open_at": (
        {"amenity": "wifi", "accessibility": "step_free_entrance", "open_at": TUESDAY_10},
        [has_all("amenities", "wifi"), has_all("accessibility", "step_free_entrance"),
         open_at(moment(TUESDAY_10))],
    ),
    "amenities+accessibility+open_at-weekend": (
        {"amenity": "tables_chairs,toilet", "accessibility": "wheelchair_toilet",
         "open_at": SATURDAY_11},
        [has_all("amenities", "tables_chairs", "toilet"),
         has_all("accessibility", "wheelchair_toilet"), open_at(moment(SATURDAY_11))],
    ),
    "near+radius+kind+capacity_min": (
        {"near": "139.6571,35.5764", "radius": 6000, "kind": "public_facility,community_hall",
         "capacity_min": 45},
        [within(KOSUGI, 6000), prop_in("kind", "public_facility", "community_hall"),
         capacity_at_least(45)],
    ),
    "bbox+condition+who": (
        {"bbox": ",".join(map(str, SOUTH)), "condition": "food_ok,free", "who": "anyone"},
        [in_bbox(SOUTH), conditions("food_ok", "free"), prop_in("who_may_use", "anyone")],
    ),
    "bbox-ward+paid+who": (
        {"bbox": ",".join(map(str, NAKAHARA_BOX)), "condition": "paid", "who": "anyone"},
        [in_bbox(NAKAHARA_BOX), conditions("paid"), prop_in("who_may_use", "anyone")],
    ),
    "sector+open_at+capacity_min": (
        {"sector": "public", "open_at": SUNDAY_1630, "capacity_min": 50},
        [prop_in("sector", "public"), open_at(moment(SUNDAY_1630)), capacity_at_least(50)],
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def seeded_app(cluster, app):
    with seeded_database(cluster, "combos") as scratch:
        # The seeds are written in one transaction, so every place has the same updated_at:
        # spread them (in an order unrelated to ids and names) so that sorting by it means
        # something.
        with own_sessions(), scratch.app_context():
            db.session.execute(text(SPREAD_UPDATED_AT))
            db.session.commit()
        yield scratch


@pytest.fixture(scope="module")
def published(seeded_app):
    return read_published(seeded_app)


@pytest.fixture
def api(seeded_app):
    with own_sessions():
        yield seeded_app.test_client()


@pytest.mark.parametrize(
    ("params", "predicates"), list(COMBINATIONS.values()), ids=list(COMBINATIONS)
)
def test_combined_filters_are_the_intersection(api, published, params, predicates):
    want = expected(published, *predicates)
    page = search(api, **params)
    assert set(names_of(page)) == want
    assert page["numberMatched"] == len(want)
    # The seeds make every filter count: leaving any one out would find more.
    for left_out in range(len(predicates)):
        others = predicates[:left_out] + predicates[left_out + 1 :]
        assert expected(published, *others) > want, f"filter {left_out} changes nothing here"


def test_some_combination_finds_nothing_and_says_so(api, published):
    params = {"kind": "park", "capacity_min": 1, "district": "141330"}
    assert expected(published, prop_in("kind", "park"), capacity_at_least(1)) == set()
    page = search(api, **params)
    assert (page["numberMatched"], page["features"]) == (0, [])


# --- sort orders, with filters and in pages ----------------------------------------------------


def name_key(p: Listed):
    return (p.props["name_kana"] or p.name, p.name)


SORTS: dict[str, Callable[[list[Listed]], list[str]]] = {
    "name": lambda ps: [p.name for p in sorted(ps, key=name_key)],
    "-name": lambda ps: [p.name for p in sorted(ps, key=name_key, reverse=True)],
    "updated_at": lambda ps: [p.name for p in sorted(ps, key=lambda p: p.updated_at)],
    "-updated_at,name": lambda ps: [
        p.name for p in sorted(sorted(ps, key=name_key), key=lambda p: p.updated_at, reverse=True)
    ],
    "-capacity,name": lambda ps: [
        p.name
        for p in sorted(
            sorted(ps, key=name_key),
            key=lambda p: (p.props["capacity"] is None, -(p.props["capacity"] or 0)),
        )
    ],
}


@pytest.mark.parametrize("sortby", list(SORTS))
def test_sortby(api, published, sortby):
    assert names_of(search(api, sortby=sortby)) == SORTS[sortby](published)


def test_sortby_capacity_descending_puts_places_without_one_last(api, published):
    capacities = [f["properties"]["capacity"] for f in search(api, sortby="-capacity")["features"]]
    known = [c for c in capacities if c is not None]
    assert known == sorted(known, reverse=True)
    assert capacities == known + [None] * (len(capacities) - len(known))
    assert len(known) == len(expected(published, capacity_at_least(1)))


def test_sortby_distance(api, published):
    near = (139.7029, 35.5308)
    page = search(api, near="139.7029,35.5308", sortby="-distance")
    distances = [f["properties"]["distance_m"] for f in page["features"]]
    assert distances == sorted(distances, reverse=True)
    far = max(published, key=lambda p: geodesic_m(near, p.point))
    assert names_of(page)[0] == far.name
    assert names_of(search(api, near="139.7029,35.5308", sortby="distance")) == names_of(page)[::-1]


@pytest.mark.parametrize("sortby", ["name", "-capacity,name", "-updated_at,name"])
@pytest.mark.parametrize("limit", [1, 7, 25])
def test_pages_are_slices_of_the_sorted_result(api, published, sortby, limit):
    whole = SORTS[sortby](published)
    seen: list[str] = []
    for offset in range(0, len(whole), limit):
        page = get_page(api, sortby=sortby, limit=limit, offset=offset)
        # The total comes with the page that holds the last match; before it, a next link.
        last = offset + limit >= len(whole)
        assert page.get("numberMatched") == (len(whole) if last else None)
        assert any(link["rel"] == "next" for link in page["links"]) is not last
        assert names_of(page) == whole[offset : offset + limit]
        seen += names_of(page)
    assert seen == whole
    assert get_page(api, sortby=sortby, limit=limit, offset=len(whole))["features"] == []


def test_near_with_another_sort_order_filters_by_radius_and_keeps_distances(api, published):
    page = search(api, near=",".join(map(str, KOSUGI)), radius=2500, sortby="-capacity,name")
    assert set(names_of(page)) == expected(published, within(KOSUGI, 2500))
    assert names_of(page) == [n for n in SORTS["-capacity,name"](published) if n in names_of(page)]
    assert all("distance_m" in f["properties"] for f in page["features"])


# --- exports follow the filters ----------------------------------------------------------------

EXPORTED_SEARCHES = {
    "everything": {},
    "q+kind+district": COMBINATIONS["q+kind+district"][0],
    "amenity+accessibility+open_at": COMBINATIONS["amenity+accessibility+open_at"][0],
    "near+radius+kind+capacity_min": COMBINATIONS["near+radius+kind+capacity_min"][0],
    "bbox+condition+who+sorted": {**COMBINATIONS["bbox+condition+who"][0], "sortby": "-capacity"},
    "private-by-name": {"sector": "private", "sortby": "-name"},
    "nothing": {"q": "該当なし"},
}


def all_pages(client, params: dict, limit: int = 7) -> list[int]:
    """Ids of every match, walking the ``next`` links from the first page."""
    response = client.get(f"{ITEMS}?{urlencode({**params, 'limit': limit})}")
    ids, matched = [], None
    while True:
        assert response.status_code == 200
        page = response.get_json(force=True)
        ids += [f["id"] for f in page["features"]]
        following = [link["href"] for link in page["links"] if link["rel"] == "next"]
        if not following:
            matched = page["numberMatched"]  # given with the last page
            break
        assert "numberMatched" not in page
        response = client.get(following[0])
    assert len(ids) == matched
    return ids


def csv_ids(client, params: dict) -> list[int]:
    response = client.get(f"{ITEMS}?{urlencode({**params, 'f': 'csv'})}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body[1:], newline="")))
    return [int(row["ID"].removeprefix("hiroba-")) for row in rows]


def geojson_ids(client, params: dict) -> list[int]:
    response = client.get(f"{ITEMS}?{urlencode({**params, 'f': 'geojson'})}")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    collection = response.get_json(force=True)
    assert collection["type"] == "FeatureCollection"
    return [f["id"] for f in collection["features"]]


@pytest.mark.parametrize("params", list(EXPORTED_SEARCHES.values()), ids=list(EXPORTED_SEARCHES))
def test_exports_hold_exactly_the_pages_of_the_same_search(api, published, params):
    paged = all_pages(api, params)
    assert csv_ids(api, params) == paged
    assert geojson_ids(api, params) == paged
    assert len(set(paged)) == len(paged)
    if params == {}:
        assert sorted(paged) == sorted(p.id for p in published)


def test_exports_ignore_no_filter_even_with_paging_asked(api, published):
    """An export asked with limit/offset pages like the list; without them it is whole."""
    params = {"sector": "public", "sortby": "name"}
    paged = all_pages(api, params)
    assert geojson_ids(api, {**params, "limit": 3, "offset": 2}) == paged[2:5]
    assert csv_ids(api, {**params, "limit": 3, "offset": 2}) == paged[2:5]
    assert len(paged) == len(expected(published, prop_in("sector", "public")))
