"""The search API compiles a page's statement once per shape of search: two searches of one
shape must compile to the very same text, or the second would run with the first one's values."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import Integer, bindparam, event, literal_column, text

from hiroba.api.features import feature_page
from hiroba.api.statements import compile_once, page_statement, run_page
from hiroba.extensions import db
from hiroba.places.paging import page_of_places, page_values, search_shape
from hiroba.places.search import PlaceSearch, named
from tests.concurrency import own_sessions
from tests.factories import WARD_POINTS

BOX = (139.63, 35.56, 139.68, 35.59)
OTHER_BOX = (139.70, 35.52, 139.71, 35.53)
IDLE, INTRANS = TransactionStatus.IDLE, TransactionStatus.INTRANS
HERE, THERE = (139.657, 35.576), (139.70, 35.53)
MORNING = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
EVENING = datetime(2026, 12, 5, 10, 30, tzinfo=UTC)

# Pairs of searches of one shape with different values, for every filter and order.
PAIRS = {
    "nothing": (PlaceSearch(), PlaceSearch()),
    "q": (PlaceSearch(q="ゆ"), PlaceSearch(q="館")),
    "q-two-words": (PlaceSearch(q="中原 公園"), PlaceSearch(q="こうえん 100%_")),
    "bbox-centre-first": (
        PlaceSearch(bbox=BOX, centre_first=True),
        PlaceSearch(bbox=OTHER_BOX, centre_first=True),
    ),
    "bbox-by-reading": (PlaceSearch(bbox=BOX), PlaceSearch(bbox=OTHER_BOX)),
    "near": (PlaceSearch(near=HERE), PlaceSearch(near=THERE)),
    "near+radius": (PlaceSearch(near=HERE, radius_m=1000), PlaceSearch(near=THERE, radius_m=5)),
    "farthest": (
        PlaceSearch(near=HERE, radius_m=3000, sortby=(("distance", True),)),
        PlaceSearch(near=THERE, radius_m=300, sortby=(("distance", True),)),
    ),
    "lists": (
        PlaceSearch(
            kinds=("park",),
            sectors=("public",),
            districts=("141330",),
            audiences=("anyone",),
            amenities=("wifi",),
            accessibility=("elevator",),
            conditions=("food_ok", "free"),
        ),
        PlaceSearch(
            kinds=("cafe", "park"),
            sectors=("private",),
            districts=("141313", "141330"),
            audiences=("members_only",),
            amenities=("kitchen", "toilet"),
            accessibility=("braille",),
            conditions=("music_ok", "free"),
        ),
    ),
    "capacity": (PlaceSearch(capacity_min=50), PlaceSearch(capacity_min=3)),
    "open_at": (PlaceSearch(open_at=MORNING), PlaceSearch(open_at=EVENING)),
    "sortby": (
        PlaceSearch(q="公園", sortby=(("capacity", True), ("name", False))),
        PlaceSearch(q="神社", sortby=(("capacity", True), ("name", False))),
    ),
}


def compiled(search: PlaceSearch, limit: int, offset: int) -> str:
    values = page_values(search, limit + 1, offset) | {"last": offset + limit}
    page = page_of_places(search, limit + 1, offset, named)
    last = bindparam("last", offset + limit, Integer)
    return compile_once(feature_page(page, last).add_columns(literal_column("1")), values)


@pytest.mark.parametrize("pair", PAIRS.values(), ids=PAIRS.keys())
def test_searches_of_one_shape_compile_to_one_text(app_context, pair):
    first, second = pair
    assert search_shape(first) == search_shape(second)
    assert page_values(first, 101, 0) != page_values(second, 101, 0) or first == second
    assert compiled(first, 100, 0) == compiled(second, 20, 40)


def test_searches_of_other_shapes_compile_to_other_texts(app_context):
    texts = {compiled(first, 100, 0) for first, _ in PAIRS.values()}
    assert len(texts) == len(PAIRS)


def test_a_value_left_out_of_the_names_is_refused(app_context):
    search = PlaceSearch(bbox=BOX, centre_first=True)
    page = page_of_places(search, 101, 0, named)
    values = page_values(search, 101, 0)
    del values["bbox_0"]
    with pytest.raises(RuntimeError, match="bbox_0"):
        compile_once(feature_page(page, 100), values)


def test_the_cached_text_runs_each_search_with_its_own_values(app, make_place):
    """The second search of a shape finds its own place, not the first one's."""
    wards = list(WARD_POINTS)[:2]
    places = [make_place(ward=ward) for ward in wards]
    found = []
    with app.app_context():
        for ward in (*wards, wards[0]):
            search = PlaceSearch(near=WARD_POINTS[ward])
            sql, values = page_statement(search, 1, 0, lambda: literal_column("1"))
            features = db.session.connection().exec_driver_sql(sql, values).one()[0]
            found.append(json.loads(features)["id"])
    assert found == [places[0].id, places[1].id, places[0].id]


def test_only_shapes_one_plan_fits_are_prepared(app_context):
    """A page nearest a box's centre is planned once per connection; a page of a word is
    planned with its word every time (how many places hold it decides the plan)."""
    prepared = text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE :page")
    page = {"page": "%place_features%"}
    for search in (PlaceSearch(q="館", bbox=BOX, centre_first=True), PlaceSearch(q="公園")):
        run_page(search, 10, 0, lambda: literal_column("1"))
    assert db.session.scalar(prepared, page) == 0
    for box in (BOX, OTHER_BOX):
        run_page(PlaceSearch(bbox=box, centre_first=True), 10, 0, lambda: literal_column("1"))
    run_page(PlaceSearch(near=HERE, radius_m=500), 10, 0, lambda: literal_column("1"))
    assert db.session.scalar(prepared, page) == 2


def test_a_prepared_page_outlives_its_request(app, client):
    """A page alone is its own transaction: a ROLLBACK at the request's end would make
    psycopg deallocate the connection's prepared statements, and every page prepare again."""
    path = "/api/collections/places/items?bbox=139.63,35.56,139.68,35.59"
    with own_sessions():
        for _ in range(3):
            assert client.get(path).status_code == 200
        with app.app_context(), db.engine.connect() as connection:  # the pool's one connection
            names = connection.exec_driver_sql(
                "SELECT name FROM pg_prepared_statements WHERE statement LIKE '%%place_features%%'"
            ).all()
    assert len(names) == 1


def test_a_page_alone_is_its_own_transaction_and_leaves_the_connection_as_it_was(app):
    """Served (sessions of their own), a page takes a pooled connection for its one statement,
    with no BEGIN (one round trip less each way), and gives it back as it found it."""
    returned = []

    def on_checkin(dbapi_connection, _record):
        returned.append((dbapi_connection.info.transaction_status, dbapi_connection.autocommit,
                         dbapi_connection.prepare_threshold))  # fmt: skip

    search = PlaceSearch(bbox=BOX, centre_first=True)
    with own_sessions(), app.app_context():
        event.listen(db.engine, "checkin", on_checkin)
        try:
            run_page(search, 10, 0, lambda: literal_column("1"))
            assert returned == [(IDLE, False, None)]  # back already, nothing left open
        finally:
            event.remove(db.engine, "checkin", on_checkin)


def test_a_page_in_a_transaction_runs_inside_it(app_context, make_place):
    """A session bound to a connection (a test's transaction here) runs the page on it: the
    page sees what the transaction wrote, and the connection keeps its settings."""
    place = make_place()
    driver = db.session.connection().connection.driver_connection
    features = run_page(PlaceSearch(), 10, 0, lambda: literal_column("1"))[0]
    assert place.id in [f["id"] for f in json.loads(b"[" + features + b"]")]
    assert driver.info.transaction_status == INTRANS
    assert (driver.autocommit, driver.prepare_threshold) == (False, None)
