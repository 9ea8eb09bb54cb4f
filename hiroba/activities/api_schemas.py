"""JSON Schemas of the activities collection's answers, for the OpenAPI document."""

from __future__ import annotations

from typing import Any

from hiroba.activities.models import ActivityAudience
from hiroba.activities.recurrence import Recurrence
from hiroba.api.schemas import _feature, _feature_collection
from hiroba.places.vocabulary import Fee, LocationPrecision

STRING = {"type": "string"}
NULLABLE_STRING = {"type": "string", "nullable": True}
DATE = {"type": "string", "format": "date"}
DATE_TIME = {"type": "string", "format": "date-time"}
HHMM = {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}$"}


def _array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


RECURRENCE = {
    "type": "object",
    "required": ["kind", "starts_on", "start", "end", "timezone", "skip_holidays"],
    "properties": {
        "kind": {"type": "string", "enum": [k.value for k in Recurrence]},
        "weekdays": _array({"type": "integer", "minimum": 1, "maximum": 7}),
        "interval_weeks": {"type": "integer", "minimum": 1, "maximum": 8},
        "weeks_of_month": _array({"type": "integer", "enum": [1, 2, 3, 4, -1]}),
        "day_of_month": {"type": "integer", "minimum": 1, "maximum": 31, "nullable": True},
        "dates": _array(DATE),
        "starts_on": DATE,
        "ends_on": {**DATE, "nullable": True},
        "start": HHMM,
        "end": HHMM,
        "timezone": {"type": "string", "enum": ["Asia/Tokyo"]},
        "cancelled_dates": _array(DATE),
        "skip_holidays": {"type": "boolean"},
    },
}

ACTIVITY_PROPERTIES = {
    "type": "object",
    "required": ["title", "fee", "schedule", "recurrence", "next_occurrences", "place"],
    "properties": {
        "title": STRING,
        "description": NULLABLE_STRING,
        "audiences": _array({"type": "string", "enum": [a.value for a in ActivityAudience]}),
        "fee": {"type": "string", "enum": [f.value for f in Fee]},
        "fee_details": NULLABLE_STRING,
        "organiser": NULLABLE_STRING,
        "contact_phone": NULLABLE_STRING,
        "contact_email": NULLABLE_STRING,
        "schedule": {
            "type": "object",
            "required": ["ja", "en"],
            "properties": {"ja": STRING, "en": STRING},
        },
        "recurrence": {"$ref": "#/components/schemas/activityRecurrence"},
        "next_occurrences": _array({
            "type": "object",
            "required": ["start", "end"],
            "properties": {"start": DATE_TIME, "end": DATE_TIME},
        }),
        "place": {"type": "integer"},
        "place_name": STRING,
        "place_name_en": NULLABLE_STRING,
        "district": {"type": "string", "pattern": "^[0-9]{6}$"},
        "location_precision": {"type": "string", "enum": [p.value for p in LocationPrecision]},
        "updated_at": DATE_TIME,
    },
}  # fmt: skip


def activity_schemas() -> dict[str, Any]:
    return {
        "activityRecurrence": RECURRENCE,
        "activityProperties": ACTIVITY_PROPERTIES,
        "activityFeature": _feature({"type": "integer"}, "pointGeoJSON", "activityProperties"),
        "activityFeatureCollection": _feature_collection("activityFeature"),
    }
