"""Queries over districts."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, func, select

from hiroba import geo
from hiroba.districts.models import District
from hiroba.extensions import db
from hiroba.places.models import Place
from hiroba.places.search import PlaceSearch, search_places

# Outlines on a map need no survey precision: about 10 m keeps them light to send.
DISPLAY_TOLERANCE_DEG = 0.0001


def extent(codes: Iterable[str] = ()) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """((south, west), (north, east)) around every district (or those of ``codes``), or None
    when there are none."""
    stmt = select(
        func.ST_YMin(func.ST_Extent(District.boundary)),
        func.ST_XMin(func.ST_Extent(District.boundary)),
        func.ST_YMax(func.ST_Extent(District.boundary)),
        func.ST_XMax(func.ST_Extent(District.boundary)),
    )
    codes = list(codes)
    if codes:
        stmt = stmt.where(District.code.in_(codes))
    box = db.session.execute(stmt).one()
    return None if box[0] is None else ((box[0], box[1]), (box[2], box[3]))


def district_at(point) -> District | None:
    """The district covering ``point`` (a Shapely point), decided as the database decides it."""
    code = db.session.scalar(select(func.hiroba_district_at(geo.sql_value(point))))
    return db.session.get(District, code) if code else None


def all_districts() -> Select:
    return select(District).order_by(District.code)


def search_districts(bbox: tuple[float, float, float, float] | None = None) -> Select:
    """Districts whose boundary meets ``bbox`` (min lon, min lat, max lon, max lat), by code."""
    stmt = all_districts()
    if bbox is not None:
        stmt = stmt.where(func.ST_Intersects(District.boundary, func.ST_MakeEnvelope(*bbox, 4326)))
    return stmt


def outlines_geojson(codes: Iterable[str] = ()) -> dict[str, Any]:
    """Every district's (or those of ``codes``) simplified outline as a FeatureCollection, for
    drawing on maps."""
    geometry = func.ST_AsGeoJSON(
        func.ST_SimplifyPreserveTopology(District.boundary, DISPLAY_TOLERANCE_DEG), 5
    )
    stmt = select(District.code, District.name_ja, District.name_en, geometry)
    codes = list(codes)
    if codes:
        stmt = stmt.where(District.code.in_(codes))
    rows = db.session.execute(stmt.order_by(District.code)).all()
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": code,
                "properties": {"code": code, "name_ja": name_ja, "name_en": name_en},
                "geometry": json.loads(geojson),
            }
            for code, name_ja, name_en, geojson in rows
        ],
    }


def place_counts_by_kind(search: PlaceSearch) -> Select:
    """(kind, number of published places) for every kind with at least one match."""
    return (
        search_places(search)
        .order_by(None)
        .with_only_columns(Place.kind, func.count(Place.id))
        .group_by(Place.kind)
    )


def districts_with_place_counts() -> Select:
    """(district, number of its published places), every district, by code."""
    published = (
        search_places(PlaceSearch())
        .order_by(None)
        .with_only_columns(Place.district_code, func.count(Place.id).label("places"))
        .group_by(Place.district_code)
        .subquery()
    )
    return (
        select(District, func.coalesce(published.c.places, 0))
        .outerjoin(published, published.c.district_code == District.code)
        .order_by(District.code)
    )
