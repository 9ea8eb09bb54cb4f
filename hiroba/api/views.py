"""The search API: OGC API – Features collections of published places under /api.

This module holds the blueprint, what every API response shares (CORS, caching, negotiation,
links, pages of features) and the places items. ``ogc`` adds the landing page, conformance and
the collections (districts included); ``docs`` the OpenAPI document and its HTML rendering.

Items come as a page of GeoJSON (``f=json``, the default), or — with the very same filters and
order — as a whole GeoJSON file (``f=geojson``) or 公共施設一覧 CSV (``f=csv``), streamed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, request, stream_with_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from hiroba.api.features import feature_rows
from hiroba.api.params import (
    FORMATS,
    ItemsRequest,
    parse_format,
    parse_items_request,
    reject_unknown,
)
from hiroba.api.statements import run_page
from hiroba.database import MAX_ID
from hiroba.errors import NotFound
from hiroba.extensions import csrf, db, limiter
from hiroba.i18n import select_locale
from hiroba.opendata.export import csv_lines
from hiroba.places.models import Place
from hiroba.places.planning import with_text_strategy
from hiroba.places.queries import approved_places
from hiroba.places.search import count_places, distance_m, search_places

bp = Blueprint("api", __name__)
csrf.exempt(bp)  # read-only, cookie-free API; nothing here changes state


@limiter.request_filter
def _api_read() -> bool:
    """The API's reads have no rate limits: spare them Flask-Limiter's evaluation of every
    limit (a tenth of a small request's time). A limit put on an API route would need this
    filter to go."""
    return request.blueprint == "api"


JSON = "application/json"
HTML = "text/html"
GEOJSON = "application/geo+json"
CSV = "text/csv"
MEDIA_TYPES = {"json": GEOJSON, "geojson": GEOJSON, "csv": CSV}
STREAM_BATCH = 500
QUERY_SAFE = "!$'()*,/:;?@"  # werkzeug's, after the WHATWG URL standard
CORS_HEADERS = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS"),
    ("Access-Control-Allow-Headers", "Accept, Accept-Language, If-None-Match, If-Modified-Since"),
    ("Access-Control-Expose-Headers", "ETag, Last-Modified, Content-Disposition"),
    ("Access-Control-Max-Age", "86400"),
)


@bp.after_request
def read_only_cors(response: Response) -> Response:
    """Any site may read the API from a browser (GET only; there is nothing else)."""
    response.headers.extend(CORS_HEADERS)
    # The format follows Accept and every text the language: shared caches must keep them apart.
    response.vary.update(("Accept", "Accept-Language"))
    return response


def requested_format(allowed=FORMATS) -> str:
    """``f`` if given, else the best of the Accept header (GeoJSON unless CSV is preferred)."""
    if "f" in request.args:
        return parse_format(request.args, allowed)
    best = request.accept_mimetypes.best_match([GEOJSON, JSON, CSV], GEOJSON)
    return "csv" if best == CSV and "csv" in allowed else "json"


def metadata_format(allowed=("json",)) -> str:
    """``f`` if given, else HTML for clients that prefer it (browsers) where offered, else JSON."""
    if "f" in request.args:
        return parse_format(request.args, allowed)
    best = request.accept_mimetypes.best_match([JSON, HTML], JSON)
    return "html" if best == HTML and "html" in allowed else "json"


def link(href: str, rel: str, media_type: str = GEOJSON, title: str | None = None) -> dict:
    found = {"href": href, "rel": rel, "type": media_type}
    if title:
        found["title"] = title
    return found


def url_with(**changes) -> str:
    """This request's URL with some query parameters changed (``None`` drops one).

    Encoded as ``url_for`` would (same safe characters) at a fraction of its cost: a page
    of places links to itself four or five times.
    """
    args = {**request.args.to_dict(), **changes}
    query = urlencode({k: v for k, v in args.items() if v is not None}, safe=QUERY_SAFE)
    return request.base_url + ("?" + query if query else "")


def paging_links(more: bool, limit: int, offset: int) -> list[dict]:
    """``self``, and ``next``/``prev`` where there is such a page (``more``: one follows)."""
    links = [link(url_with(), "self")]
    if more:
        links.append(link(url_with(offset=offset + limit), "next"))
    if offset > 0:
        links.append(link(url_with(offset=max(0, offset - limit)), "prev"))
    return links


def feature_page(
    features: bytes, returned: int, matched: int | None, links: list[dict]
) -> Response:
    """A page of Features (JSON as UTF-8, comma-separated) as an OGC FeatureCollection.

    ``matched`` is None where counting would cost more than the page: OGC API – Features
    allows leaving numberMatched out, and the ``next`` link tells that more follow.
    """
    head = {"type": "FeatureCollection"}
    if matched is not None:
        head["numberMatched"] = matched
    head.update(numberReturned=returned, links=links)
    head_json = _json_head(head)
    # The features arrive as UTF-8 JSON from PostgreSQL: spliced in as bytes, never decoded,
    # re-parsed or re-encoded (a page of 100 is 100-odd kB of mostly Japanese text).
    features = b',"features":[' + features + b"]}"
    # Same features, same links: the same ETag whatever second it is (weak: timeStamp differs).
    etag = hashlib.sha1(head_json, usedforsecurity=False)
    etag.update(features)
    stamp = f', "timeStamp": "{datetime.now(UTC).isoformat(timespec="seconds")}"'.encode()
    response = Response(head_json + stamp + features, mimetype=GEOJSON)
    response.set_etag(etag.hexdigest(), weak=True)
    return response


def _json_head(members: dict) -> bytes:
    """``members`` as a JSON object left open for more members."""
    return json.dumps(members, ensure_ascii=False)[:-1].encode()


def feature_response(feature: str, collection_endpoint: str) -> Response:
    """One Feature (JSON text) with its ``self`` and ``collection`` links."""
    links = [link(url_with(), "self"), link(url_for(collection_endpoint, _external=True),
                                            "collection", JSON)]  # fmt: skip
    body = feature[:-1] + ',"links":' + json.dumps(links, ensure_ascii=False) + "}"
    return Response(body, mimetype=GEOJSON)


def json_response(body: dict, media_type: str = JSON) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), mimetype=media_type)


def last_change():
    """SQL: when any place last changed (a change of status too), Last-Modified of searches."""
    return select(func.max(Place.updated_at)).scalar_subquery()


def last_modified() -> datetime | None:
    return db.session.scalar(select(last_change()))


def cacheable(response: Response, modified: datetime | None) -> Response:
    """ETag and Last-Modified, answered with 304 when the client's copy is current."""
    response.add_etag()
    if modified is not None:
        response.last_modified = modified
    response.headers["Cache-Control"] = "public, max-age=60"
    return response.make_conditional(request)


def _place_page_links(more: bool, limit: int, offset: int) -> list[dict]:
    # The locale's name, not Flask-Babel's parsed Locale: the titles are cached per name.
    geojson_title, csv_title = _download_titles(select_locale())
    return [
        *paging_links(more, limit, offset),
        link(url_with(f="geojson", limit=None, offset=None), "alternate", GEOJSON, geojson_title),
        link(url_with(f="csv", limit=None, offset=None), "alternate", CSV, csv_title),
        link(url_for("api.place_collection", _external=True), "collection", JSON),
    ]


@cache
def _download_titles(locale: str) -> tuple[str, str]:
    """The titles of a page's download links in ``locale`` (the current one), translated once."""
    return str(_l("Every match as a GeoJSON file")), str(_l("Every match as 公共施設一覧 CSV"))


def _page(query: ItemsRequest) -> Response:
    """One statement builds the page: its Features, whether more follow, and Last-Modified.

    One place more than the page is asked for: numberMatched is given when the page holds the
    last match (then it is exact and free), or counted when the page starts past the last.
    """
    limit, offset = query.limit, query.offset
    search = with_text_strategy(query.search)
    features, found, modified = run_page(search, limit, offset, last_change)
    more = found > limit
    matched = None if more else offset + found
    if found == 0 and offset > 0:  # fewer matches than skipped: at most offset to count
        matched = db.session.scalar(count_places(query.search))
    links = _place_page_links(more, limit, offset)
    return cacheable(feature_page(features, min(found, limit), matched, links), modified)


def _paged(query: ItemsRequest):
    places = search_places(query.search)
    if query.limit is not None:
        places = places.limit(query.limit)
    return places.offset(query.offset)


def _geojson_file(query: ItemsRequest) -> Iterator[str]:
    stmt = feature_rows(_paged(query), distance_m(query.search))
    yield '{"type":"FeatureCollection","features":['
    for index, feature in enumerate(
        db.session.scalars(stmt.execution_options(yield_per=STREAM_BATCH))
    ):
        yield ("," if index else "") + feature
    yield "]}"


def _download(lines: Iterator[str], media_type: str, filename: str) -> Response:
    response = Response(stream_with_context(lines), mimetype=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/collections/places/items")
def place_items():
    """Published places matching every filter given, as a GeoJSON page, file or CSV."""
    fmt = requested_format()
    query = parse_items_request(
        request.args,
        current_app.config["API_DEFAULT_LIMIT"],
        current_app.config["API_MAX_LIMIT"],
        fmt,
        now=lambda: datetime.now(UTC),
        centre_first=True,
    )
    if fmt == "csv":
        response = _download(csv_lines(_paged(query)), f"{CSV}; charset=utf-8", "hiroba-places.csv")
    elif fmt == "geojson":
        response = _download(_geojson_file(query), GEOJSON, "hiroba-places.geojson")
    else:
        return _page(query)
    response.last_modified = last_modified()
    return response


@bp.get(f"/collections/places/items/<int(max={MAX_ID}):place_id>")
def place_item(place_id: int):
    """One published place as a GeoJSON Feature."""
    reject_unknown(request.args, {"f"})
    requested_format(("json", "geojson"))
    found = db.session.execute(
        feature_rows(approved_places().where(Place.id == place_id)).add_columns(Place.updated_at)
    ).one_or_none()
    if found is None:
        raise NotFound(_l("There is no published place with this id."))
    feature, updated_at = found
    return cacheable(feature_response(feature, "api.place_collection"), updated_at)


# The blueprint's other routes live beside this module and register on ``bp`` when imported.
from hiroba.api import docs, ogc  # noqa: E402, F401
