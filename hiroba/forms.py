"""Shared helpers for Flask-WTF forms: services' validation errors shown next to their fields."""

from __future__ import annotations

from flask_wtf import FlaskForm

from hiroba.errors import ValidationFailed

FORM_LEVEL = "form"


def show_errors(
    form: FlaskForm, error: ValidationFailed, aliases: dict[str, str] | None = None
) -> None:
    """Attach each service error to the form field of that name (``aliases`` maps service
    field names to form field names); anything without a field becomes a form-level error."""
    aliases = aliases or {}
    for name, message in error.errors.items():
        field = getattr(form, aliases.get(name, name), None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors or []), str(message)]
        else:
            form.form_errors.append(str(message))
