"""OWSLib's OGC API – Features client lists and fetches from the live API."""

from __future__ import annotations

import pytest
from owslib.ogcapi.features import Features

# Around 中原区.
NAKAHARA_BBOX = [139.627, 35.553, 139.685, 35.598]


@pytest.fixture
def api(live_server):
    return Features(f"{live_server}/api")


def test_landing_page_links_the_definition_and_conformance(api):
    rels = {link["rel"] for link in api.links}
    assert {"self", "service-desc", "service-doc", "conformance", "data"} <= rels
    assert api.api()["openapi"] == "3.0.3"
    conforms = api.conformance()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conforms


def test_lists_the_collections(api):
    assert api.feature_collections() == ["places", "districts", "activities"]
    places = api.collection("places")
    assert places["itemType"] == "feature"
    assert len(places["extent"]["spatial"]["bbox"][0]) == 4


def test_fetches_items_with_limit_and_bbox(api):
    page = api.collection_items("places", limit=5, bbox=NAKAHARA_BBOX)
    assert page["type"] == "FeatureCollection"
    assert page["numberReturned"] == len(page["features"]) == 5
    assert "numberMatched" not in page  # more than 5 match: the next link says so
    west, south, east, north = NAKAHARA_BBOX
    for feature in page["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert west <= lon <= east and south <= lat <= north
    assert "next" in {link["rel"] for link in page["links"]}


def test_fetches_one_item(api):
    (first,) = api.collection_items("places", limit=1)["features"]
    item = api.collection_item("places", str(first["id"]))
    links = {link["rel"]: link["href"] for link in item.pop("links")}
    assert item == first
    assert links["self"].endswith(f"/api/collections/places/items/{first['id']}")
    assert links["collection"].endswith("/api/collections/places")


def test_fetches_the_districts(api):
    page = api.collection_items("districts")
    assert page["numberMatched"] == len(page["features"]) == 7
    ward = api.collection_item("districts", "141330")
    assert ward["properties"]["name_ja"] == "中原区"
    assert ward["geometry"]["type"] == "MultiPolygon"
