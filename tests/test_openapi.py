"""The OpenAPI document: valid, complete (every route, every parameter), and true.

"True" is checked by schemathesis: it generates requests from the document (valid ones and
ones that break it), sends them to the app on a database holding the demo seeds, and holds
every answer to the document — no 5xx, and only documented statuses, media types and bodies.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hiroba.api.params import PARAMETERS
from tests.browser.conftest import live_app, live_server  # noqa: F401

SPEC = "/api/openapi.json"
PLACE_ITEMS = "/collections/places/items"


def _empty(value) -> bool:
    return value in ("", [], [""])


def rejects_schema_violations(ctx, response, case):
    """Requests that break the document get a 4xx — except an empty list (``kind=``): the
    parser reads it as no filter, and OpenAPI's form style reads it as an empty array too."""
    if any(_empty(value) for value in (case.query or {}).values()):
        return None
    return negative_data_rejection(ctx, response, case)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    rejects_schema_violations,
]
MAX_EXAMPLES = 30  # per operation and mode: about 15 s in all


@pytest.fixture
def spec(client) -> dict:
    """The document in English (its descriptions are translated like every other text)."""
    response = client.get(SPEC, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    return response.get_json(force=True)


def test_document_is_valid_openapi_3_0(spec):
    assert spec["openapi"] == "3.0.3"
    validate(spec)


def test_server_is_the_requests_base_url(client):
    spec = client.get(SPEC, base_url="https://hiroba.example.jp").get_json(force=True)
    assert spec["servers"] == [{"url": "https://hiroba.example.jp/api"}]


def _template(rule: str) -> str:
    return re.sub(r"<[^>]+>", "{}", rule)


def test_every_api_route_is_described_and_every_description_is_a_route(app, spec):
    routes = {
        (_template(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule == "/api/" or rule.rule.startswith("/api/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    described = {
        ("/api" + re.sub(r"\{[^}]+\}", "{}", path), method)
        for path, operations in spec["paths"].items()
        for method in operations
    }
    assert routes == described


def test_every_items_parameter_is_described_as_the_parser_reads_it(app, spec):
    operation = spec["paths"][PLACE_ITEMS]["get"]
    parameters = {}
    for item in operation["parameters"]:
        name = item["$ref"].rsplit("/", 1)[1]
        parameters[name] = spec["components"]["parameters"][name]
    by_name = {p["name"]: p for p in parameters.values() if p["in"] == "query"}
    assert list(by_name) == [p.name for p in PARAMETERS]
    for param in PARAMETERS:
        described = by_name[param.name]
        with app.test_request_context(headers={"Accept-Language": "en"}):
            assert described["description"] == str(param.description)
        assert described["style"] == "form"
        if param.schema.get("type") == "array":
            assert described["explode"] is False
            assert described["schema"]["items"]["type"] == param.schema["items"]["type"]
        assert described["schema"]["type"] == param.schema["type"]


def test_descriptions_follow_the_readers_language(client, spec):
    """Japanese first: without Accept-Language the document is in Japanese."""
    japanese = client.get(SPEC).get_json(force=True)
    english_q = spec["components"]["parameters"]["places-q"]["description"]
    japanese_q = japanese["components"]["parameters"]["places-q"]["description"]
    assert english_q.startswith("Text in the name") and japanese_q != english_q


def test_every_operation_documents_its_errors_as_problems(spec):
    problem = {"$ref": "#/components/schemas/problem"}
    for name in ("InvalidParameter", "NotFound", "ServerError"):
        content = spec["components"]["responses"][name]["content"]
        assert content == {"application/problem+json": {"schema": problem}}
    for path, operations in spec["paths"].items():
        responses = operations["get"]["responses"]
        assert {"200", "400", "500"} <= set(responses), path
        assert ("404" in responses) == path.endswith("{featureId}"), path
    items = spec["paths"][PLACE_ITEMS]["get"]["responses"]["200"]["content"]
    assert set(items) == {"application/geo+json", "text/csv"}


OPERATIONS = [
    "/",
    "/conformance",
    "/collections",
    "/collections/places",
    PLACE_ITEMS,
    PLACE_ITEMS + "/{featureId}",
    "/collections/districts",
    "/collections/districts/items",
    "/collections/districts/items/{featureId}",
    "/collections/activities",
    "/collections/activities/items",
    "/collections/activities/items/{featureId}",
    "/openapi.json",
    "/docs",
]


def test_the_fuzzer_covers_every_operation(spec):
    assert list(spec["paths"]) == OPERATIONS


@pytest.fixture(scope="module")
def seeded_app(request):
    """The live app, on its own database holding the demo seeds (69 published places).

    Tests using it also name ``live_server``, which keeps the per-test rollback (and its
    connection to the test database) out of their way."""
    return request.getfixturevalue("live_app")


@pytest.fixture(scope="module")
def api_schema(seeded_app):
    """The document as the seeded app serves it."""
    return schemathesis.openapi.from_wsgi(SPEC, seeded_app)


@pytest.mark.usefixtures("live_server")
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("path", OPERATIONS)
def test_api_answers_as_documented(api_schema, path, mode):
    """Generated requests (valid ones, and ones that break the document) get documented answers."""
    strategy = api_schema[path]["GET"].as_strategy(generation_mode=mode)

    @given(case=strategy)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def check(case):
        case.call_and_validate(checks=CHECKS)

    check()


@pytest.mark.usefixtures("live_server")
@pytest.mark.parametrize(
    ("path", "collection"),
    [
        (PLACE_ITEMS + "/{featureId}", "places"),
        ("/collections/districts/items/{featureId}", "districts"),
    ],
)
def test_existing_features_answer_as_documented(seeded_app, api_schema, path, collection):
    """Random ids are nearly always unknown (404): pin real ones so that bodies get checked."""
    page = seeded_app.test_client().get(f"/api/collections/{collection}/items?limit=1")
    (feature,) = page.get_json(force=True)["features"]
    strategy = api_schema[path]["GET"].as_strategy(path_parameters={"featureId": feature["id"]})

    @given(case=strategy)
    @settings(max_examples=10, deadline=None, derandomize=True, database=None)
    def check(case):
        response = case.call_and_validate(checks=CHECKS)
        assert response.status_code in (200, 304, 400)

    check()
