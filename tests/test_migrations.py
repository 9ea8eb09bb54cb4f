"""Migrations: they build exactly the schema the models describe, and they run both ways."""

import ast
import re
from datetime import datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from hiroba import create_app
from hiroba.extensions import db
from hiroba.schema import include_object
from tests.conftest import ROOT, config_for, scratch_database_name

VERSIONS = ROOT / "migrations" / "versions"
MIGRATION_FILES = sorted(VERSIONS.glob("*.py"))
HIROBA_TABLES = {
    "districts",
    "users",
    "staff_districts",
    "places",
    "place_features",
    "opening_hours",
    "review_events",
    "place_revisions",
    "place_photos",
    "notifications",
    "usage_requests",
    "usage_events",
    "place_blocks",
    "calendar_feeds",
    "activities",
    "needs",
    "need_events",
}
# Our own functions (first migration): the derive trigger, search folding, the ½ mesh, …
OUR_FUNCTIONS = """
    SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'public' AND (p.proname LIKE 'hiroba\\_%'
        OR p.proname LIKE 'place\\_features\\_%'
        OR p.proname IN ('places_derive', 'review_events_append_only', 'need_events_append_only',
                          'usage_events_append_only'))
"""


def schema_differences(connection):
    context = MigrationContext.configure(
        connection, opts={"include_object": include_object, "compare_type": True}
    )
    return compare_metadata(context, db.metadata)


def test_metadata_covers_every_hiroba_table(app):
    """Guards the checks below: a model missing from hiroba.models would escape them."""
    assert set(db.metadata.tables) == HIROBA_TABLES


def test_the_migrated_schema_matches_the_models(app_context):
    """A model change without a migration breaks production, where tables come from migrations."""
    with db.engine.connect() as connection:
        assert schema_differences(connection) == []


# --- a scratch database, migrated up and down ------------------------------------------------


@pytest.fixture
def scratch(cluster):
    """An application on its own empty database, dropped afterwards."""
    name = scratch_database_name("migrations")
    app = create_app(config_for(cluster.ensure_database(name, fresh=True)))
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()
        cluster.drop_database(name)


def state():
    """Our tables, our functions and the recorded revision of the current app's database."""
    with db.engine.connect() as connection:
        tables = set(inspect(connection).get_table_names()) & HIROBA_TABLES
        functions = set(connection.scalars(text(OUR_FUNCTIONS)))
        revisions = set(MigrationContext.configure(connection).get_current_heads())
    return tables, functions, revisions


def scripts():
    return ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())


def test_upgrade_downgrade_upgrade_round_trip(scratch):
    """Rolling back a bad release must work, and leave nothing behind to trip the next upgrade."""
    with scratch.app_context():
        upgrade()
        tables, functions, revisions = state()
        assert tables == HIROBA_TABLES
        assert {"places_derive", "hiroba_district_at", "hiroba_fold"} <= functions
        assert revisions == set(scripts().get_heads())

        downgrade(revision="base")
        assert state() == (set(), set(), set())
        with db.engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM alembic_version")) == 0

        upgrade()
        assert state() == (tables, functions, revisions)
        with db.engine.connect() as connection:
            assert schema_differences(connection) == []


# --- the database the application runs on ---------------------------------------------------


def test_the_database_has_postgis_and_pg_trgm(app_context):
    extensions = set(db.session.scalars(text("SELECT extname FROM pg_extension")))
    assert {"postgis", "pg_trgm"} <= extensions


def test_the_database_is_utf8_with_a_ctype_that_finds_japanese_trigrams(app_context):
    """Under the plain C ctype pg_trgm finds no trigrams in Japanese, so search finds nothing."""
    encoding, ctype = db.session.execute(
        text(
            "SELECT pg_encoding_to_char(encoding), datctype FROM pg_database "
            "WHERE datname = current_database()"
        )
    ).one()
    assert encoding == "UTF8"
    assert ctype not in ("C", "POSIX"), ctype
    assert db.session.scalar(text("SELECT show_trgm('川崎市民館')"))
    similar = "SELECT similarity(hiroba_fold('川崎市民館'), hiroba_fold('市民館'))"
    assert db.session.scalar(text(similar)) > 0


# --- the migration scripts themselves --------------------------------------------------------


def test_there_are_migrations():
    assert MIGRATION_FILES


@pytest.mark.parametrize("path", MIGRATION_FILES, ids=lambda p: p.name)
def test_migration_files_are_date_prefixed(path: Path):
    """Date prefixes keep the history in order in a directory listing."""
    match = re.fullmatch(r"(\d{8})_\w+\.py", path.name)
    assert match, path.name
    datetime.strptime(match.group(1), "%Y%m%d")


@pytest.mark.parametrize("path", MIGRATION_FILES, ids=lambda p: p.name)
def test_migration_files_say_what_they_do(path: Path):
    """The first docstring line is the message `flask db history` shows operators."""
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    assert docstring, path.name
    message = docstring.splitlines()[0].strip()
    assert message and message.lower() != "empty message", path.name


def test_the_history_is_one_line(app):
    """Two heads would make `flask db upgrade` refuse to run."""
    with app.app_context():
        script = scripts()
        assert len(script.get_heads()) == 1
        assert len(script.get_bases()) == 1
        assert len(list(script.walk_revisions())) == len(MIGRATION_FILES)


# --- /readyz ---------------------------------------------------------------------------------


def test_readyz_is_ok_on_the_migrated_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_reports_a_database_behind_the_code(scratch):
    """A load balancer must not send traffic to an instance whose database is not migrated."""
    client = scratch.test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["reason"] == "migrations pending"
    with scratch.app_context():
        upgrade()
    assert client.get("/readyz").status_code == 200
    with scratch.app_context():
        downgrade(revision="base")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["reason"] == "migrations pending"


def test_readyz_reports_an_unreachable_database(cluster):
    missing = create_app(config_for(cluster.url(scratch_database_name("never_created"))))
    try:
        response = missing.test_client().get("/readyz")
        assert response.status_code == 503
        assert response.get_json()["reason"] == "database unreachable"
    finally:
        with missing.app_context():
            db.engine.dispose()
