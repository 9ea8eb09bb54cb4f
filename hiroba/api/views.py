"""The search API: OGC API – Features style collections of places under /api."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from hiroba.api.features import feature_rows
from hiroba.api.params import parse_format, parse_items_query, reject_unknown
from hiroba.database import MAX_ID
from hiroba.errors import NotFound
from hiroba.extensions import csrf, db
from hiroba.places.models import Place
from hiroba.places.queries import approved_places, public_listing_order, within_bbox

bp = Blueprint("api", __name__)
csrf.exempt(bp)  # read-only, cookie-free API; nothing here changes state

GEOJSON = "application/geo+json"


def _link(href: str, rel: str, title: str | None = None) -> dict[str, str]:
    link = {"href": href, "rel": rel, "type": GEOJSON}
    if title:
        link["title"] = title
    return link


def _page_links(matched: int, returned: int, limit: int, offset: int) -> list[dict[str, str]]:
    args = request.args.to_dict()

    def at(new_offset: int) -> str:
        return url_for("api.place_items", _external=True, **{**args, "offset": new_offset})

    links = [_link(url_for("api.place_items", _external=True, **args), "self")]
    if offset + returned < matched:
        links.append(_link(at(offset + limit), "next"))
    if offset > 0:
        links.append(_link(at(max(0, offset - limit)), "prev"))
    return links


@bp.get("/collections/places/items")
def place_items():
    """Approved places as a GeoJSON FeatureCollection, filtered by bbox, paged by limit/offset."""
    query = parse_items_query(
        request.args, current_app.config["API_DEFAULT_LIMIT"], current_app.config["API_MAX_LIMIT"]
    )
    places = approved_places()
    if query.bbox:
        places = within_bbox(places, query.bbox)
    matched = db.session.scalar(places.with_only_columns(func.count(Place.id)))
    page = public_listing_order(places).limit(query.limit).offset(query.offset)
    features = db.session.scalars(feature_rows(page)).all()
    head = {
        "type": "FeatureCollection",
        "numberMatched": matched,
        "numberReturned": len(features),
        "timeStamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "links": _page_links(matched, len(features), query.limit, query.offset),
    }
    # The features arrive as JSON text from PostgreSQL; splice them in rather than re-parse.
    body = json.dumps(head, ensure_ascii=False)[:-1] + ',"features":[' + ",".join(features) + "]}"
    return Response(body, mimetype=GEOJSON)


@bp.get(f"/collections/places/items/<int(max={MAX_ID}):place_id>")
def place_item(place_id: int):
    """One approved place as a GeoJSON Feature."""
    reject_unknown(request.args, {"f"})
    parse_format(request.args)
    stmt = feature_rows(approved_places().where(Place.id == place_id))
    feature = db.session.scalar(stmt)
    if feature is None:
        raise NotFound(_l("There is no published place with this id."))
    return Response(feature, mimetype=GEOJSON)
