"""The search API's page statement, compiled once per shape of search.

Building a page's statement with SQLAlchemy and executing it through the ORM cost more Python
time than all the rest of a request. But the statement depends only on the search's shape
(``search_shape``: which filters, how many words, which order); its values travel as named
parameters. So each shape is compiled to text on its first search and kept, and every later
page of that shape hands the driver its text and values only.

Where one plan serves every value of a shape (``plan_fits_every_value``: a page nearest a
point or a box's centre), the statement is also prepared in PostgreSQL, which then plans it
once per connection instead of on every page. Other shapes are planned with their values:
how many places a word or a kind keeps decides their best plan.

Constants (the SRID, ``'approved'`` …) are written into the text as literals, so that a
prepared statement's generic plan still matches the indexes on published places only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext

import psycopg
from sqlalchemy import ColumnElement, Connection, Integer, Select, bindparam

from hiroba.api.features import feature_page
from hiroba.extensions import db
from hiroba.places.paging import page_of_places, page_values, plan_fits_every_value, search_shape
from hiroba.places.search import PlaceSearch, named

MAX_SHAPES = 512  # far more than real clients use; a client making up shapes only refills it
_texts: dict[tuple, str] = {}


def page_statement(
    search: PlaceSearch, limit: int, offset: int, extra: Callable[[], ColumnElement]
) -> tuple[str, dict]:
    """SQL text and values of one page of ``search``: ``limit`` Features from ``offset`` as
    one JSON text, how many places the page found (up to ``limit + 1``: more follow if it
    found one more), and the column ``extra()`` makes (without parameters; made only when
    the shape is first compiled) — see ``feature_page``."""
    values = page_values(search, limit + 1, offset) | {"last": offset + limit}
    key = search_shape(search)
    text = _texts.get(key)
    if text is None:
        page = page_of_places(search, limit + 1, offset, named)
        last = bindparam("last", offset + limit, Integer)
        stmt = feature_page(page, last).add_columns(extra())
        text = compile_once(stmt, values)
        if len(_texts) >= MAX_SHAPES:
            _texts.clear()
        _texts[key] = text
    return text, values


def compile_once(stmt: Select, values: dict) -> str:
    """``stmt`` as text for the driver: named parameters stay, every other one (a constant of
    the shape) becomes a literal. Refuses a statement whose named parameters are not exactly
    ``values``, which would run later searches with this one's values."""
    dialect = db.engine.dialect
    compiled = stmt.compile(dialect=dialect)
    text = compiled.string
    found = {}
    for bind, name in compiled.bind_names.items():
        if bind.key == name:  # named
            found[name] = bind.value
            continue
        literal = compiled.render_literal_value(bind.value, bind.type)
        text = text.replace(f"%({name})s", literal)  # percent signs already doubled
    if found != values:
        raise RuntimeError(f"named parameters {sorted(found)} are not the values {sorted(values)}")
    return text


def run_page(
    search: PlaceSearch, limit: int, offset: int, extra: Callable[[], ColumnElement]
) -> tuple:
    """The row of ``page_statement``, from a prepared statement where one plan fits.

    The statement runs through the driver itself: SQLAlchemy's result machinery cost more than
    reading the one row. On a connection with no transaction open, the one statement is its
    own transaction, as consistent as any (one snapshot) without a BEGIN and a COMMIT or
    ROLLBACK round trip; psycopg also keeps its prepared statements, which a ROLLBACK
    deallocates.
    """
    sql, values = page_statement(search, limit, offset, extra)
    # Binary results: the page's Features (bytea) arrive as they are, not as hexadecimal
    # text twice their size for the server to write and the driver to read.
    return run_alone(sql, values, prepare=plan_fits_every_value(search), binary=True)


def run_alone(sql: str, values: dict, prepare: bool = False, binary: bool = False) -> tuple | None:
    """The first row of one read-only statement (driver placeholders), run on the driver.

    Alone on its connection (see ``_driver``), the statement is its own transaction; inside
    a transaction it runs in a savepoint, so that an error leaves that transaction usable.
    """
    with _driver() as driver, _driver_for_page(driver, prepare):
        in_transaction = driver.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        savepoint = driver.transaction() if in_transaction else nullcontext()
        with savepoint, driver.cursor(binary=binary) as cursor:
            cursor.execute(sql, values)
            return cursor.fetchone()


@contextmanager
def _driver() -> Iterator[psycopg.Connection]:
    """The page's driver connection: the session's where the session is bound to a connection
    (a test's transaction, whose writes the page must see), else one of the pool's for this
    statement only. A session's connection and transaction, begun and closed around one
    statement, cost a quarter of the request's Python time."""
    bind = db.session.get_bind()
    if isinstance(bind, Connection):
        yield bind.connection.driver_connection
        return
    pooled = bind.raw_connection()
    try:
        yield pooled.driver_connection
    finally:
        pooled.close()  # back to the pool


@contextmanager
def _driver_for_page(driver: psycopg.Connection, prepare: bool) -> Iterator[None]:
    """``driver`` set for this statement only: prepared when ``prepare`` (the app keeps
    psycopg's prepare threshold off, see config.py), and in autocommit when no transaction
    is open, so the statement makes its own."""
    alone = driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    threshold = driver.prepare_threshold
    if prepare:
        driver.prepare_threshold = 0
    if alone:
        driver.autocommit = True
    try:
        yield
    finally:
        driver.prepare_threshold = threshold
        if alone:
            driver.autocommit = False
