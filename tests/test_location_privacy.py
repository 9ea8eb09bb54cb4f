"""Approximate places (homes, vacant houses): nothing public reveals more than their ½ mesh cell.

On the demo seeds (plus one home with a street-level address and a stray outline), every public
output — API pages and items, GeoJSON and CSV exports, the place page and its map script, the
list on ``/``, error bodies, distances and distance order — is searched for coordinates inside
each home's cell: the only ones allowed there are its public point and the cell's centre (and
other places' public points and ward vertices, which say nothing about the home). Attacks with
tiny boxes and shrinking radii around the true point learn only where the public point is.
The cell is computed here from JIS X 0410, not by the application's SQL.
"""

from __future__ import annotations

import bisect
import csv
import io
import itertools
import json
import math
import re
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from shapely.geometry import box
from sqlalchemy import func, select, update

from hiroba.accounts.services import find_user_by_email
from hiroba.extensions import db
from hiroba.places.models import Place, PlaceStatus
from hiroba.places.revisions import approve_revision, propose_revision
from hiroba.places.services import create_place
from hiroba.places.values import raw_from_place
from hiroba.seeding import walk_to_status
from tests.factories import NAKAHARA, place_values
from tests.seeded_search import (
    FEATURES,
    ITEMS,
    WARDS,
    geodesic_m,
    own_sessions,
    seeded_database,
    ward_of,
)

SECRET_POINT = (139.658713, 35.577331)  # in 中原区, both in the seeds' wards and the real ones
SECRET_ADDRESS = "川崎市中原区木月4丁目9-9 ひみつ荘101号室"
SECRET_WORDS = ("ひみつ荘", "4丁目9-9", "101号室")
NUMBER = re.compile(r"-?\d{1,3}\.\d+")
SAME_POINT_DEG = 6e-6  # outputs round to 5 (ward outlines) or 6 decimals
WARD_NAMES = {"141313": "川崎区", "141321": "幸区", "141330": "中原区", "141348": "高津区",
              "141356": "多摩区", "141364": "宮前区", "141372": "麻生区"}  # fmt: skip


def half_mesh_cell(lon: float, lat: float) -> tuple[float, float, float, float]:
    """(west, south, east, north) of the JIS X 0410 ½ mesh cell holding the point: 15" of
    latitude by 22.5" of longitude, on a grid that every coarser mesh level divides evenly."""
    south = math.floor(lat * 3600 / 15) * 15 / 3600
    west = math.floor(lon * 3600 / 22.5) * 22.5 / 3600
    return west, south, west + 22.5 / 3600, south + 15 / 3600


def inside(cell, point) -> bool:
    return cell[0] <= point[0] <= cell[2] and cell[1] <= point[1] <= cell[3]


def centre(cell) -> tuple[float, float]:
    return (cell[0] + cell[2]) / 2, (cell[1] + cell[3]) / 2


@dataclass(frozen=True)
class Home:
    id: int
    name: str
    true_point: tuple[float, float]
    public_point: tuple[float, float]
    address: str
    ward: str

    @property
    def cell(self):
        return half_mesh_cell(*self.true_point)

    def secrets(self) -> list[str]:
        """Address text finer than the ward (what follows 川崎市○○区)."""
        street = self.address.split(WARD_NAMES[self.ward], 1)[1]
        return [self.address, street, *(SECRET_WORDS if self.address == SECRET_ADDRESS else ())]


@dataclass(frozen=True)
class Registry:
    homes: list[Home]
    public_points: list[tuple[float, float]]  # of every published place
    hidden: list[tuple[int, str, tuple[float, float]]]  # unpublished homes: id, name, true point

    def allowed(self, home: Home) -> list[tuple[float, float]]:
        """Points that may lie in the home's cell: they say nothing about the home itself."""
        return [*self.public_points, centre(home.cell), *OUTLINE_POINTS, *FOOTPRINT_POINTS]


def _outline_points() -> list[tuple[float, float]]:
    """Vertices of the wards' outlines, the corners of the map's frame and its centre."""
    polygons = [p for area in WARDS.values() for p in getattr(area, "geoms", [area])]
    vertices = [c for p in polygons for ring in (p.exterior, *p.interiors) for c in ring.coords]
    lons, lats = [v[0] for v in vertices], [v[1] for v in vertices]
    return [*vertices, (min(lons), min(lats)), (max(lons), max(lats)), (139.62, 35.575)]


OUTLINE_POINTS = _outline_points()
# Outlines of other, exact places are public, and some lie in a home's cell.
FOOTPRINT_POINTS = [
    tuple(c)
    for f in FEATURES
    if f["properties"]["footprint"] and f["properties"]["status"] == "approved"
    for c in f["properties"]["footprint"]["coordinates"][0]
]


def coordinate_pairs(text: str) -> list[tuple[float, float]]:
    """Every two numbers that follow each other, in both orders (lon, lat and lat, lon)."""
    numbers = [float(n) for n in NUMBER.findall(text)]
    pairs = list(itertools.pairwise(numbers))
    return pairs + [(b, a) for a, b in pairs]


def leaks(text: str, home: Home, allowed: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Coordinates inside the home's cell made of anything but the allowed points' longitudes
    and latitudes (reading numbers pairwise also pairs up neighbouring points' coordinates)."""
    lons, lats = sorted({a[0] for a in allowed}), sorted({a[1] for a in allowed})
    return [
        pair
        for pair in coordinate_pairs(text)
        if inside(home.cell, pair) and not (near_any(pair[0], lons) and near_any(pair[1], lats))
    ]


def near_any(value: float, values: list[float]) -> bool:
    at = bisect.bisect_left(values, value - SAME_POINT_DEG)
    return at < len(values) and values[at] < value + SAME_POINT_DEG


def assert_reveals_nothing(text: str, home: Home, registry: Registry, where: str) -> None:
    assert leaks(text, home, registry.allowed(home)) == [], f"{where} leaks a point of {home.name}"
    for secret in home.secrets():
        assert secret not in readable(text), f"{where} shows {secret!r}"


def readable(text: str) -> str:
    """JSON with any \\u escapes undone; other text as it is."""
    try:
        return text + json.dumps(json.loads(text), ensure_ascii=False)
    except ValueError:
        return text


# --- the seeded registry -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded_app(cluster, app):
    with seeded_database(cluster, "privacy") as scratch, own_sessions(), scratch.app_context():
        owner = find_user_by_email("owner.akiya@hiroba.example")
        home = create_place(owner, place_values(
            NAKAHARA, name="木月の離れ（空き家）", kind="vacant_house", sector="private",
            location_precision="approximate", location=list(SECRET_POINT), address=SECRET_ADDRESS,
        ))  # fmt: skip
        walk_to_status(home, owner, PlaceStatus.APPROVED, None)
        # An outline left over from before the owner chose "approximate": never to be published.
        lon, lat = SECRET_POINT
        stray = func.ST_GeomFromText(box(lon - 1e-4, lat - 1e-4, lon + 1e-4, lat + 1e-4).wkt, 4326)
        db.session.execute(update(Place).where(Place.id == home.id).values(footprint=stray))
        db.session.commit()
        yield scratch


@pytest.fixture(scope="module")
def registry(seeded_app) -> Registry:
    seeds = {f["properties"]["name"]: f for f in FEATURES}
    with own_sessions(), seeded_app.app_context():
        rows = db.session.execute(
            select(Place.id, Place.name, Place.status, Place.location_precision, Place.address,
                   func.ST_X(Place.public_location), func.ST_Y(Place.public_location))
        ).all()  # fmt: skip
    homes, hidden, public = [], [], []
    for place_id, name, status, precision, address, lon, lat in rows:
        true_point = (
            tuple(seeds[name]["geometry"]["coordinates"]) if name in seeds else SECRET_POINT
        )
        if status == PlaceStatus.APPROVED:
            public.append((lon, lat))
        if precision != "approximate":
            continue
        if status == PlaceStatus.APPROVED:
            homes.append(
                Home(place_id, name, true_point, (lon, lat), address, ward_of(*true_point))
            )
        else:
            hidden.append((place_id, name, true_point))
    assert len(homes) == 5 and len(hidden) == 4
    return Registry(homes, public, hidden)


@pytest.fixture
def api(seeded_app):
    with own_sessions():
        yield seeded_app.test_client()


def body_of(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True)[:300])
    return response.get_data(as_text=True)


def matches(client, **params) -> set[int]:
    page = json.loads(body_of(client, f"{ITEMS}?{urlencode({'limit': 1000, **params})}"))
    return {f["id"] for f in page["features"]}


def box_around(point, half_lon: float, half_lat: float) -> str:
    return (
        f"{point[0] - half_lon},{point[1] - half_lat},{point[0] + half_lon},{point[1] + half_lat}"
    )


# --- every public output -----------------------------------------------------------------------


def test_public_points_and_cell_centres_lie_in_the_cell_of_the_true_point(registry):
    for home in registry.homes:
        assert inside(home.cell, home.public_point), home.name
        assert geodesic_m(home.true_point, home.public_point) > 1, "drawn, not copied"
        # The leak detector would see the true point: it is no mix of outline vertices.
        text = json.dumps(home.true_point)
        assert leaks(text, home, registry.allowed(home)) == [home.true_point]
        width = geodesic_m((home.cell[0], home.cell[1]), (home.cell[2], home.cell[1]))
        height = geodesic_m((home.cell[0], home.cell[1]), (home.cell[0], home.cell[3]))
        assert 500 < width < 600 and 450 < height < 480  # about 500 m, as promised


def test_api_list_geojson_file_and_items_show_only_the_public_point(api, registry):
    everything = body_of(api, f"{ITEMS}?limit=1000")
    exported = body_of(api, f"{ITEMS}?f=geojson")
    features = {f["id"]: f for f in json.loads(everything)["features"]}
    assert features.keys() == {f["id"] for f in json.loads(exported)["features"]}
    for home in registry.homes:
        item = body_of(api, f"{ITEMS}/{home.id}")
        for where, text in (("list", everything), ("geojson", exported), ("item", item)):
            assert_reveals_nothing(text, home, registry, where)
        for feature in (features[home.id], json.loads(item)):
            assert feature["geometry"]["coordinates"] == pytest.approx(home.public_point, abs=1e-6)
            props = feature["properties"]
            assert (props["address"], props["footprint"]) == (None, None)
            assert props["location_precision"] == "approximate"
            assert props["district"] == home.ward


def test_csv_gives_the_cell_centre_and_the_ward_only(api, registry):
    text = body_of(api, f"{ITEMS}?f=csv")
    rows = {
        int(r["ID"].removeprefix("hiroba-")): r
        for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    }
    for home in registry.homes:
        assert_reveals_nothing(text, home, registry, "csv")
        row = rows[home.id]
        lon, lat = centre(home.cell)
        assert (row["経度"], row["緯度"]) == (f"{lon:.6f}", f"{lat:.6f}")
        assert row["所在地_連結表記"] == f"神奈川県川崎市{WARD_NAMES[home.ward]}"
        assert not re.search(r"[0-9０-９丁番号]", row["所在地_連結表記"])
        assert row["敷地_GeoJSON"] == "" and row["備考"]


def test_place_page_and_its_map_script_show_only_the_public_point(api, registry):
    for home in registry.homes:
        page = body_of(api, f"/places/{home.id}")
        assert_reveals_nothing(page, home, registry, "place page")
        script = page.split("<script nonce=", 1)[1]
        lat, lon = home.public_point[1], home.public_point[0]
        assert any(max(abs(a - lat), abs(b - lon)) < 1e-9 for a, b in coordinate_pairs(script))


def test_map_list_and_collection_show_nothing_finer(api, registry):
    pages = [body_of(api, f"/?page={n}") for n in range(1, 5)]
    assert sum(home.name in "".join(pages) for home in registry.homes) == len(registry.homes)
    collection = body_of(api, "/api/collections/places")
    for home in registry.homes:
        for text in (*pages, collection):
            assert_reveals_nothing(text, home, registry, "map list or collection")


def test_unpublished_homes_appear_nowhere(api, registry):
    everything = body_of(api, f"{ITEMS}?limit=1000") + body_of(api, f"{ITEMS}?f=csv")
    for place_id, name, true_point in registry.hidden:
        assert name not in everything
        for url in (f"{ITEMS}/{place_id}", f"/places/{place_id}"):
            text = body_of(api, url, 404)
            assert name not in text
            assert not any(geodesic_m(p, true_point) < 600 for p in coordinate_pairs(text))


def error_urls(home: Home) -> list[str]:
    tiny = box_around(home.true_point, 5e-5, 5e-5)
    near = f"{home.true_point[0]},{home.true_point[1]}"
    return [
        f"{ITEMS}?bbox={tiny}&colour=red",
        f"{ITEMS}?bbox={tiny}&limit=0",
        f"{ITEMS}?bbox={tiny}&bbox={tiny}",
        f"{ITEMS}?near={near}&radius=999999",
        f"{ITEMS}?near={near}&radius=5&sortby=closeness",
        f"{ITEMS}?sortby=distance&bbox={tiny}",
        f"{ITEMS}/{home.id}?bbox={tiny}",
        f"{ITEMS}/{home.id}?f=xml",
    ]


def test_errors_echo_nothing_beyond_what_was_sent(api, registry):
    for home in registry.homes:
        for url in error_urls(home):
            text = body_of(api, url, 400)
            sent = {float(n) for n in NUMBER.findall(url)}
            assert {float(n) for n in NUMBER.findall(text)} <= sent, url
            assert home.name not in text
            assert_reveals_nothing(text, home, registry, url)


# --- attacks -----------------------------------------------------------------------------------


def test_a_grid_of_tiny_boxes_around_the_true_point_finds_only_the_public_point(api, registry):
    step_lon, step_lat = 1.1e-4, 0.9e-4  # about 10 m each way
    for home in registry.homes:
        lon, lat = home.true_point
        for i, j in itertools.product(range(-5, 6), range(-5, 6)):
            box = (lon + i * step_lon, lat + j * step_lat,
                   lon + (i + 1) * step_lon, lat + (j + 1) * step_lat)  # fmt: skip
            found = home.id in matches(api, bbox=",".join(map(str, box)))
            assert found == inside(box, home.public_point), (home.name, box)


def test_tiling_the_cell_finds_the_place_in_the_tile_of_its_public_point_only(api, registry):
    for home in registry.homes:
        west, south, east, north = home.cell
        width, height = (east - west) / 8, (north - south) / 8
        found = []
        for i, j in itertools.product(range(8), range(8)):
            tile = (west + width * i, south + height * j, west + width * (i + 1),
                    south + height * (j + 1))  # fmt: skip
            if home.id in matches(api, bbox=",".join(map(str, tile))):
                found.append(tile)
        assert found and all(inside(tile, home.public_point) for tile in found), home.name


RADII = [3000, 1000, 600, 400, 300, 200, 150, 100, 75, 50, 30, 20, 10, 5, 1]


def test_shrinking_radii_around_the_true_point_measure_the_public_point(api, registry):
    for home in registry.homes:
        near = f"{home.true_point[0]},{home.true_point[1]}"
        to_public = geodesic_m(home.true_point, home.public_point)
        for radius in RADII:
            page = json.loads(
                body_of(api, f"{ITEMS}?{urlencode({'near': near, 'radius': radius})}")
            )
            mine = [f for f in page["features"] if f["id"] == home.id]
            if abs(to_public - radius) > 1:
                assert bool(mine) == (to_public <= radius), (home.name, radius)
            for feature in mine:
                assert feature["properties"]["distance_m"] == pytest.approx(to_public, abs=2)


def test_distances_and_their_order_are_to_public_points(api, registry):
    for home in registry.homes:
        near = f"{home.true_point[0]},{home.true_point[1]}"
        page = json.loads(body_of(api, f"{ITEMS}?{urlencode({'near': near, 'limit': 1000})}"))
        ranked = [f["id"] for f in page["features"]]
        distances = {f["id"]: f["properties"]["distance_m"] for f in page["features"]}
        assert distances[home.id] == pytest.approx(
            geodesic_m(home.true_point, home.public_point), abs=2
        )
        closer = [pid for pid, d in distances.items() if d < distances[home.id] - 2]
        assert set(ranked[: ranked.index(home.id)]) >= set(closer)
        for feature in page["features"]:
            point = tuple(feature["geometry"]["coordinates"])
            assert feature["properties"]["distance_m"] == pytest.approx(
                geodesic_m(home.true_point, point), abs=2
            )


def test_the_public_point_is_the_same_in_every_request(api, registry):
    for home in registry.homes:
        seen = {public_point_of(api, home.id) for _ in range(10)}
        for _ in range(5):
            features = json.loads(body_of(api, f"{ITEMS}?limit=1000"))["features"]
            seen |= {tuple(f["geometry"]["coordinates"]) for f in features if f["id"] == home.id}
        assert len(seen) == 1
        assert next(iter(seen)) == pytest.approx(home.public_point, abs=1e-6)


# --- the public point through edits (services, on the rolled-back test database) ---------------


def public_point_of(client, place_id: int) -> tuple[float, float]:
    return tuple(client.get(f"{ITEMS}/{place_id}").get_json(force=True)["geometry"]["coordinates"])


def approve_edit(app, place_id: int, owner, staff, **changes) -> None:
    with app.app_context():
        place = db.session.get(Place, place_id)
        revision = propose_revision(place, owner, {**raw_from_place(place), **changes})
        approve_revision(revision, staff)
        db.session.commit()


def test_the_public_point_survives_edits_and_is_redrawn_in_a_new_cell(
    app, client, make_place, make_user, make_staff
):
    owner, staff = make_user(), make_staff(NAKAHARA)
    home = make_place(owner=owner, reviewer=staff, kind="vacant_house", sector="private",
                      location_precision="approximate", location=list(SECRET_POINT))  # fmt: skip
    first = public_point_of(client, home.id)
    cell = half_mesh_cell(*SECRET_POINT)
    assert inside(cell, first) and first == public_point_of(client, home.id)

    approve_edit(app, home.id, owner, staff, description="縁側のある離れです。")
    assert public_point_of(client, home.id) == first

    # A move inside the same cell keeps the point: redrawing would let samples average out.
    approve_edit(app, home.id, owner, staff, location=list(centre(cell)))
    assert public_point_of(client, home.id) == first

    moved = (SECRET_POINT[0], cell[3] + 5 / 3600)  # the cell to the north
    approve_edit(app, home.id, owner, staff, location=list(moved))
    redrawn = public_point_of(client, home.id)
    assert inside(half_mesh_cell(*moved), redrawn) and not inside(cell, redrawn)
