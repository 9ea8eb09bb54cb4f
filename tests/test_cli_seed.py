"""``flask seed``: the demo wards, accounts and places, loaded once and safe to load again."""

import json

import pytest
from sqlalchemy import func, select, text

from hiroba import create_app
from hiroba.accounts.models import Role, User
from hiroba.accounts.passwords import verify_password
from hiroba.extensions import db
from hiroba.places.models import Place, PlaceStatus
from hiroba.review.models import ReviewAction, ReviewEvent
from hiroba.seeding import SEEDS
from tests.conftest import config_for

USERS = json.loads((SEEDS / "users.json").read_text(encoding="utf-8"))["users"]
PLACES = json.loads((SEEDS / "places.geojson").read_text(encoding="utf-8"))["features"]
TABLES = ("districts", "users", "staff_districts", "places", "opening_hours", "review_events")
DECIDED = {PlaceStatus.APPROVED, PlaceStatus.CHANGES_REQUESTED, PlaceStatus.REJECTED}


@pytest.fixture
def seed(app, runner):
    """Run ``flask seed`` as its own command would (fresh app context and session each time);
    returns the result and its ``key: count`` lines as a dict."""

    def run():
        with app.app_context():
            result = runner.invoke(args=["seed"])
        assert result.exit_code == 0, result.output
        counts = {}
        for line in result.output.splitlines():
            key, _, value = line.rpartition(": ")
            if value.isdigit():
                counts[key] = int(value)
        return result, counts

    return run


def snapshot():
    """Every row's physical version (ctid changes on any UPDATE), per table, plus place state."""
    rows = {
        table: db.session.scalars(text(f"SELECT ctid::text FROM {table} ORDER BY ctid")).all()
        for table in TABLES
    }
    versions = db.session.execute(select(Place.id, Place.version).order_by(Place.id)).all()
    last_update = db.session.scalar(select(func.max(Place.updated_at)))
    return rows, versions, last_update


def test_first_run_replaces_the_wards_and_loads_every_account_and_place(seed, app_context):
    users, places = (db.session.scalar(select(func.count(m.id))) for m in (User, Place))
    _, counts = seed()
    # The session holds the real N03 wards; the seeds bring their approximate ones.
    assert "districts created" not in counts
    assert counts.get("districts updated", 0) + counts.get("districts unchanged", 0) == 7
    assert counts["users created"] == len(USERS)
    assert counts["places created"] == len(PLACES) >= 60
    assert db.session.scalar(select(func.count(User.id))) == users + len(USERS)
    assert db.session.scalar(select(func.count(Place.id))) == places + len(PLACES)


def test_second_run_changes_nothing(seed, app_context):
    """Operators re-run seeds after a pull; nothing may be duplicated, re-reviewed or touched."""
    seed()
    # Inside one test transaction now() never moves: backdate, so a touched row would show.
    db.session.execute(text("UPDATE places SET updated_at = updated_at - interval '1 day'"))
    db.session.commit()
    counts_before = {t: db.session.scalar(text(f"SELECT count(*) FROM {t}")) for t in TABLES}
    before = snapshot()

    result, counts = seed()

    db.session.expire_all()
    assert {t: db.session.scalar(text(f"SELECT count(*) FROM {t}")) for t in TABLES} == (
        counts_before
    )
    rows, versions, last_update = snapshot()
    assert rows == before[0], "the second run rewrote rows"
    assert versions == before[1]
    assert last_update == before[2]
    assert counts == {
        "districts unchanged": 7,
        "users unchanged": len(USERS),
        "places unchanged": len(PLACES),
    }
    assert "created" not in result.output and "updated" not in result.output


def test_demo_accounts_log_in_with_their_documented_passwords(seed, app_context):
    seed()
    for entry in USERS:
        user = db.session.scalar(select(User).where(User.email == entry["email"]))
        assert user is not None, entry["email"]
        assert verify_password(user.password_hash, entry["password"]), entry["email"]
        assert not verify_password(user.password_hash, entry["password"] + "x")
        assert user.role == Role(entry["role"])
        assert user.ward_codes == set(entry.get("wards", []))


def seeded_place(feature):
    props = feature["properties"]
    return db.session.scalar(
        select(Place).join(User, Place.owner_id == User.id)
        .where(User.email == props["owner"], Place.name == props["name"])
    )  # fmt: skip


def test_seeded_statuses_match_the_file(seed, app_context):
    seed()
    for feature in PLACES:
        place = seeded_place(feature)
        assert place is not None, feature["properties"]["name"]
        assert place.status == PlaceStatus(feature["properties"]["status"])


def test_every_decision_was_taken_by_staff_of_the_ward_never_the_owner(seed, app_context):
    """The demo review history must look like the real workflow: ward staff decide, with reasons."""
    seed()
    decided = 0
    for feature in PLACES:
        place = seeded_place(feature)
        if place.status not in DECIDED:
            continue
        decided += 1
        events = db.session.scalars(
            select(ReviewEvent).where(
                ReviewEvent.place_id == place.id,
                ReviewEvent.to_status == place.status,
                ReviewEvent.action == ReviewAction.TRANSITION,  # not an owner's revision
            )
        ).all()
        assert events, place.name
        for event in events:
            assert event.actor_id != place.owner_id, place.name
            assert event.actor.role == Role.STAFF, place.name
            assert place.district_code in event.actor.ward_codes, place.name
            if feature["properties"].get("review_reason"):
                assert event.reason == feature["properties"]["review_reason"].strip()
    assert decided >= 60


def test_seed_refuses_to_run_in_production_and_writes_nothing(app):
    """The demo accounts have public passwords: they must never reach a real registry."""
    production = create_app(
        config_for(app.config["SQLALCHEMY_DATABASE_URI"]) | {"HIROBA_ENV": "production"}
    )
    try:
        with production.app_context():
            users_before = db.session.scalar(select(func.count(User.id)))
            places_before = db.session.scalar(select(func.count(Place.id)))
            result = production.test_cli_runner().invoke(args=["seed"])
            assert result.exit_code != 0
            assert "not loaded in production" in result.output
            assert db.session.scalar(select(func.count(User.id))) == users_before
            assert db.session.scalar(select(func.count(Place.id))) == places_before
            db.session.remove()
    finally:
        with production.app_context():
            db.engine.dispose()
