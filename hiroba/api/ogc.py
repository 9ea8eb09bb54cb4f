"""OGC API – Features metadata and the districts: landing page, conformance, collections.

Every answer is JSON by default (for machines); the landing page is the documentation in HTML
for browsers, or with ``f=html``. Parameters are as strict here as on the places items.
"""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from hiroba.activities import api as activities_api
from hiroba.api import docs
from hiroba.api.features import bbox_of, district_rows
from hiroba.api.params import MAX_OFFSET, parse_bbox, parse_int, reject_unknown
from hiroba.api.views import (
    CSV,
    GEOJSON,
    HTML,
    JSON,
    bp,
    cacheable,
    feature_page,
    feature_response,
    json_response,
    last_modified,
    link,
    metadata_format,
    paging_links,
    requested_format,
)
from hiroba.districts.models import District
from hiroba.districts.queries import search_districts
from hiroba.errors import NotFound
from hiroba.extensions import db
from hiroba.places.models import Place
from hiroba.places.queries import approved_places

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
# The credit the licence of 国土数値情報 asks for, word for word.
DISTRICTS_CREDIT = "国土数値情報（行政区域データ）（国土交通省）を加工して作成"
DISTRICT_ITEMS_PARAMETERS = ("bbox", "limit", "offset", "f")


def _url(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, **values)


def _extent(rows, geometry) -> dict:
    """``extent`` of a collection, computed from its data (none while it is empty)."""
    box = db.session.execute(bbox_of(rows, geometry)).one()
    if box[0] is None:
        return {}
    return {"extent": {"spatial": {"bbox": [[round(v, 6) for v in box]], "crs": CRS84}}}


def places_collection() -> dict:
    return {
        "id": "places",
        "title": str(_l("Places to meet")),
        "description": str(_l("Published まちのひろば: places where neighbours can meet.")),
        "itemType": "feature",
        "crs": [CRS84],
        **_extent(approved_places(), Place.public_location),
        "links": [
            link(_url("api.place_collection"), "self", JSON),
            link(_url("api.place_items"), "items", GEOJSON, str(_l("Places (GeoJSON)"))),
            link(_url("api.place_items", f="csv"), "items", CSV,
                 str(_l("Every place as 公共施設一覧 CSV"))),
            link(_url("api.place_items", f="geojson"), "enclosure", GEOJSON,
                 str(_l("Every place as a GeoJSON file"))),
        ],
    }  # fmt: skip


def districts_collection() -> dict:
    return {
        "id": "districts",
        "title": str(_l("Districts (wards)")),
        "description": str(_l("The wards this registry covers, with their boundaries."))
        + f" {DISTRICTS_CREDIT}",
        "attribution": DISTRICTS_CREDIT,
        "itemType": "feature",
        "crs": [CRS84],
        **_extent(search_districts(), District.boundary),
        "links": [
            link(_url("api.district_collection"), "self", JSON),
            link(_url("api.district_items"), "items", GEOJSON, str(_l("Districts (GeoJSON)"))),
        ],
    }


def landing_page() -> dict:
    return {
        "title": str(_l("hiroba: まちのひろば API")),
        "description": str(_l(
            "Community places (まちのひろば) published in hiroba, and the wards they are in, "
            "as OGC API – Features.")),
        "links": [
            link(_url("api.landing"), "self", JSON, str(_l("This document"))),
            link(_url("api.landing", f="html"), "alternate", HTML, str(_l("This page in HTML"))),
            link(_url("api.openapi"), "service-desc", docs.OPENAPI_JSON,
                 str(_l("The API definition (OpenAPI 3.0)"))),
            link(_url("api.docs"), "service-doc", HTML, str(_l("The API documentation"))),
            link(_url("api.conformance"), "conformance", JSON,
                 str(_l("OGC API conformance classes implemented by this server"))),
            link(_url("api.collections"), "data", JSON, str(_l("The collections"))),
        ],
    }  # fmt: skip


@bp.get("/", strict_slashes=False)
def landing():
    """The landing page: JSON for machines, the documentation for browsers."""
    reject_unknown(request.args, {"f"})
    if metadata_format(("json", "html")) == "html":
        return docs.docs_page()
    return cacheable(json_response(landing_page()), None)


@bp.get("/conformance")
def conformance():
    reject_unknown(request.args, {"f"})
    metadata_format()
    return cacheable(json_response({"conformsTo": CONFORMANCE}), None)


@bp.get("/collections")
def collections():
    reject_unknown(request.args, {"f"})
    metadata_format()
    body = {
        "links": [link(_url("api.collections"), "self", JSON)],
        "collections": [
            places_collection(),
            districts_collection(),
            activities_api.activities_collection(),
        ],
    }
    return cacheable(json_response(body), last_modified())


@bp.get("/collections/places")
def place_collection():
    """The places collection's description (extent, links)."""
    reject_unknown(request.args, {"f"})
    metadata_format()
    return cacheable(json_response(places_collection()), last_modified())


@bp.get("/collections/districts")
def district_collection():
    reject_unknown(request.args, {"f"})
    metadata_format()
    return cacheable(json_response(districts_collection()), None)


@bp.get("/collections/districts/items")
def district_items():
    """The wards as a page of GeoJSON polygons."""
    args = request.args
    reject_unknown(args, DISTRICT_ITEMS_PARAMETERS)
    requested_format(("json",))
    limit = parse_int(args, "limit", current_app.config["API_DEFAULT_LIMIT"], 1,
                      current_app.config["API_MAX_LIMIT"])  # fmt: skip
    offset = parse_int(args, "offset", 0, 0, MAX_OFFSET)
    districts = search_districts(parse_bbox(args.get("bbox")))
    features = db.session.scalars(district_rows(districts.limit(limit).offset(offset))).all()
    matched = db.session.scalar(
        districts.with_only_columns(func.count(District.code)).order_by(None)
    )
    links = [
        *paging_links(offset + len(features) < matched, limit, offset),
        link(_url("api.district_collection"), "collection", JSON),
    ]
    page = ",".join(features).encode()
    return cacheable(feature_page(page, len(features), matched, links), None)


@bp.get("/collections/districts/items/<string(length=6):code>")
def district_item(code: str):
    """One ward as a GeoJSON Feature."""
    reject_unknown(request.args, {"f"})
    requested_format(("json",))
    feature = db.session.scalar(district_rows(search_districts().where(District.code == code)))
    if feature is None:
        raise NotFound(_l("There is no district with this code."))
    return cacheable(feature_response(feature, "api.district_collection"), None)
