"""The public GeoJSON Feature of a place, built by PostgreSQL as JSON text.

One serializer for every public output of places (API items, the map layer): the database
assembles each Feature and Python only joins them, so a page of a thousand places never
becomes a thousand Python objects. Approximate places expose their public point only — no
street address and no outline.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import ColumnElement, Select, Text, case, func, literal_column, select, text
from sqlalchemy.dialects import postgresql
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


@cache
def _feature_sql() -> ColumnElement:
    """``feature_json()`` compiled once into SQL text (it has no parameters of its own).

    Building and keying its thirty-odd properties cost more Python time than the rest of a
    request; as text the statement's cache key only hashes it. Compiled inside a select of
    places, so that the opening hours stay correlated to the row.
    """
    stmt = select(feature_json().label("feature")).join_from(
        Place, District, District.code == Place.district_code
    )
    sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    column, found, _ = sql.removeprefix("SELECT ").rpartition(" AS feature \nFROM places JOIN")
    if not found:
        raise RuntimeError("the Feature's SQL did not compile as expected")
    return literal_column(column, Text)


def feature_rows(places: Select, distance=None) -> Select:
    """Turn a ``select(Place)…`` into a select of Feature JSON text, keeping filters and order.

    ``places`` must read the table as ``places`` (not an alias), as ``select(Place)`` does.
    """
    feature = _feature_sql() if distance is None else feature_json(distance)
    # The Feature as text names no table: keep the FROM of the columns it replaces.
    columns = places.with_only_columns(feature.label("feature"), maintain_column_froms=True)
    return columns.join(District, District.code == Place.district_code)


def feature_page(page: Select, last: int, distance=None) -> Select:
    """One row for a page of places: its Features as JSON text, comma-separated and in order,
    and how many places ``page`` found.

    ``page`` selects ids and positions (``page_of_places``); Features are built for positions
    up to ``last`` only, so a page may ask for one place more to learn whether another follows.
    PostgreSQL joins the page, so Python never holds a Feature of its own.
    """
    chosen = page.subquery("chosen")
    rows = (
        feature_rows(select(Place).join(chosen, Place.id == chosen.c.id), distance)
        .add_columns(chosen.c.position)
        .subquery("rows")
    )
    in_order = aggregate_order_by(literal_column("','"), rows.c.position)
    features = func.string_agg(rows.c.feature, in_order).filter(rows.c.position <= last)
    return select(func.coalesce(features, ""), func.count())


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
