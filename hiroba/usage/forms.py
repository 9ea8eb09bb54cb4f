"""Forms of the usage pages: asking to use a place, answering a request, closing days.

The forms draw the fields and carry the CSRF token; the services check every value (the same
rules hold for the API and the tests), so views never call ``validate()``. ``InputRequired``
only marks fields as required for the page and the browser. Every answer to a request carries
the version of the request the person was looking at, so an answer to an outdated page is
refused instead of overriding someone else's.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TelField, TextAreaField
from wtforms.validators import InputRequired

from hiroba.usage.services import MAX_REASON
from hiroba.usage.validation import MAX_BLOCK_NOTE, MAX_MESSAGE, MAX_PURPOSE

REQUIRED = [InputRequired()]


def _date_field(label) -> StringField:
    return StringField(label, REQUIRED, render_kw={"type": "date"})


def _time_field(label) -> StringField:
    # Five-minute steps; the services accept any minute.
    return StringField(label, REQUIRED, render_kw={"type": "time", "step": 300})


class _TimeRange:
    """Date, start and end, in Japan time."""

    date = _date_field(_l("Date"))
    start = _time_field(_l("From"))
    end = _time_field(_l("Until"))

    def time_values(self) -> dict[str, Any]:
        return {"date": self.date.data, "start": self.start.data, "end": self.end.data}


class AskForm(_TimeRange, FlaskForm):
    headcount = StringField(
        _l("Number of people"),
        REQUIRED,
        render_kw={"type": "number", "min": 1, "inputmode": "numeric"},
    )
    purpose = StringField(
        _l("What will you use it for?"), REQUIRED, render_kw={"maxlength": MAX_PURPOSE}
    )
    message = TextAreaField(
        _l("Message to the owner"), render_kw={"maxlength": MAX_MESSAGE, "rows": 5}
    )
    contact_phone = TelField(
        _l("Your phone number (optional)"),
        render_kw={"autocomplete": "tel", "maxlength": 40, "inputmode": "tel"},
    )

    def raw_values(self) -> dict[str, Any]:
        return {
            **self.time_values(),
            "headcount": self.headcount.data,
            "purpose": self.purpose.data,
            "message": self.message.data,
            "contact_phone": self.contact_phone.data,
        }


class _Answer(FlaskForm):
    version = HiddenField()

    def expected_version(self) -> int:
        """The version the person saw; -1 (always outdated) when missing or malformed."""
        value = str(self.version.data or "")
        return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else -1


class AnswerForm(_Answer):
    """Accept, withdraw, or accept the proposed time: nothing to fill in."""


class ReasonForm(_Answer):
    """Decline or cancel: the other side reads why."""

    reason = TextAreaField(
        _l("Reason (the other side will read it)"),
        REQUIRED,
        render_kw={"maxlength": MAX_REASON, "rows": 3},
    )


class ProposeForm(_TimeRange, _Answer):
    reason = TextAreaField(_l("Message (optional)"), render_kw={"maxlength": MAX_REASON, "rows": 3})


class BlockForm(FlaskForm):
    first = _date_field(_l("First day"))
    last = StringField(_l("Last day"), render_kw={"type": "date"})
    note = StringField(
        _l("Note (optional, not shown to the public)"), render_kw={"maxlength": MAX_BLOCK_NOTE}
    )

    def raw_values(self) -> dict[str, Any]:
        return {"first": self.first.data, "last": self.last.data, "note": self.note.data}
