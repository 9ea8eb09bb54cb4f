"""Query parameters of the activities collection: one table that parses and documents them.

As for places, parsing is strict (an unknown, repeated or bad parameter is a 400 naming it) and
the OpenAPI document is built from ``PARAMETERS``. The general parsers (bbox, whole numbers,
``open_at``) are the places API's own, imported, so both collections read them alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from hiroba.activities.recurrence import TOKYO
from hiroba.api.params import (
    MAX_OFFSET,
    Param,
    _open_at,  # the places API's reading of open_at ("now", no offset = Tokyo)
    parse_bbox,
    parse_int,
    reject_unknown,
)
from hiroba.api.params import PARAMETERS as PLACE_PARAMETERS
from hiroba.errors import InvalidParameter

MAX_SPAN_DAYS = 366  # a time filter longer than a year is a crawl, not a question
MAX_PLACE_ID = 10**12 - 1  # as many digits as the shared whole-number parser reads
MAX_TIME_TEXT = 60
OPEN_END = ".."
YEARS = range(1900, 2201)  # far enough for any real question; keeps date arithmetic in range

# The places API's own parameters where they mean the same here (one table to keep right).
PLACES = {param.name: param for param in PLACE_PARAMETERS}
PARAMETERS = [
    replace(PLACES["bbox"], description=_l(
        "Only activities at places whose public point lies in this box: min longitude, "
        "min latitude, max longitude, max latitude (WGS 84, CRS84 axis order).")),
    Param("place", _l("Only the activities of this place (its id)."),
          {"type": "integer", "minimum": 1, "maximum": MAX_PLACE_ID}),
    Param(
        "open_at",
        _l(
            "Only activities meeting at this moment: an ISO 8601 date-time (without an offset "
            "it is Asia/Tokyo time), or `now`."
        ),
        {"type": "string", "maxLength": 40},
        examples={"tuesday-morning": {"value": "2026-12-08T10:30:00+09:00"}},
    ),
    Param(
        "date",
        _l(
            "Only activities meeting on this day, or on any day of this interval "
            "(`2026-12-01/2026-12-31`, both included; Japan dates; at most 366 days)."
        ),
        {"type": "string", "maxLength": 21},
        examples={"december": {"value": "2026-12-01/2026-12-31"}},
    ),
    Param(
        "datetime",
        _l(
            "Only activities with a meeting that overlaps this instant or interval (OGC "
            "`datetime`: RFC 3339 date-times or dates, `start/end`, at most 366 days; open ends "
            "`..` are not accepted)."
        ),
        {"type": "string", "maxLength": MAX_TIME_TEXT},
        examples={"one-evening": {"value": "2026-12-08T17:00:00+09:00/2026-12-08T21:00:00+09:00"}},
    ),
    PLACES["limit"],
    PLACES["offset"],
    Param("f", _l("Format: `json` (a page of GeoJSON), the only one here."),
          {"type": "string", "enum": ["json"]}),
]  # fmt: skip
NAMES = [p.name for p in PARAMETERS]


@dataclass(frozen=True)
class ActivityQuery:
    bbox: tuple[float, float, float, float] | None
    place_id: int | None
    open_at: datetime | None
    days: tuple[date, date] | None  # Japan dates, both included
    between: tuple[datetime, datetime] | None  # instants; equal: one instant
    limit: int
    offset: int

    def date_bounds(self) -> tuple[date | None, date | None]:
        """The Japan dates any meeting found must fall within (for the SQL pre-filter)."""
        first, last = [], []
        if self.days:
            first.append(self.days[0])
            last.append(self.days[1])
        for start, end in [self.between] if self.between else []:
            first.append(start.astimezone(TOKYO).date())
            last.append(end.astimezone(TOKYO).date())
        if self.open_at:
            first.append(self.open_at.astimezone(TOKYO).date())
            last.append(self.open_at.astimezone(TOKYO).date())
        return (max(first) if first else None, min(last) if last else None)


def _text(args: MultiDict, name: str, limit: int) -> str | None:
    raw = args.get(name)
    if raw is not None and len(raw) > limit:
        raise InvalidParameter(name, _l("At most %(n)d characters.", n=limit))
    return raw


def _day(name: str, raw: str) -> date:
    try:
        if len(raw) == 10:
            return _in_range(name, date.fromisoformat(raw))
    except ValueError:
        pass
    raise InvalidParameter(name, _l("Use dates such as 2026-12-01, or 2026-12-01/2026-12-31."))


def _in_range(name: str, value):
    if value.year not in YEARS:
        raise InvalidParameter(name, _l("Use a year between 1900 and 2200."))
    return value


def _check_span(name: str, first, last, days: int) -> None:
    if last < first:
        raise InvalidParameter(name, _l("The end must not be before the start."))
    if days > MAX_SPAN_DAYS:
        raise InvalidParameter(name, _l("At most %(n)d days at a time.", n=MAX_SPAN_DAYS))


def parse_date(raw: str | None) -> tuple[date, date] | None:
    """``date``: one Japan date, or ``first/last`` (both included)."""
    if raw is None:
        return None
    parts = raw.strip().split("/")
    if len(parts) > 2:
        raise InvalidParameter("date", _l("Give one date, or two separated by a slash."))
    first, last = _day("date", parts[0]), _day("date", parts[-1])
    _check_span("date", first, last, (last - first).days + 1)
    return first, last


def _moment(raw: str, end: bool) -> datetime:
    """One end of a ``datetime``: an instant, or a date (its whole Japan day)."""
    if raw == OPEN_END or raw == "":
        raise InvalidParameter(
            "datetime", _l("Give both ends of the interval, at most 366 days apart.")
        )
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            return datetime.combine(
                _in_range("datetime", day) + timedelta(days=1 if end else 0), time(0), TOKYO
            )
        moment = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        raise InvalidParameter(
            "datetime",
            _l("Use RFC 3339, for example 2026-12-08T10:00:00+09:00, or an interval start/end."),
        ) from None
    return _in_range("datetime", moment if moment.tzinfo else moment.replace(tzinfo=TOKYO))


def parse_datetime(raw: str | None) -> tuple[datetime, datetime] | None:
    """OGC ``datetime``: an instant (start == end) or a half-open interval ``[start, end)``;
    a date as an end stands for its whole Japan day."""
    if raw is None:
        return None
    parts = raw.strip().split("/")
    if len(parts) > 2:
        raise InvalidParameter("datetime", _l("Give an instant, or two separated by a slash."))
    if len(parts) == 1 and len(parts[0]) != 10:
        instant = _moment(parts[0], end=False)
        return instant, instant
    start, end = _moment(parts[0], end=False), _moment(parts[-1], end=True)
    _check_span("datetime", start, end, (end - start).days)
    return start, end


def parse_activity_query(
    args: MultiDict, default_limit: int, max_limit: int, now: Callable[[], datetime]
) -> ActivityQuery:
    reject_unknown(args, NAMES)
    if args.get("f", "json") != "json":
        raise InvalidParameter("f", _l("Supported formats: %(f)s.", f="json"))
    open_at = _text(args, "open_at", 40)
    return ActivityQuery(
        bbox=parse_bbox(args.get("bbox")),
        place_id=parse_int(args, "place", None, 1, MAX_PLACE_ID),
        open_at=None if open_at is None else _in_range("open_at", _open_at(open_at, now)),
        days=parse_date(_text(args, "date", 21)),
        between=parse_datetime(_text(args, "datetime", MAX_TIME_TEXT)),
        limit=parse_int(args, "limit", default_limit, 1, max_limit),
        offset=parse_int(args, "offset", 0, 0, MAX_OFFSET),
    )
