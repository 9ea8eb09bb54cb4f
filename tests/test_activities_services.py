"""Activities' services on a real PostGIS: who may add, change and remove them (a truth table),
what is refused and why (wrong, missing, oversized, hostile values), that a refusal writes
nothing, and that the database itself refuses a rule that means nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from hiroba.accounts.models import Role
from hiroba.activities import services
from hiroba.activities.models import Activity
from hiroba.activities.recurrence import Recurrence
from hiroba.activities.validation import clean_activity_values
from hiroba.errors import PermissionDenied, ValidationFailed
from hiroba.extensions import db
from hiroba.places.models import PlaceStatus
from tests.factories import NAKAHARA

TODAY = date(2026, 11, 23)
TAMA = "141356"


def salon(**overrides) -> dict:
    """Raw values of a valid activity: 毎月第2火曜 10:00–12:00."""
    values = {
        "title": "いきいきサロン",
        "description": "お茶を飲みながらおしゃべり。",
        "audiences": ["seniors"],
        "fee": "paid",
        "fee_details": "お茶代100円",
        "organiser": "小杉町会",
        "contact_phone": "044-111-2222",
        "recurrence": "monthly_weekday",
        "weekdays": ["2"],
        "weeks_of_month": ["2"],
        "starts_on": "2026-04-01",
        "start": "10:00",
        "end": "12:00",
    }
    values.update(overrides)
    return values


@pytest.fixture
def english(app):
    """Messages in English, as a request asking for English gets them."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def errors_of(raw) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        clean_activity_values(raw, TODAY)
    return {name: str(message) for name, message in caught.value.errors.items()}


def count_activities() -> int:
    return db.session.scalar(select(func.count()).select_from(Activity))


# --- cleaning values ------------------------------------------------------------------------------


def test_a_valid_salon_is_cleaned_into_columns(app_context):
    values = clean_activity_values(salon(), TODAY)
    assert values["recurrence"] == Recurrence.MONTHLY_WEEKDAY
    assert (values["weekdays"], values["weeks_of_month"]) == ([2], [2])
    assert (values["start_minute"], values["end_minute"]) == (600, 720)
    assert values["starts_on"] == date(2026, 4, 1) and values["ends_on"] is None


def test_full_width_digits_and_last_week_are_understood(app_context):
    values = clean_activity_values(
        salon(weeks_of_month=["last", "１"], start="１０：００", end="１２:３０",
              starts_on="２０２６-０４-０１", cancelled_dates="2026-12-08、2027-01-12"),
        TODAY,
    )  # fmt: skip
    assert values["weeks_of_month"] == [-1, 1]
    assert (values["start_minute"], values["end_minute"]) == (600, 750)
    assert values["cancelled_dates"] == [date(2026, 12, 8), date(2027, 1, 12)]


def test_only_the_chosen_kinds_fields_are_kept(app_context):
    values = clean_activity_values(
        salon(recurrence="monthly_day", day_of_month="15", weekdays=["9"]), TODAY
    )
    assert values["day_of_month"] == 15
    assert (values["weekdays"], values["weeks_of_month"], values["dates"]) == ([], [], [])


def test_listed_dates_bound_the_period_themselves(app_context):
    values = clean_activity_values(
        salon(recurrence="dates", dates="2027-01-09\n2026-12-05\n2026-12-05", starts_on=""), TODAY
    )
    assert values["dates"] == [date(2026, 12, 5), date(2027, 1, 9)]
    assert (values["starts_on"], values["ends_on"]) == (date(2026, 12, 5), date(2027, 1, 9))


@pytest.mark.parametrize(
    ("overrides", "field", "says"),
    [
        ({"title": "  "}, "title", "required"),
        ({"title": "x" * 121}, "title", "At most 120"),
        ({"title": "サロン\x00"}, "title", "not allowed"),
        ({"title": ["a", "list"]}, "title", "Must be text"),
        ({"recurrence": "yearly"}, "recurrence", "Unknown value"),
        ({"recurrence": ""}, "recurrence", "Choose one"),
        ({"weekdays": []}, "weekdays", "at least one day"),
        ({"weekdays": ["8"]}, "weekdays", "Unknown day"),
        ({"weekdays": {"a": 1}}, "weekdays", "Must be a list"),
        ({"weeks_of_month": ["5"]}, "weeks_of_month", "1st, 2nd, 3rd, 4th and last"),
        ({"weeks_of_month": []}, "weeks_of_month", "which week"),
        ({"recurrence": "monthly_day", "day_of_month": "32"}, "day_of_month", "1 to 31"),
        ({"recurrence": "monthly_day", "day_of_month": "0"}, "day_of_month", "1 to 31"),
        ({"recurrence": "monthly_day", "day_of_month": "1e3"}, "day_of_month", "1 to 31"),
        ({"recurrence": "weekly", "interval_weeks": "9"}, "interval_weeks", "every 2 to 8"),
        ({"recurrence": "dates", "dates": ""}, "dates", "at least one date"),
        ({"recurrence": "dates", "dates": "2026-13-01"}, "dates", "“2026-13-01” is not a date"),
        ({"recurrence": "dates", "dates": "<script>"}, "dates", "is not a date"),
        ({"recurrence": "dates", "dates": "2021-12-05\n2020-01-01"}, "dates", "all passed"),
        ({"recurrence": "dates",
          "dates": "\n".join(f"2027-{m:02d}-{d:02d}" for m in range(1, 6) for d in range(1, 22))},
         "dates", "At most 100"),
        ({"starts_on": ""}, "starts_on", "required"),
        ({"starts_on": "4/1/2026"}, "starts_on", "such as 2026-12-05"),
        ({"starts_on": "1999-12-31"}, "starts_on", "between 2000-01-01"),
        ({"ends_on": "2026-03-31"}, "ends_on", "not be before the first"),
        ({"ends_on": "2026-10-31"}, "ends_on", "all passed"),
        ({"start": "25:00"}, "start", "such as 10:00"),
        ({"start": "24:00"}, "start", "such as 10:00"),
        ({"end": "noon"}, "end", "such as 12:00"),
        ({"start": "12:00", "end": "10:00"}, "end", "after the start"),
        ({"start": "10:00", "end": "10:00"}, "end", "after the start"),
        ({"fee": "maybe"}, "fee", "Unknown value"),
        ({"audiences": ["seniors", "aliens"]}, "audiences", "Unknown value: aliens"),
        ({"contact_phone": "call me"}, "contact_phone", "phone number"),
        ({"contact_email": "not-an-email"}, "contact_email", "email address"),
        ({"cancelled_dates": "soon"}, "cancelled_dates", "is not a date"),
        # The 31st between February 1st and 28th never comes.
        ({"recurrence": "monthly_day", "day_of_month": "31", "starts_on": "2027-02-01",
          "ends_on": "2027-02-28"}, "day_of_month", "no meeting date left"),
        # Every listed date cancelled.
        ({"recurrence": "dates", "dates": "2026-12-05", "cancelled_dates": "2026-12-05"},
         "dates", "no meeting date left"),
        # The only date is a national holiday, and holidays are skipped.
        ({"recurrence": "dates", "dates": "2027-01-11", "skip_holidays": "y"},
         "dates", "no meeting date left"),
    ],
)  # fmt: skip
def test_bad_values_are_refused_with_a_specific_message(english, overrides, field, says):
    errors = errors_of(salon(**overrides))
    assert field in errors, errors
    assert says in errors[field]


def test_every_problem_is_reported_at_once(english):
    errors = errors_of(salon(title="", weekdays=[], start="x", end="y", starts_on=""))
    assert {"title", "weekdays", "start", "end", "starts_on"} <= set(errors)


# --- who may do what ------------------------------------------------------------------------------


@pytest.fixture
def people(make_user, make_staff):
    return {
        "owner": make_user(display_name="持ち主"),
        "staff": make_staff(NAKAHARA),
        "other_staff": make_staff(TAMA),
        "admin": make_user(Role.ADMIN),
        "stranger": make_user(),
    }


@pytest.mark.parametrize(
    ("who", "status", "allowed"),
    [
        ("owner", PlaceStatus.APPROVED, True),
        ("staff", PlaceStatus.APPROVED, True),
        ("admin", PlaceStatus.APPROVED, True),
        ("other_staff", PlaceStatus.APPROVED, False),
        ("stranger", PlaceStatus.APPROVED, False),
        ("owner", PlaceStatus.PENDING, False),
        ("owner", PlaceStatus.DORMANT, False),
        ("staff", PlaceStatus.ARCHIVED, False),
    ],
)
def test_who_may_add_an_activity(app, people, make_place, who, status, allowed):
    place = make_place(owner=people["owner"], status=status, reviewer=people["staff"])
    with app.app_context():
        if allowed:
            activity = services.add_activity(place, people[who], salon(), TODAY)
            assert activity.id and activity.created_by_id == people[who].id
        else:
            with pytest.raises(PermissionDenied):
                services.add_activity(place, people[who], salon(), TODAY)
            assert count_activities() == 0


def test_change_and_remove_follow_the_same_rule(app, people, make_place):
    place = make_place(owner=people["owner"], reviewer=people["staff"])
    with app.app_context():
        activity = services.add_activity(place, people["owner"], salon(), TODAY)
        for stranger in (people["stranger"], people["other_staff"]):
            with pytest.raises(PermissionDenied):
                services.change_activity(activity, stranger, salon(title="乗っ取り"), TODAY)
            with pytest.raises(PermissionDenied):
                services.remove_activity(activity, stranger)
        services.change_activity(activity, people["staff"], salon(title="サロン（改）"), TODAY)
        assert activity.title == "サロン（改）"
        services.remove_activity(activity, people["admin"])
        assert count_activities() == 0


def test_a_refused_change_leaves_the_activity_as_it_was(app, people, make_place):
    place = make_place(owner=people["owner"], reviewer=people["staff"])
    with app.app_context():
        activity = services.add_activity(place, people["owner"], salon(), TODAY)
        with pytest.raises(ValidationFailed):
            bad = salon(title="新", end="09:00")
            services.change_activity(activity, people["owner"], bad, TODAY)
        db.session.refresh(activity)
        assert (activity.title, activity.end_minute) == ("いきいきサロン", 720)


# --- the database's own checks ----------------------------------------------------------------


@pytest.mark.parametrize(
    "sql_values",
    [
        "recurrence = 'weekly', weekdays = '{}'",
        "recurrence = 'monthly_weekday', weeks_of_month = '{}'",
        "recurrence = 'monthly_day', day_of_month = NULL",
        "weekdays = '{0}'",
        "weeks_of_month = '{5}'",
        "start_minute = 720, end_minute = 600",
        "end_minute = 1441",
        "audiences = '{martians}'",
        "ends_on = starts_on - 1",
        "title = '   '",
    ],
)
def test_the_database_refuses_rules_that_mean_nothing(app, people, make_place, sql_values):
    place = make_place(owner=people["owner"], reviewer=people["staff"])
    with app.app_context():
        activity = services.add_activity(place, people["owner"], salon(), TODAY)
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.execute(
                text(f"UPDATE activities SET {sql_values} WHERE id = :id"), {"id": activity.id}
            )
