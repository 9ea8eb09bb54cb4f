"""Test set-up: a real PostGIS database, migrated with the real migrations, rolled back per test.

The project-local cluster (``hiroba.devdb``) is started when needed and stopped again at the end
if this run started it. The test database ``hiroba_test`` is recreated for every run, migrated to
head, and given the real Kawasaki ward boundaries from ``../shared/data`` once; each test then
runs inside a transaction that is rolled back, so tests never see each other's data.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session
from sqlalchemy import Connection

from hiroba import create_app
from hiroba.devdb import Cluster
from hiroba.districts.importing import read_districts
from hiroba.districts.services import import_districts
from hiroba.extensions import db

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
KAWASAKI_WARDS = SHARED_DATA / "kawasaki-wards.geojson"

pytest_plugins = ["tests.factories"]


def config_for(database_url: str) -> dict:
    return {
        "HIROBA_ENV": "test",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_ENABLED": False,
    }


@pytest.fixture(scope="session")
def cluster():
    cluster = Cluster()
    started_here = cluster.ensure_running()
    yield cluster
    if started_here:
        cluster.stop()


def scratch_database_name(purpose: str) -> str:
    """A database name of this test process only, so that parallel runs never collide."""
    return f"hiroba_{purpose}_{os.getpid()}"


def drop_abandoned_databases(cluster: Cluster) -> None:
    """Drop scratch databases left by test runs that were killed before their clean-up."""
    with cluster._admin() as conn:
        names = [row[0] for row in conn.execute(
            "SELECT datname FROM pg_database WHERE datname ~ '^hiroba_[a-z]+_[0-9]+$'"
        )]  # fmt: skip
    for name in names:
        pid = int(name.rsplit("_", 1)[1])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            cluster.drop_database(name)
        except PermissionError:
            pass  # a live process of another user


@contextmanager
def migrated_app(
    cluster: Cluster, purpose: str, *, wards: bool = True, **overrides
) -> Iterator[Flask]:
    """An app on its own freshly migrated database (with the real Kawasaki wards unless
    ``wards`` is false), where commits are real; the database is dropped afterwards."""
    name = scratch_database_name(purpose)
    app = create_app(config_for(cluster.ensure_database(name, fresh=True)) | overrides)
    with app.app_context():
        upgrade()
        if wards:
            import_districts(read_districts(KAWASAKI_WARDS))
            db.session.commit()
        db.session.remove()
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()
        cluster.drop_database(name)


@pytest.fixture(scope="session")
def app(cluster):
    """The application on a freshly migrated test database holding the real Kawasaki wards."""
    if not KAWASAKI_WARDS.exists():
        pytest.exit(f"reference data missing: {KAWASAKI_WARDS} (../shared beside the repo)", 2)
    drop_abandoned_databases(cluster)
    with migrated_app(cluster, "test") as app:
        yield app


class ConnectionBoundSession(Session):
    """Flask-SQLAlchemy's session picks the app's engine even when given a connection
    (pallets-eco/flask-sqlalchemy#1167); tests need it to stay on their transaction's one."""

    def get_bind(self, *args, **kwargs):
        if isinstance(self.bind, Connection):
            return self.bind
        return super().get_bind(*args, **kwargs)


@pytest.fixture(autouse=True)
def _rollback(request, app):
    """Run each test in one database transaction that is rolled back at the end.

    Every session of the test (one per app context, as in production: each request gets its
    own) is bound to that transaction's connection, and their commits become savepoints. No app
    context is held here, so a request made by the test client sets up and tears down its own
    session exactly as it would when served. Objects stay readable after commit, so factories
    can hand them back across contexts.
    """
    if "live_server" in request.fixturenames:
        yield  # browser tests talk to a separately served database
        return
    with app.app_context():
        connection = db.engine.connect()
    outer = connection.begin()
    original = db.session
    db.session = db._make_scoped_session(
        {
            "class_": ConnectionBoundSession,
            "bind": connection,
            "join_transaction_mode": "create_savepoint",
            "expire_on_commit": False,
        }
    )
    try:
        yield
    finally:
        db.session = original  # each app context already removed its own session
        outer.rollback()
        connection.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def app_context(app):
    """For tests that call services directly. Don't mix with the test client in one context:
    create data in ``with app.app_context():`` blocks instead, so requests get their own."""
    with app.app_context():
        yield
        db.session.remove()
