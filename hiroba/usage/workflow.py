"""The life of a usage request: which status changes exist, and who may make each.

requested → accepted | declined | proposed | withdrawn; proposed → accepted | withdrawn;
accepted → cancelled; requested | proposed | accepted → closed (by hiroba). Nothing else, and
every change is recorded as a usage event.
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l

from hiroba.usage.models import UsageStatus as S


class Side(StrEnum):
    """Who acts on a request."""

    REQUESTER = "requester"
    OWNER = "owner"  # the place's owner, or staff of its ward acting as coordinator
    SYSTEM = "system"  # hiroba itself: the place was archived, or the time passed


TRANSITIONS: dict[tuple[S, S], frozenset[Side]] = {
    (S.REQUESTED, S.ACCEPTED): frozenset({Side.OWNER}),
    (S.REQUESTED, S.DECLINED): frozenset({Side.OWNER}),
    (S.REQUESTED, S.PROPOSED): frozenset({Side.OWNER}),
    (S.REQUESTED, S.WITHDRAWN): frozenset({Side.REQUESTER}),
    (S.PROPOSED, S.ACCEPTED): frozenset({Side.REQUESTER}),  # the requester takes the new time
    (S.PROPOSED, S.WITHDRAWN): frozenset({Side.REQUESTER}),
    (S.ACCEPTED, S.CANCELLED): frozenset({Side.OWNER, Side.REQUESTER}),
    (S.REQUESTED, S.CLOSED): frozenset({Side.SYSTEM}),
    (S.PROPOSED, S.CLOSED): frozenset({Side.SYSTEM}),
    (S.ACCEPTED, S.CLOSED): frozenset({Side.SYSTEM}),
}

# Saying no to someone, or calling off what was agreed, must say why.
REASON_REQUIRED = frozenset({S.DECLINED, S.CANCELLED})


def sides_for(from_status: S, to_status: S) -> frozenset[Side]:
    """Who may move a request between these statuses (empty: the move does not exist)."""
    return TRANSITIONS.get((from_status, to_status), frozenset())


# What each status is called where people read it (kept apart from the place vocabulary's
# labels, whose keys would collide: a revision and a request can both be "withdrawn").
STATUS_LABELS = {
    S.REQUESTED: _l("Waiting for the owner's answer"),
    S.PROPOSED: _l("Another time proposed"),
    S.ACCEPTED: _l("Accepted"),
    S.DECLINED: _l("Declined"),
    S.WITHDRAWN: _l("Withdrawn"),
    S.CANCELLED: _l("Cancelled"),
    S.CLOSED: _l("Closed by hiroba"),
}


def status_label(status: S) -> str:
    return str(STATUS_LABELS[S(status)])
