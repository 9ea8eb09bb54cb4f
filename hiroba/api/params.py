"""Strict parsing of API query parameters: unknown names and bad values are 400s, never 500s."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from hiroba.errors import InvalidParameter

MAX_OFFSET = 100_000
WHOLE_NUMBER = re.compile(r"^\s*-?[0-9]{1,12}\s*$")


@dataclass(frozen=True)
class ItemsQuery:
    bbox: tuple[float, float, float, float] | None
    limit: int
    offset: int


def reject_unknown(args: MultiDict, allowed: Iterable[str]) -> None:
    allowed = set(allowed)
    for name in args:
        if name not in allowed:
            raise InvalidParameter(
                name[:60],
                _l("Unknown parameter. Allowed: %(names)s", names=", ".join(sorted(allowed))),
            )
    for name in allowed:
        if len(args.getlist(name)) > 1:
            raise InvalidParameter(name, _l("Give this parameter once."))


def parse_int(args: MultiDict, name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    if not WHOLE_NUMBER.match(raw):
        raise InvalidParameter(name, _l("Must be a whole number."))
    value = int(raw)
    if not low <= value <= high:
        raise InvalidParameter(
            name, _l("Must be between %(low)s and %(high)s.", low=low, high=high)
        )
    return value


def parse_bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    """``min lon, min lat, max lon, max lat`` in degrees (EPSG:4326 / CRS84)."""
    if raw is None:
        return None
    parts = raw.split(",")
    if len(parts) != 4:
        raise InvalidParameter(
            "bbox",
            _l("Give four numbers: min longitude, min latitude, max longitude, max latitude."),
        )
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise InvalidParameter("bbox", _l("The four values must be numbers.")) from None
    if not all(math.isfinite(v) for v in values):
        raise InvalidParameter("bbox", _l("The four values must be finite numbers."))
    min_lon, min_lat, max_lon, max_lat = values
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        raise InvalidParameter("bbox", _l("Longitudes must be between -180 and 180."))
    if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        raise InvalidParameter(
            "bbox", _l("Latitudes must be between -90 and 90 (longitude comes first).")
        )
    if min_lon > max_lon or min_lat > max_lat:
        raise InvalidParameter("bbox", _l("The minimum must not exceed the maximum."))
    return (min_lon, min_lat, max_lon, max_lat)


def parse_format(args: MultiDict) -> str:
    fmt = args.get("f", "json")
    if fmt not in ("json", "geojson"):
        raise InvalidParameter("f", _l("Supported formats: json, geojson."))
    return fmt


def parse_items_query(args: MultiDict, default_limit: int, max_limit: int) -> ItemsQuery:
    reject_unknown(args, {"bbox", "limit", "offset", "f"})
    parse_format(args)
    return ItemsQuery(
        bbox=parse_bbox(args.get("bbox")),
        limit=parse_int(args, "limit", default_limit, 1, max_limit),
        offset=parse_int(args, "offset", 0, 0, MAX_OFFSET),
    )
