"""The listing workflow: who may move a listing where, and the append-only review history."""

from datetime import UTC, datetime, timedelta

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from hiroba.accounts.models import Role
from hiroba.errors import InvalidTransition, PermissionDenied, ValidationFailed
from hiroba.extensions import db
from hiroba.permissions import can_transition_place
from hiroba.places.models import PlaceStatus as S
from hiroba.review import services as review
from hiroba.review.models import ReviewEvent
from tests.factories import NAKAHARA

OTHER_WARD = "141313"  # 川崎区
ACTORS = ("owner", "ward_staff", "other_ward_staff", "admin", "resident", "staff_owner")
OWNERS = {"owner", "staff_owner"}
REVIEWERS = {"ward_staff", "admin"}

# The workflow as DESIGN.md §3 states it, written out here rather than read from the code.
ALLOWED = {
    (S.DRAFT, S.PENDING): OWNERS,
    (S.CHANGES_REQUESTED, S.PENDING): OWNERS,
    (S.PENDING, S.APPROVED): REVIEWERS,
    (S.PENDING, S.CHANGES_REQUESTED): REVIEWERS,
    (S.PENDING, S.REJECTED): REVIEWERS,
    (S.APPROVED, S.ARCHIVED): OWNERS | REVIEWERS,
    # approved → dormant is the freshness job's alone (tests/test_freshness.py)
    (S.DORMANT, S.APPROVED): OWNERS | REVIEWERS,
    (S.DORMANT, S.ARCHIVED): OWNERS | REVIEWERS,
}
NEEDS_REASON = {S.CHANGES_REQUESTED, S.REJECTED}


def events_of(place):
    return db.session.scalars(
        select(ReviewEvent).where(ReviewEvent.place_id == place.id).order_by(ReviewEvent.id)
    ).all()


def stored_status(place):
    return db.session.scalar(text("SELECT status FROM places WHERE id = :id"), {"id": place.id})


@pytest.fixture
def cast(make_user, make_staff, make_place):
    """``cast(actor_kind, from_status)`` -> (place in that status, the acting user)."""

    def make(kind, status):
        owner = make_staff(NAKAHARA) if kind == "staff_owner" else make_user()
        place = make_place(owner, status)
        actor = {
            "owner": lambda: owner,
            "staff_owner": lambda: owner,
            "ward_staff": lambda: make_staff(NAKAHARA),
            "other_ward_staff": lambda: make_staff(OTHER_WARD),
            "admin": lambda: make_user(Role.ADMIN),
            "resident": lambda: make_user(),
        }[kind]()
        return place, actor

    return make


@pytest.mark.parametrize("kind", ACTORS)
@pytest.mark.parametrize("to_status", list(S))
@pytest.mark.parametrize("from_status", list(S))
def test_transition_truth_table(app_context, cast, from_status, to_status, kind):
    """Every (from, to, actor): allowed moves write exactly one event; others write nothing."""
    place, actor = cast(kind, from_status)
    before = events_of(place)
    reason = "写真を追加してください" if to_status in NEEDS_REASON else None
    allowed = ALLOWED.get((from_status, to_status), set())

    assert can_transition_place(actor, place, to_status) == (kind in allowed)

    if kind in allowed:
        event = review.change_status(place, to_status, actor, reason)
        db.session.flush()
        after = events_of(place)
        assert after[: len(before)] == before
        assert after[len(before) :] == [event]
        assert (event.actor_id, event.from_status, event.to_status, event.reason) == (
            actor.id, from_status, to_status, reason,
        )  # fmt: skip
        assert stored_status(place) == to_status.value
    else:
        expected = InvalidTransition if not allowed else PermissionDenied
        with pytest.raises(expected):
            review.change_status(place, to_status, actor, reason)
        db.session.flush()
        assert events_of(place) == before
        assert stored_status(place) == from_status.value


@pytest.mark.parametrize("to_status", list(S))
@pytest.mark.parametrize("from_status", list(S))
def test_anonymous_visitors_move_nothing(app_context, make_place, from_status, to_status):
    place = make_place(status=from_status)
    anonymous = AnonymousUserMixin()
    assert not can_transition_place(anonymous, place, to_status)
    with pytest.raises((InvalidTransition, PermissionDenied)):
        review.change_status(place, to_status, anonymous)
    assert stored_status(place) == from_status.value


@pytest.mark.parametrize("to_status", sorted(NEEDS_REASON))
@pytest.mark.parametrize("reason", [None, "", "   ", "\n\t"])
def test_sending_back_or_rejecting_needs_a_reason(
    app_context, make_place, make_staff, to_status, reason
):
    """The owner must learn what to change; a blank reason writes nothing."""
    place = make_place(status=S.PENDING)
    before = events_of(place)
    with pytest.raises(ValidationFailed) as raised:
        review.change_status(place, to_status, make_staff(NAKAHARA), reason)
    assert set(raised.value.errors) == {"reason"}
    db.session.flush()
    assert events_of(place) == before
    assert stored_status(place) == "pending"


def test_reason_is_stored_trimmed_and_limited(app_context, make_place, make_staff):
    staff = make_staff(NAKAHARA)
    place = make_place(status=S.PENDING)
    with pytest.raises(ValidationFailed):
        review.request_changes(place, staff, "長" * 2001)
    event = review.request_changes(place, staff, "  営業時間を確認してください  ")
    assert event.reason == "営業時間を確認してください"


def test_approval_sets_last_confirmed_at(app_context, make_place, make_staff):
    """The public page says when the listing was last confirmed by staff."""
    place = make_place(status=S.PENDING)
    assert place.last_confirmed_at is None
    review.approve(place, make_staff(NAKAHARA), "確認しました")
    db.session.flush()
    confirmed = db.session.scalar(
        text("SELECT last_confirmed_at FROM places WHERE id = :id"), {"id": place.id}
    )
    assert confirmed is not None
    assert abs(datetime.now(UTC) - confirmed) < timedelta(minutes=1)


def test_sending_back_does_not_confirm(app_context, make_place, make_staff):
    place = make_place(status=S.PENDING)
    review.request_changes(place, make_staff(NAKAHARA), "写真を追加してください")
    db.session.flush()
    assert place.last_confirmed_at is None


def test_full_history_is_recorded_in_order(app_context, make_user, make_place, make_staff):
    """Created, submitted, sent back, resubmitted, approved, archived: six events, in order."""
    owner, staff = make_user(), make_staff(NAKAHARA)
    place = make_place(owner, S.DRAFT)
    review.submit(place, owner)
    review.request_changes(place, staff, "写真を追加してください")
    review.submit(place, owner)
    review.approve(place, staff)
    review.archive(place, owner, "閉館しました")
    db.session.flush()
    history = [(e.actor_id, e.from_status, e.to_status, e.reason) for e in events_of(place)]
    assert history == [
        (owner.id, None, S.DRAFT, None),
        (owner.id, S.DRAFT, S.PENDING, None),
        (staff.id, S.PENDING, S.CHANGES_REQUESTED, "写真を追加してください"),
        (owner.id, S.CHANGES_REQUESTED, S.PENDING, None),
        (staff.id, S.PENDING, S.APPROVED, None),
        (owner.id, S.APPROVED, S.ARCHIVED, "閉館しました"),
    ]


# --- append-only in the database ---------------------------------------------------------------


@pytest.fixture
def history(app_context, make_place):
    """A published listing with its three review events."""
    place = make_place(status=S.APPROVED)
    rows = db.session.execute(
        text("SELECT id, from_status, to_status, reason FROM review_events WHERE place_id = :id"),
        {"id": place.id},
    ).all()
    assert len(rows) == 3
    return place, rows


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE review_events SET reason = '書き換え' WHERE place_id = :id",
        "UPDATE review_events SET to_status = 'rejected' WHERE place_id = :id",
        "DELETE FROM review_events WHERE place_id = :id",
        "TRUNCATE review_events",
        "TRUNCATE review_events CASCADE",
    ],
    ids=["update-reason", "update-status", "delete", "truncate", "truncate-cascade"],
)
def test_review_history_cannot_be_changed_even_with_raw_sql(history, statement):
    """The record of who decided what stays true even for code that bypasses the services."""
    place, rows = history
    with pytest.raises(DBAPIError) as raised, db.session.begin_nested():
        db.session.execute(text(statement), {"id": place.id})
    assert raised.value.orig.sqlstate == "HB002"
    after = db.session.execute(
        text("SELECT id, from_status, to_status, reason FROM review_events WHERE place_id = :id"),
        {"id": place.id},
    ).all()
    assert after == rows


def test_review_history_cannot_be_deleted_through_the_orm(history):
    place, rows = history
    event = db.session.scalars(select(ReviewEvent).where(ReviewEvent.place_id == place.id)).first()
    with pytest.raises(DBAPIError) as raised, db.session.begin_nested():
        db.session.delete(event)
    assert raised.value.orig.sqlstate == "HB002"
    count = select(func.count()).where(ReviewEvent.place_id == place.id)
    assert db.session.scalar(count) == len(rows)


def test_new_events_can_still_be_appended(history, make_user):
    """Append-only means appending works: the workflow keeps recording."""
    place, rows = history
    review.archive(place, place.owner)
    db.session.flush()
    assert len(events_of(place)) == len(rows) + 1
