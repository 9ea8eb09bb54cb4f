"""How a need reads to people: its status, when it asks for, and the summary an owner gets."""

from __future__ import annotations

from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from hiroba.i18n import hhmm, weekday_names
from hiroba.needs.models import Need, NeedEventKind, NeedStatus
from hiroba.places.vocabulary import LABELS

STATUS_LABELS = {
    NeedStatus.OPEN: _l("Looking"),
    NeedStatus.SOLVED: _l("Found a place"),
    NeedStatus.WITHDRAWN: _l("Withdrawn"),
    NeedStatus.EXPIRED: _l("Ended (expired)"),
}
EVENT_LABELS = {
    NeedEventKind.POSTED: _l("Posted"),
    NeedEventKind.SOLVED: _l("Marked as found"),
    NeedEventKind.WITHDRAWN: _l("Withdrawn"),
    NeedEventKind.EXPIRED: _l("Ended by hiroba after its time ran out"),
    NeedEventKind.SUGGESTED: _l("The ward centre suggested a place"),
    NeedEventKind.OWNER_CONTACTED: _l("The ward centre contacted a place's owner"),
}
FACTOR_LABELS = {
    "distance": _l("Distance"),
    "capacity": _l("Capacity"),
    "hours": _l("Opening hours"),
    "who": _l("Who may use it"),
}


def listed(words: list[str]) -> str:
    """ "A, B and C" in the current language (「A、B、C」 in Japanese)."""
    return format_list(words, locale=get_locale()) if words else ""


def vocabulary_labels(keys: list[str]) -> str:
    """The translated labels of accessibility features or conditions, as one list."""
    return listed([str(label) for key, label in LABELS.items() if key in keys])


def day_names(days: list[int]) -> str:
    """ISO weekdays as "Saturday and Sunday"."""
    names = weekday_names()
    return listed([names[day - 1] for day in sorted(days)])


def days_label(need: Need) -> str:
    """ "Every Saturday and Sunday" or the dates, in the current language."""
    if need.weekdays:
        return _("Every %(days)s", days=day_names(need.weekdays))
    return listed([day.isoformat() for day in need.dates])


def when_label(need: Need) -> str:
    """Days and the time window, e.g. "Every Saturday, 13:00–17:00"."""
    return _(
        "%(days)s, %(start)s–%(end)s",
        days=days_label(need),
        start=hhmm(need.starts_minute),
        end=hhmm(need.ends_minute),
    )


def owner_summary(need: Need) -> str:
    """What an owner is told about a need: what, when, how many — not who, not where."""
    lines = [
        _("When: %(when)s", when=when_label(need)),
        _("People: %(n)d", n=need.headcount),
        _("Free of charge only") if need.free_only else _("Paid places are fine"),
    ]
    return "\n".join(lines)
