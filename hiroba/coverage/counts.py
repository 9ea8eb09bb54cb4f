"""How many places a ward has: by status (every listing), and by kind, sector, who may use them
and accessibility (published places only, as residents find them)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Select, func, select

from hiroba.extensions import db
from hiroba.places.models import Place, PlaceStatus
from hiroba.places.search import PlaceSearch, search_places
from hiroba.places.vocabulary import Accessibility, Audience, PlaceKind, Sector, label


def status_counts(code: str) -> Select:
    """(status, places) of every listing in the ward, whatever its status."""
    return (
        select(Place.status, func.count(Place.id))
        .where(Place.district_code == code)
        .group_by(Place.status)
    )


def published_counts(code: str, column) -> Select:
    """(value of ``column``, published places) in the ward."""
    return (
        search_places(PlaceSearch(districts=(code,)))
        .order_by(None)
        .with_only_columns(column, func.count(Place.id))
        .group_by(column)
    )


def accessibility_counts(code: str) -> Select:
    """(feature, published places that have it) in the ward."""
    feature = func.unnest(Place.accessibility).label("feature")
    listed = (
        search_places(PlaceSearch(districts=(code,)))
        .order_by(None)
        .with_only_columns(Place.id, feature)
        .subquery()
    )
    return select(listed.c.feature, func.count()).group_by(listed.c.feature)


@dataclass(frozen=True)
class Breakdown:
    """One table of counts: every value of a vocabulary with its number of places."""

    key: str  # the column's name in CSV files and the API (kind, sector, who, …)
    title: str
    rows: list[tuple[str, str, int]]  # (value, label, places)
    of_total: int  # what the rows are out of (a place may have several features)

    @property
    def largest(self) -> int:
        return max((count for _, _, count in self.rows), default=0)


def _breakdown(key: str, title: str, enum: type[StrEnum], counts: dict, total: int) -> Breakdown:
    rows = [(m.value, label(m), int(counts.get(m.value, 0))) for m in enum]
    return Breakdown(key, title, rows, total)


def ward_breakdowns(code: str, titles: dict[str, str]) -> list[Breakdown]:
    """Counts by status, kind, sector, who may use it and accessibility, every value listed."""

    def counted(stmt: Select) -> dict[str, int]:
        return {str(value): count for value, count in db.session.execute(stmt)}

    by_status = counted(status_counts(code))
    published = by_status.get(PlaceStatus.APPROVED.value, 0)
    return [
        _breakdown("status", titles["status"], PlaceStatus, by_status, sum(by_status.values())),
        _breakdown("kind", titles["kind"], PlaceKind,
                   counted(published_counts(code, Place.kind)), published),
        _breakdown("sector", titles["sector"], Sector,
                   counted(published_counts(code, Place.sector)), published),
        _breakdown("who", titles["who"], Audience,
                   counted(published_counts(code, Place.who_may_use)), published),
        _breakdown("accessibility", titles["accessibility"], Accessibility,
                   counted(accessibility_counts(code)), published),
    ]  # fmt: skip
