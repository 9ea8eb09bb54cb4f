"""Forms of the administration pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectMultipleField
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
