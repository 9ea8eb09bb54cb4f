"""Queries over districts."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Select, func, select

from hiroba import geo
from hiroba.districts.models import District
from hiroba.extensions import db

# Outlines on a map need no survey precision: about 10 m keeps them light to send.
DISPLAY_TOLERANCE_DEG = 0.0001


def extent() -> tuple[tuple[float, float], tuple[float, float]] | None:
    """((south, west), (north, east)) around every district, or None when there are none."""
    box = db.session.execute(
        select(
            func.ST_YMin(func.ST_Extent(District.boundary)),
            func.ST_XMin(func.ST_Extent(District.boundary)),
            func.ST_YMax(func.ST_Extent(District.boundary)),
            func.ST_XMax(func.ST_Extent(District.boundary)),
        )
    ).one()
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


def outlines_geojson() -> dict[str, Any]:
    """Every district's simplified outline as a FeatureCollection (for drawing on maps)."""
    geometry = func.ST_AsGeoJSON(
        func.ST_SimplifyPreserveTopology(District.boundary, DISPLAY_TOLERANCE_DEG), 5
    )
    rows = db.session.execute(
        select(District.code, District.name_ja, District.name_en, geometry).order_by(District.code)
    ).all()
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
