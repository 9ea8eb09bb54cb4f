"""Listings that need confirming, as staff see them."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import joinedload

from hiroba.places.models import Place, PlaceStatus

STALE_LIMIT = 200


def stale_places(wards: Collection[str] | None) -> Select:
    """Published places whose owner was reminded and has not confirmed, and hidden ones: the
    longest unconfirmed first. ``wards`` None means every ward (admins)."""
    stmt = (
        select(Place)
        .where(
            or_(
                Place.status == PlaceStatus.DORMANT,
                and_(
                    Place.status == PlaceStatus.APPROVED,
                    Place.reminded_at >= Place.last_confirmed_at,
                ),
            )
        )
        .options(joinedload(Place.district), joinedload(Place.owner))
        .order_by(Place.last_confirmed_at, Place.id)
        .limit(STALE_LIMIT)
    )
    if wards is not None:
        stmt = stmt.where(Place.district_code.in_(sorted(wards)))
    return stmt
