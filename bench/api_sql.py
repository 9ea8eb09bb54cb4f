"""The SQL the search API issues, captured in-process, and what PostgreSQL plans for it.

Each path is requested through the app's test client against the bench database; every
statement sent to PostgreSQL on the way is recorded with its parameters. That is the API's own
code path, whatever it is at the moment, not a copy of it: the plans and the raw-SQL ceiling
follow the code being measured.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import psycopg

from hiroba import create_app
from hiroba.extensions import db


@dataclass
class Statement:
    sql: str  # with the parameters as literals
    seq_scans: list[str] = field(default_factory=list)  # relations read by a Seq Scan
    scans: list[str] = field(default_factory=list)  # how places is read, e.g. "Index Scan ix_…"
    cost: float = 0.0  # the planner's total cost
    ms: float | None = None  # execution time, with EXPLAIN ANALYZE

    @property
    def scans_places(self) -> bool:
        return "places" in self.seq_scans


@dataclass
class Captured:
    path: str
    status: int
    body: bytes
    statements: list[Statement]

    @property
    def seq_scan(self) -> bool:
        return any(s.scans_places for s in self.statements)


def capture(database_url: str, paths: Iterable[str]) -> dict[str, Captured]:
    """Request each path in-process and keep the statements it sent (SELECTs only)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "HIROBA_ENV": "production",
                      "SECRET_KEY": secrets.token_hex(32)})  # fmt: skip
    captured: dict[str, Captured] = {}
    sent: list[tuple[str, object]] = []
    with app.app_context(), recorded_by_driver(sent):
        client = app.test_client()
        with psycopg.connect(_libpq(db.engine)) as conn:
            render = psycopg.ClientCursor(conn).mogrify
            for path in paths:
                sent.clear()
                response = client.get(path, headers={"Accept-Language": "ja"})
                body = response.get_data()  # a streamed export runs its queries here
                statements = [
                    Statement(render(sql, params or None))
                    for sql, params in sent
                    if sql.lstrip().upper().startswith(("SELECT", "WITH"))
                ]
                captured[path] = Captured(path, response.status_code, body, statements)
    return captured


@contextlib.contextmanager
def recorded_by_driver(sent: list[tuple[str, object]]) -> Iterator[None]:
    """Every statement psycopg's cursors execute meanwhile (text, parameters) goes to ``sent``:
    a search page runs on the driver directly, past SQLAlchemy's events, an export on a
    server-side cursor."""
    cursors = (psycopg.Cursor, psycopg.ServerCursor)
    originals = {cursor: cursor.execute for cursor in cursors}

    def recording(cursor):
        def execute(self, query, params=None, **kwargs):
            if isinstance(query, str):
                sent.append((query, params))
            return originals[cursor](self, query, params, **kwargs)

        return execute

    for cursor in cursors:
        cursor.execute = recording(cursor)
    try:
        yield
    finally:
        for cursor, execute in originals.items():
            cursor.execute = execute


def _libpq(engine) -> str:
    url = engine.url
    host = url.query.get("host") or url.host or ""
    return psycopg.conninfo.make_conninfo(
        host=host, port=url.port or 5432, user=url.username or "", dbname=url.database or ""
    )


def explain(conninfo: str, captured: dict[str, Captured], analyze: bool = False) -> None:
    """Plan (or run, with ``analyze``) every captured statement and note how places is read."""
    options = "ANALYZE, FORMAT JSON" if analyze else "FORMAT JSON"
    with psycopg.connect(conninfo, options="-c jit=off", autocommit=True) as conn:
        for item in captured.values():
            for statement in item.statements:
                (plan,) = conn.execute(f"EXPLAIN ({options}) {statement.sql}").fetchone()
                plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
                statement.cost = plan["Plan"]["Total Cost"]
                statement.ms = plan.get("Execution Time")
                for node in _nodes(plan["Plan"]):
                    relation = node.get("Relation Name")
                    if node["Node Type"] == "Seq Scan" and relation:
                        statement.seq_scans.append(relation)
                    if relation == "places" or node.get("Index Name", "").startswith("ix_places"):
                        statement.scans.append(
                            f"{node['Node Type']} {node.get('Index Name', '')}".strip()
                        )


def _nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def page_sql(captured: Captured, sentinel: tuple[float, ...]) -> str:
    """The statement that builds the page's Features for the sentinel bbox, as one document.

    Wrapped so that PostgreSQL returns the FeatureCollection's feature array itself: the
    raw-SQL ceiling builds the same GeoJSON, with nothing left for a client to do.
    """
    marks = [repr(value) for value in sentinel]
    found = [
        s.sql
        for s in captured.statements
        if all(mark in s.sql for mark in marks) and "place_features" in s.sql
    ]
    if len(found) != 1:
        raise RuntimeError(
            f"expected one statement building the Features of {captured.path}, found "
            f"{len(found)}: the raw-SQL ceiling cannot be derived from the API's SQL"
        )
    return (
        """SELECT '{"type":"FeatureCollection","features":[' """
        "|| coalesce(string_agg(convert_from(page.f, 'UTF8'), ','), '') || ']}' "
        f"FROM ({found[0]}) AS page(f)"
    )


def with_bbox(sql: str, sentinel: tuple[float, ...], bbox: tuple[float, ...]) -> str:
    for mark, value in zip(sentinel, bbox, strict=True):
        sql = sql.replace(repr(mark), repr(value))
    return sql
