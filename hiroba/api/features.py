"""The public GeoJSON Feature of a place, kept ready by PostgreSQL as JSON text.

One serializer for every public output of places (API items, the map layer):
``hiroba_place_feature(places)`` in the database (migration 0012) defines what the public may
see of a place, and triggers keep each place's Feature in ``place_features``. Approximate
places expose their public point only — no street address and no outline. Python only joins
Features, so a page of a thousand places never becomes a thousand Python objects.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, Text, func, literal_column, select
from sqlalchemy.dialects.postgresql import JSON, aggregate_order_by

from hiroba.districts.models import District
from hiroba.places.models import Place, PlaceFeature

COORDINATE_DECIMALS = 6  # about 10 cm


def _geojson(geometry):
    return func.ST_AsGeoJSON(geometry, COORDINATE_DECIMALS).cast(JSON)


def with_distance(feature: ColumnElement, distance: ColumnElement | None) -> ColumnElement:
    """The Feature with ``distance_m`` (metres, rounded) appended to its properties.

    A stored Feature ends with the closing braces of its properties and of itself, so the
    distance goes in as text before them: the rest is never parsed again.
    """
    if distance is None:
        return feature
    rounded = func.round(distance).cast(Text)
    return func.left(feature, -2).concat(', "distance_m" : ').concat(rounded).concat("}}")


def feature_rows(places: Select, distance=None) -> Select:
    """Turn a ``select(Place)…`` into a select of Feature JSON text, keeping filters and order.

    ``distance`` (metres, from the public point) is added to the properties when given.
    """
    feature = with_distance(PlaceFeature.feature, distance)
    columns = places.with_only_columns(feature.label("feature"), maintain_column_froms=True)
    return columns.join(PlaceFeature, PlaceFeature.place_id == Place.id)


def feature_page(page: Select, last: int) -> Select:
    """One row for a page of places: its Features as JSON in UTF-8 (bytes), comma-separated
    and in order, and how many places ``page`` found.

    ``page`` selects ids and positions, and distances for a search near a point
    (``page_of_places``); Features are joined for positions up to ``last`` only, so a page may
    ask for one place more to learn whether another follows.
    """
    chosen = page.subquery("chosen")
    distance = chosen.c.distance if "distance" in chosen.c else None
    feature = with_distance(PlaceFeature.feature, distance)
    in_order = aggregate_order_by(literal_column("','"), chosen.c.position)
    features = func.string_agg(feature, in_order).filter(chosen.c.position <= last)
    as_utf8 = func.convert_to(func.coalesce(features, ""), "UTF8")  # bytes, never decoded
    return select(as_utf8, func.count()).select_from(
        chosen.join(PlaceFeature, PlaceFeature.place_id == chosen.c.id)
    )


def district_feature_json():
    """SQL expression: the public Feature of the current ``districts`` row, as JSON text."""
    properties = func.json_build_object(
        "code",
        District.code,
        "name_ja",
        District.name_ja,
        "name_en",
        District.name_en,
        "city_ja",
        District.city_ja,
        "prefecture_ja",
        District.prefecture_ja,
    )
    return func.json_build_object(
        "type",
        "Feature",
        "id",
        District.code,
        "geometry",
        _geojson(District.boundary),
        "properties",
        properties,
    ).cast(Text)


def district_rows(districts: Select) -> Select:
    """Turn a ``select(District)…`` into a select of Feature JSON text, keeping its order."""
    return districts.with_only_columns(district_feature_json())


def bbox_of(rows: Select, geometry) -> Select:
    """min lon, min lat, max lon, max lat around ``geometry`` over ``rows`` (all NULL if none)."""
    extent = func.ST_Extent(geometry)
    return rows.with_only_columns(
        func.ST_XMin(extent), func.ST_YMin(extent), func.ST_XMax(extent), func.ST_YMax(extent)
    ).order_by(None)
