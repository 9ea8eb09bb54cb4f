"""The public GeoJSON Feature of a place, built by PostgreSQL as JSON text.

One serializer for every public output of places (API items, the map layer): the database
assembles each Feature and Python only joins them, so a page of a thousand places never
becomes a thousand Python objects. Approximate places expose their public point only — no
street address and no outline.
"""

from __future__ import annotations

from sqlalchemy import Select, Text, case, func, select, text
from sqlalchemy.dialects.postgresql import JSON, aggregate_order_by

from hiroba.districts.models import District
from hiroba.places.models import OpeningPeriod, Place
from hiroba.places.vocabulary import LocationPrecision

COORDINATE_DECIMALS = 6  # about 10 cm


def _hhmm(minutes):
    return func.to_char(func.make_interval(0, 0, 0, 0, 0, minutes), "HH24:MI")


def _opening_hours():
    period = func.json_build_object(
        "weekday",
        OpeningPeriod.weekday,
        "opens",
        _hhmm(OpeningPeriod.opens_minute),
        "closes",
        _hhmm(OpeningPeriod.closes_minute),
    )
    ordered = aggregate_order_by(period, OpeningPeriod.weekday, OpeningPeriod.opens_minute)
    return (
        select(func.coalesce(func.json_agg(ordered), text("'[]'::json")))
        .where(OpeningPeriod.place_id == Place.id)
        .scalar_subquery()
    )


def _geojson(geometry):
    return func.ST_AsGeoJSON(geometry, COORDINATE_DECIMALS).cast(JSON)


def feature_json(distance=None):
    """SQL expression: the public Feature of the current ``places`` row, as JSON text.

    ``distance`` (metres, from the public point) is added to the properties when given.
    """
    exact = Place.location_precision == LocationPrecision.EXACT
    extra = [] if distance is None else ["distance_m", func.round(distance)]
    properties = func.json_build_object(
        "name",
        Place.name,
        "name_kana",
        Place.name_kana,
        "name_en",
        Place.name_en,
        "kind",
        Place.kind,
        "sector",
        Place.sector,
        "description",
        Place.description,
        "address",
        case((exact, Place.address)),
        "district",
        Place.district_code,
        "district_name",
        District.name_ja,
        "district_name_en",
        District.name_en,
        "location_precision",
        Place.location_precision,
        "footprint",
        case((exact, _geojson(Place.footprint))),
        "capacity",
        Place.capacity,
        "floor_area_m2",
        Place.floor_area_m2,
        "amenities",
        Place.amenities,
        "accessibility",
        Place.accessibility,
        "conditions",
        Place.conditions,
        "fee",
        Place.fee,
        "fee_details",
        Place.fee_details,
        "who_may_use",
        Place.who_may_use,
        "opening_hours",
        _opening_hours(),
        "hours_note",
        Place.hours_note,
        "contact_phone",
        Place.contact_phone,
        "contact_email",
        Place.contact_email,
        "website_url",
        Place.website_url,
        "last_confirmed_at",
        Place.last_confirmed_at,
        "updated_at",
        Place.updated_at,
        *extra,
    )
    return func.json_build_object(
        "type",
        "Feature",
        "id",
        Place.id,
        "geometry",
        _geojson(Place.public_location),
        "properties",
        properties,
    ).cast(Text)


def feature_rows(places: Select, distance=None) -> Select:
    """Turn a ``select(Place)…`` into a select of Feature JSON text, keeping filters and order."""
    return places.with_only_columns(feature_json(distance)).join(
        District, District.code == Place.district_code
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
