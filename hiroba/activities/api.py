"""The activities collection of the search API: /api/collections/activities[/items[/<id>]].

Each Feature is an activity at its place's PUBLIC point (``public_location``; never the true
point of a place published approximately, and no address at all). A rule decides when an
activity meets, so the time filters (``open_at``, ``date``, ``datetime``) expand rules in Python
(``hiroba.activities.recurrence``) after SQL has narrowed the candidates by place, box and
period; without a time filter, SQL pages on its own.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from hiroba.activities import describe
from hiroba.activities.api_params import ActivityQuery, parse_activity_query
from hiroba.activities.models import Activity, rule_of
from hiroba.activities.queries import published_activities, search_activities
from hiroba.activities.recurrence import TOKYO, covers, meets_between, meets_on_any, times_on
from hiroba.activities.recurrence import next_occurrences as next_dates
from hiroba.api.features import COORDINATE_DECIMALS, bbox_of
from hiroba.api.params import reject_unknown
from hiroba.api.views import (
    GEOJSON,
    JSON,
    cacheable,
    feature_page,
    json_response,
    link,
    metadata_format,
    paging_links,
    read_only_cors,
)
from hiroba.database import MAX_ID
from hiroba.errors import NotFound
from hiroba.extensions import csrf, db
from hiroba.i18n import hhmm
from hiroba.places.models import Place

bp = Blueprint("activities_api", __name__)
csrf.exempt(bp)  # read-only, like the rest of the API
bp.after_request(read_only_cors)

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
NEXT_SHOWN = 5  # next meetings in each Feature
RULE_COLUMNS = (
    Activity.id, Activity.recurrence, Activity.starts_on, Activity.ends_on,
    Activity.start_minute, Activity.end_minute, Activity.weekdays, Activity.interval_weeks,
    Activity.weeks_of_month, Activity.day_of_month, Activity.dates, Activity.cancelled_dates,
    Activity.skip_holidays,
)  # fmt: skip


def _now() -> datetime:
    return datetime.now(UTC)


def activities_collection() -> dict[str, Any]:
    """The collection's description (for /api/collections too)."""
    return {
        "id": "activities",
        "title": str(_l("Activities at places")),
        "description": str(_l(
            "Regular activities at published places (salons, children's cafeterias, exercise "
            "classes…) with their recurrence rules, at the place's public point.")),
        "itemType": "feature",
        "crs": [CRS84],
        **_extent(),
        "links": [
            link(url_for("activities_api.collection", _external=True), "self", JSON),
            link(url_for("activities_api.items", _external=True), "items", GEOJSON,
                 str(_l("Activities (GeoJSON)"))),
        ],
    }  # fmt: skip


def _extent() -> dict[str, Any]:
    """Around the public points of the places with activities (none while there are none)."""
    box = db.session.execute(bbox_of(published_activities(), Place.public_location)).one()
    if box[0] is None:
        return {}
    return {"extent": {"spatial": {"bbox": [[round(v, 6) for v in box]], "crs": CRS84}}}


def _recurrence(activity: Activity) -> dict[str, Any]:
    return {
        "kind": activity.recurrence.value,
        "weekdays": sorted(activity.weekdays),
        "interval_weeks": activity.interval_weeks,
        "weeks_of_month": sorted(activity.weeks_of_month, key=lambda n: 5 if n < 0 else n),
        "day_of_month": activity.day_of_month,
        "dates": [day.isoformat() for day in sorted(activity.dates)],
        "starts_on": activity.starts_on.isoformat(),
        "ends_on": activity.ends_on.isoformat() if activity.ends_on else None,
        "start": hhmm(activity.start_minute),
        "end": hhmm(activity.end_minute),
        "timezone": "Asia/Tokyo",
        "cancelled_dates": [day.isoformat() for day in sorted(activity.cancelled_dates)],
        "skip_holidays": activity.skip_holidays,
    }


def activity_feature(activity: Activity, point: str, place: Place, now: datetime) -> dict:
    """The public Feature of an activity; ``point`` is its place's public point as GeoJSON."""
    rule = activity.rule
    upcoming = [times_on(rule, day) for day in
                next_dates(rule, now.astimezone(TOKYO).date(), NEXT_SHOWN + 1)]  # fmt: skip
    upcoming = [(start, end) for start, end in upcoming if end > now][:NEXT_SHOWN]
    return {
        "type": "Feature",
        "id": activity.id,
        "geometry": json.loads(point),
        "properties": {
            "title": activity.title,
            "description": activity.description or None,
            "audiences": list(activity.audiences),
            "fee": activity.fee.value,
            "fee_details": activity.fee_details,
            "organiser": activity.organiser,
            "contact_phone": activity.contact_phone,
            "contact_email": activity.contact_email,
            "schedule": describe.both(rule),
            "recurrence": _recurrence(activity),
            "next_occurrences": [
                {"start": s.isoformat(), "end": e.isoformat()} for s, e in upcoming
            ],
            "place": place.id,
            "place_name": place.name,
            "place_name_en": place.name_en,
            "district": place.district_code,
            "location_precision": place.location_precision.value,
            "updated_at": activity.updated_at.isoformat(),
        },
    }


def _features(ids: Sequence[int], now: datetime) -> list[dict]:
    """The Features of these activities, in this order (one statement)."""
    point = func.ST_AsGeoJSON(Place.public_location, COORDINATE_DECIMALS)
    rows = db.session.execute(
        select(Activity, point, Place).join(Place, Place.id == Activity.place_id)
        .where(Activity.id.in_(ids))
    ).all()  # fmt: skip
    by_id = {
        activity.id: activity_feature(activity, geo, place, now) for activity, geo, place in rows
    }
    return [by_id[i] for i in ids if i in by_id]


def _meets(rule, query: ActivityQuery) -> bool:
    """Every time filter given holds for the rule (all of them: filters combine)."""
    if query.open_at is not None and not covers(rule, query.open_at):
        return False
    if query.days is not None and not meets_on_any(rule, *query.days):
        return False
    return query.between is None or meets_between(rule, *query.between)


def _page_ids(query: ActivityQuery) -> tuple[list[int], int]:
    """The ids of the page asked for, and how many activities match in all."""
    first, last = query.date_bounds()
    candidates = search_activities(query.bbox, query.place_id, first, last)
    if query.open_at is None and query.days is None and query.between is None:
        matched = db.session.scalar(
            candidates.with_only_columns(func.count(Activity.id)).order_by(None)
        )
        page = candidates.with_only_columns(Activity.id).limit(query.limit).offset(query.offset)
        return list(db.session.scalars(page)), matched
    if first is not None and last is not None and last < first:
        return [], 0  # the filters ask for days that cannot all hold at once
    rows = db.session.execute(candidates.with_only_columns(*RULE_COLUMNS)).all()
    found = [row.id for row in rows if _meets(rule_of(row), query)]
    return found[query.offset : query.offset + query.limit], len(found)


@bp.get("/collections/activities")
def collection():
    reject_unknown(request.args, {"f"})
    metadata_format()
    return cacheable(json_response(activities_collection()), None)


@bp.get("/collections/activities/items")
def items():
    """Activities at published places matching every filter given, as a page of GeoJSON."""
    config = current_app.config
    query = parse_activity_query(
        request.args, config["API_DEFAULT_LIMIT"], config["API_MAX_LIMIT"], _now
    )
    ids, matched = _page_ids(query)
    features = _features(ids, _now())
    links = [
        *paging_links(query.offset + len(ids) < matched, query.limit, query.offset),
        link(url_for("activities_api.collection", _external=True), "collection", JSON),
    ]
    body = ",".join(json.dumps(f, ensure_ascii=False) for f in features).encode()
    return cacheable(feature_page(body, len(features), matched, links), None)


@bp.get(f"/collections/activities/items/<int(max={MAX_ID}):activity_id>")
def item(activity_id: int):
    """One activity at a published place, as a GeoJSON Feature."""
    reject_unknown(request.args, {"f"})
    metadata_format()  # only json: anything else is a 400 naming the formats there are
    exists = db.session.scalar(
        published_activities().with_only_columns(Activity.id).where(Activity.id == activity_id)
    )
    if exists is None:
        raise NotFound(_l("There is no activity with this id at a published place."))
    feature = _features([activity_id], _now())[0]
    feature["links"] = [
        link(url_for("activities_api.item", activity_id=activity_id, _external=True), "self"),
        link(url_for("activities_api.collection", _external=True), "collection", JSON),
        link(url_for("places.detail", place_id=feature["properties"]["place"], _external=True,
                     _anchor=f"activity-{activity_id}"), "alternate", "text/html"),
    ]  # fmt: skip
    return cacheable(Response(json.dumps(feature, ensure_ascii=False), mimetype=GEOJSON), None)
