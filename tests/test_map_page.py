"""The map page without a browser: filters in the URL, the server-rendered list and its pages,
the filter form's state, bad filters, the map's data for a view, and a page that stays the same
size however many places there are."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from hiroba.places import finder
from tests.factories import NAKAHARA, WARD_POINTS

ITEM_NAME = re.compile(r'<a class="place-name" href="/places/\d+"[^>]*>([^<]*)</a>')
MAP_DATA = "/map/places.json"
KOSUGI = (139.6571, 35.5764)  # 武蔵小杉駅, lon/lat
KAWASAKI_BBOX = "139.45,35.45,139.85,35.70"


@pytest.fixture
def add(make_place, make_user, make_staff):
    """Approved places in 中原区 by one owner and one reviewer (fewer accounts, faster)."""
    owner, staff = make_user(), make_staff(NAKAHARA)

    def make(name: str, **overrides):
        reviewer = staff if overrides.get("ward", NAKAHARA) == NAKAHARA else None
        return make_place(owner=owner, reviewer=reviewer, name=name, **overrides)

    return make


def get(client, path: str, status: int = 200):
    response = client.get(path, headers={"Accept-Language": "en"})
    assert response.status_code == status, response.get_data(as_text=True)[:400]
    return response


def listed(client, path: str, status: int = 200) -> list[str]:
    """Names in the server-rendered list, in order."""
    source = get(client, path, status).get_data(as_text=True)
    return [unescape(name) for name in ITEM_NAME.findall(source)]


def links(source: str, rel: str) -> dict[str, list[str]]:
    href = unescape(re.search(rf'rel="{rel}" href="([^"]+)"', source).group(1))
    return parse_qs(urlsplit(href).query)


def point(lon_offset: float = 0.0, lat_offset: float = 0.0) -> list[float]:
    lon, lat = WARD_POINTS[NAKAHARA]
    return [lon + lon_offset, lat + lat_offset]


# --- the list follows the URL's filters ---------------------------------------------------------


def test_kind_in_the_url_filters_the_list(client, add):
    add("芝生の広場", kind="park")
    add("角のカフェ", kind="cafe")
    assert listed(client, "/?kind=park") == ["芝生の広場"]
    assert sorted(listed(client, "/")) == sorted(["芝生の広場", "角のカフェ"])


def test_ticked_boxes_repeat_a_parameter_and_mean_any_of_them(client, add):
    add("芝生の広場", kind="park")
    add("角のカフェ", kind="cafe")
    add("町内会館", kind="community_hall")
    source = get(client, "/?kind=park&kind=cafe").get_data(as_text=True)
    assert sorted(unescape(n) for n in ITEM_NAME.findall(source)) == ["芝生の広場", "角のカフェ"]
    assert re.search(r'name="kind" value="park" checked', source)
    assert re.search(r'name="kind" value="cafe" checked', source)
    assert not re.search(r'name="kind" value="community_hall" checked', source)


def test_accessibility_boxes_mean_all_of_them(client, add):
    add("段差なし", accessibility=["step_free_entrance"])
    add("段差なし・エレベーター", accessibility=["step_free_entrance", "elevator"])
    path = "/?accessibility=step_free_entrance&accessibility=elevator"
    assert listed(client, path) == ["段差なし・エレベーター"]


def test_text_fee_capacity_and_ward_filters(client, add):
    add("小杉の集会所", capacity=80, fee="paid", address="川崎市中原区小杉町1丁目")
    add("小杉の茶話会スペース", capacity=12, address="川崎市中原区小杉町2丁目")
    add("高津の集会所", capacity=80, ward="141348", address="川崎市高津区溝口1丁目")
    assert sorted(listed(client, "/?q=小杉")) == ["小杉の茶話会スペース", "小杉の集会所"]
    assert listed(client, "/?q=集会所&capacity_min=50&district=141330") == ["小杉の集会所"]
    assert listed(client, "/?q=小杉&condition=free") == ["小杉の茶話会スペース"]
    source = get(client, "/?q=小杉&condition=paid").get_data(as_text=True)
    assert re.search(r'type="radio" name="condition" value="paid" checked', source)
    assert 'value="小杉"' in source


def test_open_now_wins_over_a_date_and_time_sent_with_it(client, add):
    add("平日の集会所")  # open Monday to Friday, 09:00–21:00
    path = "/?open_at=now&open_at=2026-12-05T10:00"  # a Saturday
    get(client, path)
    args = finder.filter_args(
        finder.MultiDict([("open_at", "now"), ("open_at", "2026-12-05T10:00")])
    )
    assert args["open_at"] == "now"
    assert listed(client, "/?open_at=2026-12-07T10:00") == ["平日の集会所"]  # a Monday
    assert listed(client, "/?open_at=2026-12-05T10:00") == []
    source = get(client, "/?open_at=2026-12-07T01:00:00%2B00:00").get_data(as_text=True)
    assert 'name="open_at" value="2026-12-07T10:00"' in source  # shown in Tokyo time


def test_near_in_the_url_lists_nearest_first_with_distances(client, add):
    add("遠い集会所", location=point(-0.02, 0.0))
    add("近い集会所", location=point(0.002, 0.0))
    lon, lat = WARD_POINTS[NAKAHARA]
    source = get(client, f"/?near={lon},{lat}").get_data(as_text=True)
    assert [unescape(n) for n in ITEM_NAME.findall(source)] == ["近い集会所", "遠い集会所"]
    distances = re.findall(r'<span class="place-distance">([^<]+)</span>', source)
    assert distances == ["181 m away", "1.8 km away"]
    assert re.search(r'class="list-order">', source)  # "nearest first" is not hidden


def test_pages_keep_the_filters_and_the_map_view(client, add):
    for i in range(21):
        add(f"公園{i:02d}", kind="park", name_kana=f"コウエン{i:02d}")
    add("カフェ", kind="cafe")
    view = "center=139.65,35.57&zoom=15"
    first = get(client, f"/?kind=park&kind=cafe&{view}").get_data(as_text=True)
    assert first.count('class="place-item"') == 20
    following = links(first, "next")
    assert following == {
        "page": ["2"], "kind": ["park,cafe"], "center": ["139.65,35.57"], "zoom": ["15"],
    }  # fmt: skip
    second = get(client, "/?" + "&".join(f"{k}={v[0]}" for k, v in following.items()))
    names = [unescape(n) for n in ITEM_NAME.findall(second.get_data(as_text=True))]
    assert len(names) == 2 and "カフェ" in names
    assert links(second.get_data(as_text=True), "prev")["kind"] == ["park,cafe"]


def test_the_map_opens_where_the_url_says(client):
    source = get(client, "/?center=139.65,35.57&zoom=15").get_data(as_text=True)
    assert re.search(r"center: \[35\.57, 139\.65\]", source)
    assert '"zoom": 15' in source
    assert "fitBounds" not in source
    assert re.search(r'name="center" value="139.65,35.57"', source)
    framed = get(client, "/").get_data(as_text=True)
    assert "fitBounds" in framed


def test_download_links_carry_the_filters(client):
    source = get(client, "/?kind=park&kind=cafe&q=広場&zoom=14").get_data(as_text=True)
    hrefs = [
        unescape(h)
        for h in re.findall(r'class="download" data-format="\w+" href="([^"]+)"', source)
    ]
    assert len(hrefs) == 2
    for href, fmt in zip(hrefs, ("csv", "geojson"), strict=True):
        parts = urlsplit(href)
        assert parts.path == "/api/collections/places/items"
        assert parse_qs(parts.query) == {"f": [fmt], "kind": ["park,cafe"], "q": ["広場"]}


@pytest.mark.parametrize(
    ("query", "field", "kept"),
    [
        ("kind=castle&q=集会", "Kind of place", 'value="集会"'),
        ("capacity_min=many", "For at least this many people", None),
        ("open_at=someday", "Open at", None),
        ("near=139.6", "Near me", None),
        ("center=200,35&zoom=12&kind=park", "Map view", 'value="park" checked'),
        ("zoom=40&center=139.6,35.5", "Map view", None),
        ("bogus=1", "bogus", None),
    ],
)
def test_a_bad_filter_is_a_400_page_that_says_which_and_keeps_the_form(client, query, field, kept):
    source = get(client, f"/?{query}", status=400).get_data(as_text=True)
    alert = re.search(r'<div class="filter-error" role="alert">(.*?)</div>', source, re.S).group(1)
    assert f"“{field}”" in alert
    assert '<form id="filter-panel"' in source
    assert 'class="place-item"' not in source
    assert 'class="download"' in source and "hidden>" in source  # no links to a bad search
    if kept:
        assert re.search(kept, source)


def test_the_page_does_not_grow_with_the_number_of_places(client, add):
    for i in range(21):
        add(f"最初の{i:02d}", name_kana=f"アア{i:02d}")
    before = get(client, "/").get_data(as_text=True)
    later = [add(f"あとから{i:02d}", name_kana=f"ンン{i:02d}").name for i in range(30)]
    after = get(client, "/").get_data(as_text=True)
    assert not any(name in after for name in later)
    # The count and "page 1 of N" change; nothing else.
    assert abs(len(after) - len(before)) < 40
    assert after.count('class="place-item"') == before.count('class="place-item"') == 20
    assert "最初の19" in after and "最初の20" not in after


# --- the map's data for a view ------------------------------------------------------------------


def map_data(client, status: int = 200, **params):
    response = client.get(MAP_DATA, query_string=params)
    assert response.status_code == status, response.get_data(as_text=True)[:400]
    return response


def test_map_data_gives_every_place_in_view_as_features(client, add):
    add("中原の広場", kind="park", accessibility=["step_free_entrance", "elevator"])
    add("中原のカフェ", kind="cafe")
    add("高津の広場", kind="park", ward="141348")
    nakahara = ",".join(str(v) for v in (139.62, 35.55, 139.70, 35.60))
    body = map_data(client, bbox=nakahara, zoom=14, kind="park").get_json()
    assert set(body) == {"numberMatched", "places", "cells"}
    assert body["numberMatched"] == 1 and body["cells"] == []
    (feature,) = body["places"]
    assert feature["type"] == "Feature" and isinstance(feature["id"], int)
    assert feature["geometry"]["type"] == "Point"
    props = feature["properties"]
    assert props["name"] == "中原の広場" and props["kind"] == "park"
    assert props["district_name"] == "中原区" and props["district_name_en"]
    assert props["accessibility"] == ["step_free_entrance", "elevator"]
    assert "distance_m" not in props
    everywhere = map_data(client, bbox=KAWASAKI_BBOX, zoom=11, kind="park,cafe").get_json()
    assert everywhere["numberMatched"] == 3


def test_map_data_near_sorts_by_distance_and_measures_it(client, add):
    add("遠い", location=point(-0.02))
    add("近い", location=point(0.002))
    lon, lat = WARD_POINTS[NAKAHARA]
    body = map_data(client, bbox=KAWASAKI_BBOX, near=f"{lon},{lat}").get_json()
    assert [f["properties"]["name"] for f in body["places"]] == ["近い", "遠い"]
    near, far = (f["properties"]["distance_m"] for f in body["places"])
    assert near == 181 and 1800 < far < 1830


def test_map_data_counts_per_cell_when_too_many_are_in_view(client, add, monkeypatch):
    monkeypatch.setattr(finder, "MAX_MARKERS", 3)
    monkeypatch.setattr(finder, "LIST_LIMIT", 2)
    for i in range(4):
        add(f"まとまり{i}", location=point(0.0005 * i), name_kana=f"ア{i}")
    add("はなれ", location=point(-0.02, 0.015), name_kana="イ")
    body = map_data(client, bbox=KAWASAKI_BBOX, zoom=13).get_json()
    assert body["numberMatched"] == 5
    assert [f["properties"]["name"] for f in body["places"]] == ["まとまり0", "まとまり1"]
    counts = sorted(cell["count"] for cell in body["cells"])
    assert counts == [1, 4]
    for cell in body["cells"]:
        lon, lat = cell["coordinates"]
        assert 139.6 < lon < 139.7 and 35.5 < lat < 35.6
    # Zoomed in until few enough are in view, they are drawn one by one again.
    few = map_data(client, bbox="139.6590,35.5760,139.6607,35.5770", zoom=18).get_json()
    assert few["cells"] == [] and few["numberMatched"] == len(few["places"]) == 3


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"kind": "castle"}, "kind"),
        ({"zoom": "99"}, "zoom"),
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "100,20,150,60"}, "bbox"),  # larger than the API allows
        ({"capacity_min": "0"}, "capacity_min"),
        ({"radius": "500"}, "radius"),
        ({"bogus": "1"}, "bogus"),
    ],
)
def test_map_data_refuses_bad_parameters_as_problem_json(client, params, name):
    response = map_data(client, status=400, **params)
    assert response.mimetype == "application/problem+json"
    problem = response.get_json(force=True)
    assert problem["status"] == 400
    assert problem["invalid-params"][0]["name"] == name
    assert problem["invalid-params"][0]["reason"]


@pytest.mark.parametrize(
    ("path", "tag"),
    [
        ("/?accessibility=%3Cimg%20src%3Dx%3E", "<img src=x>"),
        ("/?kind=%3Cb%3Ebold%3C/b%3E", "<b>bold</b>"),
    ],
)
def test_a_rejected_value_is_shown_as_text_not_markup(client, path, tag):
    """Error messages quote what the visitor typed: it must come back escaped (lazily
    translated messages claim to be safe HTML, and would otherwise be printed raw)."""
    source = get(client, path, status=400).get_data(as_text=True)
    assert tag not in source
    assert tag.replace("<", "&lt;").replace(">", "&gt;") in source
