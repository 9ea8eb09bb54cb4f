"""The listing workflow: which status changes exist, and who may make each.

draft → pending → approved | changes_requested | rejected; changes_requested → pending;
approved → archived; approved → dormant (the freshness job, when nobody confirmed the listing in
time) → approved (confirmed still accurate) | archived. Nothing else, and every change is
recorded as a review event.
"""

from __future__ import annotations

from enum import StrEnum

from hiroba.places.models import PlaceStatus as S


class Party(StrEnum):
    """Who acts on a listing: its owner, or a reviewer (staff of its ward, or an admin)."""

    OWNER = "owner"
    REVIEWER = "reviewer"
    SYSTEM = "system"  # a scheduled job, acting for nobody (its events have no actor)


TRANSITIONS: dict[tuple[S, S], frozenset[Party]] = {
    (S.DRAFT, S.PENDING): frozenset({Party.OWNER}),
    (S.CHANGES_REQUESTED, S.PENDING): frozenset({Party.OWNER}),
    (S.PENDING, S.APPROVED): frozenset({Party.REVIEWER}),
    (S.PENDING, S.CHANGES_REQUESTED): frozenset({Party.REVIEWER}),
    (S.PENDING, S.REJECTED): frozenset({Party.REVIEWER}),
    (S.APPROVED, S.ARCHIVED): frozenset({Party.OWNER, Party.REVIEWER}),
    (S.APPROVED, S.DORMANT): frozenset({Party.SYSTEM}),
    (S.DORMANT, S.APPROVED): frozenset({Party.OWNER, Party.REVIEWER}),
    (S.DORMANT, S.ARCHIVED): frozenset({Party.OWNER, Party.REVIEWER}),
}

# A decision against the owner must say why, so they know what to change.
REASON_REQUIRED = frozenset({S.CHANGES_REQUESTED, S.REJECTED})


def parties_for(from_status: S, to_status: S) -> frozenset[Party]:
    """Who may move a listing between these statuses (empty: nobody, the move does not exist)."""
    return TRANSITIONS.get((from_status, to_status), frozenset())
