"""OGC API – Features around the items: landing page, conformance, collections, districts,
content negotiation, strict parameters, caching and CORS on every endpoint."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from hiroba.api.params import PARAMETERS
from hiroba.districts.models import District
from hiroba.extensions import db
from tests.factories import NAKAHARA, WARD_POINTS

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
PROBLEM = "application/problem+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONF = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
TAMA = "141356"
KAWASAKI = (139.40, 35.40, 139.90, 35.70)  # every ward lies inside this box
DISTRICT_CREDIT = "国土数値情報（行政区域データ）（国土交通省）を加工して作成"

# Every endpoint that describes rather than searches: JSON, strict, cached, open to any site.
METADATA = [
    "/api",
    "/api/conformance",
    "/api/collections",
    "/api/collections/places",
    "/api/collections/districts",
    "/api/collections/districts/items",
    f"/api/collections/districts/items/{NAKAHARA}",
    "/api/openapi.json",
]


def get_json(client, path: str, status: int = 200, media_type: str = JSON, **kwargs):
    response = client.get(path, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == media_type
    return response.get_json(force=True)


def rels(document) -> dict[str, dict]:
    return {link["rel"]: link for link in document["links"]}


def local(href: str) -> str:
    parts = urlsplit(href)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def assert_problem(response, status: int, parameter: str | None = None):
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == PROBLEM
    problem = response.get_json(force=True)
    assert problem["status"] == status
    if parameter is not None:
        assert [p["name"] for p in problem["invalid-params"]] == [parameter]
        assert problem["invalid-params"][0]["reason"]


# --- landing page and conformance ------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api", "/api/"])
def test_landing_page_links_everything_a_client_needs(client, path):
    landing = get_json(client, path)
    assert landing["title"] and landing["description"]
    links = rels(landing)
    expected = {
        "self": (JSON, "/api/"),
        "alternate": (HTML, "/api/?f=html"),
        "service-desc": (OPENAPI, "/api/openapi.json"),
        "service-doc": (HTML, "/api/docs"),
        "conformance": (JSON, "/api/conformance"),
        "data": (JSON, "/api/collections"),
    }
    assert {rel: (links[rel]["type"], local(links[rel]["href"])) for rel in expected} == expected
    for link in landing["links"]:
        assert link["href"].startswith("http://localhost/api")
        response = client.get(local(link["href"]))
        assert response.status_code == 200
        assert response.mimetype == link["type"].split(";")[0]


def test_conformance_claims_core_geojson_and_openapi_only(client):
    conformance = get_json(client, "/api/conformance")
    assert sorted(conformance["conformsTo"]) == [CONF + "core", CONF + "geojson", CONF + "oas30"]


# --- content negotiation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "accept", "media_type"),
    [
        ("", None, JSON),
        ("", "*/*", JSON),
        ("", JSON, JSON),
        ("", BROWSER_ACCEPT, HTML),
        ("", HTML, HTML),
        ("?f=html", None, HTML),
        ("?f=html", JSON, HTML),
        ("?f=json", BROWSER_ACCEPT, JSON),
    ],
)
def test_landing_page_is_json_for_machines_and_html_for_browsers(client, query, accept, media_type):
    headers = {"Accept": accept} if accept else {}
    response = client.get(f"/api{query}", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Accept" in response.vary


@pytest.mark.parametrize("path", METADATA[1:])
def test_json_endpoints_answer_json_even_to_browsers(client, path):
    response = client.get(path, headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 200
    assert response.mimetype in {JSON, GEOJSON, OPENAPI.split(";")[0]}


@pytest.mark.parametrize("path", METADATA)
def test_f_json_is_accepted_and_other_formats_are_a_400(client, path):
    assert client.get(f"{path}?f=json").status_code == 200
    assert_problem(client.get(f"{path}?f=xml"), 400, "f")
    if path != "/api":
        assert_problem(client.get(f"{path}?f=html"), 400, "f")


# --- strict parameters and unknown ids -------------------------------------------------------


@pytest.mark.parametrize("path", [*METADATA, "/api/docs"])
def test_unknown_or_repeated_parameters_are_a_400_naming_them(client, path):
    assert_problem(client.get(f"{path}?colour=red"), 400, "colour")
    assert_problem(client.get(f"{path}?f=json&f=json"), 400, "f")


@pytest.mark.parametrize(
    "path",
    [
        "/api/collections/districts/items/999999",
        "/api/collections/districts/items/abcdef",
        "/api/collections/districts/items/14133",
        "/api/collections/places/items/999999",
        "/api/collections/nothing",
        "/api/collections/nothing/items",
    ],
)
def test_unknown_ids_and_collections_are_a_404_problem(client, path):
    assert_problem(client.get(path), 404)


DISTRICT_BAD_PARAMETERS = {
    "unknown": ("kind=cafe", "kind"),
    "bbox-3": ("bbox=139.6,35.5,139.8", "bbox"),
    "bbox-inverted": ("bbox=139.8,35.5,139.6,35.6", "bbox"),
    "bbox-swapped": ("bbox=35.5,139.6,35.6,139.8", "bbox"),
    "bbox-nan": ("bbox=NaN,35.5,139.8,35.6", "bbox"),
    "bbox-huge": ("bbox=-180,-90,180,90", "bbox"),
    "limit-0": ("limit=0", "limit"),
    "limit-1001": ("limit=1001", "limit"),
    "limit-letters": ("limit=abc", "limit"),
    "offset-negative": ("offset=-1", "offset"),
    "repeated-limit": ("limit=1&limit=2", "limit"),
    "f-csv": ("f=csv", "f"),
}


@pytest.mark.parametrize(
    ("query", "name"), list(DISTRICT_BAD_PARAMETERS.values()), ids=list(DISTRICT_BAD_PARAMETERS)
)
def test_district_items_refuse_bad_parameters_like_places(client, query, name):
    assert_problem(client.get(f"/api/collections/districts/items?{query}"), 400, name)


# --- collections -----------------------------------------------------------------------------


def test_collections_describe_places_and_districts_with_extents(client, make_place):
    make_place(location=list(WARD_POINTS[NAKAHARA]))
    make_place(ward=TAMA, location=list(WARD_POINTS[TAMA]))
    collections = get_json(client, "/api/collections")
    assert local(rels(collections)["self"]["href"]) == "/api/collections"
    by_id = {c["id"]: c for c in collections["collections"]}
    assert list(by_id) == ["places", "districts", "activities"]
    for collection in (by_id["places"], by_id["districts"]):
        assert collection["title"] and collection["itemType"] == "feature"
        assert collection["crs"] == [CRS84]
        assert collection["extent"]["spatial"]["crs"] == CRS84
        assert get_json(client, f"/api/collections/{collection['id']}") == collection
        links = collection["links"]
        assert {(link["rel"], link["type"]) for link in links} >= {
            ("self", JSON),
            ("items", GEOJSON),
        }
    (places_box,) = by_id["places"]["extent"]["spatial"]["bbox"]
    (tama_lon, tama_lat), (naka_lon, naka_lat) = WARD_POINTS[TAMA], WARD_POINTS[NAKAHARA]
    assert places_box == pytest.approx([tama_lon, naka_lat, naka_lon, tama_lat], abs=1e-6)
    (wards_box,) = by_id["districts"]["extent"]["spatial"]["bbox"]
    assert KAWASAKI[0] < wards_box[0] < wards_box[2] < KAWASAKI[2]
    assert KAWASAKI[1] < wards_box[1] < wards_box[3] < KAWASAKI[3]
    assert by_id["districts"]["attribution"] == DISTRICT_CREDIT
    places_links = {(link["rel"], link["type"]) for link in by_id["places"]["links"]}
    assert ("items", "text/csv") in places_links and ("enclosure", GEOJSON) in places_links


def test_places_collection_follows_the_data(client, make_place):
    """No published place, no extent; a published one moves the extent (and the ETag)."""
    before = client.get("/api/collections/places")
    assert "extent" not in before.get_json(force=True)
    make_place(status="pending")
    assert client.get("/api/collections/places").headers["ETag"] == before.headers["ETag"]
    make_place()
    after = client.get("/api/collections/places", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    (box,) = after.get_json(force=True)["extent"]["spatial"]["bbox"]
    assert box[:2] == pytest.approx(list(WARD_POINTS[NAKAHARA]), abs=1e-6)


# --- districts -------------------------------------------------------------------------------


def test_district_items_are_the_seven_wards_as_lon_lat_polygons(app, client):
    page = get_json(client, "/api/collections/districts/items", media_type=GEOJSON)
    assert page["type"] == "FeatureCollection"
    assert page["numberMatched"] == page["numberReturned"] == 7
    features = page["features"]
    assert [f["id"] for f in features] == sorted(WARD_POINTS)
    nakahara = next(f for f in features if f["id"] == NAKAHARA)
    with app.app_context():
        ward = db.session.get(District, NAKAHARA)
        assert nakahara["properties"] == {
            "code": NAKAHARA,
            "name_ja": "中原区",
            "name_en": "Nakahara-ku",
            "city_ja": "川崎市",
            "prefecture_ja": ward.prefecture_ja,
        }
    for feature in features:
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] == "MultiPolygon"
        for polygon in feature["geometry"]["coordinates"]:
            for ring in polygon:
                assert ring[0] == ring[-1]
                for lon, lat in ring:  # longitude first (RFC 7946)
                    assert KAWASAKI[0] < lon < KAWASAKI[2] and KAWASAKI[1] < lat < KAWASAKI[3]
    item = get_json(client, f"/api/collections/districts/items/{NAKAHARA}", media_type=GEOJSON)
    links = rels({"links": item.pop("links")})
    assert item == nakahara
    assert local(links["self"]["href"]) == f"/api/collections/districts/items/{NAKAHARA}"
    assert local(links["collection"]["href"]) == "/api/collections/districts"


def test_a_place_links_itself_and_its_collection(client, make_place):
    place = make_place()
    feature = get_json(client, f"/api/collections/places/items/{place.id}", media_type=GEOJSON)
    links = rels(feature)
    assert (local(links["self"]["href"]), links["self"]["type"]) == (
        f"/api/collections/places/items/{place.id}",
        GEOJSON,
    )
    assert (local(links["collection"]["href"]), links["collection"]["type"]) == (
        "/api/collections/places",
        JSON,
    )


def test_district_items_page_with_next_and_prev_links(client):
    first = get_json(client, "/api/collections/districts/items?limit=3", media_type=GEOJSON)
    assert (first["numberMatched"], first["numberReturned"]) == (7, 3)
    links = rels(first)
    assert "prev" not in links
    assert local(links["self"]["href"]) == "/api/collections/districts/items?limit=3"
    assert local(links["collection"]["href"]) == "/api/collections/districts"
    seen = [f["id"] for f in first["features"]]
    page = first
    while "next" in rels(page):
        page = get_json(client, local(rels(page)["next"]["href"]), media_type=GEOJSON)
        seen += [f["id"] for f in page["features"]]
    assert seen == sorted(WARD_POINTS)
    assert local(rels(page)["prev"]["href"]) == "/api/collections/districts/items?limit=3&offset=3"


def test_district_items_bbox_keeps_the_wards_it_meets(client):
    lon, lat = WARD_POINTS[TAMA]
    tiny = f"{lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}"
    page = get_json(client, f"/api/collections/districts/items?bbox={tiny}", media_type=GEOJSON)
    assert [f["id"] for f in page["features"]] == [TAMA]
    assert page["numberMatched"] == 1
    sea = get_json(client, "/api/collections/districts/items?bbox=139.9,35.3,139.95,35.35",
                   media_type=GEOJSON)  # fmt: skip
    assert (sea["numberMatched"], sea["features"]) == (0, [])


# --- caching and CORS ------------------------------------------------------------------------


@pytest.mark.parametrize("path", METADATA)
def test_conditional_get_answers_304_with_cors(client, path):
    first = client.get(path)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=60"
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get(path, headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_collections_carry_the_last_change_of_a_place(client, make_place):
    make_place()
    response = client.get("/api/collections")
    assert response.last_modified is not None
    later = client.get(
        "/api/collections", headers={"If-Modified-Since": response.headers["Last-Modified"]}
    )
    assert later.status_code == 304


@pytest.mark.parametrize(
    "path", [*METADATA, "/api/docs", "/api?f=nope", "/api/collections/districts/items/000000"]
)
def test_every_answer_may_be_read_by_any_site(client, path):
    response = client.get(path, headers={"Origin": "https://ward.example.jp"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]


@pytest.mark.parametrize("path", [*METADATA, "/api/collections/places/items"])
def test_preflight_is_answered_with_the_cors_headers(client, path):
    response = client.options(
        path,
        headers={
            "Origin": "https://ward.example.jp",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "If-None-Match, Accept-Language",
        },
    )
    assert response.status_code == 200
    headers = response.headers
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in headers["Access-Control-Allow-Methods"]
    allowed = {h.strip().lower() for h in headers["Access-Control-Allow-Headers"].split(",")}
    assert {"if-none-match", "accept-language"} <= allowed
    assert int(headers["Access-Control-Max-Age"]) > 0
    assert "POST" not in headers["Access-Control-Allow-Methods"]


# --- the documentation page ------------------------------------------------------------------


def test_docs_page_explains_every_endpoint_and_parameter_in_japanese_first(client):
    response = client.get("/api/docs")
    assert response.status_code == 200 and response.mimetype == HTML
    html = response.get_data(as_text=True)
    assert '<html lang="ja">' in html
    spec = client.get("/api/openapi.json").get_json(force=True)
    for path in spec["paths"]:
        assert f"<code>GET {path}</code>" in html
    for param in PARAMETERS:
        assert f"<code>{param.name}</code>" in html
    assert DISTRICT_CREDIT in html
    assert "JIS X 0410" in html  # the privacy rule for approximate places
    for example in ("bbox=139.627,35.553,139.685,35.598", "q=カフェ", "radius=1000", "f=csv"):
        assert example in html
    # Self-hosted: every script and style sheet comes from this site.
    for src in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html):
        assert src.startswith("/"), src
    assert "<code>GET /collections</code>" in client.get("/api?f=html").get_data(as_text=True)


def test_docs_page_speaks_english_when_asked(client):
    html = client.get("/api/docs", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Privacy of places shown approximately" in html
