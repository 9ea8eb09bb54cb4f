"""The API's OpenAPI 3.0 document, built from the tables the server itself uses.

The items parameters come from ``hiroba.api.params.PARAMETERS`` (the very table that parses
requests), and the HTML docs page is rendered from this same document, so neither the machine
description nor the human one can drift from what the server accepts. Texts are in the
request's language.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from hiroba.activities.api_params import PARAMETERS as ACTIVITY_PARAMETERS
from hiroba.activities.api_schemas import activity_schemas
from hiroba.api.params import PARAMETERS, Param
from hiroba.api.schemas import ref, schemas
from hiroba.database import MAX_ID

OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"
JSON = "application/json"
GEOJSON = "application/geo+json"
CSV = "text/csv"
HTML = "text/html"
PROBLEM = "application/problem+json"
STRING = {"type": "string"}
BY_NAME = {p.name: p for p in PARAMETERS}
DISTRICT_CODE = {"type": "string", "pattern": "^[0-9]{6}$"}


def _oas30(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of a JSON Schema in OpenAPI 3.0's dialect (boolean exclusive bounds)."""
    found = copy.deepcopy(schema)
    for bound, flag in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        if isinstance(found.get(flag), int | float) and not isinstance(found[flag], bool):
            found[bound], found[flag] = found[flag], True
    if "items" in found:
        found["items"] = _oas30(found["items"])
    return found


def _query(param: Param, description: Any = None) -> dict[str, Any]:
    found = {
        "name": param.name,
        "in": "query",
        "required": False,
        "description": str(description or param.description),
        "schema": _oas30(param.schema),
        "style": "form",
    }
    if param.explode is not None:
        found["explode"] = param.explode
    if param.examples:
        found["examples"] = copy.deepcopy(param.examples)
    return found


def _format(formats: list[str], description: Any) -> dict[str, Any]:
    return _query(Param("f", str(description), {"type": "string", "enum": formats}))


def _header(name: str, description: Any) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": False, "schema": STRING,
            "description": str(description)}  # fmt: skip


@dataclass(frozen=True)
class Operation:
    """One GET operation: its path under the API, texts, parameters and 200 answer."""

    path: str
    id: str
    tag: str
    summary: Any
    description: Any
    parameters: tuple[str, ...]  # names in components/parameters
    ok: Any  # what the 200 answer is
    content: dict[str, Any]  # media type -> schema of the 200 answer
    not_found: bool = False  # has a 404 (unknown id)
    cached: bool = True  # ETag and conditional GET (304)


def _json(schema: str) -> dict[str, Any]:
    return {JSON: {"schema": ref(schema)}}


COLLECTION_TEXT = _l("Its title, extent, coordinate reference system and links.")
OPERATIONS = [
    Operation("/", "getLandingPage", "Capabilities", _l("Landing page"), _l(
        "What this API is and links to everything else: the OpenAPI document "
        "(`service-desc`), this documentation (`service-doc`), conformance and the "
        "collections (`data`)."), ("f-landing",),
        _l("The landing page (JSON), or this documentation (HTML)."),
        {**_json("landingPage"), HTML: {"schema": STRING}}),
    Operation("/conformance", "getConformance", "Capabilities", _l("Conformance"), _l(
        "The OGC API – Features conformance classes this API implements."), ("f-json",),
        _l("The conformance classes."), _json("confClasses")),
    Operation("/collections", "getCollections", "Capabilities", _l("Collections"), _l(
        "Every collection: published places and districts (wards), with their extent."),
        ("f-json",), _l("The collections."), _json("collections")),
    Operation("/collections/places", "describePlacesCollection", "Places",
        _l("The places collection"), COLLECTION_TEXT, ("f-json",), _l("The collection."),
        _json("collection")),
    Operation("/collections/places/items", "getPlaces", "Places", _l("Search published places"),
        _l("A page of published places matching every filter given (GeoJSON, lon/lat), with "
           "`numberReturned` and `next`/`prev` links, and `numberMatched` on the page that "
           "holds the last match; or, with `f=geojson` or `f=csv`, every match as one file. "
           "Places published approximately are shown at their public point, never their true "
           "one, and without a street address."),
        tuple(f"places-{p.name}" for p in PARAMETERS), _l("The places found."),
        {GEOJSON: {"schema": ref("placeFeatureCollection")}, CSV: {"schema": STRING}}),
    Operation("/collections/places/items/{featureId}", "getPlace", "Places",
        _l("One published place"), _l("A published place as a GeoJSON Feature."),
        ("placeId", "f-feature"), _l("The place."), {GEOJSON: {"schema": ref("placeFeature")}},
        not_found=True),
    Operation("/collections/districts", "describeDistrictsCollection", "Districts",
        _l("The districts collection"), COLLECTION_TEXT, ("f-json",), _l("The collection."),
        _json("collection")),
    Operation("/collections/districts/items", "getDistricts", "Districts",
        _l("Districts (wards)"), _l("The wards covered, as GeoJSON polygons (lon/lat). "
                                    "「国土数値情報（行政区域データ）（国土交通省）を加工して作成」"),
        ("districts-bbox", "districts-limit", "districts-offset", "f-json"),
        _l("The districts found."), {GEOJSON: {"schema": ref("districtFeatureCollection")}}),
    Operation("/collections/districts/items/{featureId}", "getDistrict", "Districts",
        _l("One district"), _l("A ward as a GeoJSON Feature."), ("districtCode", "f-json"),
        _l("The district."), {GEOJSON: {"schema": ref("districtFeature")}}, not_found=True),
    Operation("/collections/activities", "describeActivitiesCollection", "Activities",
        _l("The activities collection"), COLLECTION_TEXT, ("f-json",), _l("The collection."),
        _json("collection")),
    Operation("/collections/activities/items", "getActivities", "Activities",
        _l("Search activities at places"),
        _l("A page of regular activities at published places (salons, children's cafeterias, "
           "exercise classes…), each at its place's public point (never the true point of a "
           "place published approximately), with its recurrence rule in structured form and in "
           "words (`schedule`, Japanese and English) and its next meetings. `open_at`, `date` "
           "and `datetime` expand the rules: cancelled dates and, where the organiser chose it, "
           "national holidays have no meeting."),
        tuple(f"activities-{p.name}" for p in ACTIVITY_PARAMETERS), _l("The activities found."),
        {GEOJSON: {"schema": ref("activityFeatureCollection")}}),
    Operation("/collections/activities/items/{featureId}", "getActivity", "Activities",
        _l("One activity"), _l("An activity at a published place as a GeoJSON Feature."),
        ("activityId", "f-json"), _l("The activity."),
        {GEOJSON: {"schema": ref("activityFeature")}}, not_found=True),
    Operation("/openapi.json", "getOpenAPI", "Capabilities", _l("This OpenAPI document"),
        _l("The machine-readable description of this API (OpenAPI 3.0)."), ("f-json",),
        _l("The OpenAPI document."), {OPENAPI_JSON: {"schema": {"type": "object"}}}),
    Operation("/docs", "getDocumentation", "Capabilities", _l("Documentation"),
        _l("This API explained for people, in Japanese and English."), ("f-html",),
        _l("The documentation page."), {HTML: {"schema": STRING}}, cached=False),
]  # fmt: skip


def _parameters() -> dict[str, dict[str, Any]]:
    return {
        **{f"places-{p.name}": _query(p) for p in PARAMETERS},
        **{f"activities-{p.name}": _query(p) for p in ACTIVITY_PARAMETERS},
        "activityId": {"name": "featureId", "in": "path", "required": True,
                       "description": str(_l("The activity's id.")),
                       "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}},
        "districts-bbox": _query(BY_NAME["bbox"], _l(
            "Only districts whose boundary meets this box: min longitude, min latitude, "
            "max longitude, max latitude (WGS 84, CRS84 axis order).")),
        "districts-limit": _query(BY_NAME["limit"]),
        "districts-offset": _query(BY_NAME["offset"]),
        "f-json": _format(["json"], _l("Format: `json`, the only one here.")),
        "f-landing": _format(["json", "html"], _l(
            "Format: `json`, or `html` for this documentation. Without `f`, browsers that "
            "ask for HTML get HTML.")),
        "f-feature": _format(["json", "geojson"], _l(
            "Format: GeoJSON (`json` and `geojson` are the same here).")),
        "f-html": _format(["html"], _l("Format: `html`, the only one here.")),
        "placeId": {"name": "featureId", "in": "path", "required": True,
                    "description": str(_l("The place's id.")),
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}},
        "districtCode": {"name": "featureId", "in": "path", "required": True,
                         "description": str(_l("The district's 6-digit 全国地方公共団体コード.")),
                         "schema": DISTRICT_CODE, "example": "141330"},
        "ifNoneMatch": _header("If-None-Match", _l(
            "An ETag from an earlier answer: 304 if nothing changed since.")),
        "ifModifiedSince": _header("If-Modified-Since", _l(
            "An HTTP date: 304 if nothing changed since.")),
    }  # fmt: skip


def _headers() -> dict[str, Any]:
    def header(description):
        return {"description": str(description), "schema": STRING}

    return {
        "ETag": header(_l("Tag of this answer, for If-None-Match.")),
        "Last-Modified": header(_l("When a published place last changed.")),
        "Cache-Control": header(_l("How long shared caches may keep the answer.")),
    }


def _responses() -> dict[str, Any]:
    def problem(description):
        return {"description": str(description), "content": {PROBLEM: {"schema": ref("problem")}}}

    return {
        "NotModified": {"description": str(_l("Not modified: the client's copy is current."))},
        "InvalidParameter": problem(_l(
            "A query parameter is unknown, repeated or has a bad value; `invalid-params` "
            "names it and says why.")),
        "NotFound": problem(_l("There is no such feature (or it is not published).")),
        "ServerError": problem(_l("An unexpected error on the server.")),
    }  # fmt: skip


def _path_item(operation: Operation) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": str(operation.ok), "content": operation.content}
    responses = {"200": ok}
    parameters = list(operation.parameters)
    if operation.cached:
        ok["headers"] = {name: {"$ref": f"#/components/headers/{name}"} for name in _headers()}
        responses["304"] = {"$ref": "#/components/responses/NotModified"}
        parameters += ["ifNoneMatch", "ifModifiedSince"]
    responses["400"] = {"$ref": "#/components/responses/InvalidParameter"}
    if operation.not_found:
        responses["404"] = {"$ref": "#/components/responses/NotFound"}
    responses["500"] = {"$ref": "#/components/responses/ServerError"}
    get = {
        "operationId": operation.id,
        "tags": [operation.tag],
        "summary": str(operation.summary),
        "description": str(operation.description),
        "parameters": [{"$ref": f"#/components/parameters/{name}"} for name in parameters],
        "responses": responses,
    }
    return {"get": get}


def document(server_url: str) -> dict[str, Any]:
    """The OpenAPI 3.0.3 document, its one server being ``server_url`` (…/api)."""
    description = _l(
        "Published community places (まちのひろば) and the wards they are in, as OGC API – "
        "Features (Part 1: Core, GeoJSON, OpenAPI 3.0). Read-only, no key needed, open to any "
        "site (CORS)."
    )
    return {
        "openapi": "3.0.3",
        "info": {
            "title": str(_l("hiroba: まちのひろば API")),
            "version": "1.0.0",
            "description": str(description),
        },
        "servers": [{"url": server_url}],
        "tags": [
            {"name": "Capabilities"},
            {"name": "Places"},
            {"name": "Districts"},
            {"name": "Activities"},
        ],
        "paths": {operation.path: _path_item(operation) for operation in OPERATIONS},
        "components": {
            "schemas": {**schemas(), **activity_schemas()},
            "parameters": _parameters(),
            "responses": _responses(),
            "headers": _headers(),
        },
    }


def _resolve(document: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    if "$ref" not in item:
        return item
    found: Any = document
    for part in item["$ref"].removeprefix("#/").split("/"):
        found = found[part]
    return found


def schema_text(schema: dict[str, Any]) -> str:
    """A parameter's schema in a few words, for people."""
    if schema.get("type") == "array":
        items = schema["items"]
        if "enum" in items:
            return str(_l("comma-separated, any of: %(values)s", values=", ".join(items["enum"])))
        if items.get("type") == "number":
            return str(_l("%(n)d numbers, comma-separated", n=schema["maxItems"]))
        return str(_l("comma-separated list"))
    if "enum" in schema:
        return str(_l("one of: %(values)s", values=", ".join(schema["enum"])))
    if schema.get("type") == "integer":
        low, high = schema.get("minimum"), schema.get("maximum")
        text = str(_l("whole number from %(low)s to %(high)s", low=low, high=high))
        if "default" in schema:
            text += str(_l(" (default %(value)s)", value=schema["default"]))
        return text
    if schema.get("type") == "number":
        return str(_l("number up to %(high)s", high=schema.get("maximum")))
    if "maxLength" in schema:
        return str(_l("text of at most %(n)d characters", n=schema["maxLength"]))
    if "pattern" in schema:
        return str(_l("text matching %(pattern)s", pattern=schema["pattern"]))
    return str(_l("text"))


def describe(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Each operation of ``document``, with its parameters and answers spelt out, for the docs."""
    base = document["servers"][0]["url"]
    operations = []
    for path, methods in document["paths"].items():
        operation = methods["get"]
        parameters = [_resolve(document, p) for p in operation["parameters"]]
        responses = {code: _resolve(document, r) for code, r in operation["responses"].items()}
        operations.append({
            "path": path,
            "url": base + path,
            "summary": operation["summary"],
            "description": operation["description"],
            "parameters": [
                {"name": p["name"], "in": p["in"], "required": p.get("required", False),
                 "description": p["description"], "type": schema_text(p["schema"])}
                for p in parameters
            ],
            "responses": [
                {"status": code, "description": r["description"],
                 "media_types": list(r.get("content", {}))}
                for code, r in responses.items()
            ],
        })  # fmt: skip
    return operations
