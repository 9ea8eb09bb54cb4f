"""Searching published places: every filter of the search API, applied in SQL.

Privacy: every spatial filter, distance and sort uses ``public_location``, never the true
point, so no sequence of small boxes or radii can find a home more precisely than its ½ mesh
cell. Text search runs on ``search_text``, which holds no address for approximate places.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from geoalchemy2 import Geography
from sqlalchemy import ColumnElement, Float, Select, and_, cast, exists, func, select

from hiroba.places.models import OpeningPeriod, Place
from hiroba.places.queries import approved_places

TOKYO = ZoneInfo("Asia/Tokyo")


@dataclass(frozen=True)
class PlaceSearch:
    """What a resident or a machine asks for; empty fields do not filter."""

    bbox: tuple[float, float, float, float] | None = None
    q: str | None = None
    kinds: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()  # who may use it: any of these
    amenities: tuple[str, ...] = ()  # all of these
    accessibility: tuple[str, ...] = ()  # all of these
    conditions: tuple[str, ...] = ()  # all of these (free/paid are the fee)
    capacity_min: int | None = None
    open_at: datetime | None = None  # aware; compared in Asia/Tokyo
    near: tuple[float, float] | None = None  # lon, lat
    radius_m: float | None = None  # with near
    sortby: tuple[tuple[str, bool], ...] = ()  # (field, descending)
    # Without sortby or near: a box's places nearest its centre first (an index walk however
    # many the box holds) instead of by reading (a sort of every place in the box).
    centre_first: bool = False


FEES = {"free", "paid"}


def _point(lon: float, lat: float):
    return cast(func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326), Geography)


def _public_geography():
    """The public point as geography, spelt as its index is (``CAST(… AS geography(POINT,
    4326))`` is another expression: a typmod check on top, which no index matches)."""
    return func.geography(Place.public_location, type_=Geography)


def distance_m(search: PlaceSearch) -> ColumnElement | None:
    """Metres from ``near`` to each place's public point (None without ``near``)."""
    if search.near is None:
        return None
    return func.ST_Distance(_public_geography(), _point(*search.near))


def _like_term(term: str) -> ColumnElement:
    """``search_text`` contains ``term``, folded by the same SQL function as the column.

    The grams condition only lets an index find the candidates (for a term of any length, see
    migration 0008); the LIKE decides.
    """
    folded = func.hiroba_fold(term)
    escaped = func.replace(func.replace(func.replace(folded, "\\", "\\\\"), "%", "\\%"), "_", "\\_")
    candidates = func.hiroba_grams(Place.search_text).op("@>")(func.hiroba_query_grams(folded))
    return and_(candidates, Place.search_text.like(func.concat("%", escaped, "%"), escape="\\"))


def _open_at(moment: datetime) -> ColumnElement:
    local = moment.astimezone(TOKYO)
    minute = local.hour * 60 + local.minute
    return exists().where(
        OpeningPeriod.place_id == Place.id,
        OpeningPeriod.weekday == local.isoweekday(),
        OpeningPeriod.opens_minute <= minute,
        OpeningPeriod.closes_minute > minute,
    )


def _filters(search: PlaceSearch) -> list[ColumnElement]:
    where: list[ColumnElement] = []
    if search.bbox:
        envelope = func.ST_MakeEnvelope(*search.bbox, 4326)
        where.append(func.ST_Intersects(Place.public_location, envelope))
    if search.q:
        where.extend(_like_term(term) for term in search.q.split())
    for column, values in (
        (Place.kind, search.kinds),
        (Place.sector, search.sectors),
        (Place.district_code, search.districts),
        (Place.who_may_use, search.audiences),
    ):
        if values:
            where.append(column.in_(values))
    for column, values in (
        (Place.amenities, search.amenities),
        (Place.accessibility, search.accessibility),
        (Place.conditions, [c for c in search.conditions if c not in FEES]),
    ):
        if values:
            where.append(column.contains(list(values)))
    where.extend(Place.fee == fee for fee in FEES.intersection(search.conditions))
    if search.capacity_min is not None:
        where.append(Place.capacity >= search.capacity_min)
    if search.open_at is not None:
        where.append(_open_at(search.open_at))
    if search.near is not None and search.radius_m is not None:
        where.append(func.ST_DWithin(_public_geography(), _point(*search.near), search.radius_m))
    return where


SORTABLE = {
    "name": lambda: func.coalesce(Place.name_kana, Place.name),
    "capacity": lambda: Place.capacity,
    "updated_at": lambda: Place.updated_at,
    "id": lambda: Place.id,
}
# Keys that may be NULL: those go last either way. The others sort plainly, so that one B-tree
# read forwards or backwards serves both directions.
NULLABLE = {"capacity"}


@dataclass(frozen=True)
class _Nearest:
    """A nearest-first order: the exact distance it sorts by, the distance a GiST index walks
    in (the same or close to it), and a filter keeping places no farther than a bound."""

    exact: ColumnElement
    indexed: ColumnElement
    within: Callable[[ColumnElement], ColumnElement]


def _centre(bbox: tuple[float, float, float, float]):
    min_lon, min_lat, max_lon, max_lat = bbox
    return func.ST_SetSRID(
        func.ST_MakePoint((min_lon + max_lon) / 2, (min_lat + max_lat) / 2), 4326
    )


def _nearest(search: PlaceSearch) -> _Nearest | None:
    """The nearest-first order the search's first sort key is, if it is one."""
    first = search.sortby[0] if search.sortby else None
    if search.near is not None and first in (None, ("distance", False)):
        point = _point(*search.near)
        geography = _public_geography()
        return _Nearest(
            exact=func.ST_Distance(geography, point),  # on the spheroid
            indexed=geography.op("<->", return_type=Float)(point),  # on the sphere
            within=lambda bound: func.ST_DWithin(geography, point, bound + 1),
        )
    if search.centre_first and search.bbox and search.near is None and first is None:
        centre = _centre(search.bbox)
        planar = Place.public_location.op("<->", return_type=Float)(centre)
        return _Nearest(
            exact=planar,
            indexed=planar,
            within=lambda bound: func.ST_DWithin(Place.public_location, centre, bound + 1e-9),
        )
    return None


def _order(search: PlaceSearch) -> list[ColumnElement]:
    distance = distance_m(search)
    order: list[ColumnElement] = []
    for field, descending in search.sortby:
        column = distance if field == "distance" else SORTABLE[field]()
        key = column.desc() if descending else column.asc()
        order.append(key.nulls_last() if field in NULLABLE else key)
    nearest = None if search.sortby else _nearest(search)
    if nearest is not None:
        order.append(nearest.exact)
    if not order:
        order = [SORTABLE["name"](), Place.name]
    return [*order, Place.id]


def search_places(search: PlaceSearch) -> Select:
    """Published places matching ``search``, in the order asked for (nearest first with near)."""
    stmt = approved_places()
    filters = _filters(search)
    if filters:
        stmt = stmt.where(and_(*filters))
    return stmt.order_by(*_order(search))


def page_of_places(search: PlaceSearch, limit: int, offset: int = 0) -> Select:
    """Ids and positions (counted from the first match) of the ``limit`` places matching
    ``search`` after the first ``offset``, in the search's order; with ``near``, their
    distances too (``distance``, metres).

    A nearest-first order reads no farther than it must: an index walk (nearest first, or
    nearly) finds ``offset + limit`` places, and the farthest of them bounds the exact sort.
    Whatever the walk finds, no place of the page lies beyond that bound, so the page is the
    same as without it, at a cost that grows with the page instead of with the matches.
    """
    stmt = search_places(search)
    nearest = _nearest(search)
    if nearest is not None:
        walked = (
            stmt.with_only_columns(nearest.exact.label("distance"))
            .order_by(None)
            .order_by(nearest.indexed)
            .limit(offset + limit)
            .subquery("walked")
        )
        stmt = stmt.where(nearest.within(select(func.max(walked.c.distance)).scalar_subquery()))
    position = func.row_number().over(order_by=_order(search)).label("position")
    columns = [Place.id, position]
    if search.near is not None:
        columns.append(distance_m(search).label("distance"))
    return stmt.with_only_columns(*columns).limit(limit).offset(offset)


def first_places(search: PlaceSearch, limit: int, offset: int = 0) -> Select:
    """The ``limit`` places matching ``search`` after the first ``offset``, in the search's order.

    The order is settled on ids alone and only the chosen rows are then read whole: with
    100,000 places in view, a sort that carries whole rows (and what is joined to them) costs
    several times as much.
    """
    chosen = search_places(search).with_only_columns(Place.id).limit(limit).offset(offset)
    return in_search_order(search, chosen)


def in_search_order(search: PlaceSearch, ids) -> Select:
    """Published places with these ids (a list, or a select of ids), in the search's order."""
    return approved_places().where(Place.id.in_(ids)).order_by(*_order(search))


def count_places(search: PlaceSearch) -> Select:
    """How many published places match (numberMatched)."""
    return search_places(search).with_only_columns(func.count(Place.id)).order_by(None)


def cluster_cells(search: PlaceSearch, cell_degrees: float) -> Select:
    """Counts of matching places per grid cell, at the mean of their public points.

    For map views that hold too many places to draw one by one. Only public points take part,
    so a cell of one place sits exactly at that place's public point, never nearer its home.
    """
    lon, lat = func.ST_X(Place.public_location), func.ST_Y(Place.public_location)
    # The cells of ST_SnapToGrid (rint of x / size) as numbers, and the mean of the points as
    # two averages: the groups and centres of snapping and ST_Centroid(ST_Collect()) at about
    # half the cost with 100,000 places (to the last digit, which varied between runs anyway).
    return (
        search_places(search)
        .order_by(None)
        .with_only_columns(func.count(Place.id), func.avg(lon), func.avg(lat))
        .group_by(func.round(lon / cell_degrees), func.round(lat / cell_degrees))
    )
