"""Forms of the staff pages: the queue's filters and the review decisions.

Every decision form carries the version of the place (or revision) the reviewer was looking
at, so that a decision made on an outdated page is refused instead of overriding another.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange
from wtforms.widgets import HiddenInput

from hiroba.i18n import localized
from hiroba.places.vocabulary import PlaceKind, label
from hiroba.review import reasons
from hiroba.review.services import MAX_REASON


class QueueFilterForm(FlaskForm):
    """``?ward=&kind=``: empty means all; anything else must be one of the choices."""

    class Meta:
        csrf = False  # a GET form: filters change nothing

    ward = SelectField(_l("Ward"), default="", validate_choice=True)
    kind = SelectField(_l("Kind of place"), default="", validate_choice=True)

    def __init__(self, formdata, wards, every_ward: bool = False, **kwargs):
        super().__init__(formdata, **kwargs)
        everything = _l("All wards") if every_ward else _l("All my wards")
        self.ward.choices = [SelectChoice("", everything)] + [
            SelectChoice(district.code, localized(district.name_ja, district.name_en))
            for district in wards
        ]
        self.kind.choices = [SelectChoice("", _l("All kinds"))] + [
            SelectChoice(kind.value, label(kind)) for kind in PlaceKind
        ]


def _reason_choices() -> list[SelectChoice]:
    """The templates to pick from; each option carries its text for the page's script."""
    return [SelectChoice("", _l("— Write your own —"))] + [
        SelectChoice(template.key, template.title, render_kw={"data-text": str(template.text)})
        for template in reasons.TEMPLATES
    ]


class _Decision(FlaskForm):
    template = SelectField(_l("Reason template"), default="", validate_choice=True)
    reason = TextAreaField(_l("Reason for the owner"), validators=[Length(max=MAX_REASON)])
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.template.choices = _reason_choices()

    def full_reason(self) -> str:
        """What the owner reads: the chosen template's text, then what was typed."""
        return reasons.compose(self.template.data, self.reason.data)


class PlaceDecisionForm(_Decision):
    decision = RadioField(
        _l("What do you decide?"),
        choices=[
            SelectChoice("approve", _l("Approve and publish")),
            SelectChoice("request_changes", _l("Ask the owner for changes")),
            SelectChoice("reject", _l("Reject")),
        ],
        validators=[InputRequired(_l("Please choose a decision."))],
    )


class RevisionDecisionForm(_Decision):
    decision = RadioField(
        _l("What do you decide?"),
        choices=[
            SelectChoice("approve", _l("Approve and publish the changes")),
            SelectChoice("reject", _l("Reject the changes")),
        ],
        validators=[InputRequired(_l("Please choose a decision."))],
    )


class ArchiveForm(FlaskForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Length(max=MAX_REASON)])
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1)])

    def full_reason(self) -> str:
        return (self.reason.data or "").strip()
