"""The place finder's requests: filters as the map page's form sends them, and map data.

The page's filter form uses the search API's parameter names, so a URL of the page, a request
of its JavaScript and an API query are the same search. HTML forms repeat a parameter for each
ticked box (``kind=park&kind=cafe``); here they are joined into the API's comma lists.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from werkzeug.datastructures import MultiDict

from hiroba.api.features import feature_rows
from hiroba.api.params import ItemsRequest, parse_int, parse_items_request
from hiroba.extensions import db
from hiroba.places.search import PlaceSearch, cluster_cells, count_places, distance_m, search_places

PAGE_ARGS = ("page", "zoom")  # the page's own parameters, not filters
# Up to this many matches in view, the map draws each place; beyond, it draws counts per cell.
MAX_MARKERS = 800
LIST_LIMIT = 100  # places listed beside a map of counts
CELL_PIXELS = 80  # roughly the size of a count bubble


def filter_args(args: MultiDict) -> MultiDict:
    """The filters of a page request, repeated values joined, empty ones dropped."""
    joined = MultiDict()
    for name in args:
        if name in PAGE_ARGS:
            continue
        values = [v for v in args.getlist(name) if v.strip()]
        if values:
            joined[name] = ",".join(values)
    return joined


def page_search(args: MultiDict) -> ItemsRequest:
    """The search a page URL asks for (validated exactly as the API validates it)."""
    return parse_items_request(filter_args(args), 50, 1000, "json", now=lambda: datetime.now(UTC))


def cell_degrees(zoom: int) -> float:
    """Grid cell size in degrees for a web-map zoom level (256-pixel tiles)."""
    return 360.0 / (2**zoom) * CELL_PIXELS / 256


def _features(search: PlaceSearch, limit: int) -> list[Any]:
    rows = db.session.scalars(feature_rows(search_places(search).limit(limit), distance_m(search)))
    return [json.loads(feature) for feature in rows]


def map_data(args: MultiDict) -> dict[str, Any]:
    """What the map shows for a view: every place, or counts per cell when there are too many.

    Either way the first places (in the list's order) come along for the list beside the map.
    """
    zoom = parse_int(args, "zoom", 12, 0, 22)
    search = page_search(args).search
    matched = db.session.scalar(count_places(search))
    if matched <= MAX_MARKERS:
        return {"numberMatched": matched, "places": _features(search, MAX_MARKERS), "cells": []}
    cells = [
        {"count": count, "coordinates": [lon, lat]}
        for count, lon, lat in db.session.execute(cluster_cells(search, cell_degrees(zoom)))
    ]
    return {"numberMatched": matched, "places": _features(search, LIST_LIMIT), "cells": cells}
