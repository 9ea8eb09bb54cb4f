"""Queries over places, each returning a composable ``Select``.

Public queries filter and sort on ``public_location`` only: the exact point of an approximate
place never takes part in anything the public can ask.
"""

from __future__ import annotations

from sqlalchemy import Select, func, select

from hiroba.places.models import Place, PlaceRevision, PlaceStatus, RevisionStatus


def approved_places() -> Select:
    """Places the public may see."""
    return select(Place).where(Place.status == PlaceStatus.APPROVED)


def within_bbox(stmt: Select, bbox: tuple[float, float, float, float]) -> Select:
    """Keep places whose public point lies in (min lon, min lat, max lon, max lat)."""
    envelope = func.ST_MakeEnvelope(*bbox, 4326)
    return stmt.where(func.ST_Intersects(Place.public_location, envelope))


def public_listing_order(stmt: Select) -> Select:
    """A stable order for lists: by reading (kana), then name, then id."""
    return stmt.order_by(func.coalesce(Place.name_kana, Place.name), Place.name, Place.id)


def pending_revision_of(place: Place) -> Select:
    """The place's revision waiting for review (at most one)."""
    return select(PlaceRevision).where(
        PlaceRevision.place_id == place.id, PlaceRevision.status == RevisionStatus.PENDING
    )
