"""Turning the database's refusals into domain errors, without losing the transaction.

The database has the last word on several rules (a point outside every district, unique
emails, optimistic locking). Writes that may be refused run inside a savepoint, so a refusal
undoes only that write and the request can still answer, and the error is recognised by its
SQLSTATE or constraint name — never by parsing its message.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from hiroba.errors import EditConflict, HirobaError
from hiroba.extensions import db

# The largest BIGINT: ids in URLs above it are simply not found (never a database error).
MAX_ID = 2**63 - 1

# Raised by our own triggers (see the first migration).
OUTSIDE_DISTRICTS = "HB001"
APPEND_ONLY = "HB002"


def sqlstate(error: DBAPIError) -> str | None:
    return getattr(error.orig, "sqlstate", None)


def constraint_name(error: DBAPIError) -> str | None:
    diag = getattr(error.orig, "diag", None)
    return getattr(diag, "constraint_name", None)


@contextmanager
def guarded_write(refusals: Mapping[str, Callable[[], HirobaError]]) -> Iterator[None]:
    """Run the block in a savepoint and flush; map known refusals to domain errors.

    ``refusals`` maps a SQLSTATE or a constraint name to a factory of the error to raise.
    Objects added inside the block are flushed on exit; on a refusal they are discarded.
    """
    try:
        with db.session.begin_nested():
            yield
    except StaleDataError as exc:
        raise EditConflict() from exc
    except DBAPIError as exc:
        for key in (constraint_name(exc), sqlstate(exc)):
            if key in refusals:
                raise refusals[key]() from exc
        raise


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` once the current transaction commits (never if it rolls back).

    For effects outside the database that must not happen for a write that is undone, such as
    deleting a photo's file.
    """
    db.session.info.setdefault("after_commit", []).append(callback)


def _run_after_commit(session) -> None:
    for callback in session.info.pop("after_commit", []):
        callback()


def _forget_after_rollback(session, previous_transaction) -> None:
    # A savepoint rolled back (a refused write) leaves the outer transaction's plans intact.
    if previous_transaction.parent is None:
        session.info.pop("after_commit", None)


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Check a pooled connection before use only if it sat unused for ``idle_seconds``.

    A connection returned a moment ago is known to work; one idle longer may have been
    dropped (a database restart, a firewall's timeout). SQLAlchemy's ``pool_pre_ping`` checks
    every time: one more round trip per request, a sixth of a busy worker's time on API
    pages. A failed check discards the connection, and the pool connects anew.
    """

    def checkout(dbapi_connection, record, proxy) -> None:
        returned = record.info.get("returned_at")
        if returned is not None and time.monotonic() - returned < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError() from error

    def checkin(dbapi_connection, record) -> None:
        record.info["returned_at"] = time.monotonic()

    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)


def init_app(app) -> None:
    if not event.contains(Session, "after_commit", _run_after_commit):
        event.listen(Session, "after_commit", _run_after_commit)
        event.listen(Session, "after_soft_rollback", _forget_after_rollback)
    with app.app_context():
        ping_when_idle(db.engine, app.config["DB_PING_AFTER_IDLE_S"])
