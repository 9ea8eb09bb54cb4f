"""Reading usage requests: each side's lists, busy times, and what each side may see."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import joinedload

from hiroba.accounts.models import User
from hiroba.places.models import Place
from hiroba.usage.models import PlaceBlock, UsageRequest, UsageStatus


def uses_overlapping(
    place_id: int, starts_at: datetime, ends_at: datetime, ignore: UsageRequest | None = None
) -> Select:
    """Agreed uses of the place that overlap [starts_at, ends_at)."""
    stmt = select(UsageRequest).where(
        UsageRequest.place_id == place_id,
        UsageRequest.status == UsageStatus.ACCEPTED,
        UsageRequest.starts_at < ends_at,
        UsageRequest.ends_at > starts_at,
    )
    if ignore is not None and ignore.id is not None:
        stmt = stmt.where(UsageRequest.id != ignore.id)
    return stmt.order_by(UsageRequest.starts_at)


def blocks_overlapping(place_id: int, starts_at: datetime, ends_at: datetime) -> Select:
    """The owner's closed times of the place that overlap [starts_at, ends_at)."""
    return (
        select(PlaceBlock)
        .where(
            PlaceBlock.place_id == place_id,
            PlaceBlock.starts_at < ends_at,
            PlaceBlock.ends_at > starts_at,
        )
        .order_by(PlaceBlock.starts_at)
    )


def busy_times(place_id: int, starts_at: datetime, ends_at: datetime) -> Select:
    """When the place is taken, for everyone to see: start and end only, never who."""
    return (
        select(UsageRequest.starts_at, UsageRequest.ends_at)
        .where(
            UsageRequest.place_id == place_id,
            UsageRequest.status == UsageStatus.ACCEPTED,
            UsageRequest.starts_at < ends_at,
            UsageRequest.ends_at > starts_at,
        )
        .order_by(UsageRequest.starts_at)
    )


def _listing() -> Select:
    return select(UsageRequest).options(
        joinedload(UsageRequest.place), joinedload(UsageRequest.requester)
    )


def _soonest_first(stmt: Select) -> Select:
    """Uses still to come first, the soonest at the top; then past ones, the latest first.

    (Latest-start-first alone would put next year's request above tomorrow's.)"""
    past = UsageRequest.ends_at <= func.now()
    return stmt.order_by(
        past,
        case((~past, UsageRequest.starts_at)).asc(),
        UsageRequest.starts_at.desc(),
        UsageRequest.id.desc(),
    )


def requests_by(user: User) -> Select:
    """The requests ``user`` made, soonest first."""
    return _soonest_first(_listing().where(UsageRequest.requester_id == user.id))


def requests_to_owner(user: User) -> Select:
    """Requests for places ``user`` owns, soonest first."""
    stmt = _listing().join(Place, Place.id == UsageRequest.place_id)
    return _soonest_first(stmt.where(Place.owner_id == user.id))


def requests_in_wards(codes: set[str] | None) -> Select:
    """Requests for places in these wards (None: every ward, for admins)."""
    stmt = _listing().join(Place, Place.id == UsageRequest.place_id)
    if codes is not None:
        stmt = stmt.where(Place.district_code.in_(sorted(codes)))
    return _soonest_first(stmt)


def requests_for_place(place: Place) -> Select:
    """Requests for one place, soonest first."""
    return _soonest_first(_listing().where(UsageRequest.place_id == place.id))


def blocks_ahead(place_id: int, since: datetime) -> Select:
    """The owner's closed times of the place that have not ended by ``since``."""
    return (
        select(PlaceBlock)
        .where(PlaceBlock.place_id == place_id, PlaceBlock.ends_at > since)
        .order_by(PlaceBlock.starts_at)
    )
