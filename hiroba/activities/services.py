"""Adding, changing and removing a place's activities.

The place's owner and its ward's staff (admins: every ward) do this while the place is
published (``can_manage_activities``). Services flush and never commit; a refused value leaves
nothing written, because every value is checked before the row is touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from hiroba.accounts.models import User
from hiroba.activities.models import Activity
from hiroba.activities.recurrence import TOKYO
from hiroba.activities.validation import clean_activity_values
from hiroba.errors import PermissionDenied
from hiroba.extensions import db
from hiroba.i18n import hhmm
from hiroba.permissions import can_manage_activities
from hiroba.places.models import Place


def tokyo_today() -> date:
    return datetime.now(TOKYO).date()


def add_activity(
    place: Place, actor: User, raw: Mapping[str, Any], today: date | None = None
) -> Activity:
    """A new activity at ``place``, from raw values (a form's, a seed's)."""
    if not can_manage_activities(actor, place):
        raise PermissionDenied()
    values = clean_activity_values(raw, today or tokyo_today())
    activity = Activity(place=place, created_by_id=actor.id, **values)
    db.session.add(activity)
    db.session.flush()
    return activity


def change_activity(
    activity: Activity, actor: User, raw: Mapping[str, Any], today: date | None = None
) -> Activity:
    """Replace every value of ``activity`` with checked ``raw`` values."""
    if not can_manage_activities(actor, activity.place):
        raise PermissionDenied()
    values = clean_activity_values(raw, today or tokyo_today())
    for name, value in values.items():
        setattr(activity, name, value)
    db.session.flush()
    return activity


def remove_activity(activity: Activity, actor: User) -> None:
    if not can_manage_activities(actor, activity.place):
        raise PermissionDenied()
    db.session.delete(activity)
    db.session.flush()


def raw_from_activity(activity: Activity) -> dict[str, Any]:
    """An activity's values as the form shows them (the inverse of the validation)."""
    return {
        "title": activity.title,
        "description": activity.description,
        "audiences": list(activity.audiences),
        "fee": activity.fee.value,
        "fee_details": activity.fee_details or "",
        "organiser": activity.organiser or "",
        "contact_phone": activity.contact_phone or "",
        "contact_email": activity.contact_email or "",
        "recurrence": activity.recurrence.value,
        "weekdays": [str(day) for day in activity.weekdays],
        "interval_weeks": str(activity.interval_weeks),
        "weeks_of_month": [str(nth) for nth in activity.weeks_of_month],
        "day_of_month": str(activity.day_of_month or ""),
        "dates": "\n".join(day.isoformat() for day in activity.dates),
        "starts_on": activity.starts_on.isoformat(),
        "ends_on": activity.ends_on.isoformat() if activity.ends_on else "",
        "start": hhmm(activity.start_minute),
        "end": hhmm(activity.end_minute),
        "cancelled_dates": "\n".join(day.isoformat() for day in activity.cancelled_dates),
        "skip_holidays": activity.skip_holidays,
    }
