"""A page of a search as one statement: which places, numbered, read no farther than needed.

The API compiles a page's statement once per shape of search (``hiroba.api.statements``):
``search_shape`` says what the text depends on, ``page_values`` the values it binds by name,
``plan_fits_every_value`` whether one prepared plan serves them all.
"""

from __future__ import annotations

from sqlalchemy import CompoundSelect, Integer, Select, func, not_, or_, select, union_all

from hiroba.places.models import Place
from hiroba.places.search import (
    FEES,
    Bind,
    PlaceSearch,
    anonymous,
    distance_m,
    nearest_on,
    nearest_order,
    search_order,
    search_places,
    terms,
    weekday_and_minute,
)


def page_of_places(
    search: PlaceSearch, limit: int, offset: int = 0, bind: Bind = anonymous
) -> Select | CompoundSelect:
    """Ids and positions (counted from the first match) of the ``limit`` places matching
    ``search`` after the first ``offset``, in the search's order; with ``near``, their
    distances too (``distance``, metres).

    A nearest-first order reads no farther than it must: an index walk (nearest first, or
    nearly) finds ``offset + limit`` places. Where that settles the page — the walk found
    fewer (so it holds every match), or, on the plane, the farthest it found is alone at its
    distance (so every place before it is nearer than any it left) — the page is numbered
    from the walk. Otherwise the farthest place walked bounds an exact sort (by distance,
    then id: places may share a point) of the matches again. Either way the page is the same
    as without the walk, at a cost that grows with the page instead of with the matches.
    """
    stmt = search_places(search, bind)
    nearest = nearest_order(search, bind)
    if nearest is None:
        return _numbered(search, stmt, bind, limit, offset)
    walked = (
        stmt.with_only_columns(Place.id, nearest.exact.label("distance"))
        .order_by(None)
        .order_by(nearest.indexed)
        .limit(bind("walk", offset + limit, Integer))
        .cte("walked")
    )
    farthest = select(func.max(walked.c.distance)).scalar_subquery()
    if len(search.sortby) > 1:  # ties in distance ordered by more keys than the walk has
        return _numbered(search, stmt.where(nearest.within(farthest)), bind, limit, offset)
    settled = func.count() < bind("walk", offset + limit, Integer)
    if nearest.exact is nearest.indexed:  # the walk's order is the exact one
        settled = or_(settled, func.count().filter(walked.c.distance == farthest) == 1)
    settled = select(settled).select_from(walked).scalar_subquery()
    order = (walked.c.distance, walked.c.id)
    position = func.row_number().over(order_by=order).label("position")
    columns = [walked.c.id, position]
    if search.near is not None:
        columns.append(walked.c.distance)
    from_walk = (
        select(*columns)
        .where(settled)
        .order_by(*order)
        .limit(bind("limit", limit, Integer))
        .offset(bind("offset", offset, Integer))
    )
    sorted_again = stmt.where(not_(settled), nearest.within(farthest))
    return union_all(from_walk, _numbered(search, sorted_again, bind, limit, offset))


def _numbered(search: PlaceSearch, stmt: Select, bind: Bind, limit: int, offset: int) -> Select:
    """``stmt``'s places from ``offset`` on: ids, positions and (with ``near``) distances."""
    position = func.row_number().over(order_by=search_order(search, bind)).label("position")
    columns = [Place.id, position]
    if search.near is not None:
        columns.append(distance_m(search, bind).label("distance"))
    return (
        stmt.with_only_columns(*columns)
        .limit(bind("limit", limit, Integer))
        .offset(bind("offset", offset, Integer))
    )


def search_shape(search: PlaceSearch) -> tuple:
    """What a search's statement depends on besides its values: which filters it has, how many
    words, which fees, which order. Searches of one shape differ only in ``named`` values."""
    fees = tuple(sorted(FEES.intersection(search.conditions)))
    listed = (search.kinds, search.sectors, search.districts, search.audiences,
              search.amenities, search.accessibility, set(search.conditions) - FEES)  # fmt: skip
    present = (search.bbox, search.capacity_min, search.open_at, search.near, search.radius_m)
    return (
        len(terms(search)), fees, search.sortby, search.centre_first, search.words_by_index,
        *(bool(values) for values in listed), *(value is not None for value in present),
    )  # fmt: skip


def plan_fits_every_value(search: PlaceSearch) -> bool:
    """Whether one plan serves every search of this shape: a page nearest first from a point or
    a box's centre, filtered by nothing else than the box or radius, is a walk of the spatial
    index bounded by the page, however many places the box or radius holds. (A word, a kind or
    an hour is another matter: how many places it keeps decides the best plan.)"""
    if nearest_on(search) is None or search.sortby:
        return False
    return search_shape(search) == search_shape(
        PlaceSearch(bbox=search.bbox, near=search.near, radius_m=search.radius_m,
                    centre_first=search.centre_first)
    )  # fmt: skip


def page_values(search: PlaceSearch, limit: int, offset: int) -> dict[str, object]:
    """The values ``named`` binds into ``page_of_places(search, limit, offset)``, by name."""
    values: dict[str, object] = {"limit": limit, "offset": offset}
    if nearest_on(search) is not None:
        values["walk"] = offset + limit
    if search.bbox:
        values.update((f"bbox_{i}", value) for i, value in enumerate(search.bbox))
    values.update((f"q_{i}", term) for i, term in enumerate(terms(search)))
    listed = {"kinds": search.kinds, "sectors": search.sectors, "districts": search.districts,
              "audiences": search.audiences, "amenities": search.amenities,
              "accessibility": search.accessibility,
              "conditions": [c for c in search.conditions if c not in FEES]}  # fmt: skip
    values.update((name, list(chosen)) for name, chosen in listed.items() if chosen)
    values.update((f"fee_{fee}", fee) for fee in FEES.intersection(search.conditions))
    if search.capacity_min is not None:
        values["capacity_min"] = search.capacity_min
    if search.open_at is not None:
        values["open_weekday"], values["open_minute"] = weekday_and_minute(search.open_at)
    if search.near is not None:
        values["near_lon"], values["near_lat"] = search.near
    if search.near is not None and search.radius_m is not None:
        values["radius_m"] = search.radius_m
    return values
