"""GDAL's OGC API – Features driver (OAPIF, Debian's gdal-bin) reads the live API.

``ogrinfo`` runs as a subprocess against the live server holding the demo seeds; every answer
is compared with what the API itself says, so the test holds whatever the seeds become.
"""

from __future__ import annotations

import json
import re
import subprocess
from urllib.request import urlopen

import pytest
from sqlalchemy import func, select

from hiroba.extensions import db
from hiroba.places.queries import approved_places

PAGE_SIZE = 10
# Around 中原区 and its neighbours: more than one page of the seeds.
SPAT = (139.60, 35.50, 139.70, 35.60)
FEATURE = re.compile(r"^OGRFeature\(places\):(\d+)$")
POINT = re.compile(r"^\s+POINT \(([-0-9.e]+) ([-0-9.e]+)\)$")
FETCH = re.compile(r"HTTP: Fetch\((\S+)\)")


def ogrinfo(base: str, *args: str) -> subprocess.CompletedProcess:
    command = ["ogrinfo", "-ro", "--debug", "on", *args, f"OAPIF:{base}/api", "places"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ERROR" not in done.stderr, done.stderr[-2000:]
    return done


def api_get(base: str, path: str) -> dict:
    with urlopen(base + path, timeout=30) as response:
        return json.load(response)


def api_features(base: str, query: str = "") -> dict[int, list[float]]:
    """Every published place the API finds for ``query``: id -> [lon, lat]."""
    page = api_get(base, f"/api/collections/places/items?limit=1000&{query}")
    assert page["numberMatched"] == page["numberReturned"]
    return {f["id"]: f["geometry"]["coordinates"] for f in page["features"]}


def read_features(output: str) -> list[tuple[int, list[float]]]:
    """(fid, [lon, lat]) of every feature ``ogrinfo`` printed, in order."""
    found, fid = [], None
    for line in output.splitlines():
        if match := FEATURE.match(line):
            fid = int(match[1])
        elif (match := POINT.match(line)) and fid is not None:
            found.append((fid, [float(match[1]), float(match[2])]))
            fid = None
    return found


def pages_fetched(stderr: str) -> list[str]:
    return [url for url in FETCH.findall(stderr) if "/collections/places/items" in url]


def assert_same_places(read: list[tuple[int, list[float]]], expected: dict[int, list[float]]):
    ids = [fid for fid, _ in read]
    assert len(ids) == len(set(ids)), "a place was read twice"
    assert set(ids) == set(expected)
    for fid, point in read:
        assert point == pytest.approx(expected[fid], abs=1e-6), fid


def test_summary_has_the_feature_count_and_attributes_of_the_api(live_app, live_server):
    done = ogrinfo(live_server, "-al", "-so")
    page = api_get(live_server, "/api/collections/places/items?limit=1")
    with live_app.app_context():
        published = db.session.scalar(
            select(func.count()).select_from(approved_places().subquery())
        )
    assert published == 69  # the demo seeds publish 69 places
    # More pages follow, so the API leaves numberMatched out: GDAL counts by paging instead.
    assert "numberMatched" not in page
    assert f"Feature Count: {published}" in done.stdout
    assert "Geometry: Point" in done.stdout
    fields = set(re.findall(r"^(\w+): \w+", done.stdout, re.MULTILINE))
    properties = set(page["features"][0]["properties"])
    assert properties <= fields, properties - fields
    assert 'ID["EPSG",4326]' in done.stdout


def test_reading_every_place_pages_through_all_of_them_once(live_server):
    done = ogrinfo(live_server, "-al", "-q", "-fields=NO", "-oo", f"PAGE_SIZE={PAGE_SIZE}")
    expected = api_features(live_server)
    assert len(pages_fetched(done.stderr)) > len(expected) // PAGE_SIZE
    assert_same_places(read_features(done.stdout), expected)


def test_spatial_filter_is_sent_as_bbox_and_paged(live_server):
    spat = [str(v) for v in SPAT]
    done = ogrinfo(
        live_server, "-al", "-q", "-fields=NO", "-oo", f"PAGE_SIZE={PAGE_SIZE}", "-spat", *spat
    )
    expected = api_features(live_server, "bbox=" + ",".join(spat))
    assert len(expected) > PAGE_SIZE
    fetched = pages_fetched(done.stderr)
    assert any("bbox=" in url and "offset=" in url for url in fetched), fetched
    assert_same_places(read_features(done.stdout), expected)


def test_attribute_filter_is_answered_by_the_server(live_server):
    """GDAL reads the OpenAPI document, sees ``kind`` and lets the API filter."""
    done = ogrinfo(live_server, "-al", "-q", "-fields=NO", "-where", "kind = 'cafe'")
    expected = api_features(live_server, "kind=cafe")
    assert expected
    assert any("kind=cafe" in url for url in pages_fetched(done.stderr))
    assert_same_places(read_features(done.stdout), expected)
