"""Which places fit a need and in which order: each rule of hiroba.needs.matching, one at a time,
on places made for the purpose."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hiroba.extensions import db
from hiroba.needs import services
from hiroba.needs.matching import matches
from tests.factories import NAKAHARA, WARD_POINTS

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
LON, LAT = WARD_POINTS[NAKAHARA]
SAT = [{"weekday": 6, "opens": "09:00", "closes": "21:00"}]


def need(poster, **overrides):
    raw = {
        "title": "読書会",
        "area": "ward",
        "district": NAKAHARA,
        "when": "weekly",
        "weekdays": ["6"],
        "start": "13:00",
        "end": "17:00",
        "headcount": "20",
        "fee": "any",
    }
    raw.update(overrides)
    return services.post_need(db.session.merge(poster), raw, NOW)


@pytest.fixture
def poster(make_user):
    return make_user()


def names(found) -> list[str]:
    return [m.place.name for m in found]


def test_what_rules_a_place_out(app_context, poster, make_place):
    keep = make_place(name="残る会館", capacity=25, opening_hours=SAT)
    make_place(name="小さい部屋", capacity=19, opening_hours=SAT)
    make_place(name="平日だけ", capacity=25)  # Monday to Friday
    make_place(
        name="午前だけ",
        capacity=25,
        opening_hours=[{"weekday": 6, "opens": "09:00", "closes": "15:00"}],
    )
    make_place(name="会員制", capacity=25, opening_hours=SAT, who_may_use="members_only")
    make_place(name="有料", capacity=25, opening_hours=SAT, fee="paid")
    make_place(name="段差あり", capacity=25, opening_hours=SAT, accessibility=[])
    make_place(name="飲食不可", capacity=25, opening_hours=SAT, conditions=[])
    make_place(name="審査中", capacity=25, opening_hours=SAT, status="pending")
    make_place(name="高津の会館", capacity=25, opening_hours=SAT, ward="141348")
    found = matches(
        need(poster, fee="free", accessibility=["step_free_entrance"], conditions=["food_ok"])
    )
    assert names(found) == [keep.name]
    assert found[0].fits_as_stated and found[0].score == 100


def test_unstated_capacity_and_hours_are_matches_to_ask_about_ranked_lower(
    app_context, poster, make_place
):
    make_place(name="はっきり", capacity=30, opening_hours=SAT)
    make_place(name="定員不明", capacity=None, opening_hours=SAT)
    make_place(name="時間不明", capacity=30, opening_hours=[])
    found = matches(need(poster))
    assert names(found) == ["はっきり", "時間不明", "定員不明"]
    assert [m.score for m in found] == [100, 75, 66]  # of 60 points: 60, 45, 40
    assert [m.unknowns for m in found] == [[], ["hours"], ["capacity"]]
    assert [m.fits_as_stated for m in found] == [True, False, False]


def test_a_room_far_too_big_scores_lower_than_one_that_fits(app_context, poster, make_place):
    make_place(name="大ホール", capacity=200, opening_hours=SAT)
    make_place(name="ちょうどいい部屋", capacity=35, opening_hours=SAT)
    found = matches(need(poster))
    assert names(found) == ["ちょうどいい部屋", "大ホール"]
    capacity = {m.place.name: next(f for f in m.factors if f.key == "capacity") for m in found}
    assert (capacity["大ホール"].points, capacity["ちょうどいい部屋"].points) == (6, 30)


def test_hours_covering_some_of_the_days_asked_for_count_in_part(app_context, poster, make_place):
    make_place(name="土曜だけ", capacity=20, opening_hours=SAT)
    make_place(
        name="週末とも",
        capacity=20,
        opening_hours=[*SAT, {"weekday": 7, "opens": "09:00", "closes": "21:00"}],
    )
    found = matches(need(poster, weekdays=["6", "7"]))
    assert names(found) == ["週末とも", "土曜だけ"]
    hours = [next(f for f in m.factors if f.key == "hours").points for m in found]
    assert hours == [20, 10]


def test_dates_are_matched_on_their_weekdays(app_context, poster, make_place):
    make_place(name="土曜の場所", capacity=20, opening_hours=SAT)
    make_place(name="平日の場所", capacity=20)
    found = matches(need(poster, when="dates", dates=["2026-12-05"]))  # a Saturday
    assert names(found) == ["土曜の場所"]


def test_a_circle_counts_distance_and_ignores_ward_lines(app_context, poster, make_place):
    near = make_place(name="近い", capacity=20, opening_hours=SAT, location=[LON + 0.001, LAT])
    # In 幸区, about 2.2 km south: a circle is not a ward.
    far = make_place(name="遠い", capacity=20, opening_hours=SAT, location=[LON, LAT - 0.02])
    outside = make_place(name="圏外", capacity=20, opening_hours=SAT, ward="141348")  # ~4.6 km
    found = matches(need(poster, area="circle", lat=str(LAT), lon=str(LON), radius="3000"))
    assert names(found) == [near.name, far.name]
    assert outside.name not in names(found)
    distance = [next(f for f in m.factors if f.key == "distance") for m in found]
    assert 80 < found[0].distance_m < 100 and 2200 < found[1].distance_m < 2230
    assert found[1].place.district_code == "141321"
    assert [f.points for f in distance] == [int(40 * (1 - m.distance_m / 3000)) for m in found]
