"""The search API's query parameters: one table that both parses requests and documents them.

Parsing is strict: an unknown parameter, a repeated one or a bad value is a 400 naming the
parameter and what is wrong — never a 500, never silently ignored. ``PARAMETERS`` also feeds
the OpenAPI document, so the documentation cannot drift from what the server accepts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from hiroba.districts.codes import InvalidCode, to_code6
from hiroba.errors import InvalidParameter
from hiroba.places.search import TOKYO, PlaceSearch
from hiroba.places.vocabulary import (
    Accessibility,
    Amenity,
    Audience,
    Condition,
    Fee,
    PlaceKind,
    Sector,
)
from hiroba.text import has_forbidden_characters

MAX_OFFSET = 100_000
MAX_LIST_ITEMS = 20
MAX_Q_LENGTH = 100
MAX_RADIUS_M = 50_000
# Larger than Japan in either direction is not a search, it is a crawl: leave bbox out instead.
MAX_BBOX_SPAN = (40.0, 30.0)
WHOLE_NUMBER = re.compile(r"^\s*-?[0-9]{1,12}\s*$")
FORMATS = ("json", "geojson", "csv")
SORT_FIELDS = ("name", "capacity", "updated_at", "distance", "id")


@dataclass(frozen=True)
class Param:
    """One query parameter: how to document it (OpenAPI) and how to read it."""

    name: str
    description: Any  # translated text (lazy)
    schema: dict[str, Any]
    explode: bool | None = None  # False for comma-separated lists
    examples: dict[str, Any] = field(default_factory=dict)


@cache
def _keys(enum) -> tuple[str, ...]:
    """The values of ``enum`` (made once: every search request checks its lists against them)."""
    return tuple(m.value for m in enum)


def _list_schema(values: tuple[str, ...] = (), pattern: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"type": "string"}
    if values:
        item["enum"] = list(values)
    if pattern:
        item["pattern"] = pattern
    return {"type": "array", "items": item, "maxItems": MAX_LIST_ITEMS}


PARAMETERS = [
    Param(
        "bbox",
        _l(
            "Only places whose public point lies in this box: min longitude, min latitude, "
            "max longitude, max latitude (WGS 84, CRS84 axis order)."
        ),
        {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4},
        explode=False,
    ),
    Param(
        "limit", _l("Page size."), {"type": "integer", "minimum": 1, "maximum": 1000, "default": 50}
    ),
    Param(
        "offset",
        _l("Features to skip (for paging; the `next` link does this for you)."),
        {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
    ),
    Param(
        "q",
        _l(
            "Text in the name, reading (kana), English name, description or address "
            "(addresses of places published approximately are not searched). NFKC-normalised; "
            "hiragana and katakana, full- and half-width are folded; words separated by spaces "
            "must all occur. One or two characters work too."
        ),
        {"type": "string", "maxLength": MAX_Q_LENGTH},
    ),
    Param(
        "kind", _l("Any of these kinds of place."), _list_schema(_keys(PlaceKind)), explode=False
    ),
    Param("sector", _l("Any of these sectors."), _list_schema(_keys(Sector)), explode=False),
    Param(
        "district",
        _l("Any of these districts (6-digit 全国地方公共団体コード; 5 digits accepted)."),
        _list_schema(pattern=r"^[0-9]{5,6}$"),
        explode=False,
    ),
    Param(
        "who",
        _l("Any of these: who may use the place."),
        _list_schema(_keys(Audience)),
        explode=False,
    ),
    Param("amenity", _l("All of these amenities."), _list_schema(_keys(Amenity)), explode=False),
    Param(
        "accessibility",
        _l("All of these accessibility features."),
        _list_schema(_keys(Accessibility)),
        explode=False,
    ),
    Param(
        "condition",
        _l("All of these conditions of use (`free` and `paid` are the fee)."),
        _list_schema(_keys(Condition) + _keys(Fee)),
        explode=False,
    ),
    Param(
        "capacity_min",
        _l("At least this many people."),
        {"type": "integer", "minimum": 1, "maximum": 100_000},
    ),
    Param(
        "open_at",
        _l(
            "Open at this moment by the weekly hours: an ISO 8601 date-time (without "
            "an offset it is Asia/Tokyo time), or `now`."
        ),
        {"type": "string", "maxLength": 40},
        examples={"tuesday-morning": {"value": "2026-12-01T10:00:00+09:00"}},
    ),
    Param(
        "near",
        _l(
            "Longitude and latitude to measure from: results come nearest first, with "
            "`distance_m` in their properties."
        ),
        {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
        explode=False,
    ),
    Param(
        "radius",
        _l("With `near`: only places within this many metres."),
        {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_RADIUS_M},
    ),
    Param(
        "sortby",
        _l(
            "Sort order: comma-separated fields, each optionally prefixed with `+` or `-`. "
            "Without it: nearest first with `near`, nearest the centre of the box with "
            "`bbox`, otherwise by reading (kana)."
        ),
        _list_schema(pattern=r"^[+-]?(" + "|".join(SORT_FIELDS) + ")$"),
        explode=False,
    ),
    Param(
        "f",
        _l(
            "Format: `json` (a page of GeoJSON, the default), `geojson` (every match as a "
            "GeoJSON file) or `csv` (every match as 公共施設一覧 CSV)."
        ),
        {"type": "string", "enum": list(FORMATS)},
    ),
]
NAMES = [p.name for p in PARAMETERS]


@dataclass(frozen=True)
class ItemsRequest:
    search: PlaceSearch
    limit: int | None  # None: every match (exports)
    offset: int
    format: str


def reject_unknown(args: MultiDict, allowed: Iterable[str]) -> None:
    allowed = list(allowed)
    for name in args:
        if name not in allowed:
            raise InvalidParameter(
                name[:60],
                _l("Unknown parameter. Allowed: %(names)s", names=", ".join(sorted(allowed))),
            )
    for name in args:
        if len(args.getlist(name)) > 1:
            raise InvalidParameter(name, _l("Give this parameter once."))


def parse_int(args: MultiDict, name: str, default: int | None, low: int, high: int) -> int | None:
    raw = args.get(name)
    if raw is None:
        return default
    if not WHOLE_NUMBER.match(raw):
        raise InvalidParameter(name, _l("Must be a whole number."))
    value = int(raw)
    if not low <= value <= high:
        message = _l("Must be between %(low)s and %(high)s.", low=low, high=high)
        raise InvalidParameter(name, message)
    return value


def _numbers(name: str, raw: str, count: int) -> list[float]:
    parts = raw.split(",")
    if len(parts) != count:
        raise InvalidParameter(name, _l("Give %(n)d numbers separated by commas.", n=count))
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise InvalidParameter(name, _l("The values must be numbers.")) from None
    if not all(math.isfinite(v) for v in values):
        raise InvalidParameter(name, _l("The values must be finite numbers."))
    return values


def _check_lon_lat(name: str, lon: float, lat: float) -> None:
    if not -180 <= lon <= 180:
        raise InvalidParameter(name, _l("Longitudes must be between -180 and 180."))
    if not -90 <= lat <= 90:
        raise InvalidParameter(
            name, _l("Latitudes must be between -90 and 90 (longitude comes first).")
        )


def parse_bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    """``min lon, min lat, max lon, max lat`` in degrees (CRS84)."""
    if raw is None:
        return None
    min_lon, min_lat, max_lon, max_lat = _numbers("bbox", raw, 4)
    _check_lon_lat("bbox", min_lon, min_lat)
    _check_lon_lat("bbox", max_lon, max_lat)
    if min_lon > max_lon or min_lat > max_lat:
        raise InvalidParameter("bbox", _l("The minimum must not exceed the maximum."))
    if max_lon - min_lon > MAX_BBOX_SPAN[0] or max_lat - min_lat > MAX_BBOX_SPAN[1]:
        raise InvalidParameter(
            "bbox", _l("The box is too large; leave bbox out to search everywhere.")
        )
    return (min_lon, min_lat, max_lon, max_lat)


def _vocabulary_list(name: str, raw: str | None, allowed: tuple[str, ...]) -> tuple[str, ...]:
    if raw is None:
        return ()
    values = [v.strip() for v in raw.split(",") if v.strip()]
    if len(values) > MAX_LIST_ITEMS:
        raise InvalidParameter(name, _l("At most %(n)d values.", n=MAX_LIST_ITEMS))
    unknown = [v[:40] for v in values if v not in allowed]
    if unknown:
        raise InvalidParameter(
            name,
            _l("Unknown value: %(value)s. Allowed: %(allowed)s",
               value=", ".join(unknown), allowed=", ".join(allowed)),
        )  # fmt: skip
    return tuple(dict.fromkeys(values))


def _districts(raw: str | None) -> tuple[str, ...]:
    if raw is None:
        return ()
    values = [v.strip() for v in raw.split(",") if v.strip()]
    if len(values) > MAX_LIST_ITEMS:
        raise InvalidParameter("district", _l("At most %(n)d values.", n=MAX_LIST_ITEMS))
    try:
        return tuple(dict.fromkeys(to_code6(v) for v in values))
    except InvalidCode:
        raise InvalidParameter(
            "district", _l("Use 6-digit local government codes, for example 141330.")
        ) from None


def _q(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    if len(raw) > MAX_Q_LENGTH:
        raise InvalidParameter("q", _l("At most %(n)d characters.", n=MAX_Q_LENGTH))
    if has_forbidden_characters(raw):
        raise InvalidParameter("q", _l("Contains characters that are not allowed."))
    return " ".join(raw.split())


def _open_at(raw: str | None, now: Callable[[], datetime]) -> datetime | None:
    if raw is None:
        return None
    if raw.strip().lower() == "now":
        return now()
    try:
        moment = datetime.fromisoformat(raw.strip())
        # In Tokyo time, as it is compared; a moment whose Tokyo day falls outside the years
        # Python can count (9999-12-31T23:00-12:00) is as unusable as a misspelt one.
        return (moment if moment.tzinfo else moment.replace(tzinfo=TOKYO)).astimezone(TOKYO)
    except (ValueError, OverflowError):
        raise InvalidParameter(
            "open_at", _l("Use an ISO 8601 date and time, for example 2026-12-01T10:00:00+09:00.")
        ) from None


def _near(args: MultiDict) -> tuple[tuple[float, float] | None, float | None]:
    raw_near, raw_radius = args.get("near"), args.get("radius")
    if raw_near is None:
        if raw_radius is not None:
            raise InvalidParameter("radius", _l("A radius needs near=longitude,latitude."))
        return None, None
    lon, lat = _numbers("near", raw_near, 2)
    _check_lon_lat("near", lon, lat)
    if raw_radius is None:
        return (lon, lat), None
    try:
        radius = float(raw_radius)
    except ValueError:
        raise InvalidParameter("radius", _l("Must be a number of metres.")) from None
    if not (math.isfinite(radius) and 0 < radius <= MAX_RADIUS_M):
        message = _l("Must be more than 0 and at most %(max)d metres.", max=MAX_RADIUS_M)
        raise InvalidParameter("radius", message)
    return (lon, lat), radius


def _sortby(raw: str | None, near: tuple[float, float] | None) -> tuple[tuple[str, bool], ...]:
    if raw is None:
        return ()
    order = []
    for item in (v.strip() for v in raw.split(",") if v.strip()):
        descending = item.startswith("-")
        name = item.lstrip("+-")
        if name not in SORT_FIELDS:
            raise InvalidParameter(
                "sortby", _l("Sort by one of: %(fields)s", fields=", ".join(SORT_FIELDS))
            )
        if name == "distance" and near is None:
            raise InvalidParameter("sortby", _l("Sorting by distance needs near=."))
        order.append((name, descending))
    if len(order) > len(SORT_FIELDS):
        raise InvalidParameter("sortby", _l("At most %(n)d values.", n=len(SORT_FIELDS)))
    return tuple(order)


def parse_items_request(args: MultiDict, default_limit: int, max_limit: int, fmt: str,
                        now: Callable[[], datetime],
                        centre_first: bool = False) -> ItemsRequest:  # fmt: skip
    """The search and paging asked for; exports (csv, geojson) page only if asked to.

    ``centre_first``: a box's places nearest its centre first, unless sortby or near says
    otherwise (the API's order; lists beside a map keep the order by reading).
    """
    reject_unknown(args, NAMES)
    near, radius = _near(args)
    search = PlaceSearch(
        bbox=parse_bbox(args.get("bbox")),
        q=_q(args.get("q")),
        kinds=_vocabulary_list("kind", args.get("kind"), _keys(PlaceKind)),
        sectors=_vocabulary_list("sector", args.get("sector"), _keys(Sector)),
        districts=_districts(args.get("district")),
        audiences=_vocabulary_list("who", args.get("who"), _keys(Audience)),
        amenities=_vocabulary_list("amenity", args.get("amenity"), _keys(Amenity)),
        accessibility=_vocabulary_list(
            "accessibility", args.get("accessibility"), _keys(Accessibility)
        ),
        conditions=_vocabulary_list(
            "condition", args.get("condition"), _keys(Condition) + _keys(Fee)
        ),
        capacity_min=parse_int(args, "capacity_min", None, 1, 100_000),
        open_at=_open_at(args.get("open_at"), now),
        near=near,
        radius_m=radius,
        sortby=_sortby(args.get("sortby"), near),
        centre_first=centre_first,
    )
    paged = fmt == "json"
    return ItemsRequest(
        search=search,
        limit=parse_int(args, "limit", default_limit if paged else None, 1, max_limit),
        offset=parse_int(args, "offset", 0, 0, MAX_OFFSET),
        format=fmt,
    )


def parse_format(args: MultiDict, allowed: Iterable[str] = FORMATS) -> str:
    """The ``f`` parameter (the Accept header is handled by the view)."""
    allowed = tuple(allowed)
    fmt = args.get("f", "json")
    if fmt not in allowed:
        raise InvalidParameter("f", _l("Supported formats: %(f)s.", f=", ".join(allowed)))
    return fmt
