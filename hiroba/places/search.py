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
from sqlalchemy import (
    ARRAY,
    BindParameter,
    ColumnElement,
    Float,
    Integer,
    Select,
    String,
    and_,
    any_,
    bindparam,
    cast,
    exists,
    func,
    literal,
)

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
    # Words found through the index of their grams (True), or tested on the places a walk of
    # the box reads (False: see ``read_box_for_words``).
    words_by_index: bool = True


FEES = {"free", "paid"}
Bind = Callable[..., BindParameter]


def anonymous(name: str, value, type_=None) -> BindParameter:
    """A value of a search as an anonymous parameter: statements of several searches combine."""
    return bindparam(None, value, type_=type_, unique=True)


def named(name: str, value, type_=None) -> BindParameter:
    """A value of a search as a parameter named after what it is. The statement's text then
    depends on the search's shape only (which filters, how many words, which order), not on
    its values, so the API compiles it once per shape (``hiroba.api.statements``)."""
    return bindparam(name, value, type_=type_)


def terms(search: PlaceSearch) -> list[str]:
    """The words of ``q``: every one must be found."""
    return search.q.split() if search.q else []


def _point(lon: float, lat: float, bind: Bind = anonymous):
    lon, lat = bind("near_lon", lon, Float), bind("near_lat", lat, Float)
    return cast(func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326), Geography)


def _bbox(search: PlaceSearch, bind: Bind) -> list[BindParameter]:
    return [bind(f"bbox_{i}", value, Float) for i, value in enumerate(search.bbox)]


def _public_geography():
    """The public point as geography, spelt as its index is (``CAST(… AS geography(POINT,
    4326))`` is another expression: a typmod check on top, which no index matches)."""
    return func.geography(Place.public_location, type_=Geography)


def distance_m(search: PlaceSearch, bind: Bind = anonymous) -> ColumnElement | None:
    """Metres from ``near`` to each place's public point (None without ``near``)."""
    if search.near is None:
        return None
    return func.ST_Distance(_public_geography(), _point(*search.near, bind))


def _like_term(term: ColumnElement, by_index: bool) -> ColumnElement:
    """``search_text`` contains ``term``, folded by the same SQL function as the column.

    The grams condition (``by_index``) only lets an index find the candidates (for a term of
    any length, see migration 0008); the LIKE decides.
    """
    folded = func.hiroba_fold(term)
    escaped = func.replace(func.replace(func.replace(folded, "\\", "\\\\"), "%", "\\%"), "_", "\\_")
    candidates = func.hiroba_grams(Place.search_text).op("@>")(func.hiroba_query_grams(folded))
    # ``||``, not concat(): concat() is only stable, so the pattern would be rebuilt for every
    # row; of immutable parts it is folded to a constant once per statement.
    pattern = literal("%", String).op("||")(escaped).op("||")(literal("%", String))
    contains = Place.search_text.like(pattern, escape="\\")
    return and_(candidates, contains) if by_index else contains


def weekday_and_minute(moment: datetime) -> tuple[int, int]:
    local = moment.astimezone(TOKYO)
    return local.isoweekday(), local.hour * 60 + local.minute


def _open_at(moment: datetime, bind: Bind) -> ColumnElement:
    weekday, minute = weekday_and_minute(moment)
    minute = bind("open_minute", minute, Integer)
    return exists().where(
        OpeningPeriod.place_id == Place.id,
        OpeningPeriod.weekday == bind("open_weekday", weekday, Integer),
        OpeningPeriod.opens_minute <= minute,
        OpeningPeriod.closes_minute > minute,
    )


def _filters(search: PlaceSearch, bind: Bind) -> list[ColumnElement]:
    where: list[ColumnElement] = []
    if search.bbox:
        envelope = func.ST_MakeEnvelope(*_bbox(search, bind), 4326)
        where.append(func.ST_Intersects(Place.public_location, envelope))
    for i, term in enumerate(terms(search)):
        where.append(_like_term(bind(f"q_{i}", term, String), search.words_by_index))
    for column, name, values in (
        (Place.kind, "kinds", search.kinds),
        (Place.sector, "sectors", search.sectors),
        (Place.district_code, "districts", search.districts),
        (Place.who_may_use, "audiences", search.audiences),
    ):
        if values:
            where.append(column == any_(bind(name, list(values), ARRAY(String))))
    for column, name, values in (
        (Place.amenities, "amenities", search.amenities),
        (Place.accessibility, "accessibility", search.accessibility),
        (Place.conditions, "conditions", [c for c in search.conditions if c not in FEES]),
    ):
        if values:
            where.append(column.contains(bind(name, list(values), ARRAY(String(32)))))
    for fee in sorted(FEES.intersection(search.conditions)):
        where.append(Place.fee == bind(f"fee_{fee}", fee, String))
    if search.capacity_min is not None:
        where.append(Place.capacity >= bind("capacity_min", search.capacity_min, Integer))
    if search.open_at is not None:
        where.append(_open_at(search.open_at, bind))
    if search.near is not None and search.radius_m is not None:
        radius = bind("radius_m", search.radius_m, Float)
        where.append(func.ST_DWithin(_public_geography(), _point(*search.near, bind), radius))
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


def _centre(search: PlaceSearch, bind: Bind):
    min_lon, min_lat, max_lon, max_lat = _bbox(search, bind)
    return func.ST_SetSRID(
        func.ST_MakePoint((min_lon + max_lon) / 2.0, (min_lat + max_lat) / 2.0), 4326
    )


def nearest_on(search: PlaceSearch) -> str | None:
    """Which nearest-first order the search's first sort key is: "sphere" (from ``near``, in
    metres), "plane" (from a box's centre, in degrees), or None."""
    first = search.sortby[0] if search.sortby else None
    if search.near is not None and first in (None, ("distance", False)):
        return "sphere"
    if search.centre_first and search.bbox and search.near is None and first is None:
        return "plane"
    return None


def nearest_order(search: PlaceSearch, bind: Bind) -> _Nearest | None:
    """The nearest-first order the search's first sort key is, if it is one."""
    on = nearest_on(search)
    if on == "sphere":
        point = _point(*search.near, bind)
        geography = _public_geography()
        return _Nearest(
            exact=func.ST_Distance(geography, point),  # on the spheroid
            indexed=geography.op("<->", return_type=Float)(point),  # on the sphere
            within=lambda bound: func.ST_DWithin(geography, point, bound + 1),
        )
    if on == "plane":
        centre = _centre(search, bind)
        planar = Place.public_location.op("<->", return_type=Float)(centre)
        return _Nearest(
            exact=planar,
            indexed=planar,
            within=lambda bound: func.ST_DWithin(Place.public_location, centre, bound + 1e-9),
        )
    return None


def search_order(search: PlaceSearch, bind: Bind) -> list[ColumnElement]:
    distance = distance_m(search, bind)
    order: list[ColumnElement] = []
    for field, descending in search.sortby:
        column = distance if field == "distance" else SORTABLE[field]()
        key = column.desc() if descending else column.asc()
        order.append(key.nulls_last() if field in NULLABLE else key)
    nearest = None if search.sortby else nearest_order(search, bind)
    if nearest is not None:
        order.append(nearest.exact)
    if not order:
        order = [SORTABLE["name"](), Place.name]
    return [*order, Place.id]


def search_places(search: PlaceSearch, bind: Bind = anonymous) -> Select:
    """Published places matching ``search``, in the order asked for (nearest first with near)."""
    stmt = approved_places()
    filters = _filters(search, bind)
    if filters:
        stmt = stmt.where(and_(*filters))
    return stmt.order_by(*search_order(search, bind))


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
    return approved_places().where(Place.id.in_(ids)).order_by(*search_order(search, anonymous))


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
