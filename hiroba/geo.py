"""The only place that converts geometry: input values <-> Shapely <-> PostGIS <-> GeoJSON.

Everything is EPSG:4326. GeoJSON and PostGIS order coordinates lon, lat; folium's Python API
wants lat, lon, and ``latlon()`` is the one conversion for it. Values from users are parsed and
validated here, at the edge, so that services only ever see sound geometry.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import shapely
from flask_babel import lazy_gettext as _l
from geoalchemy2 import Geometry
from geoalchemy2.elements import WKBElement
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import MultiPolygon, Point, Polygon, mapping, shape
from sqlalchemy import literal

from hiroba.errors import InvalidGeometry

SRID = 4326
# A footprint is drawn by hand on a map; anything bigger than this is a mistake or an attack.
MAX_VERTICES = 2000
MAX_FOOTPRINT_KM2 = 5.0


def _coordinate(value: Any, field: str) -> float:
    if isinstance(value, bool):
        raise InvalidGeometry(field, _l("Coordinates must be numbers."))
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidGeometry(field, _l("Coordinates must be numbers.")) from None
    if not math.isfinite(number):
        raise InvalidGeometry(field, _l("Coordinates must be finite numbers."))
    return number


def check_lon_lat(lon: float, lat: float, field: str) -> None:
    """Refuse out-of-range coordinates, naming the likely swap of latitude and longitude."""
    if not -90 <= lat <= 90 and -90 <= lon <= 90 and -180 <= lat <= 180:
        raise InvalidGeometry(
            field,
            _l(
                "Latitude %(lat)s is out of range; latitude and longitude look swapped "
                "(longitude comes first, e.g. 139.7, 35.5).",
                lat=lat,
            ),
        )
    if not -180 <= lon <= 180:
        raise InvalidGeometry(field, _l("Longitude must be between -180 and 180."))
    if not -90 <= lat <= 90:
        raise InvalidGeometry(field, _l("Latitude must be between -90 and 90."))


def parse_point(lon: Any, lat: Any, field: str = "location") -> Point:
    """A validated point from a longitude and a latitude given as numbers or strings."""
    x, y = _coordinate(lon, field), _coordinate(lat, field)
    check_lon_lat(x, y, field)
    return Point(x, y)


def _positions(coordinates: Any, field: str, depth: int = 0) -> Iterable[tuple[float, float]]:
    """Every [lon, lat] position of nested GeoJSON coordinates, checked before Shapely sees
    them (Shapely warns on NaN and overflows on huge integers)."""
    if not isinstance(coordinates, list | tuple) or depth > 4:
        raise InvalidGeometry(field, _l("The shape could not be read."))
    if coordinates and not isinstance(coordinates[0], list | tuple):
        if len(coordinates) != 2:
            raise InvalidGeometry(field, _l("Each point needs a longitude and a latitude."))
        lon, lat = (_coordinate(c, field) for c in coordinates)
        check_lon_lat(lon, lat, field)
        yield (lon, lat)
        return
    for item in coordinates:
        yield from _positions(item, field, depth + 1)


def _parse_geojson(value: Any, field: str):
    if not isinstance(value, Mapping) or "type" not in value or "coordinates" not in value:
        raise InvalidGeometry(field, _l("Expected a GeoJSON geometry."))
    for count, _position in enumerate(_positions(value["coordinates"], field), start=1):
        if count > MAX_VERTICES:
            raise InvalidGeometry(field, _l("The shape has too many points."))
    try:
        geom = shape(value)
    except (
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
        KeyError,
        shapely.errors.ShapelyError,
    ):
        raise InvalidGeometry(field, _l("The shape could not be read.")) from None
    if geom.is_empty:
        raise InvalidGeometry(field, _l("The shape is empty."))
    return geom


def parse_polygon(value: Any, field: str = "footprint") -> Polygon:
    """A valid polygon from a GeoJSON geometry (a footprint drawn by an owner)."""
    geom = _parse_geojson(value, field)
    if not isinstance(geom, Polygon):
        raise InvalidGeometry(field, _l("The shape must be a single polygon."))
    if not geom.is_valid:
        raise InvalidGeometry(
            field, _l("The outline crosses itself or is not closed; please draw it again.")
        )
    if area_km2(geom) > MAX_FOOTPRINT_KM2:
        raise InvalidGeometry(field, _l("The shape is too large for one place."))
    return shapely.geometry.polygon.orient(geom, 1.0)


def polygonal(geom) -> MultiPolygon:
    """Repair a boundary and keep only its polygons, as one MultiPolygon (for imports)."""
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    parts: list[Polygon] = []
    for part in getattr(geom, "geoms", [geom]):
        if isinstance(part, Polygon):
            parts.append(part)
        elif isinstance(part, MultiPolygon):
            parts.extend(part.geoms)
        elif hasattr(part, "geoms"):
            parts.extend(polygonal(part).geoms)
    oriented = [shapely.geometry.polygon.orient(p, 1.0) for p in parts if not p.is_empty]
    return MultiPolygon(oriented)


def union_polygonal(geoms: Iterable) -> MultiPolygon:
    return polygonal(shapely.union_all([polygonal(g) for g in geoms]))


def area_km2(geom) -> float:
    """Approximate area in km² (local equirectangular projection; fine for places and wards)."""
    if geom.is_empty:
        return 0.0
    lat0 = math.radians(geom.centroid.y)
    kx = 111.320 * math.cos(lat0)
    ky = 110.574
    projected = shapely.transform(geom, lambda c: c * [kx, ky])
    return projected.area


def to_db(geom) -> WKBElement:
    return from_shape(geom, srid=SRID)


def sql_value(geom):
    """A geometry as a typed SQL value, for use as an argument of PostGIS functions."""
    return literal(to_db(geom), Geometry(srid=SRID))


def from_db(element: WKBElement | None):
    return None if element is None else to_shape(element)


def to_geojson(geom) -> dict[str, Any] | None:
    return None if geom is None else mapping(geom)


def latlon(point: Point) -> tuple[float, float]:
    """(lat, lon) for folium's Python API, which takes coordinates in that order."""
    return (point.y, point.x)
