"""Usage requests (利用相談) through the services: asking, answering, refusals, the history,
the notifications, and the database's own guarantee against double booking."""

from __future__ import annotations

import itertools
import threading
from datetime import date, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from hiroba.accounts.models import Role, User
from hiroba.accounts.services import create_user
from hiroba.errors import (
    EditConflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from hiroba.extensions import db
from hiroba.notifications.models import Notification, NotificationKind
from hiroba.places.models import PlaceStatus
from hiroba.places.search import TOKYO
from hiroba.places.services import create_place
from hiroba.review import services as review
from hiroba.usage import services as usage
from hiroba.usage.models import UsageEvent, UsageRequest, UsageStatus
from hiroba.usage.services import UsageConflict
from tests.concurrency import own_sessions, run_concurrently
from tests.conftest import migrated_app
from tests.factories import NAKAHARA, PASSWORD, place_values


def next_weekday(iso_weekday: int, weeks_ahead: int = 1) -> date:
    """A date with that ISO weekday, at least a week from today (Japan time)."""
    today = datetime.now(TOKYO).date()
    days = (iso_weekday - today.isoweekday()) % 7 + 7 * weeks_ahead
    return today + timedelta(days=days)


MONDAY = next_weekday(1)  # the test places open Monday to Friday, 09:00–21:00
SATURDAY = next_weekday(6)


def asked(day: date = MONDAY, start: str = "10:00", end: str = "12:00", **overrides) -> dict:
    values = {
        "date": day.isoformat(),
        "start": start,
        "end": end,
        "headcount": "12",
        "purpose": "体操教室",
        "message": "毎週の体操の会です。",
    }
    values.update(overrides)
    return values


@pytest.fixture(autouse=True)
def _english(request):
    """Messages are translated lazily; the assertions read their English text."""
    if "committed_app" in request.fixturenames:
        yield
        return
    request.getfixturevalue("app_context")
    with force_locale("en"):
        yield


@pytest.fixture
def case(make_user, make_staff, make_place):
    owner = make_user(display_name="持ち主")
    staff = make_staff(NAKAHARA)
    place = make_place(owner=owner, reviewer=staff)
    resident = make_user(display_name="住民A")
    return owner, staff, place, resident


def history(request: UsageRequest) -> list[tuple]:
    events = db.session.scalars(
        select(UsageEvent).where(UsageEvent.request_id == request.id).order_by(UsageEvent.id)
    )
    return [(e.from_status, e.to_status, e.actor_id) for e in events]


def told(request: UsageRequest) -> set[tuple[int, NotificationKind]]:
    rows = db.session.execute(
        select(Notification.user_id, Notification.kind).where(
            Notification.usage_request_id == request.id
        )
    )
    return {(user_id, kind) for user_id, kind in rows}


def requests_count() -> int:
    return db.session.scalar(select(db.func.count(UsageRequest.id)))


# --- asking ------------------------------------------------------------------------------------


def test_asking_records_a_request_and_tells_the_owner_and_the_wards_staff(app_context, case):
    owner, staff, place, resident = case
    request = usage.ask(place, resident, asked())
    assert request.status == UsageStatus.REQUESTED
    assert request.starts_at == datetime.combine(MONDAY, datetime.min.time(), TOKYO).replace(
        hour=10
    )
    assert request.ends_at - request.starts_at == timedelta(hours=2)
    assert (request.headcount, request.purpose) == (12, "体操教室")
    assert history(request) == [(None, UsageStatus.REQUESTED, resident.id)]
    assert told(request) == {
        (owner.id, NotificationKind.USAGE_REQUESTED),
        (staff.id, NotificationKind.USAGE_REQUESTED),
    }


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        (asked(start="08:00", end="10:00"), "start", "opening hours"),
        (asked(SATURDAY), "start", "opening hours"),
        (asked(start="20:00", end="22:00"), "start", "opening hours"),
        (asked(headcount="31"), "headcount", "at most 30"),
        (asked(headcount="0"), "headcount", "between 1"),
        (asked(headcount="-3"), "headcount", "whole number"),
        (asked(headcount="１２"), "headcount", "whole number"),
        (asked(headcount="9" * 400), "headcount", "between 1"),
        (asked(headcount=""), "headcount", "required"),
        (asked(start="12:00", end="10:00"), "end", "after the start"),
        (asked(start="10:00", end="10:05"), "end", "at least 15"),
        (asked(start="25:00"), "start", "such as 10:00"),
        (asked(start="24:00", end="24:00"), "start", "such as 10:00"),
        (asked(date="2026-02-30"), "date", "such as"),
        (asked(date="明日"), "date", "such as"),
        (asked(date=""), "date", "such as"),
        (asked(date="2020-01-06"), "start", "already passed"),
        (asked(date=(date.today() + timedelta(days=800)).isoformat()), "date", "coming year"),
        (asked(purpose="   "), "purpose", "required"),
        (asked(purpose="あ" * 201), "purpose", "At most 200"),
        (asked(message="あ" * 2001), "message", "At most 2000"),
        (asked(message="nul\x00byte"), "message", "not allowed"),
        (asked(contact_phone="call me"), "contact_phone", "digits"),
    ],
)
def test_wrong_requests_are_refused_with_the_field_and_nothing_is_stored(
    app_context, case, values, field, words
):
    _owner, _staff, place, resident = case
    before = requests_count()
    with pytest.raises(ValidationFailed) as refused:
        usage.ask(place, resident, values)
    assert field in refused.value.errors
    assert words in str(refused.value.errors[field])
    assert requests_count() == before


def test_an_absurd_duration_is_refused_even_on_a_place_open_all_day(
    app_context, make_place, make_user
):
    always = [{"weekday": d, "opens": "00:00", "closes": "24:00"} for d in range(1, 8)]
    place = make_place(opening_hours=always)
    with pytest.raises(ValidationFailed) as refused:
        usage.ask(place, make_user(), asked(start="06:00", end="22:00"))
    assert "at most 12 hours" in str(refused.value.errors["end"])
    request = usage.ask(place, make_user(), asked(start="12:00", end="24:00"))
    assert request.ends_at.astimezone(TOKYO).time().hour == 0  # midnight, the next day


def test_a_place_without_hours_takes_requests_at_any_time_of_day(
    app_context, make_place, make_user
):
    place = make_place(opening_hours=[])
    request = usage.ask(place, make_user(), asked(SATURDAY, "06:30", "08:00"))
    assert request.status == UsageStatus.REQUESTED


def test_the_owner_cannot_ask_for_their_own_place(app_context, case):
    owner, _staff, place, _resident = case
    with pytest.raises(PermissionDenied):
        usage.ask(place, owner, asked())
    assert requests_count() == 0


@pytest.mark.parametrize(
    "status", [PlaceStatus.DRAFT, PlaceStatus.PENDING, PlaceStatus.ARCHIVED, PlaceStatus.REJECTED]
)
def test_unpublished_places_cannot_be_asked_for(app_context, make_place, make_user, status):
    place = make_place(status=status)
    with pytest.raises(NotFound):
        usage.ask(place, make_user(), asked())
    assert requests_count() == 0


def test_nobody_logged_out_can_ask(app_context, case):
    from flask_login import AnonymousUserMixin

    with pytest.raises(PermissionDenied):
        usage.ask(case[2], AnonymousUserMixin(), asked())


def test_asking_twice_for_the_same_time_is_refused(app_context, case):
    _owner, _staff, place, resident = case
    usage.ask(place, resident, asked())
    with pytest.raises(UsageConflict, match="already asked"):
        usage.ask(place, resident, asked(start="11:00", end="13:00"))
    usage.ask(place, resident, asked(start="12:00", end="13:00"))  # right after: fine


def test_a_taken_or_closed_time_cannot_be_asked_for(app_context, case, make_user):
    owner, _staff, place, resident = case
    usage.accept(usage.ask(place, resident, asked()), owner)
    with pytest.raises(UsageConflict, match="already agreed"):
        usage.ask(place, make_user(), asked(start="11:30", end="13:00"))
    usage.block(place, owner, {"first": next_weekday(2).isoformat(), "note": "清掃日"})
    with pytest.raises(UsageConflict, match="closed the place"):
        usage.ask(place, make_user(), asked(next_weekday(2)))


# --- answering ---------------------------------------------------------------------------------


def test_accepting_tells_the_requester_and_records_who_decided(app_context, case):
    owner, _staff, place, resident = case
    request = usage.ask(place, resident, asked())
    usage.accept(request, owner)
    assert request.status == UsageStatus.ACCEPTED
    assert history(request)[-1] == (UsageStatus.REQUESTED, UsageStatus.ACCEPTED, owner.id)
    assert (resident.id, NotificationKind.USAGE_ACCEPTED) in told(request)


def test_staff_of_the_ward_coordinate_staff_of_other_wards_cannot(app_context, case, make_staff):
    _owner, staff, place, resident = case
    request = usage.ask(place, resident, asked())
    with pytest.raises(PermissionDenied):
        usage.accept(request, make_staff("141313"))  # 川崎区
    usage.decline(request, staff, "この日は町内会の行事があります。")
    assert request.status == UsageStatus.DECLINED
    assert history(request)[-1][2] == staff.id


def test_another_resident_can_neither_accept_nor_withdraw(app_context, case, make_user):
    _owner, _staff, place, resident = case
    request = usage.ask(place, resident, asked())
    stranger = make_user()
    for act in (usage.accept, usage.withdraw):
        with pytest.raises(PermissionDenied):
            act(request, stranger)
    assert request.status == UsageStatus.REQUESTED
    usage.accept(request, _owner)
    with pytest.raises(PermissionDenied):
        usage.cancel(request, stranger, "理由")
    assert request.status == UsageStatus.ACCEPTED


def test_the_requester_cannot_accept_their_own_request(app_context, case):
    _owner, _staff, place, resident = case
    request = usage.ask(place, resident, asked())
    with pytest.raises(PermissionDenied):
        usage.accept(request, resident)


def test_declining_and_cancelling_need_a_reason(app_context, case):
    owner, _staff, place, resident = case
    request = usage.ask(place, resident, asked())
    with pytest.raises(ValidationFailed) as refused:
        usage.decline(request, owner, "  ")
    assert "reason" in refused.value.errors
    usage.accept(request, owner)
    with pytest.raises(ValidationFailed):
        usage.cancel(request, resident, "")
    assert request.status == UsageStatus.ACCEPTED


def test_moves_outside_the_table_are_refused(app_context, case):
    owner, _staff, place, resident = case
    request = usage.ask(place, resident, asked())
    usage.withdraw(request, resident)
    with pytest.raises(InvalidTransition):
        usage.accept(request, owner)
    with pytest.raises(InvalidTransition):
        usage.change(request, UsageStatus.REQUESTED, resident)
    assert request.status == UsageStatus.WITHDRAWN


def test_a_request_whose_time_has_passed_cannot_be_accepted(app_context, case):
    owner, _staff, place, resident = case
    request = usage.ask(place, resident, asked())
    later = request.starts_at + timedelta(minutes=1)
    with pytest.raises(InvalidTransition, match="already passed"):
        usage.accept(request, owner, now=later)
    assert request.status == UsageStatus.REQUESTED


def test_proposing_another_time_then_the_requester_takes_it(app_context, case):
    owner, _staff, place, resident = case
    request = usage.ask(place, resident, asked())
    usage.propose(request, owner, {"date": MONDAY.isoformat(), "start": "14:00", "end": "16:00"})
    assert request.status == UsageStatus.PROPOSED
    assert request.starts_at.astimezone(TOKYO).hour == 14
    assert (resident.id, NotificationKind.USAGE_PROPOSED) in told(request)
    with pytest.raises(PermissionDenied):
        usage.accept(request, owner)  # now it is the requester's turn
    usage.accept(request, resident)
    assert request.status == UsageStatus.ACCEPTED
    event = db.session.scalars(
        select(UsageEvent).where(UsageEvent.to_status == UsageStatus.PROPOSED)
    ).one()
    assert event.starts_at == request.starts_at


def test_a_proposal_outside_the_hours_is_refused(app_context, case):
    owner, _staff, place, resident = case
    request = usage.ask(place, resident, asked())
    with pytest.raises(ValidationFailed):
        usage.propose(
            request, owner, {"date": SATURDAY.isoformat(), "start": "10:00", "end": "11:00"}
        )
    assert request.status == UsageStatus.REQUESTED


def test_cancelling_frees_the_time(app_context, case, make_user):
    owner, _staff, place, resident = case
    request = usage.ask(place, resident, asked())
    usage.accept(request, owner)
    usage.cancel(request, resident, "都合が悪くなりました。")
    assert (owner.id, NotificationKind.USAGE_CANCELLED) in told(request)
    other = usage.ask(place, make_user(), asked())
    usage.accept(other, owner)
    assert other.status == UsageStatus.ACCEPTED


def test_accepting_an_overlapping_request_fails_cleanly(app_context, case, make_user):
    owner, _staff, place, resident = case
    first = usage.ask(place, resident, asked())
    second = usage.ask(place, make_user(), asked(start="11:00", end="13:00"))
    usage.accept(first, owner)
    with pytest.raises(UsageConflict, match="already agreed"):
        usage.accept(second, owner)
    assert second.status == UsageStatus.REQUESTED
    assert history(second) == [(None, UsageStatus.REQUESTED, second.requester_id)]


def test_an_old_page_cannot_decide_on_a_changed_request(app_context, case):
    owner, _staff, place, resident = case
    request = usage.ask(place, resident, asked())
    seen = request.version
    usage.withdraw(request, resident)
    with pytest.raises(EditConflict):
        usage.accept(request, owner, expected_version=seen)


# --- closed by hiroba -------------------------------------------------------------------------


def test_archiving_a_place_closes_its_open_requests_and_future_uses(app_context, case, make_user):
    owner, _staff, place, resident = case
    waiting = usage.ask(place, resident, asked())
    agreed = usage.ask(place, make_user(), asked(start="15:00", end="16:00"))
    usage.accept(agreed, owner)
    review.archive(place, owner)
    assert (waiting.status, agreed.status) == (UsageStatus.CLOSED, UsageStatus.CLOSED)
    assert history(waiting)[-1] == (UsageStatus.REQUESTED, UsageStatus.CLOSED, None)
    assert (resident.id, NotificationKind.USAGE_CLOSED) in told(waiting)


def test_requests_unanswered_when_their_time_comes_are_closed_once(app_context, case):
    _owner, _staff, place, resident = case
    request = usage.ask(place, resident, asked())
    later = request.starts_at + timedelta(hours=1)
    assert usage.close_expired(later) == 1
    assert usage.close_expired(later) == 0
    assert request.status == UsageStatus.CLOSED
    assert [kind for _u, kind in told(request)].count(NotificationKind.USAGE_CLOSED) == 2


# --- blocked days ------------------------------------------------------------------------------


def test_blocking_days_with_an_agreed_use_is_refused(app_context, case):
    owner, _staff, place, resident = case
    usage.accept(usage.ask(place, resident, asked()), owner)
    with pytest.raises(UsageConflict, match="Cancel it first"):
        usage.block(place, owner, {"first": MONDAY.isoformat(), "last": MONDAY.isoformat()})


def test_only_the_owner_and_ward_staff_block_days(app_context, case, make_user, make_staff):
    owner, staff, place, _resident = case
    day = {"first": next_weekday(3).isoformat()}
    for outsider in (make_user(), make_staff("141313")):
        with pytest.raises(PermissionDenied):
            usage.block(place, outsider, day)
    closed = usage.block(place, staff, day)
    with pytest.raises(PermissionDenied):
        usage.unblock(closed, make_user())
    usage.unblock(closed, owner)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"first": "", "last": ""}, "first"),
        ({"first": "2026-13-01"}, "first"),
        ({"first": "2030-01-10", "last": "2030-01-01"}, "last"),
        ({"first": "2020-01-01", "last": "2020-01-02"}, "last"),
        ({"first": "2027-01-01", "last": "2029-01-01"}, "last"),
        ({"first": "2027-01-01", "note": "x" * 201}, "note"),
    ],
)
def test_wrong_blocks_are_refused(app_context, case, values, field):
    owner, _staff, place, _resident = case
    with pytest.raises(ValidationFailed) as refused:
        usage.block(place, owner, values)
    assert field in refused.value.errors


# --- the database's own guarantees -------------------------------------------------------------


def test_the_database_refuses_overlapping_accepted_uses_written_directly(app_context, case):
    _owner, _staff, place, resident = case
    first = usage.ask(place, resident, asked())
    second = usage.ask(
        place, create_user("x@test.example", "x", PASSWORD), asked(next_weekday(1, 2))
    )
    db.session.flush()
    db.session.execute(
        update(UsageRequest).where(UsageRequest.id == first.id).values(status="accepted")
    )
    with pytest.raises(IntegrityError, match="no_double_booking"), db.session.begin_nested():
        db.session.execute(
            update(UsageRequest)
            .where(UsageRequest.id == second.id)
            .values(
                status="accepted",
                starts_at=first.starts_at + timedelta(minutes=30),
                ends_at=first.ends_at,
            )
        )


def test_the_history_cannot_be_rewritten(app_context, case):
    _owner, _staff, place, resident = case
    usage.ask(place, resident, asked())
    db.session.flush()
    for statement in ("UPDATE usage_events SET reason = 'x'", "DELETE FROM usage_events"):
        with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
            db.session.execute(text(statement))


# --- two people accepting at the same moment ---------------------------------------------------

_serial = itertools.count(1)


@pytest.fixture(scope="module")
def committed_app(cluster):
    with migrated_app(cluster, "usage") as app:
        yield app


def test_concurrent_accepts_of_overlapping_requests_exactly_one_wins(committed_app):
    """The owner and the ward's coordinator accept two overlapping requests at once, each in
    its own transaction: one succeeds, the other is told the time is taken, and the database
    never holds two overlapping accepted uses."""
    with own_sessions():
        with committed_app.app_context():
            n = next(_serial)
            owner = create_user(f"o{n}@test.example", "持ち主", PASSWORD)
            staff = create_user(f"s{n}@test.example", "職員", PASSWORD, Role.STAFF, [NAKAHARA])
            place = create_place(owner, place_values(NAKAHARA))
            review.submit(place, owner)
            review.approve(place, staff)
            a = usage.ask(place, create_user(f"a{n}@test.example", "A", PASSWORD), asked())
            b = usage.ask(
                place, create_user(f"b{n}@test.example", "B", PASSWORD), asked(start="11:00")
            )
            db.session.commit()
            ids = {"owner": owner.id, "staff": staff.id, "a": a.id, "b": b.id}
            place_id = place.id

        loaded = threading.Barrier(2, timeout=20)
        outcomes: dict[str, str] = {}

        def accepter(actor_key: str, request_key: str):
            def act():
                # A request context in English, as a page would read the message.
                with committed_app.test_request_context(), force_locale("en"):
                    actor = db.session.get(User, ids[actor_key])
                    request = db.session.get(UsageRequest, ids[request_key])
                    loaded.wait()
                    try:
                        usage.accept(request, actor)
                        db.session.commit()
                        outcomes[request_key] = "accepted"
                    except UsageConflict as conflict:
                        db.session.rollback()
                        outcomes[request_key] = str(conflict.detail)

            return act

        run_concurrently(accepter("owner", "a"), accepter("staff", "b"))
        assert sorted(outcomes.values()) == [
            "This time overlaps a use that is already agreed.",
            "accepted",
        ]
        with committed_app.app_context():
            accepted = db.session.scalars(
                select(UsageRequest.id).where(
                    UsageRequest.place_id == place_id,
                    UsageRequest.status == UsageStatus.ACCEPTED,
                )
            ).all()
            assert len(accepted) == 1
            (winner,) = [key for key, outcome in outcomes.items() if outcome == "accepted"]
            assert accepted == [ids[winner]]
            loser = db.session.get(UsageRequest, ids["b" if winner == "a" else "a"])
            assert loser.status == UsageStatus.REQUESTED
            assert len(loser.events) == 1  # only its creation: no half-written acceptance


def test_many_concurrent_accepts_leave_no_overlap(committed_app):
    """Six overlapping requests accepted by six threads at once: exactly one is accepted."""
    with own_sessions():
        with committed_app.app_context():
            n = next(_serial)
            owner = create_user(f"o{n}@test.example", "持ち主", PASSWORD)
            staff = create_user(f"s{n}@test.example", "職員", PASSWORD, Role.STAFF, [NAKAHARA])
            place = create_place(owner, place_values(NAKAHARA))
            review.submit(place, owner)
            review.approve(place, staff)
            ids = []
            for i in range(6):
                requester = create_user(f"r{n}-{i}@test.example", f"R{i}", PASSWORD)
                start = f"{10 + i % 3}:{'30' if i % 2 else '00'}"
                ids.append(usage.ask(place, requester, asked(start=start, end="14:00")).id)
            db.session.commit()
            owner_id, place_id = owner.id, place.id

        barrier = threading.Barrier(len(ids), timeout=20)
        results: list[str] = []

        def accepter(request_id: int):
            def act():
                with committed_app.app_context():
                    actor = db.session.get(User, owner_id)
                    request = db.session.get(UsageRequest, request_id)
                    barrier.wait()
                    try:
                        usage.accept(request, actor)
                        db.session.commit()
                        results.append("accepted")
                    except UsageConflict:
                        db.session.rollback()
                        results.append("conflict")

            return act

        run_concurrently(*(accepter(i) for i in ids))
        assert sorted(results) == ["accepted"] + ["conflict"] * 5
        with committed_app.app_context():
            overlapping = db.session.scalar(
                text(
                    "SELECT count(*) FROM usage_requests a JOIN usage_requests b "
                    "ON a.place_id = b.place_id AND a.id < b.id "
                    "AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at) "
                    "WHERE a.status = 'accepted' AND b.status = 'accepted' AND a.place_id = :p"
                ),
                {"p": place_id},
            )
            assert overlapping == 0


def test_the_cron_command_closes_requests_whose_time_came_once(app_context, case, runner):
    _owner, _staff, place, resident = case
    request = usage.ask(place, resident, asked())
    db.session.execute(
        update(UsageRequest)
        .where(UsageRequest.id == request.id)
        .values(
            starts_at=datetime(2026, 1, 5, 1, tzinfo=TOKYO),
            ends_at=datetime(2026, 1, 5, 2, tzinfo=TOKYO),
        )
    )
    db.session.commit()
    first = runner.invoke(args=["close-expired-requests"])
    again = runner.invoke(args=["close-expired-requests"])
    assert "closed: 1" in first.output, first.output
    assert "closed: 0" in again.output
    db.session.refresh(request)
    assert request.status == UsageStatus.CLOSED
