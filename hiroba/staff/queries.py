"""Queries of the staff pages: the review queue, its wards and a place's history.

The queue holds two kinds of work: places waiting for their first decision, and proposed
changes (revisions) to published places. Both come out of one ``Select``, oldest first, so
that the list, the map and their counts always agree.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import BigInteger, Select, cast, func, null, select, union_all
from sqlalchemy.orm import joinedload

from hiroba.districts.models import District
from hiroba.extensions import db
from hiroba.permissions import is_admin
from hiroba.places.models import Place, PlaceRevision, PlaceStatus, RevisionStatus
from hiroba.places.vocabulary import PlaceKind
from hiroba.review.models import ReviewEvent

# The list and the map show at most this many items; a ward's queue is far shorter.
QUEUE_LIMIT = 500


@dataclass(frozen=True)
class QueueEntry:
    """One item of work: a pending place, or a pending revision of a published place."""

    place: Place
    revision: PlaceRevision | None
    waiting_since: datetime

    def days_waited(self, now: datetime | None = None) -> int:
        return max(0, ((now or datetime.now(UTC)) - self.waiting_since).days)


def reviewable_wards(user) -> frozenset[str] | None:
    """The district codes whose listings ``user`` reviews; None means every ward (admins)."""
    if is_admin(user):
        return None
    return frozenset(user.ward_codes)


def _filtered(
    stmt: Select, wards: Collection[str] | None, ward: str | None, kind: PlaceKind | None
) -> Select:
    if wards is not None:
        stmt = stmt.where(Place.district_code.in_(sorted(wards)))
    if ward:
        stmt = stmt.where(Place.district_code == ward)
    if kind:
        stmt = stmt.where(Place.kind == kind)
    return stmt


def pending_places(
    wards: Collection[str] | None, ward: str | None = None, kind: PlaceKind | None = None
) -> Select:
    """(place_id, revision_id NULL, waiting_since) of places waiting for a first decision."""
    waiting_since = func.coalesce(Place.submitted_at, Place.updated_at)
    stmt = select(
        Place.id.label("place_id"),
        cast(null(), BigInteger).label("revision_id"),
        waiting_since.label("waiting_since"),
    ).where(Place.status == PlaceStatus.PENDING)
    return _filtered(stmt, wards, ward, kind)


def pending_revisions(
    wards: Collection[str] | None, ward: str | None = None, kind: PlaceKind | None = None
) -> Select:
    """(place_id, revision_id, waiting_since) of proposed changes to published places.

    A revision waits from its last save: an owner who keeps editing restarts the clock, as
    the reviewer has new values to read.
    """
    stmt = (
        select(
            PlaceRevision.place_id.label("place_id"),
            PlaceRevision.id.label("revision_id"),
            PlaceRevision.updated_at.label("waiting_since"),
        )
        .join(Place, Place.id == PlaceRevision.place_id)
        .where(PlaceRevision.status == RevisionStatus.PENDING, Place.status == PlaceStatus.APPROVED)
    )
    return _filtered(stmt, wards, ward, kind)


def review_queue(
    wards: Collection[str] | None, ward: str | None = None, kind: PlaceKind | None = None
) -> Select:
    """Rows of (Place, PlaceRevision or None, waiting_since), the longest waiting first."""
    entries = union_all(
        pending_places(wards, ward, kind), pending_revisions(wards, ward, kind)
    ).subquery("queue")
    return (
        select(Place, PlaceRevision, entries.c.waiting_since)
        .join(entries, entries.c.place_id == Place.id)
        .outerjoin(PlaceRevision, PlaceRevision.id == entries.c.revision_id)
        .options(
            joinedload(Place.owner), joinedload(Place.district), joinedload(Place.registered_by)
        )
        .order_by(entries.c.waiting_since, Place.id, entries.c.revision_id)
    )


def queue_entries(stmt: Select, limit: int = QUEUE_LIMIT) -> list[QueueEntry]:
    """Run a ``review_queue`` select: its first ``limit`` entries."""
    rows = db.session.execute(stmt.limit(limit)).all()
    return [QueueEntry(place, revision, since) for place, revision, since in rows]


def count_of(stmt: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))


def wards_of(wards: Collection[str] | None) -> Select:
    """The districts among ``wards`` (all of them for None), in code order."""
    stmt = select(District).order_by(District.code)
    if wards is not None:
        stmt = stmt.where(District.code.in_(sorted(wards)))
    return stmt


def wards_extent(
    codes: Collection[str] | None,
) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """((south, west), (north, east)) around the given districts (all for None)."""
    extent = func.ST_Extent(District.boundary)
    stmt = select(
        func.ST_YMin(extent), func.ST_XMin(extent), func.ST_YMax(extent), func.ST_XMax(extent)
    )
    if codes is not None:
        stmt = stmt.where(District.code.in_(sorted(codes)))
    box = db.session.execute(stmt).one()
    return None if box[0] is None else ((box[0], box[1]), (box[2], box[3]))


def place_history(place: Place) -> Select:
    """Every review event of ``place``, oldest first, with who acted."""
    return (
        select(ReviewEvent)
        .where(ReviewEvent.place_id == place.id)
        .options(joinedload(ReviewEvent.actor))
        .order_by(ReviewEvent.created_at, ReviewEvent.id)
    )
