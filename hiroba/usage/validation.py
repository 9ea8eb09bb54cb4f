"""Checking what a resident types when asking to use a place, and the owner's blocked times.

Times are typed as a date and clock times in Japan time (Asia/Tokyo), one day at a time; an end
of 24:00 means midnight at the end of that day. Every problem is reported at once, per field.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l

from hiroba.errors import ValidationFailed
from hiroba.places.search import TOKYO
from hiroba.places.validation import PHONE, FieldCleaner, parse_minutes
from hiroba.usage.models import MAX_HOURS

MIN_MINUTES = 15  # shorter than this is not a use of a place
MAX_DAYS_AHEAD = 366  # owners cannot plan further than a year
MAX_HEADCOUNT = 100_000  # also the database's bound
MAX_PURPOSE = 200
MAX_MESSAGE = 2000
MAX_BLOCK_DAYS = 366
MAX_BLOCK_NOTE = 200


def parse_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


def at_minutes(day: date, minutes: int) -> datetime:
    """``minutes`` after midnight of ``day`` in Japan time (1440 is the next midnight)."""
    return datetime.combine(day, time(0), TOKYO) + timedelta(minutes=minutes)


def clean_time_range(c: FieldCleaner, now: datetime) -> tuple[datetime, datetime] | None:
    """The ``date``, ``start`` and ``end`` fields as an aware time range, checked for sense."""
    day = parse_date(c.raw.get("date"))
    start = parse_minutes(c.raw.get("start"))
    end = parse_minutes(c.raw.get("end"))
    if day is None:
        c.fail("date", _l("Enter a date such as 2026-12-05."))
    if start is None or start >= 24 * 60:
        c.fail("start", _l("Enter a time such as 10:00."))
    if end is None:
        c.fail("end", _l("Enter a time such as 12:00 (24:00 for midnight)."))
    if day is None or start is None or end is None or start >= 24 * 60:
        return None
    if end <= start:
        c.fail("end", _l("The end must be after the start."))
        return None
    if end - start < MIN_MINUTES:
        c.fail("end", _l("Ask for at least %(n)d minutes.", n=MIN_MINUTES))
        return None
    if end - start > MAX_HOURS * 60:
        c.fail("end", _l("Ask for at most %(n)d hours at a time.", n=MAX_HOURS))
        return None
    starts_at, ends_at = at_minutes(day, start), at_minutes(day, end)
    if starts_at <= now:
        c.fail("start", _l("This time has already passed."))
        return None
    if starts_at > now + timedelta(days=MAX_DAYS_AHEAD):
        c.fail("date", _l("Ask for a date within the coming year."))
        return None
    return starts_at, ends_at


def clean_request_values(raw: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """The values of a request, checked on their own (the place's rules come in services)."""
    c = FieldCleaner(raw)
    times = clean_time_range(c, now)
    headcount = _headcount(c)
    purpose = c.text("purpose", MAX_PURPOSE, required=True)
    message = c.text("message", MAX_MESSAGE, multiline=True)
    phone = c.text("contact_phone", 40)
    if phone and not PHONE.match(phone):
        c.fail("contact_phone", _l("Enter a phone number with digits and hyphens."))
    if c.errors:
        raise ValidationFailed(c.errors)
    return {
        "starts_at": times[0],
        "ends_at": times[1],
        "headcount": headcount,
        "purpose": purpose,
        "message": message or "",
        "contact_phone": phone,
    }


def clean_proposal(raw: Mapping[str, Any], now: datetime) -> tuple[datetime, datetime]:
    """Another time the owner proposes (``date``, ``start``, ``end``)."""
    c = FieldCleaner(raw)
    times = clean_time_range(c, now)
    if c.errors:
        raise ValidationFailed(c.errors)
    return times


def _headcount(c: FieldCleaner) -> int | None:
    raw = str(c.raw.get("headcount") or "").strip()
    if not raw:
        c.fail("headcount", _l("This field is required."))
        return None
    if not raw.isascii() or not raw.isdigit():
        c.fail("headcount", _l("Enter a whole number."))
        return None
    value = int(raw[:7])
    if not 1 <= value <= MAX_HEADCOUNT or len(raw) > 7:
        c.fail("headcount", _l("Enter a number between 1 and %(n)d.", n=MAX_HEADCOUNT))
        return None
    return value


def clean_block(raw: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """Dates an owner closes a place for requests: ``first`` to ``last`` inclusive (whole days)."""
    c = FieldCleaner(raw)
    first, last = parse_date(raw.get("first")), parse_date(raw.get("last") or raw.get("first"))
    if first is None:
        c.fail("first", _l("Enter a date such as 2026-12-05."))
    if last is None:
        c.fail("last", _l("Enter a date such as 2026-12-05."))
    note = c.text("note", MAX_BLOCK_NOTE)
    if first and last:
        today = now.astimezone(TOKYO).date()
        if last < first:
            c.fail("last", _l("The last day must not be before the first."))
        elif last < today:
            c.fail("last", _l("These days have already passed."))
        elif (last - first).days >= MAX_BLOCK_DAYS:
            c.fail("last", _l("Close at most %(n)d days at a time.", n=MAX_BLOCK_DAYS))
    if c.errors:
        raise ValidationFailed(c.errors)
    return {
        "starts_at": at_minutes(first, 0),
        "ends_at": at_minutes(last, 24 * 60),
        "note": note or "",
    }
