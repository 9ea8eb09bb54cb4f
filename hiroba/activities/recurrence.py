"""When an activity meets: a recurrence rule and its occurrences, as pure functions.

Everything is a calendar date in Japan (Asia/Tokyo, which has no daylight saving time) plus
clock minutes of that day; an occurrence never crosses midnight (an end of 24:00 is allowed).
The rules, chosen to cover real community activities:

- ``weekly``: on the chosen weekdays, every ``interval_weeks`` weeks. Weeks are counted from the
  week (Monday to Sunday) holding ``starts_on``, so "every 2 weeks" keeps its rhythm across
  month and year ends.
- ``monthly_weekday``: on the chosen weekdays of the chosen weeks of each month: 1st–4th (the
  1st Tuesday is the first Tuesday of the month, whatever day the month starts on) and ``-1``
  for the last one (最終金曜). In a month with four Fridays the 4th and the last are the same
  day, which then counts once.
- ``monthly_day``: on day ``day_of_month`` of each month. Months without that day (the 31st in
  April, the 30th in February) have no meeting: the rule skips them rather than moving the day,
  because groups that meet "on the 31st" rarely mean "on the last day".
- ``dates``: on the listed dates only (one-off or irregular activities).

Then ``starts_on``/``ends_on`` bound the dates (both inclusive), ``cancelled`` dates are left
out, and with ``skip_holidays`` so are Japanese national holidays (祝日, including 振替休日 and
国民の休日, as the ``jpholiday`` package knows them).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from itertools import islice
from zoneinfo import ZoneInfo

import jpholiday

TOKYO = ZoneInfo("Asia/Tokyo")
DAY_MINUTES = 24 * 60
LAST = -1  # the last such weekday of a month
WEEKS_OF_MONTH = (1, 2, 3, 4, LAST)
# How far ahead a search for "the next occurrence" looks before giving up: a rule with nothing
# left in that time is as good as ended.
HORIZON_DAYS = 3 * 366


class Recurrence(StrEnum):
    WEEKLY = "weekly"
    MONTHLY_WEEKDAY = "monthly_weekday"
    MONTHLY_DAY = "monthly_day"
    DATES = "dates"


@dataclass(frozen=True)
class Rule:
    kind: Recurrence
    starts_on: date
    ends_on: date | None  # None: until further notice
    start_minute: int  # minutes after midnight, Japan time
    end_minute: int  # after start_minute, at most 1440 (24:00)
    weekdays: frozenset[int] = frozenset()  # ISO: 1 = Monday … 7 = Sunday
    interval_weeks: int = 1
    weeks_of_month: frozenset[int] = frozenset()  # 1–4 and LAST
    day_of_month: int | None = None
    dates: frozenset[date] = frozenset()
    cancelled: frozenset[date] = field(default_factory=frozenset)
    skip_holidays: bool = False


def is_holiday(day: date) -> bool:
    """A Japanese national holiday (祝日, 振替休日, 国民の休日)."""
    return jpholiday.is_holiday(day)


def holiday_name(day: date) -> str | None:
    """The holiday's Japanese name, or None on an ordinary day."""
    return jpholiday.is_holiday_name(day) or None


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    """The ``nth`` (1–5, or LAST) ISO ``weekday`` of the month, or None if there is none."""
    first = date(year, month, 1)
    days_in_month = calendar.monthrange(year, month)[1]
    if nth == LAST:
        last = date(year, month, days_in_month)
        return last - timedelta(days=(last.isoweekday() - weekday) % 7)
    day = 1 + (weekday - first.isoweekday()) % 7 + 7 * (nth - 1)
    return date(year, month, day) if day <= days_in_month else None


def _monday(day: date) -> date:
    return day - timedelta(days=day.isoweekday() - 1)


def _months(first: date) -> Iterator[tuple[int, int]]:
    year, month = first.year, first.month
    while True:
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _pattern(rule: Rule, first: date) -> Iterator[date]:
    """The rule's dates from ``first`` on, in order, before bounds and exceptions (endless for
    every kind but ``dates``: callers stop it)."""
    if rule.kind == Recurrence.DATES:
        yield from (day for day in sorted(rule.dates) if day >= first)
        return
    if rule.kind == Recurrence.WEEKLY:
        step = 7 * max(1, rule.interval_weeks)
        anchor = _monday(rule.starts_on)
        weeks = max(0, (_monday(first) - anchor).days // step)
        monday = anchor + timedelta(days=weeks * step)
        while True:
            for weekday in sorted(rule.weekdays):
                day = monday + timedelta(days=weekday - 1)
                if day >= first:
                    yield day
            monday += timedelta(days=step)
    for year, month in _months(first):
        if rule.kind == Recurrence.MONTHLY_DAY:
            found = {_day_of(year, month, rule.day_of_month)}
        else:
            found = {nth_weekday(year, month, weekday, nth)
                     for weekday in rule.weekdays for nth in rule.weeks_of_month}  # fmt: skip
        yield from sorted(day for day in found if day is not None and day >= first)


def _day_of(year: int, month: int, day: int | None) -> date | None:
    if day is None or day > calendar.monthrange(year, month)[1]:
        return None  # the 31st in a 30-day month: skipped, never moved
    return date(year, month, day)


def skipped(rule: Rule, day: date) -> bool:
    """The pattern falls on ``day`` but the activity does not meet: cancelled, or a holiday."""
    return day in rule.cancelled or (rule.skip_holidays and is_holiday(day))


def _never(rule: Rule) -> bool:
    """A rule whose pattern gives no date at all (refused by validation; guarded here so that
    the endless patterns never run without yielding)."""
    if rule.kind == Recurrence.WEEKLY:
        return not rule.weekdays
    if rule.kind == Recurrence.MONTHLY_WEEKDAY:
        return not (rule.weekdays and rule.weeks_of_month)
    if rule.kind == Recurrence.MONTHLY_DAY:
        return rule.day_of_month is None or not 1 <= rule.day_of_month <= 31
    return not rule.dates


def pattern_dates(rule: Rule, first: date, last: date) -> Iterator[date]:
    """The dates the pattern gives from ``first`` to ``last`` within the rule's bounds, met or
    not (with ``skipped``: what a page shows as "no meeting on …")."""
    first = max(first, rule.starts_on)
    if rule.ends_on is not None:
        last = min(last, rule.ends_on)
    if last < first or _never(rule):
        return
    for day in _pattern(rule, first):
        if day > last:
            return
        yield day


def occurrences(rule: Rule, first: date, last: date) -> Iterator[date]:
    """The dates the activity meets from ``first`` to ``last`` (both inclusive), in order."""
    return (day for day in pattern_dates(rule, first, last) if not skipped(rule, day))


def next_occurrences(rule: Rule, today: date, count: int) -> list[date]:
    """The next ``count`` meeting dates from ``today`` on (fewer if the rule ends)."""
    last = today + timedelta(days=HORIZON_DAYS)
    return list(islice(occurrences(rule, today, last), count))


def times_on(rule: Rule, day: date) -> tuple[datetime, datetime]:
    """The aware start and end of the meeting on ``day``."""
    midnight = datetime.combine(day, time(0), TOKYO)
    return (midnight + timedelta(minutes=rule.start_minute),
            midnight + timedelta(minutes=rule.end_minute))  # fmt: skip


def meets_between(rule: Rule, starts_at: datetime, ends_at: datetime) -> bool:
    """Does a meeting overlap ``[starts_at, ends_at)`` (or, when they are equal, that instant)?

    Meetings are half-open too, [start, end): one ending at 12:00 is over at 12:00.
    """
    first = starts_at.astimezone(TOKYO).date()
    last = ends_at.astimezone(TOKYO).date()
    for day in occurrences(rule, first, last):
        start, end = times_on(rule, day)
        if starts_at == ends_at:
            if start <= starts_at < end:
                return True
        elif start < ends_at and end > starts_at:
            return True
    return False


def covers(rule: Rule, instant: datetime) -> bool:
    """Is the activity meeting at ``instant``?"""
    return meets_between(rule, instant, instant)


def meets_on_any(rule: Rule, first: date, last: date) -> bool:
    """Does the activity meet on any day from ``first`` to ``last`` (Japan dates, inclusive)?"""
    return next(occurrences(rule, first, last), None) is not None


def holidays_between(first: date, last: date) -> Iterable[tuple[date, str]]:
    """Japanese national holidays from ``first`` to ``last``, for pages and tests."""
    return [(day, name) for day, name in jpholiday.between(first, last)]
