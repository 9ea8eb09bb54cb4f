"""Reading activities: a place's, and the published ones the API searches."""

from __future__ import annotations

from datetime import date

from geoalchemy2 import Geometry
from sqlalchemy import Select, cast, func, or_, select

from hiroba.activities.models import Activity
from hiroba.places.models import Place, PlaceStatus


def activities_at(place_id: int) -> Select:
    """A place's activities, oldest first (the order their managers added them)."""
    return select(Activity).where(Activity.place_id == place_id).order_by(Activity.id)


def published_activities() -> Select:
    """Activities at published places: the only ones anybody but their managers sees."""
    return (
        select(Activity)
        .join(Place, Place.id == Activity.place_id)
        .where(Place.status == PlaceStatus.APPROVED)
    )


def search_activities(
    bbox: tuple[float, float, float, float] | None = None,
    place_id: int | None = None,
    first: date | None = None,
    last: date | None = None,
) -> Select:
    """Published activities whose place's PUBLIC point is in ``bbox`` (never the true point,
    or tiny boxes would find a house), at one place, and whose period meets ``first``–``last``
    (a coarse filter: the rule itself is checked in Python), in id order."""
    stmt = published_activities()
    if bbox is not None:
        envelope = func.ST_MakeEnvelope(*bbox, 4326)
        stmt = stmt.where(func.ST_Intersects(Place.public_location, cast(envelope, Geometry)))
    if place_id is not None:
        stmt = stmt.where(Activity.place_id == place_id)
    if last is not None:
        stmt = stmt.where(Activity.starts_on <= last)
    if first is not None:
        stmt = stmt.where(or_(Activity.ends_on.is_(None), Activity.ends_on >= first))
    return stmt.order_by(Activity.id)
