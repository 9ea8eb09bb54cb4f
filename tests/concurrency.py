"""Tests on committed data, with several sessions at once (threads, each its own connection).

The per-test rollback binds every session to one connection; races need real transactions, so
these tests run on a scratch database (``conftest.migrated_app``) with production-like sessions.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from hiroba.extensions import db


@contextmanager
def own_sessions() -> Iterator[None]:
    """Sessions as in production: each app context (request, thread) its own connection."""
    rolled_back = db.session
    db.session = db._make_scoped_session({})
    try:
        yield
    finally:
        db.session = rolled_back


def run_concurrently(*targets) -> None:
    """Run each target in its own thread; re-raise the first error any of them hit."""
    errors: list[BaseException] = []

    def guarded(target):
        def run():
            try:
                target()
            except BaseException as error:  # reported below, in the test's own thread
                errors.append(error)

        return run

    threads = [threading.Thread(target=guarded(t)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread never finished"
    if errors:
        raise errors[0]
