"""Every search the API can issue has an index path, and the text index never loses a match.

The statements are the API's own, captured on their way to PostgreSQL, and planned with
sequential scans switched off: the planner then reads ``places`` by a sequential scan only where
no index can serve the query. On 69 places it would rightly scan anyway; whether it picks these
paths at a million places is the benchmark's question (bench/), not this one.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from sqlalchemy import text

from bench.api_sql import recorded_by_driver
from hiroba.extensions import db
from tests.concurrency import own_sessions
from tests.seeded_search import ITEMS, KOSUGI, seeded_database

HERE = ",".join(map(str, KOSUGI))
BOX = "139.63,35.56,139.68,35.59"
GRAMS = "ix_places_search_grams"
POINTS = "ix_places_published_location"
SPHERE = "ix_places_published_geography"

# Each shape of request, and the indexes one of which must read places (None: any index).
SHAPES = {
    "nothing": ({}, None),
    "q-1": ({"q": "ゆ"}, {GRAMS}),
    "q-2": ({"q": "神社"}, {GRAMS}),
    "q-4": ({"q": "こうえん"}, {GRAMS}),
    "q-two-words": ({"q": "中原 公園"}, {GRAMS}),
    "q-1+bbox": ({"q": "館", "bbox": BOX}, None),
    "bbox": ({"bbox": BOX, "limit": 100}, {POINTS}),
    "bbox-deep-page": ({"bbox": BOX, "limit": 5, "offset": 20}, {POINTS}),
    "near": ({"near": HERE}, {SPHERE}),
    "near+radius": ({"near": HERE, "radius": 1000, "limit": 50}, {SPHERE}),
    "near+radius-farthest": ({"near": HERE, "radius": 3000, "sortby": "-distance"}, None),
    "kind": ({"kind": "park,cafe"}, None),
    "sector": ({"sector": "private"}, None),
    "who": ({"who": "members_only"}, None),
    "district": ({"district": "141330"}, None),
    "amenity": ({"amenity": "wifi,kitchen"}, None),
    "accessibility": ({"accessibility": "elevator"}, None),
    "condition": ({"condition": "food_ok,free"}, None),
    "capacity_min": ({"capacity_min": 50}, None),
    "open_at": ({"open_at": "2026-12-01T10:00:00+09:00"}, None),
    "sortby-name": ({"sortby": "-name"}, None),
    "sortby-capacity": ({"sortby": "-capacity"}, None),
    "sortby-updated": ({"sortby": "-updated_at,name"}, None),
    "deep-page": ({"offset": 40, "limit": 10}, None),
    "combined": (
        {
            "q": "公園",
            "kind": "park",
            "bbox": BOX,
            "amenity": "toilet",
            "open_at": "2026-12-01T10:00:00+09:00",
            "sortby": "-capacity",
        },
        None,
    ),
    "geojson-file": ({"f": "geojson", "bbox": BOX}, None),
    "csv-file": ({"f": "csv", "q": "神社"}, {GRAMS}),
}


@pytest.fixture(scope="module")
def seeded_app(cluster, app):
    with seeded_database(cluster, "plans") as scratch:
        yield scratch


@pytest.fixture
def api(seeded_app):
    with own_sessions():
        yield seeded_app.test_client()


def sent_statements(app, client, path: str) -> list[tuple[str, object]]:
    """The SELECTs a request sends, with their parameters, as the driver's cursors run them
    (the bench's recorder: a page runs past SQLAlchemy's events, an export on a server-side
    cursor)."""
    sent = []
    with app.app_context(), recorded_by_driver(sent):
        response = client.get(path)
        response.get_data()  # an export runs its query while streaming
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return [(sql, params) for sql, params in sent
            if sql.lstrip().upper().startswith(("SELECT", "WITH"))]  # fmt: skip


def nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


# Kept whatever the test: a page reads its places by id, Last-Modified by updated_at.
ALWAYS = ("pk_places", "ix_places_updated_at")
OTHER_INDEXES = """
SELECT indexname FROM pg_indexes WHERE tablename = 'places' AND NOT indexname = ANY(:kept)
"""


def places_reads(app, statement: str, parameters, only: str | None = None) -> list[tuple[str, str]]:
    """How the plan reads ``places``: (node type, index name), sequential scans switched off.

    With ``only``, the other indexes of places are dropped first (and restored: the transaction
    is rolled back). On 69 places the planner may prefer any index to the one that matters, so
    this is how to tell that the one left can serve the statement.
    """
    with app.app_context(), db.engine.connect() as connection:
        if only is not None:
            kept = [only, *ALWAYS]
            for name in connection.scalars(text(OTHER_INDEXES), {"kept": kept}).all():
                connection.execute(text(f'DROP INDEX "{name}"'))
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        raw = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
        plan = raw.scalar()
        plan = (plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]
        connection.rollback()
    return [
        (node["Node Type"], node.get("Index Name", ""))
        for node in nodes(plan)
        if node.get("Relation Name") == "places"
        or node.get("Index Name", "").endswith("_places")
        or "_places_" in node.get("Index Name", "")
    ]


@pytest.mark.parametrize(("params", "indexes"), list(SHAPES.values()), ids=list(SHAPES))
def test_every_search_has_an_index_path(seeded_app, api, params, indexes):
    statements = sent_statements(seeded_app, api, f"{ITEMS}?{urlencode(params)}")
    assert statements
    used = set()
    for statement, parameters in statements:
        reads = places_reads(seeded_app, statement, parameters)
        assert ("Seq Scan", "") not in reads, statement[:2000]
        used |= {index for _, index in reads}
    if indexes == {GRAMS}:  # any term, even of one character, without reading every place
        for statement, parameters in statements:
            reads = places_reads(seeded_app, statement, parameters, only=GRAMS)
            assert ("Seq Scan", "") not in reads, statement[:2000]
    elif indexes is not None:
        assert used & indexes, used


def test_a_single_place_is_one_statement_without_a_sequential_scan(seeded_app, api):
    with seeded_app.app_context():
        place_id = db.session.scalar(text("SELECT min(id) FROM places WHERE status = 'approved'"))
    statements = sent_statements(seeded_app, api, f"{ITEMS}/{place_id}")
    assert len(statements) == 1
    assert ("Seq Scan", "") not in places_reads(seeded_app, *statements[0])


def test_a_page_is_one_statement(seeded_app, api):
    """Features, whether more follow and Last-Modified come back together: one round trip."""
    for params in ({"bbox": BOX}, {"q": "ゆ", "limit": 2}, {"near": HERE, "radius": 2000}):
        assert len(sent_statements(seeded_app, api, f"{ITEMS}?{urlencode(params)}")) == 1


# --- the grams of a text and of a term ---------------------------------------------------------

EVERY_PIECE = """
SELECT count(*) FILTER (WHERE NOT hiroba_grams(search_text)
                                  @> hiroba_query_grams(substr(search_text, start, size))),
       count(*)
FROM places, generate_series(1, length(search_text)) AS start, unnest(:sizes) AS size
"""


def test_every_piece_of_a_text_is_found_by_its_grams(seeded_app):
    """Pieces of 1, 2, 3, 5 and 12 characters from every position of every searchable text
    (spaces, digits and Latin letters included): the index condition keeps every one."""
    with own_sessions(), seeded_app.app_context():
        missed, tried = db.session.execute(text(EVERY_PIECE), {"sizes": [1, 2, 3, 5, 12]}).one()
    assert tried > 10_000
    assert missed == 0


@pytest.mark.parametrize(
    ("value", "term", "kept"),
    [
        ("中原平和公園", "公園", True),
        ("中原平和公園", "園公", False),  # the same characters, not the same pairs
        ("中原平和公園", "原", True),
        ("中原平和公園", "川", False),
        ("中原平和公園", "中原平和公園", True),
        ("中原 公園", "原公", False),
        ("abc", "abcd", False),
    ],
)
def test_grams_tell_pairs_apart(seeded_app, value, term, kept):
    with own_sessions(), seeded_app.app_context():
        found = db.session.scalar(
            text("SELECT hiroba_grams(:value) @> hiroba_query_grams(:term)"),
            {"value": value, "term": term},
        )
    assert found is kept
