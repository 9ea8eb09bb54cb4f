"""Needs through the services: what bad input is told, closing, expiry, the ward staff's
suggestions and messages to owners, permissions, and the database's own rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from hiroba.accounts.models import Role
from hiroba.errors import EditConflict, InvalidTransition, PermissionDenied, ValidationFailed
from hiroba.extensions import db
from hiroba.needs import services
from hiroba.needs.models import Need, NeedEvent, NeedEventKind, NeedStatus
from hiroba.needs.queries import need_figures
from hiroba.notifications.models import Notification, NotificationKind
from hiroba.permissions import can_close_need, can_coordinate_need, can_view_need
from hiroba.places.search import TOKYO
from tests.factories import NAKAHARA, OUTSIDE_EVERY_WARD, WARD_POINTS

TAKATSU = "141348"
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # a Monday, 12:00 in Tokyo


def need_values(**overrides) -> dict:
    values = {
        "title": "子育てサークルの集まり",
        "area": "ward",
        "district": NAKAHARA,
        "when": "weekly",
        "weekdays": ["2"],
        "start": "10:00",
        "end": "12:00",
        "headcount": "12",
        "fee": "any",
    }
    values.update(overrides)
    return values


def errors_of(raw: dict) -> dict:
    before = db.session.scalar(select(func.count(Need.id)))
    with pytest.raises(ValidationFailed) as caught:
        services.post_need(db.session.merge(pytest.poster), raw, NOW)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Need.id))) == before  # nothing half-written
    with force_locale("en"):
        return {field: str(message) for field, message in caught.value.errors.items()}


@pytest.fixture
def poster(make_user, app_context):
    user = make_user(display_name="あおい")
    pytest.poster = user  # for errors_of: one poster per test
    return db.session.merge(user)


@pytest.mark.parametrize(
    ("overrides", "field", "says"),
    [
        ({"title": ""}, "title", "required"),
        ({"title": "あ" * 101}, "title", "At most 100"),
        ({"title": "会\x00議"}, "title", "not allowed"),
        ({"details": "x" * 2001}, "details", "At most 2000"),
        ({"area": "moon"}, "area", "Choose a ward"),
        ({"district": "14133"}, "district", "Choose a ward"),
        ({"district": "999999"}, "district", "Choose a ward"),
        ({"area": "circle", "lat": "", "lon": "", "radius": "500"}, "lat", "latitude"),
        ({"area": "circle", "lat": "135.5", "lon": "35.5", "radius": "500"}, "lat", "swapped"),
        (
            {
                "area": "circle",
                "lat": str(OUTSIDE_EVERY_WARD[1]),
                "lon": str(OUTSIDE_EVERY_WARD[0]),
                "radius": "500",
            },
            "lat",
            "outside every ward",
        ),
        ({"area": "circle", "lat": "35.57", "lon": "139.65", "radius": "50"}, "radius", "100"),
        ({"area": "circle", "lat": "35.57", "lon": "139.65", "radius": "20000"}, "radius", "10000"),
        ({"area": "circle", "lat": "35.57", "lon": "139.65", "radius": "1e3"}, "radius", "100"),
        ({"when": "sometimes"}, "when", "days of the week or dates"),
        ({"weekdays": []}, "weekdays", "at least one"),
        ({"weekdays": ["8"]}, "weekdays", "from the list"),
        ({"weekdays": {"a": 1}}, "weekdays", "from the list"),
        ({"when": "dates", "dates": []}, "dates", "at least one date"),
        ({"when": "dates", "dates": ["2026-11-22"]}, "dates", "already passed"),
        ({"when": "dates", "dates": ["2026-13-01"]}, "dates", "such as"),
        ({"when": "dates", "dates": ["2028-01-01"]}, "dates", "coming year"),
        ({"when": "dates", "dates": [f"2026-12-0{d}" for d in range(1, 7)]}, "dates", "at most 5"),
        ({"start": "25:00"}, "start", "such as"),
        ({"end": "09:00"}, "end", "after the start"),
        ({"end": "10:15"}, "end", "at least 30"),
        ({"headcount": "0"}, "headcount", "between 1 and 1000"),
        ({"headcount": "1001"}, "headcount", "between 1 and 1000"),
        ({"headcount": "-3"}, "headcount", "between 1 and 1000"),
        ({"headcount": "９"}, "headcount", "between 1 and 1000"),
        ({"headcount": ""}, "headcount", "required"),
        ({"fee": "cheap"}, "fee", "Unknown value"),
        ({"accessibility": ["<script>"]}, "accessibility", "Unknown value"),
        ({"conditions": "fire_ok,rockets"}, "conditions", "Unknown value: rockets"),
    ],
)
def test_bad_input_is_refused_with_a_specific_message_and_nothing_is_written(
    poster, overrides, field, says
):
    errors = errors_of(need_values(**overrides))
    assert field in errors
    assert says.lower() in errors[field].lower()


def test_every_problem_is_reported_at_once(poster):
    errors = errors_of(need_values(title="", headcount="0", end="09:00", weekdays=["9"]))
    assert set(errors) == {"title", "headcount", "end", "weekdays"}


def test_a_circle_need_belongs_to_the_ward_of_its_point(poster):
    lon, lat = WARD_POINTS[TAKATSU]
    need = services.post_need(
        poster, need_values(area="circle", lat=lat, lon=lon, radius="800", district=NAKAHARA), NOW
    )
    assert need.district_code == TAKATSU and need.radius_m == 800


def test_a_need_expires_after_60_days_or_after_its_last_date(poster):
    weekly = services.post_need(poster, need_values(), NOW)
    assert weekly.expires_at == NOW + timedelta(days=60)
    dated = services.post_need(poster, need_values(when="dates", dates=["2026-12-05"]), NOW)
    assert dated.expires_at == datetime(2026, 12, 6, tzinfo=TOKYO)
    assert dated.weekdays == [] and dated.asked_weekdays == [6]


def test_staff_of_the_ward_are_told_of_a_new_need(poster, make_staff):
    staff, other = make_staff(NAKAHARA), make_staff(TAKATSU)
    need = services.post_need(poster, need_values(), NOW)
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.need_id == need.id)
    ).all()
    assert staff.id in told and other.id not in told
    assert [e.kind for e in need.events] == [NeedEventKind.POSTED]


def test_too_many_open_needs_are_refused(poster):
    for _ in range(services.MAX_OPEN_PER_POSTER):
        services.post_need(poster, need_values(), NOW)
    with pytest.raises(services.TooManyNeeds):
        services.post_need(poster, need_values(), NOW)


@pytest.fixture
def people(poster, make_user, make_staff):
    return {
        "poster": poster,
        "resident": db.session.merge(make_user()),
        "staff": db.session.merge(make_staff(NAKAHARA)),
        "other_staff": db.session.merge(make_staff(TAKATSU)),
        "admin": db.session.merge(make_user(Role.ADMIN)),
    }


@pytest.mark.parametrize(
    ("who", "view", "solve", "withdraw", "coordinate"),
    [
        ("poster", True, True, True, False),
        ("resident", False, False, False, False),
        ("staff", True, True, False, True),
        ("other_staff", False, False, False, False),
        ("admin", True, True, False, True),
    ],
)
def test_who_may_do_what_with_an_open_need(people, who, view, solve, withdraw, coordinate):
    need = services.post_need(people["poster"], need_values(), NOW)
    user = people[who]
    assert can_view_need(user, need) is view
    assert can_close_need(user, need, NeedStatus.SOLVED) is solve
    assert can_close_need(user, need, NeedStatus.WITHDRAWN) is withdraw
    assert can_coordinate_need(user, need) is coordinate


def test_closing_once_and_never_from_an_outdated_page(people):
    need = services.post_need(people["poster"], need_values(), NOW)
    with pytest.raises(PermissionDenied):
        services.close_need(need, NeedStatus.WITHDRAWN, people["staff"])
    with pytest.raises(EditConflict):
        services.close_need(need, NeedStatus.SOLVED, people["poster"], need.version + 1)
    services.close_need(need, NeedStatus.SOLVED, people["staff"], need.version, NOW)
    assert need.status == NeedStatus.SOLVED and need.closed_at == NOW
    with pytest.raises(InvalidTransition):
        services.close_need(need, NeedStatus.WITHDRAWN, people["poster"])
    assert [e.kind for e in need.events][-1] == NeedEventKind.SOLVED


def test_expiry_closes_due_needs_once_and_tells_the_poster(people):
    due = services.post_need(people["poster"], need_values(), NOW)
    later = services.post_need(people["poster"], need_values(), NOW + timedelta(days=10))
    moment = NOW + timedelta(days=61)
    assert services.expire_needs(moment) == 1
    assert services.expire_needs(moment) == 0
    assert (due.status, later.status) == (NeedStatus.EXPIRED, NeedStatus.OPEN)
    kinds = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == people["poster"].id)
    ).all()
    assert kinds == [NotificationKind.NEED_EXPIRED]


def test_suggesting_a_place_tells_the_poster_once(people, make_place):
    place = db.session.merge(make_place())
    need = services.post_need(people["poster"], need_values(), NOW)
    with pytest.raises(PermissionDenied):
        services.suggest_place(need, place, people["other_staff"])
    services.suggest_place(need, place, people["staff"], "ここは広くて明るいです")
    with pytest.raises(services.AlreadySuggested):
        services.suggest_place(need, place, people["admin"])
    told = db.session.scalars(
        select(Notification).where(Notification.user_id == people["poster"].id)
    ).all()
    assert [(n.kind, n.place_id, n.reason) for n in told] == [
        (NotificationKind.NEED_PLACE_SUGGESTED, place.id, "ここは広くて明るいです")
    ]
    services.close_need(need, NeedStatus.WITHDRAWN, people["poster"])
    with pytest.raises(InvalidTransition):
        services.suggest_place(need, place, people["staff"])


def test_the_owner_learns_what_is_asked_never_who_asks_or_where(people, make_place):
    place = db.session.merge(make_place())
    lon, lat = WARD_POINTS[NAKAHARA]
    raw = need_values(area="circle", lat=str(lat), lon=str(lon), radius="700", details="秘密")
    need = services.post_need(people["poster"], raw, NOW)
    with pytest.raises(ValidationFailed) as caught:
        services.contact_owner(need, place, people["staff"], "  ")
    assert "message" in caught.value.errors
    services.contact_owner(need, place, people["staff"], "土曜の午後は空いていますか？")
    note = db.session.scalar(
        select(Notification).where(
            Notification.user_id == place.owner_id, Notification.need_id == need.id
        )
    )
    assert note.kind == NotificationKind.NEED_OWNER_CONTACTED
    assert "土曜の午後は空いていますか？" in note.reason and "12" in note.reason
    for secret in (
        need.title,
        "秘密",
        people["poster"].display_name,
        people["poster"].email,
        f"{lat}",
        "700",
    ):
        assert secret not in note.reason


def test_the_history_is_append_only(people):
    need = services.post_need(people["poster"], need_values(), NOW)
    db.session.commit()
    for statement in ("UPDATE need_events SET note = 'x'", "DELETE FROM need_events"):
        with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
            db.session.execute(text(statement))
    assert db.session.scalar(select(func.count(NeedEvent.id)).where(NeedEvent.need_id == need.id))


def test_the_database_refuses_a_need_that_is_neither_ward_nor_circle(people):
    need = services.post_need(people["poster"], need_values(), NOW)
    db.session.commit()
    with pytest.raises(DBAPIError, match="area_is_ward_or_circle"), db.session.begin_nested():
        db.session.execute(update(Need).where(Need.id == need.id).values(radius_m=500))


def test_the_ward_figures_count_solved_needs_per_period(people):
    old, recent, other = (
        services.post_need(people["poster"], need_values(), NOW) for _ in range(3)
    )
    services.close_need(old, NeedStatus.SOLVED, people["poster"], now=NOW - timedelta(days=400))
    services.close_need(recent, NeedStatus.SOLVED, people["poster"], now=NOW - timedelta(days=3))
    services.close_need(other, NeedStatus.WITHDRAWN, people["poster"], now=NOW)
    services.post_need(people["poster"], need_values(), NOW)
    figures = need_figures(NAKAHARA, NOW, 365)
    assert (figures.solved_in_period, figures.solved_total, figures.open_now) == (1, 2, 1)
    assert need_figures(TAKATSU, NOW, 365).solved_total == 0
