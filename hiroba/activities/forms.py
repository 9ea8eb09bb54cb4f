"""The activity form: the fields and their labels; the services check every value.

As on the other pages, views never call ``validate()``: ``clean_activity_values`` holds the
rules for every entry point. The rule's fields for every kind are drawn at once, grouped; only
the chosen kind's are read (a page works without JavaScript).
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired

from hiroba.activities.models import AUDIENCE_LABELS, RECURRENCE_LABELS, ActivityAudience
from hiroba.activities.recurrence import LAST, Recurrence
from hiroba.activities.validation import (
    MAX_DESCRIPTION,
    MAX_FEE_DETAILS,
    MAX_INTERVAL_WEEKS,
    MAX_ORGANISER,
    MAX_TITLE,
)
from hiroba.places.forms import CheckboxGroupField, _choices
from hiroba.places.vocabulary import Fee

REQUIRED = [InputRequired()]
WEEKDAYS = [
    SelectChoice("1", _l("Monday")),
    SelectChoice("2", _l("Tuesday")),
    SelectChoice("3", _l("Wednesday")),
    SelectChoice("4", _l("Thursday")),
    SelectChoice("5", _l("Friday")),
    SelectChoice("6", _l("Saturday")),
    SelectChoice("7", _l("Sunday")),
]
WEEKS_OF_MONTH = [
    SelectChoice("1", _l("1st")),
    SelectChoice("2", _l("2nd")),
    SelectChoice("3", _l("3rd")),
    SelectChoice("4", _l("4th")),
    SelectChoice(str(LAST), _l("Last")),
]
INTERVALS = [SelectChoice("1", _l("Every week")), SelectChoice("2", _l("Every other week"))] + [
    SelectChoice(str(n), _l("Every %(n)d weeks", n=n)) for n in range(3, MAX_INTERVAL_WEEKS + 1)
]
DATES_HINT = _l("One date per line, such as 2026-12-05.")


def _date(label) -> StringField:
    # Not marked required: listed dates need no first day (the services say when one is).
    return StringField(label, render_kw={"type": "date"})


def _time(label) -> StringField:
    return StringField(label, REQUIRED, render_kw={"type": "time", "step": 300})


class ActivityForm(FlaskForm):
    title = StringField(_l("Name of the activity"), REQUIRED, render_kw={"maxlength": MAX_TITLE})
    description = TextAreaField(
        _l("What happens"), render_kw={"maxlength": MAX_DESCRIPTION, "rows": 4}
    )
    audiences = CheckboxGroupField(
        _l("Who it is for"),
        choices=[SelectChoice(a.value, AUDIENCE_LABELS[a]) for a in ActivityAudience],
    )
    fee = RadioField(_l("Fee"), choices=_choices(Fee), default="free")
    fee_details = StringField(_l("Fee details"), render_kw={"maxlength": MAX_FEE_DETAILS})
    organiser = StringField(_l("Run by"), render_kw={"maxlength": MAX_ORGANISER})
    contact_phone = StringField(
        _l("Contact phone"), render_kw={"type": "tel", "maxlength": 40, "inputmode": "tel"}
    )
    contact_email = StringField(_l("Contact email"), render_kw={"type": "email", "maxlength": 254})

    recurrence = RadioField(
        _l("How often"),
        REQUIRED,
        choices=[SelectChoice(kind.value, RECURRENCE_LABELS[kind]) for kind in Recurrence],
        default=Recurrence.WEEKLY.value,
    )
    weekdays = CheckboxGroupField(_l("Days of the week"), choices=WEEKDAYS)
    interval_weeks = SelectField(_l("Which weeks"), choices=INTERVALS, default="1")
    weeks_of_month = CheckboxGroupField(_l("Weeks of the month"), choices=WEEKS_OF_MONTH)
    day_of_month = StringField(
        _l("Day of the month"),
        render_kw={"type": "number", "min": 1, "max": 31, "inputmode": "numeric"},
    )
    dates = TextAreaField(_l("Dates"), render_kw={"rows": 4})
    starts_on = _date(_l("First day"))
    ends_on = _date(_l("Last day (optional)"))
    start = _time(_l("From"))
    end = _time(_l("Until"))
    cancelled_dates = TextAreaField(_l("Cancelled dates (optional)"), render_kw={"rows": 3})
    skip_holidays = BooleanField(_l("No meeting on national holidays (祝日)"))

    def raw_values(self) -> dict[str, Any]:
        return {name: field.data for name, field in self._fields.items() if name != "csrf_token"}
