"""Weekly opening hours as owners type them, and every problem of a listing reported together."""

import pytest
from flask_babel import force_locale

from hiroba.errors import ValidationFailed
from hiroba.places.validation import OpeningPeriodValue, clean_place_values
from tests.factories import place_values


@pytest.fixture(autouse=True)
def _english(app_context):
    """Messages are translated lazily; the assertions read their English text."""
    with force_locale("en"):
        yield


def period(weekday, opens, closes):
    return {"weekday": weekday, "opens": opens, "closes": closes}


def hours(*periods):
    return clean_place_values(place_values(opening_hours=list(periods)))["opening_hours"]


def hours_refused(value):
    """The opening_hours message for ``value``, which must be the only problem."""
    with pytest.raises(ValidationFailed) as raised:
        clean_place_values(place_values(opening_hours=value))
    assert set(raised.value.errors) == {"opening_hours"}
    return str(raised.value.errors["opening_hours"])


@pytest.mark.parametrize(
    ("weekday", "iso"),
    [("mon", 1), ("tue", 2), ("wed", 3), ("thu", 4), ("fri", 5), ("sat", 6), ("sun", 7),
     ("Sun", 7), ("MON", 1), (1, 1), (7, 7)],
)  # fmt: skip
def test_weekday_names_and_iso_numbers_are_accepted(weekday, iso):
    assert hours(period(weekday, "10:00", "12:00")) == [OpeningPeriodValue(iso, 600, 720)]


@pytest.mark.parametrize(
    ("opens", "closes", "minutes"),
    [("00:00", "24:00", (0, 1440)), ("9:00", "17:30", (540, 1050)),
     ("23:59", "24:00", (1439, 1440)), (" 09:00 ", "12:00", (540, 720))],
)  # fmt: skip
def test_times_are_stored_as_minutes_and_24_00_closes_the_day(opens, closes, minutes):
    """A place open until midnight closes at 24:00, which a TIME column could not hold."""
    stored = hours(period("sat", opens, closes))[0]
    assert (stored.opens_minute, stored.closes_minute) == minutes


@pytest.mark.parametrize(("opens", "closes"), [("10:00", "10:00"), ("18:00", "09:00")])
def test_closing_must_come_after_opening(opens, closes):
    assert "closing time must be after" in hours_refused([period("mon", opens, closes)])


@pytest.mark.parametrize(
    "bad",
    ["25:00", "24:01", "24:30", "9:5", "9:60", "9", "0900", "9時", "", None, 900, "09:00:00"],
)
def test_badly_written_times_are_refused(bad):
    assert "HH:MM" in hours_refused([period("mon", bad, "12:00")])
    assert "HH:MM" in hours_refused([period("mon", "08:00", bad)])


@pytest.mark.parametrize("weekday", [0, 8, -1, "monday", "月", "", None, True, 1.0])
def test_unknown_weekdays_are_refused(weekday):
    assert "day of the week" in hours_refused([period(weekday, "09:00", "12:00")])


@pytest.mark.parametrize(
    "periods",
    [
        [period("mon", "09:00", "12:00"), period("mon", "11:00", "15:00")],
        [period("mon", "09:00", "18:00"), period(1, "10:00", "11:00")],
        [period("tue", "13:00", "17:00"), period("tue", "13:00", "14:00")],
        [period("wed", "09:00", "18:00"), period("wed", "12:00", "13:00"),
         period("wed", "08:00", "09:30")],
    ],
    ids=["overlap", "inside-via-number", "same-start", "three-unordered"],
)  # fmt: skip
def test_overlapping_periods_on_the_same_day_are_refused(periods):
    assert "overlap" in hours_refused(periods)


def test_touching_periods_and_the_same_hours_on_other_days_are_accepted():
    """A lunch break (9–12, 13–17) and back-to-back periods are normal; days are independent."""
    stored = hours(
        period("mon", "13:00", "17:00"),
        period("mon", "09:00", "12:00"),
        period("mon", "17:00", "19:00"),
        period("tue", "09:00", "12:00"),
    )
    assert stored == [
        OpeningPeriodValue(1, 540, 720),
        OpeningPeriodValue(1, 780, 1020),
        OpeningPeriodValue(1, 1020, 1140),
        OpeningPeriodValue(2, 540, 720),
    ]


def six_periods_a_day():
    return [
        period(day, f"{2 * slot + 8:02d}:00", f"{2 * slot + 9:02d}:00")
        for day in range(1, 8)
        for slot in range(6)
    ]


def test_42_periods_are_accepted():
    assert len(hours(*six_periods_a_day())) == 42


def test_more_than_42_periods_are_refused():
    """An endless list is a mistake or an attack, not a timetable."""
    too_many = [*six_periods_a_day(), period("mon", "22:00", "23:00")]
    assert "at most 42" in hours_refused(too_many)


@pytest.mark.parametrize("value", [None, "", []])
def test_no_opening_hours_is_fine(value):
    assert clean_place_values(place_values(opening_hours=value))["opening_hours"] == []


@pytest.mark.parametrize(
    "value",
    ["mon 9-17", {"weekday": "mon", "opens": "09:00", "closes": "12:00"}, 5,
     ["mon 9-17"], [["mon", "09:00", "12:00"]]],
)  # fmt: skip
def test_opening_hours_must_be_a_list_of_periods(value):
    hours_refused(value)


def test_every_problem_is_reported_together():
    """A form shows all its mistakes at once, not one per submission."""
    with pytest.raises(ValidationFailed) as raised:
        clean_place_values(
            place_values(
                name="",
                kind="castle",
                sector=None,
                name_kana="広場",
                description="a\x00b",
                location=[35.5763, 139.6595],
                capacity=-1,
                amenities=["jacuzzi"],
                contact_email="nobody",
                website_url="javascript:alert(1)",
                opening_hours=[period("mon", "25:00", "26:00")],
            )
        )
    assert set(raised.value.errors) == {
        "name", "kind", "sector", "name_kana", "description", "location", "capacity",
        "amenities", "contact_email", "website_url", "opening_hours",
    }  # fmt: skip
    problem = raised.value.extra()["invalid-params"]
    assert {p["name"] for p in problem} == set(raised.value.errors)
