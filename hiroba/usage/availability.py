"""A place's coming weeks for everyone to read: opening hours, agreed uses and closed days.

Agreed uses show their times only, never who asked or why; a closed day shows that it is
closed, not the owner's note. Days are Japan time, like the opening hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from babel.dates import format_skeleton
from flask_babel import get_locale

from hiroba.extensions import db
from hiroba.i18n import hhmm
from hiroba.places.details import Period, periods_by_day
from hiroba.places.models import Place
from hiroba.places.search import TOKYO
from hiroba.usage.models import PlaceBlock
from hiroba.usage.queries import blocks_overlapping, busy_times
from hiroba.usage.validation import at_minutes

WEEKS_SHOWN = 4
DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class AvailabilityDay:
    day: date
    label: str  # "12月5日(金)" / "Fri, Dec 5"
    hours: list[Period]  # opening periods, minutes since midnight
    busy: list[Period]  # agreed uses, clipped to this day (1440: until midnight)
    closed_by_owner: bool
    today: bool


def _minutes_into(day_start: datetime, moment: datetime) -> int:
    return int((moment - day_start).total_seconds() // 60)


def _busy_on(day_start: datetime, uses: list[tuple[datetime, datetime]]) -> list[Period]:
    day_end = day_start + timedelta(days=1)
    return [
        (
            max(0, _minutes_into(day_start, starts_at)),
            min(DAY_MINUTES, _minutes_into(day_start, ends_at)),
        )
        for starts_at, ends_at in uses
        if starts_at < day_end and ends_at > day_start
    ]


def coming_days(place: Place, now: datetime, weeks: int = WEEKS_SHOWN) -> list[AvailabilityDay]:
    """Today and the following days, ``weeks`` weeks in all, each with what is known of it."""
    today = now.astimezone(TOKYO).date()
    first, end = at_minutes(today, 0), at_minutes(today + timedelta(days=7 * weeks), 0)
    uses = [tuple(row) for row in db.session.execute(busy_times(place.id, first, end))]
    blocks = db.session.scalars(blocks_overlapping(place.id, first, end)).all()
    hours = periods_by_day(place.opening_hours)
    locale = get_locale()
    days = []
    for offset in range(7 * weeks):
        day = today + timedelta(days=offset)
        day_start = at_minutes(day, 0)
        day_end = at_minutes(day, DAY_MINUTES)
        closed = any(b.starts_at < day_end and b.ends_at > day_start for b in blocks)
        days.append(
            AvailabilityDay(
                day=day,
                label=format_skeleton("MMMEd", day, locale=locale),
                hours=hours[day.isoweekday()],
                busy=_busy_on(day_start, uses),
                closed_by_owner=closed,
                today=offset == 0,
            )
        )
    return days


def when_label(starts_at: datetime, ends_at: datetime) -> str:
    """ "2026年12月5日(土) 10:00–12:00" in the visitor's language, in Japan time; an end at
    midnight reads 24:00, and a use past midnight names its last day too."""
    start, end = starts_at.astimezone(TOKYO), ends_at.astimezone(TOKYO)
    locale = get_locale()
    day = format_skeleton("yMMMEd", start.date(), locale=locale)
    end_minutes = _minutes_into(at_minutes(start.date(), 0), end)
    if end_minutes <= DAY_MINUTES:
        return f"{day} {start:%H:%M}–{hhmm(end_minutes)}"
    last_day = format_skeleton("MMMEd", end.date(), locale=locale)
    return f"{day} {start:%H:%M}–{last_day} {end:%H:%M}"


def closed_days(block: PlaceBlock) -> tuple[date, date]:
    """The first and last day (Japan time) of a closed time; it ends at midnight after the last."""
    first = block.starts_at.astimezone(TOKYO).date()
    last = (block.ends_at - timedelta(microseconds=1)).astimezone(TOKYO).date()
    return first, last
