"""The activities collection of the API: Features at the public point only, the time filters
(open_at, date, datetime) expanding rules across holidays and cancellations, place and bbox
filters, paging with next links, one activity, the collection's metadata — and strict
problem+json answers to bad parameters."""

from __future__ import annotations

from datetime import date

import pytest

from hiroba.activities import services
from hiroba.extensions import db
from hiroba.places.models import Place, PlaceStatus
from hiroba.review import services as review
from tests.factories import NAKAHARA, WARD_POINTS
from tests.test_activities_services import TAMA, salon

TODAY = date(2026, 11, 23)
ITEMS = "/api/collections/activities/items"
PROBLEM = "application/problem+json"
HOME_ADDRESS = "多摩区登戸1-2-3 山田方"


def add(app, place, user, **values):
    with app.app_context():
        activity = services.add_activity(place, user, salon(**values), TODAY)
        db.session.commit()
        return activity.id


@pytest.fixture
def world(app, make_user, make_staff, make_place):
    """A salon (2nd Tuesday, skipping holidays) and a weekly Monday class at a Nakahara hall;
    a children's cafeteria at an approximate place in Tama; an activity at an archived place."""
    owner, staff, tama_staff = make_user(), make_staff(NAKAHARA), make_staff(TAMA)
    hall = make_place(owner=owner, reviewer=staff)
    house = make_place(owner=owner, ward=TAMA, reviewer=tama_staff, address=HOME_ADDRESS,
                       location_precision="approximate")  # fmt: skip
    gone = make_place(owner=owner, reviewer=staff)
    ids = {
        "salon": add(app, hall, owner, skip_holidays="y"),
        "class": add(app, hall, owner, title="体操教室", recurrence="weekly", weekdays=["1"],
                     start="13:00", end="14:30", skip_holidays="y",
                     cancelled_dates="2026-12-28"),
        "cafeteria": add(app, house, owner, title="こども食堂", recurrence="monthly_day",
                         day_of_month="31", start="17:00", end="19:00", audiences=["children"]),
        "gone": add(app, gone, owner, title="閉じた会"),
    }  # fmt: skip
    with app.app_context():
        review.archive(db.session.get(Place, gone.id), owner)
        db.session.commit()
    return {"ids": ids, "hall": hall, "house": house}


def found(client, query: str = "") -> list[int]:
    response = client.get(f"{ITEMS}?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/geo+json"
    return [f["id"] for f in response.get_json(force=True)["features"]]


def named(world, *names) -> list[int]:
    return sorted(world["ids"][name] for name in names)


def test_every_published_activity_and_none_of_an_archived_place(client, world):
    assert sorted(found(client)) == named(world, "salon", "class", "cafeteria")
    assert client.get(f"{ITEMS}/{world['ids']['gone']}").status_code == 404


def test_a_feature_carries_the_rule_its_words_and_the_next_meetings(client, world):
    body = client.get(f"{ITEMS}/{world['ids']['salon']}").get_json(force=True)
    props = body["properties"]
    assert props["schedule"] == {
        "ja": "毎月第2火曜 10:00–12:00（祝日は休み）",
        "en": "2nd Tuesday of every month, 10:00–12:00 (not on national holidays)",
    }
    assert props["recurrence"] == {
        "kind": "monthly_weekday", "weekdays": [2], "interval_weeks": 1, "weeks_of_month": [2],
        "day_of_month": None, "dates": [], "starts_on": "2026-04-01", "ends_on": None,
        "start": "10:00", "end": "12:00", "timezone": "Asia/Tokyo", "cancelled_dates": [],
        "skip_holidays": True,
    }  # fmt: skip
    assert props["next_occurrences"] and props["next_occurrences"][0]["start"].endswith("+09:00")
    assert props["place"] == world["hall"].id
    assert {link["rel"] for link in body["links"]} == {"self", "collection", "alternate"}


def test_an_approximate_place_shows_its_public_point_and_no_address(app, client, world):
    body = client.get(f"{ITEMS}/{world['ids']['cafeteria']}").get_data(as_text=True)
    feature = client.get(f"{ITEMS}/{world['ids']['cafeteria']}").get_json(force=True)
    lon, lat = WARD_POINTS[TAMA]
    assert feature["geometry"]["coordinates"] != [lon, lat]
    assert "登戸" not in body and "山田" not in body and "address" not in body
    with app.app_context():
        house = db.session.get(Place, world["house"].id)
        assert house.location_precision.value == "approximate"
    # Boxes are searched on the public point: a tiny box around the house finds nothing.
    tiny = f"{lon - 0.00001},{lat - 0.00001},{lon + 0.00001},{lat + 0.00001}"
    assert found(client, f"bbox={tiny}") == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("open_at=2026-12-08T10:30:00%2B09:00", ["salon"]),  # 2nd Tuesday
        ("open_at=2026-12-08T01:30:00Z", ["salon"]),  # the same instant in UTC
        ("open_at=2026-12-08T12:00:00", []),  # over at 12:00 (Tokyo time without an offset)
        ("open_at=2027-01-12T10:30:00%2B09:00", ["salon"]),
        ("open_at=2026-12-14T13:15:00%2B09:00", ["class"]),
        ("open_at=2026-12-28T13:15:00%2B09:00", []),  # cancelled
        ("open_at=2027-01-11T13:15:00%2B09:00", []),  # 成人の日, skipped
        ("open_at=2026-12-31T18:00:00%2B09:00", ["cafeteria"]),
        ("date=2026-12-08", ["salon"]),
        ("date=2026-11-30/2026-12-06", ["class"]),  # no 31st in November
        ("date=2026-12-01/2026-12-31", ["salon", "class", "cafeteria"]),
        ("date=2027-02-01/2027-02-28", ["salon", "class"]),  # February has no 31st
        ("datetime=2026-12-08T11:59:00%2B09:00", ["salon"]),
        ("datetime=2026-12-08T12:00:00%2B09:00/2026-12-14T13:00:00%2B09:00", []),
        ("datetime=2026-12-08T12:00:00%2B09:00/2026-12-14T13:00:01%2B09:00", ["class"]),
        ("datetime=2026-12-31", ["cafeteria"]),
        ("datetime=2026-12-31T09:00:00Z/2027-01-04", ["cafeteria", "class"]),
        ("date=2026-12-01/2026-12-31&open_at=2026-12-08T10:30:00%2B09:00", ["salon"]),
    ],
)
def test_time_filters_expand_the_rules(client, world, query, expected):
    assert sorted(found(client, query)) == named(world, *expected)


def test_place_and_bbox_filters(client, world):
    hall = world["hall"].id
    assert sorted(found(client, f"place={hall}")) == named(world, "salon", "class")
    lon, lat = WARD_POINTS[NAKAHARA]
    box = f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"
    assert sorted(found(client, f"bbox={box}")) == named(world, "salon", "class")
    assert found(client, f"place={hall}&date=2026-12-31") == []


@pytest.mark.parametrize("time_filter", ["", "&date=2026-12-01/2026-12-31"])
def test_pages_link_to_the_next_one(client, world, time_filter):
    first = client.get(f"{ITEMS}?limit=2{time_filter}").get_json(force=True)
    assert (first["numberMatched"], first["numberReturned"]) == (3, 2)
    next_link = next(link["href"] for link in first["links"] if link["rel"] == "next")
    second = client.get(next_link).get_json(force=True)
    assert second["numberReturned"] == 1
    assert not any(link["rel"] == "next" for link in second["links"])
    ids = [f["id"] for f in first["features"] + second["features"]]
    assert sorted(ids) == named(world, "salon", "class", "cafeteria")


def test_the_collection_is_listed_and_described(client, world):
    listed = client.get("/api/collections").get_json(force=True)["collections"]
    assert "activities" in [c["id"] for c in listed]
    described = client.get("/api/collections/activities").get_json(force=True)
    assert any(link["rel"] == "items" for link in described["links"])
    (box,) = described["extent"]["spatial"]["bbox"]  # around the public points only
    hall = client.get(f"{ITEMS}/{world['ids']['salon']}").get_json(force=True)["geometry"]
    house = client.get(f"{ITEMS}/{world['ids']['cafeteria']}").get_json(force=True)["geometry"]
    lons, lats = zip(hall["coordinates"], house["coordinates"], strict=True)
    assert box == pytest.approx([min(lons), min(lats), max(lons), max(lats)], abs=1e-6)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("date=2026-13-01", "date"),
        ("date=2026-12-01/2026-12-02/2026-12-03", "date"),
        ("date=2026-12-31/2026-12-01", "date"),
        ("date=2026-01-01/2027-12-31", "date"),
        ("date=12/1", "date"),
        ("date=0001-01-01", "date"),
        ("datetime=../2026-12-01", "datetime"),
        ("datetime=2026-12-01/..", "datetime"),
        ("datetime=yesterday", "datetime"),
        ("datetime=9999-12-31T23:00:00-12:00", "datetime"),
        ("open_at=tomorrow", "open_at"),
        ("open_at=" + "1" * 41, "open_at"),
        ("place=abc", "place"),
        ("place=0", "place"),
        ("limit=0", "limit"),
        ("offset=-1", "offset"),
        ("bbox=1,2,3", "bbox"),
        ("f=csv", "f"),
        ("q=サロン", "q"),
        ("date=2026-12-01&date=2026-12-02", "date"),
    ],
)
def test_bad_parameters_get_a_problem_naming_them(client, world, query, parameter):
    response = client.get(f"{ITEMS}?{query}", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["invalid-params"][0]["name"] == parameter
    assert body["invalid-params"][0]["reason"]


def test_unknown_ids_are_problems_too(client, world):
    for path in (f"{ITEMS}/999999999", f"{ITEMS}/1?f=xml"):
        response = client.get(path)
        assert response.status_code in (400, 404) and response.mimetype == PROBLEM


def test_the_status_of_the_place_decides(app, client, world):
    """An activity disappears with its place's publication and comes back with it."""
    with app.app_context():
        place = db.session.get(Place, world["hall"].id)
        review.change_status_by_system(place, PlaceStatus.DORMANT, "テスト", place.updated_at)
        db.session.commit()
    assert found(client) == named(world, "cafeteria")
