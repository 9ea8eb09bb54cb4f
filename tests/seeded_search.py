"""Seeded search data and expectations computed independently of the SQL under test.

The demo seeds are loaded into a scratch database; expected results come from the seed file
itself (shapely point-in-polygon for wards, the day blocks for hours, an ellipsoid formula for
distances), never from the application's own queries.
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from shapely.geometry import Point, shape
from sqlalchemy import func, select

from hiroba.accounts.models import User
from hiroba.extensions import db
from hiroba.places.models import Place, PlaceStatus
from hiroba.seeding import SEEDS
from tests.concurrency import own_sessions
from tests.conftest import migrated_app

ITEMS = "/api/collections/places/items"
TOKYO = ZoneInfo("Asia/Tokyo")
FEATURES = json.loads((SEEDS / "places.geojson").read_text(encoding="utf-8"))["features"]
WARDS = {
    f["properties"]["code6"]: shape(f["geometry"])
    for f in json.loads((SEEDS / "districts.geojson").read_text(encoding="utf-8"))["features"]
}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
KATAKANA_TO_HIRAGANA = {c: c - 0x60 for c in range(0x30A1, 0x30F7)}
KOSUGI = (139.6571, 35.5764)  # 武蔵小杉駅
DISTANCE_TOLERANCE_M = 2.0  # distance_m is rounded to whole metres


# --- the seeded registry, as the files say -----------------------------------------------------


@dataclass(frozen=True)
class Listed:
    """A published seed place: its file properties and what a search should see of it."""

    id: int
    name: str
    props: dict
    point: tuple[float, float]  # what filters use: the public point
    true_point: tuple[float, float]
    district: str
    updated_at: datetime

    def hours(self) -> list[tuple[int, int, int]]:
        """(ISO weekday, opens, closes) in minutes, from the seed's day blocks."""
        return [
            (WEEKDAYS.index(day) + 1, minutes(block["opens"]), minutes(block["closes"]))
            for block in self.props["opening_hours"] or []
            for day in block["days"]
        ]


def minutes(hhmm: str) -> int:
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)


def ward_of(lon: float, lat: float) -> str:
    """The district covering the point, the lowest code on a shared border."""
    return min(code for code, area in WARDS.items() if area.covers(Point(lon, lat)))


def fold(value: str) -> str:
    """NFKC, katakana to hiragana, lower case."""
    return unicodedata.normalize("NFKC", value).translate(KATAKANA_TO_HIRAGANA).lower()


def searchable(place: Listed) -> str:
    props = place.props
    fields = [props["name"], props["name_kana"], props["name_en"], props["description"]]
    if props["location_precision"] == "exact":
        fields.append(props["address"])
    return fold(" ".join(f for f in fields if f))


def geodesic_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Metres between two lon/lat points on the GRS80/WGS 84 ellipsoid, as PostGIS geography
    measures them: haversine on a sphere is off by up to 0.3 %, this local ellipsoidal form by
    centimetres over the few kilometres of a city."""
    major, flattening = 6378137.0, 1 / 298.257223563
    e2 = flattening * (2 - flattening)
    mid = math.radians((a[1] + b[1]) / 2)
    w = math.sqrt(1 - e2 * math.sin(mid) ** 2)
    meridian, normal = major * (1 - e2) / w**3, major / w
    dx = math.radians(b[0] - a[0]) * normal * math.cos(mid)
    dy = math.radians(b[1] - a[1]) * meridian
    return math.hypot(dx, dy)


Predicate = Callable[[Listed], bool]


def in_bbox(box) -> Predicate:
    return lambda p: box[0] <= p.point[0] <= box[2] and box[1] <= p.point[1] <= box[3]


def has_text(q: str) -> Predicate:
    return lambda p: all(fold(term) in searchable(p) for term in q.split())


def prop_in(key: str, *values: str) -> Predicate:
    return lambda p: p.props[key] in values


def has_all(key: str, *values: str) -> Predicate:
    return lambda p: set(values) <= set(p.props[key])


def conditions(*values: str) -> Predicate:
    fees = {v for v in values if v in ("free", "paid")}
    return lambda p: (
        set(values) - fees <= set(p.props["conditions"])
        and all(p.props["fee"] == fee for fee in fees)
    )


def in_district(*codes: str) -> Predicate:
    return lambda p: p.district in codes


def capacity_at_least(n: int) -> Predicate:
    return lambda p: p.props["capacity"] is not None and p.props["capacity"] >= n


def open_at(moment: datetime) -> Predicate:
    local = moment.astimezone(TOKYO)
    minute = local.hour * 60 + local.minute
    return lambda p: any(
        day == local.isoweekday() and opens <= minute < closes for day, opens, closes in p.hours()
    )


def within(near: tuple[float, float], radius: float) -> Predicate:
    return lambda p: geodesic_m(near, p.point) <= radius


def expected(places: list[Listed], *predicates: Predicate) -> set[str]:
    return {p.name for p in places if all(pred(p) for pred in predicates)}


# --- the scratch database and the API ----------------------------------------------------------


@contextmanager
def seeded_database(cluster, purpose: str) -> Iterator:
    """An app on its own database with the demo seeds loaded by the real command."""
    with migrated_app(cluster, purpose, wards=False) as scratch, own_sessions():
        with scratch.app_context():
            result = scratch.test_cli_runner().invoke(args=["seed"])
        assert result.exit_code == 0, result.output
        yield scratch


def read_published(scratch) -> list[Listed]:
    """The approved seed places, matched to the database rows by owner and name."""
    by_key = {(f["properties"]["owner"], f["properties"]["name"]): f for f in FEATURES}
    with own_sessions(), scratch.app_context():
        rows = db.session.execute(
            select(Place.id, User.email, Place.name, func.ST_X(Place.public_location),
                   func.ST_Y(Place.public_location), Place.updated_at)
            .join(User, User.id == Place.owner_id)
            .where(Place.status == PlaceStatus.APPROVED)
        ).all()  # fmt: skip
    places = []
    for place_id, email, name, lon, lat, updated_at in rows:
        feature = by_key[(email, name)]
        true_point = tuple(feature["geometry"]["coordinates"])
        exact = feature["properties"]["location_precision"] == "exact"
        point = true_point if exact else (lon, lat)
        places.append(
            Listed(place_id, name, feature["properties"], point, true_point,
                   ward_of(*true_point), updated_at)
        )  # fmt: skip
    return places


def get_page(client, **params) -> dict:
    response = client.get(f"{ITEMS}?{urlencode(params)}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json(force=True)


def search(client, **params) -> dict:
    """Every match of one search as a single page (69 places fit), checked to be whole."""
    page = get_page(client, limit=1000, **params)
    assert page["numberMatched"] == page["numberReturned"] == len(page["features"])
    return page


def names_of(page: dict) -> list[str]:
    return [f["properties"]["name"] for f in page["features"]]


def check(client, places: list[Listed], params: dict, *predicates: Predicate) -> set[str]:
    """The search finds exactly the places the predicates select, and counts them right."""
    want = expected(places, *predicates)
    page = search(client, **params)
    assert set(names_of(page)) == want
    assert page["numberMatched"] == len(want)
    return want


# --- one filter at a time ----------------------------------------------------------------------
