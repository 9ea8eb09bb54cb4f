"""Reason templates: the reasons ward staff give most often, ready to fill the reason box.

A template is a starting point, not a verdict: staff can edit the text before sending it, and
the owner reads whatever was sent. The text is in the reviewer's language at the time (the
reason is stored as written), so the templates are worded for owners who are not technical.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class ReasonTemplate:
    key: str
    title: object  # lazy string: what the reviewer picks from
    text: object  # lazy string: what the owner reads


TEMPLATES = (
    ReasonTemplate(
        "location_unclear",
        _l("Location unclear"),
        _l(
            "The pin on the map does not seem to match the place. Please move the pin to the "
            "entrance of the place. If it is a home, choose “approximate location”."
        ),
    ),
    ReasonTemplate(
        "faces_in_photos",
        _l("People's faces in photos"),
        _l(
            "Some photos show people who can be recognised. Please replace them with photos in "
            "which no face can be recognised, or remove them."
        ),
    ),
    ReasonTemplate(
        "private_address",
        _l("Private home address in the text"),
        _l(
            "The description or the name contains the address of a private home. Please remove "
            "it: the exact address of a home is never shown to the public."
        ),
    ),
    ReasonTemplate(
        "hours_missing",
        _l("Opening hours missing"),
        _l(
            "Please add the days and times when the place can be used, or a note such as "
            "“by arrangement”."
        ),
    ),
    ReasonTemplate(
        "how_to_ask_missing",
        _l("How to ask to use it is unclear"),
        _l(
            "Please explain who may use the place and how to ask: the conditions, the fee, and "
            "a contact or a note such as “ask at the ward's social design centre”."
        ),
    ),
    ReasonTemplate(
        "already_listed",
        _l("Already listed"),
        _l(
            "This place seems to be listed already. Please update the existing listing instead "
            "of adding a new one."
        ),
    ),
    ReasonTemplate(
        "not_a_meeting_place",
        _l("Not a place for neighbours to meet"),
        _l(
            "This listing does not describe a place where neighbours can meet, so it cannot be "
            "published. Please contact the ward's social design centre if you think otherwise."
        ),
    ),
)

BY_KEY = {template.key: template for template in TEMPLATES}


def compose(template_key: str | None, typed: str | None) -> str:
    """The reason to send: the chosen template's text before what the reviewer typed.

    With JavaScript the template already fills the box, so its text is not added twice;
    without JavaScript the choice alone is enough.
    """
    typed = (typed or "").strip()
    template = BY_KEY.get(template_key or "")
    if template is None:
        return typed
    text = str(template.text)
    if text in typed:
        return typed
    return f"{text}\n\n{typed}" if typed else text
