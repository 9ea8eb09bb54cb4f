"""GET /api/collections/places/items[/<id>]: GeoJSON, paging, bbox, strict parameters, privacy."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select, update

from hiroba.extensions import db
from hiroba.places.models import Place
from tests.factories import NAKAHARA, WARD_POINTS

ITEMS = "/api/collections/places/items"
GEOJSON = "application/geo+json"
PROBLEM = "application/problem+json"
TAMA = "141356"
# A true point with six decimals, well inside 中原区, for the approximate (home) place.
SECRET_POINT = (139.658713, 35.577331)
SECRET_ADDRESS = "川崎市中原区小杉町3丁目9-9 ひみつ荘101号室"
# This file's places stand here and list queries look here, so every list test also goes
# through the bbox filter.
HERE = (139.6452, 35.5831)
BOX = f"{HERE[0] - 0.002},{HERE[1] - 0.002},{HERE[0] + 0.002},{HERE[1] + 0.002}"


@pytest.fixture
def make_places(make_place, make_user, make_staff):
    """``n`` places sharing one owner and one reviewer (faster than a pair per place)."""
    owner, staff = make_user(), make_staff(NAKAHARA, TAMA)

    def make(n: int = 1, **overrides):
        overrides.setdefault("location", list(HERE))
        return [make_place(owner=owner, reviewer=staff, **overrides) for _ in range(n)]

    return make


@pytest.fixture
def approximate_place(make_place):
    """An approved vacant house whose true point and street address must stay private."""
    return make_place(
        kind="vacant_house",
        sector="private",
        location_precision="approximate",
        location=list(SECRET_POINT),
        address=SECRET_ADDRESS,
        name="中原の空き家（離れ）",
    )


def get_items(client, query: str = ""):
    """A page of the collection; only this file's corner of the map unless ``bbox`` is given."""
    if "bbox=" not in query:
        query = f"bbox={BOX}&{query}"
    response = client.get(f"{ITEMS}?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == GEOJSON
    return response.get_json(force=True)


def links_by_rel(collection) -> dict[str, dict]:
    return {link["rel"]: link for link in collection["links"]}


def query_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


def numbers_in(text: str) -> set[float]:
    return {round(float(m), 4) for m in re.findall(r"-?\d+\.\d+", text)}


def reveals_point(text: str, lon: float, lat: float) -> bool:
    """Both true coordinates, to 4 decimals (~10 m), appear somewhere in ``text``."""
    found = numbers_in(text)
    return round(lon, 4) in found and round(lat, 4) in found


def stored_public_point(place_id: int, app) -> tuple[float, float]:
    with app.app_context():
        row = db.session.execute(
            select(func.ST_X(Place.public_location), func.ST_Y(Place.public_location)).where(
                Place.id == place_id
            )
        ).one()
        return row[0], row[1]


# --- the collection --------------------------------------------------------------------------


def test_items_are_a_geojson_feature_collection_in_lon_lat_order(client, make_places):
    (place,) = make_places(1)
    collection = get_items(client)
    assert collection["type"] == "FeatureCollection"
    assert collection["numberMatched"] == collection["numberReturned"] == 1
    (feature,) = collection["features"]
    assert feature["type"] == "Feature"
    assert feature["id"] == place.id
    assert feature["geometry"]["type"] == "Point"
    assert feature["geometry"]["coordinates"] == pytest.approx(list(HERE), abs=1e-6)
    assert feature["properties"]["name"] == place.name
    assert feature["properties"]["district"] == NAKAHARA


def test_paging_links_walk_every_place_exactly_once(client, make_places):
    places = make_places(5)
    first = get_items(client, "limit=2")
    # More follow: numberMatched is left out (counting would cost more than the page).
    assert "numberMatched" not in first and first["numberReturned"] == 2
    links = links_by_rel(first)
    assert "prev" not in links
    assert query_of(links["self"]["href"]) == {"bbox": [BOX], "limit": ["2"]}
    assert all(links[rel]["type"] == GEOJSON for rel in ("self", "next"))
    # The same search as a file and as CSV: every match, the same filters, no paging.
    alternates = [link for link in first["links"] if link["rel"] == "alternate"]
    assert {link["type"] for link in alternates} == {GEOJSON, "text/csv"}
    for link in alternates:
        assert query_of(link["href"]).get("bbox") == [BOX] and "limit" not in query_of(link["href"])

    seen = [f["id"] for f in first["features"]]
    offsets = []
    page = first
    while "next" in links_by_rel(page):
        href = links_by_rel(page)["next"]["href"]
        offsets.append(query_of(href)["offset"])
        assert query_of(href)["limit"] == ["2"] and query_of(href)["bbox"] == [BOX]
        page = client.get(href).get_json(force=True)
        seen += [f["id"] for f in page["features"]]
    assert offsets == [["2"], ["4"]]
    # The last page holds the last match: the total is known, exactly, for free.
    assert (page["numberMatched"], page["numberReturned"]) == (5, 1)
    assert sorted(seen) == sorted(p.id for p in places)

    prev = links_by_rel(page)["prev"]["href"]
    assert query_of(prev)["offset"] == ["2"]
    middle = client.get(prev).get_json(force=True)
    assert [f["id"] for f in middle["features"]] == seen[2:4]


def test_prev_link_never_goes_below_offset_zero(client, make_places):
    make_places(3)
    page = get_items(client, "limit=2&offset=1")
    links = links_by_rel(page)
    assert query_of(links["prev"]["href"])["offset"] == ["0"]
    assert "next" not in links


def test_offset_past_the_end_is_an_empty_page_with_the_true_total(client, make_places):
    make_places(2)
    page = get_items(client, "offset=10")
    assert (page["numberMatched"], page["numberReturned"], page["features"]) == (2, 0, [])


def test_default_limit_is_50_and_1000_is_accepted(client, make_places):
    make_places(51)
    page = get_items(client)
    assert "numberMatched" not in page and page["numberReturned"] == 50
    assert query_of(links_by_rel(page)["next"]["href"])["offset"] == ["50"]
    last = get_items(client, "offset=50")
    assert (last["numberMatched"], last["numberReturned"]) == (51, 1)
    assert "next" not in links_by_rel(last)
    assert get_items(client, "limit=1000")["numberReturned"] == 51


def test_bbox_keeps_places_inside_the_box_only(client, make_places):
    (inside,) = make_places(1)
    (outside,) = make_places(1, ward=TAMA, location=list(WARD_POINTS[TAMA]))
    page = get_items(client, f"bbox={BOX}")
    assert [f["id"] for f in page["features"]] == [inside.id]
    assert page["numberMatched"] == 1
    lon, lat = WARD_POINTS[TAMA]
    around_tama = f"{lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}"
    assert outside.id in {f["id"] for f in get_items(client, f"bbox={around_tama}")["features"]}
    everything = get_items(client, "bbox=139.4,35.4,139.9,35.7&limit=1000")
    assert {inside.id, outside.id} <= {f["id"] for f in everything["features"]}


@pytest.mark.parametrize(
    "status", ["draft", "pending", "changes_requested", "rejected", "archived"]
)
def test_only_approved_places_are_published(client, make_places, status):
    (approved,) = make_places(1)
    (hidden,) = make_places(1, status=status)
    page = get_items(client)
    assert [f["id"] for f in page["features"]] == [approved.id]
    assert page["numberMatched"] == 1
    assert hidden.name not in json.dumps(page, ensure_ascii=False)
    response = client.get(f"{ITEMS}/{hidden.id}")
    assert response.status_code == 404
    assert response.mimetype == PROBLEM


# --- hostile and malformed parameters --------------------------------------------------------

BAD_PARAMETERS = {
    "unknown": ("colour=red", "colour"),
    "unknown-long": ("x" * 500 + "=1", "x" * 60),
    "repeated-limit": ("limit=1&limit=2", "limit"),
    "repeated-bbox": ("bbox=139,35,140,36&bbox=139,35,140,36", "bbox"),
    "bbox-3": ("bbox=139.6,35.5,139.8", "bbox"),
    "bbox-5": ("bbox=139.6,35.5,139.8,35.6,1", "bbox"),
    "bbox-letters": ("bbox=a,b,c,d", "bbox"),
    "bbox-nan": ("bbox=NaN,35.5,139.8,35.6", "bbox"),
    "bbox-infinity": ("bbox=139.6,35.5,Infinity,35.6", "bbox"),
    "bbox-minus-infinity": ("bbox=-Infinity,35.5,139.8,35.6", "bbox"),
    "bbox-overflow": ("bbox=1e400,35.5,139.8,35.6", "bbox"),
    "bbox-inverted-lon": ("bbox=139.8,35.5,139.6,35.6", "bbox"),
    "bbox-inverted-lat": ("bbox=139.6,35.6,139.8,35.5", "bbox"),
    "bbox-lat-over-90": ("bbox=139.6,35.5,139.8,90.5", "bbox"),
    "bbox-lon-over-180": ("bbox=139.6,35.5,180.5,35.6", "bbox"),
    "bbox-lat-lon-swapped": ("bbox=35.5,139.6,35.6,139.8", "bbox"),
    "bbox-empty": ("bbox=", "bbox"),
    "bbox-commas": ("bbox=,,,", "bbox"),
    "bbox-hex": ("bbox=0x10,35.5,139.8,35.6", "bbox"),
    "limit-0": ("limit=0", "limit"),
    "limit-negative": ("limit=-1", "limit"),
    "limit-1001": ("limit=1001", "limit"),
    "limit-fraction": ("limit=1.5", "limit"),
    "limit-letters": ("limit=abc", "limit"),
    "limit-huge": (f"limit={10**30}", "limit"),
    "limit-empty": ("limit=", "limit"),
    "limit-double-minus": ("limit=--5", "limit"),
    "limit-plus": ("limit=%2B5", "limit"),
    "limit-fullwidth": ("limit=%EF%BC%95", "limit"),
    "offset-negative": ("offset=-1", "offset"),
    "offset-huge": (f"offset={10**30}", "offset"),
    "offset-past-cap": ("offset=100001", "offset"),
    "offset-double-minus": ("offset=--1", "offset"),
    "f-xml": ("f=xml", "f"),
    "open_at-letters": ("open_at=tomorrow", "open_at"),
    "open_at-past-year-9999": ("open_at=9999-12-31T23:00:00-12:00", "open_at"),
    "open_at-before-year-1": ("open_at=0001-01-01T00:00:00%2B14:00", "open_at"),
}


@pytest.mark.parametrize(("query", "name"), list(BAD_PARAMETERS.values()), ids=list(BAD_PARAMETERS))
def test_bad_parameter_is_a_400_problem_naming_it(client, query, name):
    response = client.get(f"{ITEMS}?{query}")
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.mimetype == PROBLEM
    problem = response.get_json(force=True)
    assert problem["status"] == 400
    assert [p["name"] for p in problem["invalid-params"]] == [name]
    assert problem["invalid-params"][0]["reason"]


def test_item_rejects_unknown_parameters(client, make_places):
    (place,) = make_places(1)
    response = client.get(f"{ITEMS}/{place.id}?bbox=1,2,3,4")
    assert response.status_code == 400
    assert response.get_json(force=True)["invalid-params"][0]["name"] == "bbox"


def test_item_rejects_an_unsupported_format(client, make_places):
    """``f=xml`` is refused on the collection; a single item must not silently ignore it."""
    (place,) = make_places(1)
    response = client.get(f"{ITEMS}/{place.id}?f=xml")
    assert response.status_code == 400
    assert response.mimetype == PROBLEM
    assert response.get_json(force=True)["invalid-params"][0]["name"] == "f"


# --- single items ----------------------------------------------------------------------------


def test_approved_item_is_a_feature(client, make_places):
    (place,) = make_places(1)
    response = client.get(f"{ITEMS}/{place.id}")
    assert response.status_code == 200
    assert response.mimetype == GEOJSON
    feature = response.get_json(force=True)
    assert (feature["type"], feature["id"]) == ("Feature", place.id)
    assert feature["properties"]["name"] == place.name
    assert feature["properties"]["opening_hours"][0] == {
        "weekday": 1,
        "opens": "09:00",
        "closes": "21:00",
    }


@pytest.mark.parametrize("place_id", ["999999", str(2**63 - 1), str(10**25)])
def test_unknown_item_is_a_404_problem(client, place_id):
    response = client.get(f"{ITEMS}/{place_id}")
    assert response.status_code == 404
    assert response.mimetype == PROBLEM
    assert response.get_json(force=True)["status"] == 404


# --- privacy of approximate places -----------------------------------------------------------


def test_list_hides_the_true_point_and_address_of_an_approximate_place(
    app, client, approximate_place
):
    response = client.get(f"{ITEMS}?limit=1000")
    body = response.get_data(as_text=True)
    decoded = json.dumps(response.get_json(force=True), ensure_ascii=False)
    features = response.get_json(force=True)["features"]
    (feature,) = [f for f in features if f["id"] == approximate_place.id]
    assert not reveals_point(body, *SECRET_POINT)
    assert SECRET_ADDRESS not in body and SECRET_ADDRESS not in decoded
    assert "ひみつ荘" not in decoded
    assert feature["properties"]["address"] is None
    assert feature["properties"]["footprint"] is None
    assert feature["properties"]["location_precision"] == "approximate"
    public = stored_public_point(approximate_place.id, app)
    assert feature["geometry"]["coordinates"] == pytest.approx(list(public), abs=1e-6)
    assert [round(c, 4) for c in public] != [round(c, 4) for c in SECRET_POINT]


def test_item_hides_the_true_point_address_and_outline_of_an_approximate_place(
    app, client, approximate_place
):
    # Even an outline left in the database (say, from before the owner chose "approximate")
    # must never be published: it would show exactly where the home is.
    lon, lat = SECRET_POINT
    outline = f"POLYGON(({lon - 1e-4} {lat - 1e-4},{lon + 1e-4} {lat - 1e-4},{lon + 1e-4} {lat + 1e-4},{lon - 1e-4} {lat - 1e-4}))"  # noqa: E501
    with app.app_context():
        db.session.execute(
            update(Place)
            .where(Place.id == approximate_place.id)
            .values(footprint=func.ST_GeomFromText(outline, 4326))
        )
        db.session.commit()
    response = client.get(f"{ITEMS}/{approximate_place.id}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    feature = response.get_json(force=True)
    assert not reveals_point(body, *SECRET_POINT)
    assert SECRET_ADDRESS not in json.dumps(feature, ensure_ascii=False)
    assert "ひみつ荘" not in body
    assert feature["properties"]["footprint"] is None
    public = stored_public_point(approximate_place.id, app)
    assert feature["geometry"]["coordinates"] == pytest.approx(list(public), abs=1e-6)


def test_bbox_around_the_true_point_does_not_find_an_approximate_place(
    app, client, approximate_place
):
    """Filters run on the public point, so tiny boxes cannot home in on the house."""
    public = stored_public_point(approximate_place.id, app)
    lon, lat = SECRET_POINT
    # A box around the true point that cannot reach the public one, however close it was drawn
    # (if they coincided, the box would find the place and the test would rightly fail).
    half = min(1e-4, max(abs(public[0] - lon), abs(public[1] - lat)) / 2)
    tiny = f"{lon - half},{lat - half},{lon + half},{lat + half}"
    assert get_items(client, f"bbox={tiny}")["numberMatched"] == 0
    around_public = f"{public[0] - 1e-4},{public[1] - 1e-4},{public[0] + 1e-4},{public[1] + 1e-4}"
    assert get_items(client, f"bbox={around_public}")["numberMatched"] == 1


def test_exact_place_carries_its_address_and_point(client, make_places):
    (place,) = make_places(1, address="川崎市中原区小杉町3丁目600")
    feature = client.get(f"{ITEMS}/{place.id}").get_json(force=True)
    assert feature["properties"]["address"] == "川崎市中原区小杉町3丁目600"
    assert feature["properties"]["location_precision"] == "exact"
    assert feature["geometry"]["coordinates"] == pytest.approx(list(HERE), abs=1e-6)
