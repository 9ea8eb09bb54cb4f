"""Every search filter alone, on the demo seeds, against expectations computed here in Python.

The seeds are loaded by the real ``seed`` command into a scratch database of this module. The
expected result of each filter is computed from ``seeds/places.geojson`` and
``seeds/districts.geojson`` without the application's SQL: text is folded here, districts come
from shapely's point-in-polygon, hours are read from the seed's day blocks, distances from an
ellipsoidal formula. The one thing read from the database is the public point of approximate
places (a random draw): every spatial filter must use it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.seeded_search import (
    DISTANCE_TOLERANCE_M,
    FEATURES,
    KOSUGI,
    TOKYO,
    WARDS,
    Listed,
    capacity_at_least,
    check,
    conditions,
    expected,
    fold,
    geodesic_m,
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


@pytest.fixture(scope="module")
def seeded_app(cluster, app):
    with seeded_database(cluster, "filters") as scratch:
        yield scratch


@pytest.fixture(scope="module")
def published(seeded_app) -> list[Listed]:
    places = read_published(seeded_app)
    assert len(places) == sum(f["properties"]["status"] == "approved" for f in FEATURES) == 69
    assert len({p.name for p in places}) == len(places), "seed names must tell places apart"
    return places


@pytest.fixture
def api(seeded_app):
    with own_sessions():
        yield seeded_app.test_client()


def test_without_filters_every_published_place_is_found(api, published):
    check(api, published, {})


BOXES = {
    "all-kawasaki": (139.45, 35.45, 139.85, 35.70),
    "nakahara-ward": WARDS["141330"].bounds,
    "around-mizonokuchi": (139.600, 35.595, 139.620, 35.605),
    "tokyo-bay": (139.80, 35.40, 139.85, 35.45),
}


@pytest.mark.parametrize("box", list(BOXES.values()), ids=list(BOXES))
def test_bbox(api, published, box):
    found = check(api, published, {"bbox": ",".join(map(str, box))}, in_bbox(box))
    if box == BOXES["nakahara-ward"]:
        assert expected(published, in_district("141330")) <= found


Q_CASES = {
    "kanji": ("公園", "富士見公園"),
    "kanji-two-terms": ("市民館 中原", "中原市民館"),
    "hiragana-reading": ("こうえん", "富士見公園"),
    "half-width-katakana": ("ｺｳｴﾝ", "富士見公園"),
    "half-width-voiced": ("ﾀﾞｲｼ", "大師公園"),
    "full-width-latin": ("ＣＡＦＥ", "ブックカフェ 本と湯気"),
    "english-word": ("park", "等々力緑地"),
    "english-two-words": ("civic hall", "幸市民館"),
    "english-mixed-case": ("LiBrArY", "溝口 ちいさな私設図書室"),
    "one-character": ("畑", "宮内 みんなの畑"),
    "one-hiragana": ("ゆ", "喫茶 ゆりのき"),
    "two-characters": ("神社", "潮見稲荷神社"),
    "ideographic-space": ("中原\u3000公園", "中原平和公園"),
    "exact-address-only": ("ノクティ", "高津市民館"),
    "exact-address-full-width-digit": ("富士見２丁目", "富士見公園"),
}


@pytest.mark.parametrize(("q", "must_find"), list(Q_CASES.values()), ids=list(Q_CASES))
def test_q(api, published, q, must_find):
    assert must_find in check(api, published, {"q": q}, has_text(q))


def test_hiragana_katakana_and_half_width_find_the_same_places(api):
    found = [set(names_of(search(api, q=q))) for q in ("こうえん", "コウエン", "ｺｳｴﾝ", "ｺｳエん")]
    assert found[0] and all(f == found[0] for f in found)


@pytest.mark.parametrize("q", ["%", "_", "公%園", "\\", "'", "children's"])
def test_q_takes_wildcards_and_quotes_literally(api, published, q):
    found = check(api, published, {"q": q}, has_text(q))
    assert bool(found) == ("'" in q)  # one English name has an apostrophe


@pytest.mark.parametrize("q", ["小倉4丁目", "南加瀬3丁目", "生田7丁目", "菅生３丁目"])
def test_q_never_searches_the_address_of_an_approximate_place(api, published, q):
    homes = [p for p in published if p.props["location_precision"] == "approximate"]
    assert any(fold(q) in fold(p.props["address"]) for p in homes)  # the term is really there
    assert check(api, published, {"q": q}, has_text(q)) == set()


ANY_OF = [  # parameter, seed property, value: any of the listed values matches
    *[("kind", "kind", v) for v in ("park", "cafe", "vacant_house", "vacant_shop,vacant_house",
                                     "school,shrine_temple")],
    *[("sector", "sector", v) for v in ("public", "private", "public,private")],
    *[("who", "who_may_use", v) for v in ("anyone", "registered_groups", "members_only",
                                          "ward_residents,members_only")],
]  # fmt: skip


@pytest.mark.parametrize(("param", "key", "value"), ANY_OF, ids=[f"{p}={v}" for p, _, v in ANY_OF])
def test_kind_sector_and_who_match_any_value(api, published, param, key, value):
    assert check(api, published, {param: value}, prop_in(key, *value.split(",")))


DISTRICTS = [("141330", ["141330"]), ("14133", ["141330"]), ("14135", ["141356"]),
             ("141313,14137", ["141313", "141372"]),
             ("141321,141364", ["141321", "141364"])]  # fmt: skip


@pytest.mark.parametrize(("district", "codes"), DISTRICTS)
def test_district_by_6_or_5_digits(api, published, district, codes):
    assert check(api, published, {"district": district}, in_district(*codes))
    for feature in search(api, district=district)["features"]:
        assert feature["properties"]["district"] in codes


ALL_OF = [  # parameter, seed property, value: every listed value must match
    *[("amenity", "amenities", v) for v in ("wifi", "kitchen", "parking", "kitchen,wifi",
                                            "projector,tables_chairs,wifi")],
    *[("accessibility", "accessibility", v) for v in ("elevator", "wheelchair_toilet",
      "step_free_entrance,wheelchair_toilet", "elevator,nursing_room,hearing_loop")],
]  # fmt: skip


@pytest.mark.parametrize(("param", "key", "value"), ALL_OF, ids=[f"{p}={v}" for p, _, v in ALL_OF])
def test_amenity_and_accessibility_lists_must_all_match(api, published, param, key, value):
    values = value.split(",")
    found = check(api, published, {param: value}, has_all(key, *values))
    assert found, "choose values that some seed place has"
    if len(values) > 1:  # all of them, not any of them
        assert found < {p.name for p in published if set(values) & set(p.props[key])}


CONDITIONS = ["food_ok", "free", "paid", "food_ok,free", "children_welcome,paid",
              "music_ok,food_ok", "free,paid"]  # fmt: skip


@pytest.mark.parametrize("condition", CONDITIONS)
def test_condition_including_the_fee(api, published, condition):
    found = check(api, published, {"condition": condition}, conditions(*condition.split(",")))
    assert bool(found) == (condition != "free,paid")


@pytest.mark.parametrize("capacity_min", [1, 40, 100, 150, 151, 100_000])
def test_capacity_min(api, published, capacity_min):
    check(api, published, {"capacity_min": capacity_min}, capacity_at_least(capacity_min))


OPEN_AT = {
    "tuesday-morning": "2026-12-01T10:00:00+09:00",
    "tuesday-morning-without-offset": "2026-12-01T10:00:00",
    "tuesday-morning-in-utc": "2026-12-01T01:00:00Z",
    "sunday-afternoon": "2026-12-06T16:30:00+09:00",
    "wednesday-late-evening": "2026-12-02T21:45:00+09:00",
    "at-closing-time": "2026-12-01T21:00:00+09:00",
    "at-opening-time": "2026-12-05T09:00:00+09:00",
    "midnight": "2026-12-03T00:00:00+09:00",
    # Saturday 23:30 in UTC is Sunday 08:30 in Tokyo.
    "utc-saturday-is-tokyo-sunday": "2026-12-05T23:30:00+00:00",
    "new-york-evening": "2026-12-04T19:00:00-05:00",
}


@pytest.mark.parametrize("moment", list(OPEN_AT.values()), ids=list(OPEN_AT))
def test_open_at(api, published, moment):
    parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=TOKYO)
    found = check(api, published, {"open_at": moment}, open_at(parsed))
    if "late-evening" in moment or moment == OPEN_AT["midnight"]:
        assert "小杉デモタワー 公開空地" in found  # open 00:00-24:00


def test_utc_moment_is_judged_on_the_tokyo_day(api, published):
    saturday_utc = datetime(2026, 12, 5, 23, 30, tzinfo=UTC)
    sunday = expected(published, open_at(saturday_utc))
    naive_saturday = expected(published, open_at(saturday_utc.replace(tzinfo=TOKYO)))
    assert sunday != naive_saturday  # the seeds tell the two days apart at this hour
    assert set(names_of(search(api, open_at="2026-12-05T23:30:00Z"))) == sunday


def test_open_at_now(api, published):
    before = expected(published, open_at(datetime.now(UTC)))
    found = set(names_of(search(api, open_at="now")))
    after = expected(published, open_at(datetime.now(UTC)))
    assert found in (before, after)


def nearest_first(page: dict, near: tuple[float, float], places: list[Listed]) -> None:
    """distance_m is the distance to the public point, and the list is nearest first."""
    points = {p.name: p.point for p in places}
    distances = [f["properties"]["distance_m"] for f in page["features"]]
    assert distances == sorted(distances)
    for feature in page["features"]:
        want = geodesic_m(near, points[feature["properties"]["name"]])
        assert feature["properties"]["distance_m"] == pytest.approx(want, abs=DISTANCE_TOLERANCE_M)


@pytest.mark.parametrize("radius", [300, 1000, 2500, 8000, 50_000])
def test_near_with_radius(api, published, radius):
    near = ",".join(map(str, KOSUGI))
    want = expected(published, within(KOSUGI, radius))
    page = search(api, near=near, radius=radius)
    # Places within the tolerance of the rim may fall either side of it.
    rim = expected(published, lambda p: abs(geodesic_m(KOSUGI, p.point) - radius) < 1)
    assert set(names_of(page)) - rim == want - rim
    assert page["numberMatched"] == len(page["features"])
    nearest_first(page, KOSUGI, published)


def test_near_without_radius_orders_everything_by_distance(api, published):
    page = search(api, near="139.5527,35.6194")
    assert page["numberMatched"] == len(published)
    nearest_first(page, (139.5527, 35.6194), published)
    expected_order = sorted(published, key=lambda p: geodesic_m((139.5527, 35.6194), p.point))
    assert names_of(page)[:5] == [p.name for p in expected_order[:5]]


def test_distance_is_only_given_with_near(api):
    assert all("distance_m" not in f["properties"] for f in search(api)["features"])
