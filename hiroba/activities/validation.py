"""Checking what an owner or ward staff types for an activity, whatever sent it (form, seed,
tests). Every problem is reported at once, per field, with what to type instead.

People in Japan often type full-width digits (１０：００, ２０２６－１２－０５): numbers, dates
and times are NFKC-normalised before they are read. Only the fields of the chosen kind of rule
are kept, so switching from "monthly" to "weekly" leaves no stale day of the month behind.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

from flask_babel import lazy_gettext as _l

from hiroba.activities.models import MAX_DATES, ActivityAudience, rule_of
from hiroba.activities.recurrence import HORIZON_DAYS, LAST, Recurrence, Rule, meets_on_any
from hiroba.errors import ValidationFailed
from hiroba.places.validation import PHONE, FieldCleaner, parse_minutes
from hiroba.places.vocabulary import Fee

MAX_TITLE = 120
MAX_DESCRIPTION = 2000
MAX_FEE_DETAILS = 200
MAX_ORGANISER = 120
MAX_INTERVAL_WEEKS = 8
EARLIEST = date(2000, 1, 1)
YEARS_AHEAD = 10  # no date later than this many years from today
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
TRUE = {"1", "y", "yes", "on", "true"}
# The field that shows "this schedule never meets", by kind of rule.
PATTERN_FIELD = {
    Recurrence.WEEKLY: "weekdays",
    Recurrence.MONTHLY_WEEKDAY: "weeks_of_month",
    Recurrence.MONTHLY_DAY: "day_of_month",
    Recurrence.DATES: "dates",
}
DATE_EXAMPLE = _l("Enter a date such as 2026-12-05.")


def _plain(value: Any) -> str:
    """A typed value as ASCII-ish text: full-width digits and punctuation folded."""
    return unicodedata.normalize("NFKC", str(value if value is not None else "")).strip()


def _as_list(value: Any) -> list[Any] | None:
    """A list of values from a list or from text split on commas, spaces or new lines."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [part for part in re.split(r"[\s,、]+", _plain(value)) if part]
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    return None


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = _plain(value)
    return int(text) if re.fullmatch(r"-?[0-9]{1,4}", text) else None


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(_plain(value)) if len(_plain(value)) == 10 else None
    except ValueError:
        return None


class ActivityCleaner(FieldCleaner):
    def __init__(self, raw: Mapping[str, Any], today: date):
        super().__init__(raw)
        self.latest = today.replace(year=today.year + YEARS_AHEAD, day=min(today.day, 28))

    def numbers(self, field: str, allowed: set[int], message: Any) -> list[int]:
        values = _as_list(self.raw.get(field))
        if values is None:
            self.fail(field, _l("Must be a list."))
            return []
        if field == "weeks_of_month":
            values = [LAST if str(v).lower() == "last" else v for v in values]
        found = [_integer(v) for v in values]
        if any(v not in allowed for v in found):
            self.fail(field, message)
            return []
        return sorted(set(found))  # type: ignore[arg-type]

    def whole(self, field: str, low: int, high: int, message: Any, default=None) -> int | None:
        raw = self.raw.get(field)
        if raw is None or _plain(raw) == "":
            if default is None:
                self.fail(field, message)
            return default
        value = _integer(raw)
        if value is None or not low <= value <= high:
            self.fail(field, message)
            return None
        return value

    def day(self, field: str, *, required: bool) -> date | None:
        raw = self.raw.get(field)
        if raw is None or _plain(raw) == "":
            if required:
                self.fail(field, _l("This field is required."))
            return None
        found = _date(raw)
        if found is None:
            self.fail(field, DATE_EXAMPLE)
        elif not EARLIEST <= found <= self.latest:
            self.fail(
                field,
                _l(
                    "Enter a date between %(first)s and %(last)s.",
                    first=EARLIEST.isoformat(),
                    last=self.latest.isoformat(),
                ),
            )
            return None
        return found

    def days(self, field: str) -> list[date]:
        values = _as_list(self.raw.get(field))
        if values is None:
            self.fail(field, _l("Must be a list."))
            return []
        found = []
        for value in values:
            day = _date(value)
            if day is None:
                self.fail(
                    field,
                    _l(
                        "“%(value)s” is not a date. Enter dates such as 2026-12-05, one per line.",
                        value=str(value)[:20],
                    ),
                )
                return []
            if not EARLIEST <= day <= self.latest:
                self.fail(
                    field,
                    _l(
                        "Enter dates between %(first)s and %(last)s.",
                        first=EARLIEST.isoformat(),
                        last=self.latest.isoformat(),
                    ),
                )
                return []
            found.append(day)
        found = sorted(set(found))
        if len(found) > MAX_DATES:
            self.fail(field, _l("At most %(n)d dates.", n=MAX_DATES))
            return []
        return found

    def flag(self, field: str) -> bool:
        value = self.raw.get(field)
        return value is True or _plain(value).lower() in TRUE


def _rule_values(c: ActivityCleaner, kind: Recurrence | None) -> dict[str, Any]:
    """The pattern's columns for ``kind``: what it needs, and empty values for the rest."""
    values: dict[str, Any] = {
        "weekdays": [],
        "interval_weeks": 1,
        "weeks_of_month": [],
        "day_of_month": None,
        "dates": [],
    }
    if kind in (Recurrence.WEEKLY, Recurrence.MONTHLY_WEEKDAY):
        values["weekdays"] = c.numbers("weekdays", set(range(1, 8)), _l("Unknown day of the week."))
        if not values["weekdays"] and "weekdays" not in c.errors:
            c.fail("weekdays", _l("Choose at least one day of the week."))
    if kind == Recurrence.WEEKLY:
        values["interval_weeks"] = c.whole(
            "interval_weeks",
            1,
            MAX_INTERVAL_WEEKS,
            _l("Choose every week, or every 2 to %(n)d weeks.", n=MAX_INTERVAL_WEEKS),
            default=1,
        )
    elif kind == Recurrence.MONTHLY_WEEKDAY:
        values["weeks_of_month"] = c.numbers(
            "weeks_of_month",
            {1, 2, 3, 4, LAST},
            _l("Choose among the 1st, 2nd, 3rd, 4th and last week."),
        )
        if not values["weeks_of_month"] and "weeks_of_month" not in c.errors:
            c.fail("weeks_of_month", _l("Choose which week of the month (1st, 2nd… or last)."))
    elif kind == Recurrence.MONTHLY_DAY:
        values["day_of_month"] = c.whole(
            "day_of_month", 1, 31, _l("Enter a day of the month from 1 to 31.")
        )
    elif kind == Recurrence.DATES:
        values["dates"] = c.days("dates")
        if not values["dates"] and "dates" not in c.errors:
            c.fail("dates", _l("Enter at least one date, such as 2026-12-05."))
    return values


def _times(c: ActivityCleaner) -> tuple[int | None, int | None]:
    start, end = parse_minutes(_plain(c.raw.get("start"))), parse_minutes(_plain(c.raw.get("end")))
    if start is None or start >= 24 * 60:
        c.fail("start", _l("Enter a time such as 10:00."))
    if end is None:
        c.fail("end", _l("Enter a time such as 12:00 (24:00 for midnight)."))
    if start is not None and end is not None and end <= start:
        c.fail("end", _l("The end must be after the start, on the same day."))
    return start, end


def _period(c: ActivityCleaner, kind: Recurrence | None, dates: list[date]) -> tuple:
    """First and last day of the rule; for listed dates, the dates themselves bound it."""
    if kind == Recurrence.DATES:
        return (dates[0], dates[-1]) if dates else (None, None)
    starts_on, ends_on = c.day("starts_on", required=True), c.day("ends_on", required=False)
    if starts_on and ends_on and ends_on < starts_on:
        c.fail("ends_on", _l("The last day must not be before the first."))
    return starts_on, ends_on


def _check_meets(c: ActivityCleaner, rule: Rule, today: date) -> None:
    """A rule must still meet at least once, or it only confuses the people reading it."""
    if rule.ends_on is not None and rule.ends_on < today:
        field = "dates" if rule.kind == Recurrence.DATES else "ends_on"
        c.fail(field, _l("These dates have all passed."))
        return
    first = max(today, rule.starts_on)
    if not meets_on_any(rule, first, first + timedelta(days=HORIZON_DAYS)):
        c.fail(
            PATTERN_FIELD[rule.kind],
            _l(
                "This schedule has no meeting date left: check the days, the period, the "
                "cancelled dates and the holidays option."
            ),
        )


def clean_activity_values(raw: Mapping[str, Any], today: date) -> dict[str, Any]:
    """The columns of an activity, checked; raises ``ValidationFailed`` with every problem."""
    c = ActivityCleaner(raw, today)
    values: dict[str, Any] = {
        "title": c.text("title", MAX_TITLE, required=True),
        "description": c.text("description", MAX_DESCRIPTION, multiline=True) or "",
        "audiences": c.keys("audiences", ActivityAudience),
        "fee": c.choice("fee", Fee, Fee.FREE),
        "fee_details": c.text("fee_details", MAX_FEE_DETAILS),
        "organiser": c.text("organiser", MAX_ORGANISER),
        "contact_phone": c.text("contact_phone", 40),
        "contact_email": c.text("contact_email", 254),
    }
    if values["contact_phone"] and not PHONE.match(values["contact_phone"]):
        c.fail("contact_phone", _l("Enter a phone number with digits and hyphens."))
    if values["contact_email"] and not EMAIL.match(values["contact_email"]):
        c.fail("contact_email", _l("Enter an email address such as name@example.jp."))
    kind = c.choice("recurrence", Recurrence)
    values.update(recurrence=kind, **_rule_values(c, kind))
    values["start_minute"], values["end_minute"] = _times(c)
    values["starts_on"], values["ends_on"] = _period(c, kind, values["dates"])
    values["cancelled_dates"] = c.days("cancelled_dates")
    values["skip_holidays"] = c.flag("skip_holidays")
    if not c.errors:
        _check_meets(c, rule_of(SimpleNamespace(**values)), today)
    if c.errors:
        raise ValidationFailed(c.errors)
    return values
