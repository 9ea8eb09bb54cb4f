"""JSON Schemas of what the API answers, for its OpenAPI document (``components/schemas``).

They follow the schemas of OGC API – Features Part 1 and RFC 7946, narrowed to what this API
really sends, so that a schema-driven client (or fuzzer) can hold every response to them.
"""

from __future__ import annotations

from typing import Any

from hiroba.places.vocabulary import (
    Accessibility,
    Amenity,
    Audience,
    Condition,
    Fee,
    LocationPrecision,
    PlaceKind,
    Sector,
)

Schema = dict[str, Any]
REF = "#/components/schemas/"


def ref(name: str) -> Schema:
    return {"$ref": REF + name}


def _values(enum) -> list[str]:
    return [m.value for m in enum]


def _nullable(schema: Schema) -> Schema:
    return {**schema, "nullable": True}


def _array(items: Schema, **extra) -> Schema:
    return {"type": "array", "items": items, **extra}


STRING = {"type": "string"}
DATE_TIME = {"type": "string", "format": "date-time"}
POSITION = _array({"type": "number"}, minItems=2, maxItems=3)
RING = _array(POSITION, minItems=4)


def _geometry(kind: str, coordinates: Schema) -> Schema:
    return {
        "type": "object",
        "required": ["type", "coordinates"],
        "properties": {"type": {"type": "string", "enum": [kind]}, "coordinates": coordinates},
    }


def _feature(id_schema: Schema, geometry: str, properties: str) -> Schema:
    return {
        "type": "object",
        "required": ["type", "id", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": id_schema,
            "geometry": ref(geometry),
            "properties": ref(properties),
            "links": _array(ref("link")),
        },
    }


def _feature_collection(feature: str) -> Schema:
    """A page (with the OGC members) or, for ``f=geojson``, a whole file (without them)."""
    return {
        "type": "object",
        "required": ["type", "features"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": _array(ref(feature)),
            "links": _array(ref("link")),
            "timeStamp": DATE_TIME,
            "numberMatched": {"type": "integer", "minimum": 0},
            "numberReturned": {"type": "integer", "minimum": 0},
        },
    }


PLACE_PROPERTIES: Schema = {
    "type": "object",
    "required": ["name", "kind", "sector", "district", "location_precision"],
    "properties": {
        "name": STRING,
        "name_kana": _nullable(STRING),
        "name_en": _nullable(STRING),
        "kind": {"type": "string", "enum": _values(PlaceKind)},
        "sector": {"type": "string", "enum": _values(Sector)},
        "description": _nullable(STRING),
        "address": _nullable(STRING),
        "district": {"type": "string", "pattern": "^[0-9]{6}$"},
        "district_name": STRING,
        "district_name_en": _nullable(STRING),
        "location_precision": {"type": "string", "enum": _values(LocationPrecision)},
        "footprint": {"allOf": [ref("polygonGeoJSON")], "nullable": True},
        "capacity": _nullable({"type": "integer"}),
        "floor_area_m2": _nullable({"type": "number"}),
        "amenities": _array({"type": "string", "enum": _values(Amenity)}),
        "accessibility": _array({"type": "string", "enum": _values(Accessibility)}),
        "conditions": _array({"type": "string", "enum": _values(Condition)}),
        "fee": {"type": "string", "enum": _values(Fee)},
        "fee_details": _nullable(STRING),
        "who_may_use": {"type": "string", "enum": _values(Audience)},
        "opening_hours": _array(
            {
                "type": "object",
                "required": ["weekday", "opens", "closes"],
                "properties": {
                    "weekday": {"type": "integer", "minimum": 1, "maximum": 7},
                    "opens": {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}$"},
                    "closes": {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}$"},
                },
            }
        ),
        "hours_note": _nullable(STRING),
        "contact_phone": _nullable(STRING),
        "contact_email": _nullable(STRING),
        "website_url": _nullable(STRING),
        "last_confirmed_at": _nullable(DATE_TIME),
        "updated_at": DATE_TIME,
        "distance_m": {"type": "number", "minimum": 0},
    },
}

DISTRICT_PROPERTIES: Schema = {
    "type": "object",
    "required": ["code", "name_ja"],
    "properties": {
        "code": {"type": "string", "pattern": "^[0-9]{6}$"},
        "name_ja": STRING,
        "name_en": _nullable(STRING),
        "city_ja": _nullable(STRING),
        "prefecture_ja": _nullable(STRING),
    },
}

LINK: Schema = {
    "type": "object",
    "required": ["href", "rel"],
    "properties": {
        "href": STRING,
        "rel": STRING,
        "type": STRING,
        "hreflang": STRING,
        "title": STRING,
        "length": {"type": "integer"},
    },
}

EXTENT: Schema = {
    "type": "object",
    "properties": {
        "spatial": {
            "type": "object",
            "properties": {
                "bbox": _array(_array({"type": "number"}, minItems=4, maxItems=4), minItems=1),
                "crs": STRING,
            },
        },
        "temporal": {
            "type": "object",
            "properties": {
                "interval": _array(_array(_nullable(DATE_TIME), minItems=2, maxItems=2)),
                "trs": STRING,
            },
        },
    },
}

COLLECTION: Schema = {
    "type": "object",
    "required": ["id", "links"],
    "properties": {
        "id": STRING,
        "title": STRING,
        "description": STRING,
        "attribution": STRING,
        "links": _array(ref("link")),
        "extent": ref("extent"),
        "itemType": {"type": "string", "enum": ["feature"]},
        "crs": _array(STRING),
    },
}

PROBLEM: Schema = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": STRING,
        "title": STRING,
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": STRING,
        "instance": STRING,
        "invalid-params": _array(
            {
                "type": "object",
                "required": ["name", "reason"],
                "properties": {"name": STRING, "reason": STRING},
            }
        ),
    },
}


def schemas() -> dict[str, Schema]:
    """Every schema the document refers to, by name."""
    return {
        "link": LINK,
        "landingPage": {
            "type": "object",
            "required": ["links"],
            "properties": {"title": STRING, "description": STRING, "links": _array(ref("link"))},
        },
        "confClasses": {
            "type": "object",
            "required": ["conformsTo"],
            "properties": {"conformsTo": _array(STRING)},
        },
        "extent": EXTENT,
        "collection": COLLECTION,
        "collections": {
            "type": "object",
            "required": ["links", "collections"],
            "properties": {"links": _array(ref("link")), "collections": _array(ref("collection"))},
        },
        "pointGeoJSON": _geometry("Point", POSITION),
        "polygonGeoJSON": _geometry("Polygon", _array(RING, minItems=1)),
        "multipolygonGeoJSON": _geometry("MultiPolygon", _array(_array(RING, minItems=1))),
        "placeProperties": PLACE_PROPERTIES,
        "placeFeature": _feature({"type": "integer"}, "pointGeoJSON", "placeProperties"),
        "placeFeatureCollection": _feature_collection("placeFeature"),
        "districtProperties": DISTRICT_PROPERTIES,
        "districtFeature": _feature(
            {"type": "string", "pattern": "^[0-9]{6}$"}, "multipolygonGeoJSON", "districtProperties"
        ),
        "districtFeatureCollection": _feature_collection("districtFeature"),
        "problem": PROBLEM,
    }
