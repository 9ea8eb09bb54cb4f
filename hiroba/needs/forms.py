"""Forms of the needs pages: posting a need, closing it, and the ward staff's two actions.

The forms draw the fields and carry the CSRF token; the services check every value, so views
never call ``validate()``. Closing carries the version the person was looking at.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from hiroba.needs.models import HEADCOUNT_RANGE, MAX_DATES, MAX_DETAILS, MAX_TITLE, RADIUS_RANGE
from hiroba.needs.validation import MAX_MESSAGE
from hiroba.places.forms import CheckboxGroupField, _choices
from hiroba.places.vocabulary import Accessibility, Condition
from hiroba.usage.forms import AnswerForm

REQUIRED = [InputRequired()]
DATE_FIELDS = 3  # date inputs shown; the services accept up to MAX_DATES
assert DATE_FIELDS <= MAX_DATES
# Service field names whose errors belong to a differently named form field.
ERROR_FIELDS = {"dates": "date_1", "lon": "lat"}


def _date(label) -> StringField:
    return StringField(label, render_kw={"type": "date"})


class NeedForm(FlaskForm):
    title = StringField(_l("What is it for?"), REQUIRED, render_kw={"maxlength": MAX_TITLE})
    area = RadioField(
        _l("Where"),
        choices=[
            SelectChoice("ward", _l("Anywhere in a ward")),
            SelectChoice("circle", _l("Near a point (latitude and longitude)")),
        ],
        default="ward",
    )
    district = SelectField(_l("Ward"), choices=[])
    lat = StringField(_l("Latitude"), render_kw={"inputmode": "decimal", "maxlength": 20})
    lon = StringField(_l("Longitude"), render_kw={"inputmode": "decimal", "maxlength": 20})
    radius = StringField(
        _l("Within (metres)"),
        default="1000",
        render_kw={"type": "number", "min": RADIUS_RANGE[0], "max": RADIUS_RANGE[1], "step": 100},
    )
    when = RadioField(
        _l("When"),
        choices=[
            SelectChoice("weekly", _l("Every week on these days")),
            SelectChoice("dates", _l("On these dates")),
        ],
        default="weekly",
    )
    weekdays = CheckboxGroupField(_l("Days of the week"), choices=[])
    date_1 = _date(_l("Date 1"))
    date_2 = _date(_l("Date 2 (optional)"))
    date_3 = _date(_l("Date 3 (optional)"))
    start = StringField(_l("From"), REQUIRED, render_kw={"type": "time", "step": 300})
    end = StringField(_l("Until"), REQUIRED, render_kw={"type": "time", "step": 300})
    headcount = StringField(
        _l("Number of people"),
        REQUIRED,
        render_kw={"type": "number", "min": HEADCOUNT_RANGE[0], "max": HEADCOUNT_RANGE[1],
                   "inputmode": "numeric"},
    )  # fmt: skip
    fee = RadioField(
        _l("Budget"),
        choices=[
            SelectChoice("free", _l("Free of charge only")),
            SelectChoice("any", _l("Paid places are fine")),
        ],
        default="any",
    )
    accessibility = CheckboxGroupField(
        _l("Accessibility you need"), choices=_choices(Accessibility)
    )
    conditions = CheckboxGroupField(_l("What you will do there"), choices=_choices(Condition))
    details = TextAreaField(
        _l("Anything else (optional)"), render_kw={"maxlength": MAX_DETAILS, "rows": 4}
    )

    def raw_values(self) -> dict[str, Any]:
        dates = [getattr(self, f"date_{n}").data for n in range(1, DATE_FIELDS + 1)]
        end = self.end.data or ""
        return {
            "title": self.title.data,
            "details": self.details.data,
            "area": self.area.data,
            "district": self.district.data,
            "lat": self.lat.data,
            "lon": self.lon.data,
            "radius": self.radius.data,
            "when": self.when.data,
            "weekdays": self.weekdays.data or [],
            "dates": [d for d in dates if d],
            "start": self.start.data,
            # Time inputs cannot hold 24:00: an end at 00:00 is midnight.
            "end": "24:00" if end.strip() in ("00:00", "0:00") else end,
            "headcount": self.headcount.data,
            "fee": self.fee.data,
            "accessibility": self.accessibility.data or [],
            "conditions": self.conditions.data or [],
        }


class CloseForm(AnswerForm):
    """Found a place, or withdraw: nothing to fill in but the version seen (-1 when missing
    or malformed, so that it is always outdated)."""


class SuggestForm(FlaskForm):
    place_id = HiddenField()
    message = TextAreaField(
        _l("Message to the person looking (optional)"),
        render_kw={"maxlength": MAX_MESSAGE, "rows": 2},
    )


class ContactOwnerForm(FlaskForm):
    place_id = HiddenField()
    message = TextAreaField(
        _l("Message to the owner"), REQUIRED, render_kw={"maxlength": MAX_MESSAGE, "rows": 3}
    )
