"""What a coverage page asks for: a walking distance and the search filters places must match.

The filters are the map page's own (same names, read by the same parser as the search API), so
"a matching place" on the coverage page means exactly what it means to a resident searching.
Instead of a single moment, the page asks for a weekday and a time ("open on Mondays at 10:00"),
which becomes the search's ``open_at`` in a reference week.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from hiroba.api.params import parse_int, parse_items_request, reject_unknown
from hiroba.errors import InvalidParameter
from hiroba.places.finder import filter_args
from hiroba.places.search import TOKYO, PlaceSearch

DEFAULT_DISTANCE_M = 800  # about ten minutes' walk for an older resident
DISTANCE_RANGE = (100, 3000)
# The search filters a coverage page takes (the search API's names and values).
SEARCH_FILTERS = ("kind", "sector", "who", "accessibility", "amenity", "condition", "capacity_min")
PARAMETERS = ("distance", "day", "time", *SEARCH_FILTERS)
HH_MM = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")
# 2024-01-01 was a Monday: day d of the reference week is 2024-01-0d, ISO weekday d.
REFERENCE_MONDAY = (2024, 1, 1)


@dataclass(frozen=True)
class CoverageRequest:
    search: PlaceSearch
    distance_m: int


def _weekly_moment(day: str | None, time: str | None) -> datetime | None:
    """The moment of the reference week at ISO weekday ``day`` and ``time`` (HH:MM, Tokyo)."""
    if day is None and time is None:
        return None
    if day is None:
        raise InvalidParameter("day", _l("Choose a day of the week for the time."))
    weekday = parse_int(MultiDict({"day": day}), "day", None, 1, 7)
    if time is None:
        raise InvalidParameter("time", _l("Choose a time for the day of the week."))
    match = HH_MM.match(time.strip())
    if match is None:
        raise InvalidParameter("time", _l("Use hours and minutes, for example 10:00."))
    year, month, monday = REFERENCE_MONDAY
    hour, minute = int(match.group(1)), int(match.group(2))
    return datetime(year, month, monday + weekday - 1, hour, minute, tzinfo=TOKYO)


def parse_coverage_request(args: MultiDict) -> CoverageRequest:
    """The distance and filters of a coverage page URL; a bad one is an ``InvalidParameter``."""
    joined = filter_args(args)  # ticked boxes joined into the API's comma lists
    reject_unknown(joined, PARAMETERS)
    distance = parse_int(joined, "distance", DEFAULT_DISTANCE_M, *DISTANCE_RANGE)
    moment = _weekly_moment(joined.get("day"), joined.get("time"))
    search_args = MultiDict({name: joined[name] for name in SEARCH_FILTERS if name in joined})
    if moment is not None:
        search_args["open_at"] = moment.isoformat()
    parsed = parse_items_request(search_args, 1, 1, "geojson", now=lambda: datetime.now(UTC))
    return CoverageRequest(search=parsed.search, distance_m=distance)
