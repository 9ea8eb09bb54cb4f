"""Forms of the administration pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
    URLField,
)
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from hiroba.accounts.forms import ROLE_LABELS


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (easier than a multi-select on a phone)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserRoleForm(FlaskForm):
    role = RadioField(
        _l("Role"),
        [InputRequired(_l("Choose a role."))],
        choices=[SelectChoice(role.value, text) for role, text in ROLE_LABELS.items()],
    )
    # Choices (every district) are filled in by the view.
    wards = CheckboxesField(_l("Wards (staff only)"), choices=[])


class DistrictCentreForm(FlaskForm):
    """The contact of a ward's social design centre; the service checks every value."""

    centre_name = StringField(_l("Name of the centre"), render_kw={"maxlength": 120})
    centre_address = StringField(
        _l("Address"), render_kw={"maxlength": 200, "autocomplete": "street-address"}
    )
    centre_hours = TextAreaField(_l("Opening hours"), render_kw={"maxlength": 300, "rows": 3})
    centre_phone = TelField(_l("Phone (optional)"), render_kw={"maxlength": 40})
    centre_email = EmailField(_l("Email address"), render_kw={"maxlength": 254})
    centre_url = URLField(_l("Website (https://…)"), render_kw={"maxlength": 500})
    centre_note = TextAreaField(_l("Note for residents"), render_kw={"maxlength": 500, "rows": 3})
