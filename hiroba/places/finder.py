"""The place finder's requests: filters as the map page's form sends them, the map's view, and
the map data for a view.

The page's filter form uses the search API's parameter names, so a URL of the page, a request
of its JavaScript and an API query are the same search. HTML forms repeat a parameter for each
ticked box (``kind=park&kind=cafe``); here they are joined into the API's comma lists. Besides
the filters, a page URL holds the map's view (``center=lon,lat&zoom=15``) and the list's page.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from hiroba.api.features import feature_rows
from hiroba.api.params import ItemsRequest, parse_int, parse_items_request
from hiroba.errors import InvalidParameter
from hiroba.extensions import db
from hiroba.places.models import Place
from hiroba.places.search import (
    TOKYO,
    PlaceSearch,
    cluster_cells,
    distance_m,
    first_places,
    in_search_order,
    search_places,
)
from hiroba.places.vocabulary import Accessibility, Amenity, Audience, Condition, PlaceKind, values

VIEW_ARGS = ("center", "zoom")  # the map's view in a page URL
PAGE_ARGS = ("page", *VIEW_ARGS)  # the page's own parameters, not filters
PAGE_ZOOM = (4, 19)  # a page URL's zoom: a country to a building (the tiles' deepest level)
# Up to this many matches in view, the map draws each place; beyond, it draws counts per cell.
MAX_MARKERS = 800
LIST_LIMIT = 100  # places listed beside a map of counts
CELL_PIXELS = 80  # roughly the size of a count bubble
# Ticked boxes of the filter form, by parameter name (any of the kinds and audiences, all of
# the rest). The fee (free/paid) shares ``condition`` with the API but is a choice of its own.
CHOICES = {
    "kind": values(PlaceKind),
    "who": values(Audience),
    "accessibility": values(Accessibility),
    "amenity": values(Amenity),
    "condition": values(Condition),
}
# API parameters the form has no control for: kept as they came when the form is sent again.
CARRIED = ("sector", "radius", "sortby")


def filter_args(args: MultiDict) -> MultiDict:
    """The filters of a page request, repeated values joined, empty ones dropped.

    The form offers "open now" and a date and time under the one name ``open_at``: a ticked
    "open now" wins, as the page's script does by switching the date and time off.
    """
    joined = MultiDict()
    for name in args:
        if name in PAGE_ARGS:
            continue
        values = [v for v in args.getlist(name) if v.strip()]
        if name == "open_at" and "now" in values:
            values = ["now"]
        if values:
            joined[name] = ",".join(values)
    return joined


def page_search(args: MultiDict) -> ItemsRequest:
    """The search a page URL asks for (validated exactly as the API validates it)."""
    return parse_items_request(filter_args(args), 50, 1000, "json", now=lambda: datetime.now(UTC))


@dataclass(frozen=True)
class MapView:
    """Where a page URL puts the map: its centre (WGS 84) and web-map zoom level."""

    lon: float
    lat: float
    zoom: int


def map_view(args: MultiDict) -> MapView | None:
    """The view of a page URL (``center=lon,lat&zoom=z``), or None when either is missing."""
    present = MultiDict({name: args[name] for name in VIEW_ARGS if args.get(name, "").strip()})
    zoom = parse_int(present, "zoom", None, *PAGE_ZOOM)
    raw = present.get("center")
    if raw is None:
        return None
    parts = raw.split(",")
    if len(parts) != 2:
        raise InvalidParameter("center", _l("Give %(n)d numbers separated by commas.", n=2))
    try:
        lon, lat = (float(part) for part in parts)
    except ValueError:
        raise InvalidParameter("center", _l("The values must be numbers.")) from None
    if not (math.isfinite(lon) and -180 <= lon <= 180):
        raise InvalidParameter("center", _l("Longitudes must be between -180 and 180."))
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        raise InvalidParameter(
            "center", _l("Latitudes must be between -90 and 90 (longitude comes first).")
        )
    return None if zoom is None else MapView(lon, lat, zoom)


@dataclass(frozen=True)
class PlaceList:
    """One page of the server-rendered list, with metres to each place when ``near`` is set."""

    pages: Pagination
    distances: dict[int, float]


def list_page(search: PlaceSearch, page: int, per_page: int) -> PlaceList:
    """The ``page``-th page of places matching ``search``, in the search's order."""
    ids = search_places(search).with_only_columns(Place.id)
    pages = db.paginate(ids, page=page, per_page=per_page, error_out=False)
    if pages.items:  # the page's ids, in order: only those places are read whole
        listing = in_search_order(search, pages.items).options(joinedload(Place.district))
        pages.items = list(db.session.scalars(listing))
    distance = distance_m(search)
    distances: dict[int, float] = {}
    if distance is not None and pages.items:
        ids = [place.id for place in pages.items]
        rows = db.session.execute(select(Place.id, func.round(distance)).where(Place.id.in_(ids)))
        distances = {place_id: float(metres) for place_id, metres in rows}
    return PlaceList(pages, distances)


@dataclass(frozen=True)
class FilterForm:
    """What the filter form shows as chosen, read from a page URL (valid or not)."""

    chosen: dict[str, list[str]]
    fields: dict[str, str]

    def has(self, name: str, value: str) -> bool:
        return value in self.chosen.get(name, ())

    def value(self, name: str) -> str:
        return self.fields.get(name, "")

    def open_at_input(self) -> str:
        """``open_at`` for a date-and-time input (Tokyo time, to the minute), unless "now"."""
        raw = self.value("open_at")
        if not raw or raw == "now":
            return ""
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            return ""
        if moment.tzinfo is not None:
            moment = moment.astimezone(TOKYO)
        return moment.strftime("%Y-%m-%dT%H:%M")

    def count(self) -> int:
        """How many filters are chosen (each ticked box counts), for the phone's filter button."""
        boxes = sum(len(v) for v in self.chosen.values())
        singles = ("q", "fee", "open_at", "capacity_min", "district")
        return boxes + sum(1 for name in singles if self.value(name))


def filter_form(args: MultiDict) -> FilterForm:
    """The form's state for a page URL: ticked boxes, typed values, the fee, hidden fields."""
    joined = filter_args(args)
    split = {name: [v.strip() for v in raw.split(",") if v.strip()] for name, raw in joined.items()}
    conditions = split.get("condition", [])
    fees = [c for c in conditions if c in ("free", "paid")]
    chosen = {name: split.get(name, []) for name in CHOICES}
    chosen["condition"] = [c for c in conditions if c not in fees]
    fields = {name: raw for name, raw in joined.items() if name not in CHOICES}
    if len(fees) == 1:
        fields["fee"] = fees[0]
    for name in VIEW_ARGS:
        if args.get(name, "").strip():
            fields[name] = args[name].strip()
    return FilterForm(chosen, fields)


def page_link_args(args: MultiDict) -> dict[str, str]:
    """What links to other pages of the list keep: the filters and the map's view."""
    kept = filter_args(args).to_dict()
    kept.update({name: args[name] for name in VIEW_ARGS if args.get(name, "").strip()})
    return kept


def cell_degrees(zoom: int) -> float:
    """Grid cell size in degrees for a web-map zoom level (256-pixel tiles)."""
    return 360.0 / (2**zoom) * CELL_PIXELS / 256


def _features(search: PlaceSearch, limit: int) -> list[Any]:
    rows = db.session.scalars(feature_rows(first_places(search, limit), distance_m(search)))
    return [json.loads(feature) for feature in rows]


def map_data(args: MultiDict) -> dict[str, Any]:
    """What the map shows for a view: every place, or counts per cell when there are too many.

    Either way the first places (in the list's order) come along for the list beside the map.
    The cells are counted first, as their counts add up to the matches: one pass over the
    matching places instead of a count and then the cells.
    """
    zoom = parse_int(args, "zoom", 12, 0, 22)
    search = page_search(args).search
    counted = db.session.execute(cluster_cells(search, cell_degrees(zoom))).all()
    matched = sum(count for count, _, _ in counted)
    if matched <= MAX_MARKERS:
        return {"numberMatched": matched, "places": _features(search, MAX_MARKERS), "cells": []}
    cells = [{"count": count, "coordinates": [lon, lat]} for count, lon, lat in counted]
    return {"numberMatched": matched, "places": _features(search, LIST_LIMIT), "cells": cells}
