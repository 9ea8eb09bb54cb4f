"""What the API benchmark asks for: lists of request paths per scenario, drawn from the data.

Every list is built from a deterministic sample of published places (the same sample on every
run against the same database): boxes at neighbourhood zoom centred on them, points to search
near, and Japanese words of 1, 2 and 4 characters taken from their names, so that searches find
something where they look. Load generators cycle through each list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

import psycopg

from hiroba.places.vocabulary import Accessibility, Amenity, Audience, Condition, PlaceKind

ITEMS = "/api/collections/places/items"
SAMPLE = 100  # pgbench takes at most 128 scripts: one per box
# The map page's neighbourhood view (zoom 16, 1280 × 800 px), in degrees: lon, lat.
NEIGHBOURHOOD = (0.0256, 0.0114)
CSV_ROWS = 10_000
NEAR_RADIUS_M = 1000
WORD = re.compile(r"[^\x00-\x7f\s　]{4,}")  # a run of 4+ Japanese characters (no spaces)


@dataclass(frozen=True)
class Sampled:
    id: int
    lon: float
    lat: float
    name: str


@dataclass(frozen=True)
class Scenario:
    key: str
    label: str
    paths: list[str]
    connections: int = 8


@dataclass(frozen=True)
class Sample:
    places: list[Sampled]
    districts: list[str]
    export_boxes: list[tuple[tuple[float, float, float, float], int]]  # box, places in it


# Boxes around a point holding about CSV_ROWS published places: the box of the CSV_ROWS nearest
# (which holds them all and more), shrunk by bisection until the count is within 5 %.
NEAREST_BOX = f"""
SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
FROM (SELECT ST_Extent(public_location) AS e
      FROM (SELECT public_location FROM places WHERE status = 'approved'
            ORDER BY public_location <-> ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)
            LIMIT {CSV_ROWS}) AS nearest) AS around
"""
COUNT_IN_BOX = (
    "SELECT count(*) FROM places WHERE status = 'approved'"
    " AND public_location && ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
)


def _export_box(conn, place: Sampled) -> tuple[tuple[float, float, float, float], int]:
    x0, y0, x1, y1 = conn.execute(NEAREST_BOX, {"lon": place.lon, "lat": place.lat}).fetchone()
    low, high = 0.0, 1.0
    for _ in range(12):
        scale = (low + high) / 2
        bbox = tuple(round(v, 5) for v in (place.lon - (place.lon - x0) * scale,
                                           place.lat - (place.lat - y0) * scale,
                                           place.lon + (x1 - place.lon) * scale,
                                           place.lat + (y1 - place.lat) * scale))  # fmt: skip
        count = conn.execute(COUNT_IN_BOX, bbox).fetchone()[0]
        if CSV_ROWS <= count <= CSV_ROWS * 1.05:
            break
        low, high = (scale, high) if count < CSV_ROWS else (low, scale)
    return bbox, count


def sample(conninfo: str, count: int = SAMPLE, exports: int = 5) -> Sample:
    """Published places spread by a hash of their ids, the districts, and export boxes."""
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(
            "SELECT id, ST_X(public_location), ST_Y(public_location), name FROM places"
            " WHERE status = 'approved' ORDER BY md5(id::text) LIMIT %s",
            [count],
        ).fetchall()
        places = [Sampled(*row) for row in rows]
        districts = [code for (code,) in conn.execute("SELECT code FROM districts ORDER BY 1")]
        boxes = [_export_box(conn, place) for place in places[:exports]]
    return Sample(places, districts, boxes)


def box(place: Sampled, scale: float = 1.0) -> tuple[float, float, float, float]:
    half_lon, half_lat = NEIGHBOURHOOD[0] * scale / 2, NEIGHBOURHOOD[1] * scale / 2
    return tuple(round(v, 5) for v in (place.lon - half_lon, place.lat - half_lat,
                                       place.lon + half_lon, place.lat + half_lat))  # fmt: skip


def items(**params) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{ITEMS}?{query}" if query else ITEMS


def bbox_param(bbox: tuple[float, ...]) -> str:
    return ",".join(map(str, bbox))


def words(places: list[Sampled], length: int) -> list[tuple[Sampled, str]]:
    """A ``length``-character word from each name that has one (varying where it starts)."""
    found = []
    for number, place in enumerate(places):
        runs = WORD.findall(place.name)
        if runs:
            run = max(runs, key=len)
            start = number % (len(run) - length + 1)
            found.append((place, run[start : start + length]))
    return found


def _filters(number: int, place: Sampled) -> str:
    kinds = list(PlaceKind)
    return items(
        bbox=bbox_param(box(place, 3)),
        kind=f"{kinds[number % len(kinds)]},{kinds[(number + 5) % len(kinds)]}",
        who=f"{Audience.ANYONE},{list(Audience)[1 + number % (len(Audience) - 1)]}",
        amenity=list(Amenity)[number % len(Amenity)],
        condition="free" if number % 2 else None,
        capacity_min=10 if number % 3 == 0 else None,
        open_at="2026-12-01T10:00:00+09:00" if number % 4 == 0 else None,
        limit=50,
    )


def scenarios(sampled: Sample) -> list[Scenario]:
    places = sampled.places
    # The API pages exports only up to its page limit: a box holds the export's rows instead.
    csv = [items(f="csv", bbox=bbox_param(bbox)) for bbox, _ in sampled.export_boxes]
    rows = [n for _, n in sampled.export_boxes]
    size = f"{min(rows):,}–{max(rows):,} rows"
    return [
        Scenario("bbox", "bbox page of 100",
                 [items(bbox=bbox_param(box(p)), limit=100) for p in places]),
        Scenario("near", f"near + radius {NEAR_RADIUS_M} m, page of 50",
                 [items(near=f"{p.lon},{p.lat}", radius=NEAR_RADIUS_M, limit=50) for p in places]),
        *(Scenario(f"q{n}", f"q of {n} character{'s' * (n > 1)} + bbox",
                   [items(q=w, bbox=bbox_param(box(p)), limit=50) for p, w in words(places, n)])
          for n in (1, 2, 4)),
        Scenario("filters", "filters combined + bbox ×3, page of 50",
                 [_filters(n, p) for n, p in enumerate(places)]),
        Scenario("item", "single item", [f"{ITEMS}/{p.id}" for p in places]),
        Scenario("csv", f"f=csv, {size}", csv),
        Scenario("csv1", f"f=csv, {size}, 1 connection", csv, connections=1),
    ]  # fmt: skip


def probes(sampled: Sample) -> list[str]:
    """More queries the API can issue, planned (EXPLAIN) but not loaded: each filter alone,
    text without a box, the sort orders, deep pages and a whole-file export's first rows."""
    places, districts = sampled.places, sampled.districts
    place = places[0]
    here = f"{place.lon},{place.lat}"
    found = {n: words(places, n)[0][1] for n in (1, 2, 4)}
    return [
        items(),
        *(items(q=found[n]) for n in (1, 2, 4)),
        items(q=f"{found[1]} {found[2]}"),
        items(kind=PlaceKind.CAFE),
        items(who=Audience.MEMBERS_ONLY),
        items(district=districts[0] if districts else "141305"),
        items(amenity=Amenity.PROJECTOR),
        items(accessibility=Accessibility.ELEVATOR),
        items(condition=Condition.FOOD_OK),
        items(condition="free"),
        items(capacity_min=100),
        items(open_at="2026-12-01T19:00:00+09:00"),
        items(near=here),
        items(near=here, radius=50_000, sortby="-capacity"),
        items(sortby="-updated_at"),
        items(sortby="capacity,name"),
        items(bbox=bbox_param(box(place, 10)), sortby="id"),
        items(offset=5000, limit=100),
        items(f="geojson", limit=1000),
    ]
