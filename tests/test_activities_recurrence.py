"""Recurrence rules of activities, expanded: month and year ends, leap years, 5th-weekday
months, the 29th–31st, national holidays (振替休日 and 国民の休日 too), cancelled dates, Japan
time — and the rules in words, in Japanese and English."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from hiroba.activities.describe import describe, period
from hiroba.activities.recurrence import (
    LAST,
    TOKYO,
    Recurrence,
    Rule,
    covers,
    holiday_name,
    meets_between,
    next_occurrences,
    nth_weekday,
    occurrences,
    pattern_dates,
    times_on,
)

MON, TUE, WED, THU, FRI, SAT, SUN = range(1, 8)


def rule(kind=Recurrence.WEEKLY, starts_on=date(2026, 1, 1), **values) -> Rule:
    values.setdefault("start_minute", 10 * 60)
    values.setdefault("end_minute", 12 * 60)
    values.setdefault("ends_on", None)
    return Rule(kind=kind, starts_on=starts_on, **values)


def days(r: Rule, first: date, last: date) -> list[date]:
    return list(occurrences(r, first, last))


def d(text: str) -> date:
    return date.fromisoformat(text)


# --- weekly -------------------------------------------------------------------------------------


def test_weekly_on_tuesdays_runs_across_a_month_end():
    r = rule(weekdays=frozenset({TUE}))
    found = days(r, d("2026-01-20"), d("2026-02-10"))
    assert found == [d("2026-01-20"), d("2026-01-27"), d("2026-02-03"), d("2026-02-10")]


def test_weekly_on_several_days_in_order():
    r = rule(weekdays=frozenset({FRI, MON, WED}))
    assert days(r, d("2026-03-30"), d("2026-04-05")) == [
        d("2026-03-30"), d("2026-04-01"), d("2026-04-03"),
    ]  # fmt: skip


def test_every_two_weeks_keeps_its_rhythm_from_the_first_week_across_the_year_end():
    r = rule(starts_on=d("2026-12-22"), weekdays=frozenset({TUE}), interval_weeks=2)
    assert days(r, d("2026-12-01"), d("2027-02-01")) == [
        d("2026-12-22"), d("2027-01-05"), d("2027-01-19"),
    ]  # fmt: skip
    # Asking from a later week (off the rhythm) finds the same dates.
    assert days(r, d("2026-12-29"), d("2027-01-20")) == [d("2027-01-05"), d("2027-01-19")]


def test_every_three_weeks_counts_weeks_from_the_monday_of_the_first_week():
    # Starts on a Sunday: its week began on Monday 2026-03-02, so the Wednesday of that week
    # (before the start) is not a meeting, and the next is three weeks on.
    r = rule(starts_on=d("2026-03-08"), weekdays=frozenset({WED, SUN}), interval_weeks=3)
    assert days(r, d("2026-03-01"), d("2026-04-20")) == [
        d("2026-03-08"), d("2026-03-25"), d("2026-03-29"), d("2026-04-15"), d("2026-04-19"),
    ]  # fmt: skip


# --- monthly on a weekday -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "month", "weekday", "nth", "expected"),
    [
        (2026, 12, TUE, 1, "2026-12-01"),  # the month starts on that weekday
        (2026, 12, TUE, 2, "2026-12-08"),
        (2026, 12, MON, 1, "2026-12-07"),  # the month starts the day after
        (2027, 1, FRI, 4, "2027-01-22"),
        (2027, 1, FRI, LAST, "2027-01-29"),  # five Fridays: the last is not the 4th
        (2027, 2, FRI, 4, "2027-02-26"),
        (2027, 2, FRI, LAST, "2027-02-26"),  # four Fridays: the last is the 4th
        (2028, 2, TUE, LAST, "2028-02-29"),  # leap day
        (2027, 2, SUN, LAST, "2027-02-28"),
        (2026, 8, MON, 5, "2026-08-31"),
        (2026, 9, MON, 5, None),
    ],
)
def test_nth_weekday(year, month, weekday, nth, expected):
    found = nth_weekday(year, month, weekday, nth)
    assert found == (d(expected) if expected else None)


def test_second_tuesday_of_every_month_across_the_year_end():
    r = rule(Recurrence.MONTHLY_WEEKDAY, weekdays=frozenset({TUE}), weeks_of_month=frozenset({2}))
    assert days(r, d("2026-11-01"), d("2027-02-28")) == [
        d("2026-11-10"), d("2026-12-08"), d("2027-01-12"), d("2027-02-09"),
    ]  # fmt: skip


def test_fourth_and_last_friday_count_once_when_they_are_the_same_day():
    r = rule(Recurrence.MONTHLY_WEEKDAY, weekdays=frozenset({FRI}),
             weeks_of_month=frozenset({4, LAST}))  # fmt: skip
    assert days(r, d("2027-01-01"), d("2027-02-28")) == [
        d("2027-01-22"), d("2027-01-29"), d("2027-02-26"),
    ]  # fmt: skip


def test_first_and_third_wednesday():
    r = rule(Recurrence.MONTHLY_WEEKDAY, weekdays=frozenset({WED}),
             weeks_of_month=frozenset({1, 3}))  # fmt: skip
    assert days(r, d("2026-12-01"), d("2027-01-31")) == [
        d("2026-12-02"), d("2026-12-16"), d("2027-01-06"), d("2027-01-20"),
    ]  # fmt: skip


# --- monthly on a day of the month ----------------------------------------------------------


def test_the_31st_is_skipped_in_months_without_one_never_moved():
    r = rule(Recurrence.MONTHLY_DAY, day_of_month=31)
    assert days(r, d("2026-01-01"), d("2026-07-31")) == [
        d("2026-01-31"), d("2026-03-31"), d("2026-05-31"), d("2026-07-31"),
    ]  # fmt: skip


@pytest.mark.parametrize(("year", "met"), [(2027, False), (2028, True), (2100, False)])
def test_the_29th_of_february_only_in_leap_years(year, met):
    r = rule(Recurrence.MONTHLY_DAY, day_of_month=29, starts_on=d("2026-01-01"))
    found = days(r, date(year, 2, 1), date(year, 3, 1))
    assert (date(year, 2, 29) in found if met else found == []) is True


def test_the_30th_across_february():
    r = rule(Recurrence.MONTHLY_DAY, day_of_month=30)
    assert days(r, d("2028-01-15"), d("2028-03-31")) == [d("2028-01-30"), d("2028-03-30")]


# --- dates, bounds and exceptions ------------------------------------------------------------


def test_listed_dates_in_order_within_the_asked_days():
    listed = frozenset({d("2027-01-09"), d("2026-12-05"), d("2026-12-19")})
    r = rule(Recurrence.DATES, starts_on=d("2026-12-05"), ends_on=d("2027-01-09"), dates=listed)
    assert days(r, d("2026-12-06"), d("2027-12-31")) == [d("2026-12-19"), d("2027-01-09")]


def test_the_first_and_last_days_are_included():
    r = rule(starts_on=d("2026-12-01"), ends_on=d("2026-12-15"), weekdays=frozenset({TUE}))
    assert days(r, d("2026-11-01"), d("2027-01-31")) == [
        d("2026-12-01"), d("2026-12-08"), d("2026-12-15"),
    ]  # fmt: skip


def test_cancelled_dates_are_left_out_but_stay_in_the_pattern():
    r = rule(weekdays=frozenset({TUE}), cancelled=frozenset({d("2026-12-29")}))
    assert days(r, d("2026-12-22"), d("2027-01-05")) == [d("2026-12-22"), d("2027-01-05")]
    assert d("2026-12-29") in pattern_dates(r, d("2026-12-22"), d("2027-01-05"))


def test_a_rule_without_days_meets_never_and_does_not_hang():
    for kind in Recurrence:
        assert days(rule(kind), d("2026-01-01"), d("2036-01-01")) == []


# --- national holidays ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weekday", "day", "name"),
    [
        (MON, "2027-01-11", "成人の日"),  # a happy-Monday holiday
        (WED, "2026-05-06", "休日"),  # 振替休日: Constitution Day fell on a Sunday
        (TUE, "2026-09-22", "国民の休日"),  # between 敬老の日 and 秋分の日
        (MON, "2026-11-23", "勤労感謝の日"),
    ],
)
def test_skip_holidays_leaves_out_every_kind_of_national_holiday(weekday, day, name):
    holiday = d(day)
    assert name in (holiday_name(holiday) or "")
    r = rule(weekdays=frozenset({weekday}))
    window = (holiday, holiday + timedelta(days=7))
    assert days(r, *window) == [holiday, holiday + timedelta(days=7)]
    assert days(replace(r, skip_holidays=True), *window) == [holiday + timedelta(days=7)]


def test_the_next_dates_step_over_holidays_and_cancellations():
    r = rule(Recurrence.MONTHLY_WEEKDAY, weekdays=frozenset({MON}), weeks_of_month=frozenset({2}),
             skip_holidays=True, cancelled=frozenset({d("2026-12-14")}))  # fmt: skip
    # 2nd Mondays: 2026-12-14 cancelled, 2027-01-11 成人の日, 2027-02-08, 2027-03-08 …
    assert next_occurrences(r, d("2026-12-01"), 2) == [d("2027-02-08"), d("2027-03-08")]


# --- times in Japan ----------------------------------------------------------------------------


def test_times_are_japan_time_all_year_round():
    r = rule(weekdays=frozenset({TUE}))
    for day in (d("2026-01-06"), d("2026-07-07")):  # winter and summer: no daylight saving
        start, end = times_on(r, day)
        assert start.utcoffset() == timedelta(hours=9)
        assert start.astimezone(UTC).hour == 1 and end.astimezone(UTC).hour == 3


def test_an_end_of_24_00_is_midnight_at_the_end_of_the_day():
    r = rule(weekdays=frozenset({SAT}), start_minute=18 * 60, end_minute=24 * 60)
    _start, end = times_on(r, d("2026-12-05"))
    assert end == datetime(2026, 12, 6, tzinfo=TOKYO)
    assert covers(r, datetime(2026, 12, 5, 23, 59, tzinfo=TOKYO))
    assert not covers(r, datetime(2026, 12, 6, 0, 0, tzinfo=TOKYO))


def test_covers_is_half_open_and_reads_instants_in_any_offset():
    r = rule(weekdays=frozenset({TUE}))  # 10:00–12:00 Japan time
    assert covers(r, datetime(2026, 12, 8, 10, 0, tzinfo=TOKYO))
    assert covers(r, datetime(2026, 12, 8, 2, 59, tzinfo=UTC))  # 11:59 in Tokyo
    assert not covers(r, datetime(2026, 12, 8, 12, 0, tzinfo=TOKYO))
    assert not covers(r, datetime(2026, 12, 9, 10, 30, tzinfo=TOKYO))  # a Wednesday
    # 2026-12-08 01:00 UTC is Tuesday in Tokyo but still Monday in New York: Japan decides.
    assert covers(r, datetime(2026, 12, 7, 20, 0, tzinfo=UTC) + timedelta(hours=5))


def test_meets_between_an_interval():
    r = rule(weekdays=frozenset({TUE}))
    day = datetime(2026, 12, 8, tzinfo=TOKYO)
    assert meets_between(r, day + timedelta(hours=11), day + timedelta(hours=15))
    assert not meets_between(r, day + timedelta(hours=12), day + timedelta(hours=15))
    assert not meets_between(r, day + timedelta(hours=8), day + timedelta(hours=10))
    assert meets_between(r, day - timedelta(days=3), day + timedelta(days=1))


# --- in words ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "ja", "en"),
    [
        ({"weekdays": frozenset({TUE})}, "毎週火曜 10:00–12:00", "Every Tuesday, 10:00–12:00"),
        ({"weekdays": frozenset({MON, WED, FRI})}, "毎週月・水・金曜 10:00–12:00",
         "Every Monday, Wednesday and Friday, 10:00–12:00"),
        ({"weekdays": frozenset({THU}), "interval_weeks": 2}, "隔週木曜 10:00–12:00",
         "Every other Thursday, 10:00–12:00"),
        ({"weekdays": frozenset({SAT}), "interval_weeks": 3}, "3週ごと土曜 10:00–12:00",
         "Every 3 weeks on Saturday, 10:00–12:00"),
        ({"kind": Recurrence.MONTHLY_WEEKDAY, "weekdays": frozenset({TUE}),
          "weeks_of_month": frozenset({2})},
         "毎月第2火曜 10:00–12:00", "2nd Tuesday of every month, 10:00–12:00"),
        ({"kind": Recurrence.MONTHLY_WEEKDAY, "weekdays": frozenset({FRI}),
          "weeks_of_month": frozenset({LAST})},
         "毎月最終金曜 10:00–12:00", "Last Friday of every month, 10:00–12:00"),
        ({"kind": Recurrence.MONTHLY_WEEKDAY, "weekdays": frozenset({WED}),
          "weeks_of_month": frozenset({LAST, 1, 3})},
         "毎月第1・第3・最終水曜 10:00–12:00",
         "1st, 3rd and last Wednesday of every month, 10:00–12:00"),
        ({"kind": Recurrence.MONTHLY_DAY, "day_of_month": 15},
         "毎月15日 10:00–12:00", "The 15th of every month, 10:00–12:00"),
        ({"kind": Recurrence.MONTHLY_DAY, "day_of_month": 31},
         "毎月31日（31日のない月は休み） 10:00–12:00",
         "The 31st of every month (not in months without a 31st), 10:00–12:00"),
        ({"weekdays": frozenset({MON}), "skip_holidays": True},
         "毎週月曜 10:00–12:00（祝日は休み）",
         "Every Monday, 10:00–12:00 (not on national holidays)"),
        ({"kind": Recurrence.DATES, "dates": frozenset({d("2026-12-19"), d("2026-12-05")})},
         "2026年12月5日、2026年12月19日 10:00–12:00",
         "Dec 5, 2026, Dec 19, 2026, 10:00–12:00"),
    ],
)  # fmt: skip
def test_rules_in_words(values, ja, en):
    r = rule(**values)
    assert describe(r, "ja") == ja
    assert describe(r, "en") == en


def test_periods_in_words():
    r = rule(starts_on=d("2026-04-01"), ends_on=d("2027-03-31"), weekdays=frozenset({TUE}))
    assert period(r, "ja") == "2026年4月1日から2027年3月31日まで"
    assert period(r, "en") == "From April 1, 2026 until March 31, 2027"
    assert period(replace(r, ends_on=None), "ja") == "2026年4月1日から"
