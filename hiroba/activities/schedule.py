"""What pages show of an activity's schedule: the rule in words, its period, the next dates,
and the dates in that time when it does not meet (cancelled, or a national holiday)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hiroba.activities import describe
from hiroba.activities.models import Activity
from hiroba.activities.queries import activities_at
from hiroba.activities.recurrence import holiday_name, next_occurrences, pattern_dates, skipped
from hiroba.extensions import db
from hiroba.permissions import can_view_activities
from hiroba.places.models import Place

UPCOMING = 4  # dates shown on the place page


@dataclass(frozen=True)
class Skipped:
    day: date
    label: str
    holiday: str | None  # the holiday's name; None: cancelled by the organiser


@dataclass(frozen=True)
class Schedule:
    text: str
    period: str | None
    upcoming: list[tuple[date, str]]  # (date, as pages show it)
    skipped: list[Skipped]


def schedule(activity: Activity, today: date, language: str) -> Schedule:
    """``activity``'s schedule from ``today`` on, in ``language``."""
    rule = activity.rule
    upcoming = next_occurrences(rule, today, UPCOMING)
    until = upcoming[-1] if upcoming else today
    not_met = [
        Skipped(day, describe.day_label(day, language),
                holiday_name(day) if day not in rule.cancelled else None)
        for day in pattern_dates(rule, today, until)
        if skipped(rule, day)
    ]  # fmt: skip
    return Schedule(
        text=describe.describe(rule, language),
        period=describe.period(rule, language),
        upcoming=[(day, describe.day_label(day, language)) for day in upcoming],
        skipped=not_met,
    )


def for_place_page(place: Place, today: date, language: str) -> list[tuple[Activity, Schedule]]:
    """A published place's activities with their schedules (none for other places)."""
    if not can_view_activities(None, place):
        return []
    found = db.session.scalars(activities_at(place.id)).all()
    return [(activity, schedule(activity, today, language)) for activity in found]
