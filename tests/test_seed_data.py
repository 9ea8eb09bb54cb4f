"""The demo files in seeds/: sound, honest about being approximate, and free of real contacts."""

import csv
import itertools
import json
import re
import unicodedata
from collections import Counter

import pytest
import shapely
from shapely.geometry import Point, shape

from hiroba.accounts.services import MIN_PASSWORD_LENGTH
from hiroba.districts.codes import to_code6
from hiroba.places.vocabulary import LocationPrecision, PlaceKind, PlaceStatus
from hiroba.seeding import SEEDS
from tests.conftest import SHARED_DATA

DISTRICTS = json.loads((SEEDS / "districts.geojson").read_text(encoding="utf-8"))
PLACES = json.loads((SEEDS / "places.geojson").read_text(encoding="utf-8"))["features"]
USERS = json.loads((SEEDS / "users.json").read_text(encoding="utf-8"))["users"]
KAWASAKI = sorted(
    row["code6"]
    for row in csv.DictReader(
        (SHARED_DATA / "ward-codes.csv").read_text(encoding="utf-8").splitlines()
    )
    if row["parent_code6"] == "141305"
)
WARDS = {f["properties"]["code6"]: shape(f["geometry"]) for f in DISTRICTS["features"]}
MLIT_CREDIT = "国土数値情報（行政区域データ）（国土交通省）"
# Japanese phone numbers as people write them: 044-200-2111, 044(200)2111, 0442002111, 080-…
PHONE = re.compile(r"0\d{1,4}[-(（ ]\d{1,4}[-)） ]\d{3,4}|\b0\d{9,10}\b")


def props(status=None):
    every = [f["properties"] for f in PLACES]
    return [p for p in every if status is None or p["status"] == status]


def ward_of(feature):
    point = shape(feature["geometry"])
    return [code for code, boundary in WARDS.items() if boundary.covers(point)]


# --- districts.geojson ------------------------------------------------------------------------


def test_districts_are_the_seven_kawasaki_wards_with_valid_codes():
    assert sorted(WARDS) == KAWASAKI
    for feature in DISTRICTS["features"]:
        code5, code6 = feature["properties"]["code5"], feature["properties"]["code6"]
        assert to_code6(code5) == code6


@pytest.mark.parametrize("code", KAWASAKI)
def test_each_ward_boundary_is_a_valid_area(code):
    boundary = WARDS[code]
    assert boundary.geom_type in ("Polygon", "MultiPolygon")
    assert boundary.is_valid, shapely.is_valid_reason(boundary)
    assert 0.0005 < boundary.area < 0.01  # a ward is ~10–40 km², i.e. ~0.001–0.004 deg²


def test_wards_do_not_overlap():
    """Overlaps would make a place's ward depend on code order, not on where it is."""
    for (a, first), (b, second) in itertools.combinations(WARDS.items(), 2):
        assert first.intersection(second).area < 1e-8, (a, b)


def test_the_mainland_has_no_gaps_between_wards():
    """A gap is a strip where nobody can register a place."""
    union = shapely.union_all(list(WARDS.values()))
    parts = getattr(union, "geoms", [union])
    mainland = max(parts, key=lambda p: p.area)
    assert mainland.area > 0.9 * union.area
    assert len(mainland.interiors) == 0


def test_the_file_says_the_wards_are_approximate_and_credits_mlit():
    """Nobody should mistake the demo outlines for official boundaries."""
    description = DISTRICTS["description"]
    assert "approximate" in description
    assert "おおよそ" in description
    members = {key: value for key, value in DISTRICTS.items() if key != "features"}
    assert MLIT_CREDIT in json.dumps(members, ensure_ascii=False)


# --- places.geojson ---------------------------------------------------------------------------


def test_there_are_enough_places_to_make_the_map_worth_looking_at():
    assert len(PLACES) >= 60


def test_every_status_and_owner_is_valid():
    emails = {u["email"] for u in USERS}
    for p in props():
        assert PlaceStatus(p["status"]) in PlaceStatus, p["name"]
        assert p["owner"] in emails, p["name"]


def test_every_kind_is_shown_by_an_approved_place():
    """A kind filter that returns nothing in the demo looks broken."""
    assert {PlaceKind(p["kind"]) for p in props("approved")} == set(PlaceKind)


def test_every_place_is_in_exactly_one_ward_and_every_ward_has_places():
    wards = Counter()
    for feature in PLACES:
        found = ward_of(feature)
        assert len(found) == 1, (feature["properties"]["name"], found)
        wards[found[0]] += 1
    assert sorted(wards) == KAWASAKI


def test_some_places_are_approximate_some_pending_some_with_a_footprint():
    """The demo must exercise privacy, the review queue and footprints."""
    assert any(p["location_precision"] == LocationPrecision.APPROXIMATE for p in props())
    assert props("pending")
    assert any(p.get("footprint") for p in props())


def test_no_approximate_place_has_a_footprint():
    """A footprint would draw the outline of someone's home on the public map."""
    for p in props():
        if p["location_precision"] == LocationPrecision.APPROXIMATE:
            assert not p.get("footprint"), p["name"]


def test_footprints_are_valid_and_hold_their_point():
    for feature in PLACES:
        footprint = feature["properties"].get("footprint")
        if footprint:
            polygon = shape(footprint)
            assert polygon.is_valid, feature["properties"]["name"]
            assert polygon.covers(Point(feature["geometry"]["coordinates"]))


def test_no_phone_numbers_anywhere():
    """Demo data is public: a real-looking number could be someone's real number."""
    for p in props():
        assert not p.get("contact_phone"), p["name"]
        words = {k: v for k, v in p.items() if k != "footprint"}
        text = unicodedata.normalize("NFKC", json.dumps(words, ensure_ascii=False))
        assert not PHONE.search(text), (p["name"], PHONE.search(text))


# --- users.json -------------------------------------------------------------------------------


def test_there_is_an_admin_and_staff_for_every_ward():
    roles = Counter(u["role"] for u in USERS)
    assert roles["admin"] >= 1
    covered = {code for u in USERS if u["role"] == "staff" for code in u.get("wards", [])}
    assert covered == set(KAWASAKI)


def test_there_are_several_owners_and_plain_residents():
    owners = {p["owner"] for p in props()}
    residents = [u for u in USERS if u["role"] == "resident"]
    assert len([u for u in residents if u["email"] in owners]) >= 3
    assert len([u for u in residents if u["email"] not in owners]) >= 2


def test_demo_emails_are_unique_and_on_the_reserved_demo_domain():
    """hiroba.example can never deliver mail to a real person."""
    emails = [u["email"].lower() for u in USERS]
    assert len(emails) == len(set(emails))
    assert all(email.endswith("@hiroba.example") for email in emails)


def test_demo_passwords_meet_the_password_rules():
    """Otherwise ``flask seed`` would stop half-way with a validation error."""
    assert all(len(u["password"]) >= MIN_PASSWORD_LENGTH for u in USERS)
