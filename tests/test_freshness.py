"""Keeping listings fresh: reminders once, hidden only after the grace period, shown again on
confirmation (by the signed link or the owner's button), and nothing ever deleted."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from hiroba.extensions import db
from hiroba.freshness import services
from hiroba.freshness.tokens import confirmation_token
from hiroba.notifications.models import Notification, NotificationKind
from hiroba.places.models import Place, PlaceStatus
from hiroba.review.models import ReviewEvent
from tests.auth_helpers import csrf_token_from, logged_in
from tests.factories import NAKAHARA

ITEMS = "/api/collections/places/items"
MAP_DATA = "/map/places.json"
KAWASAKI_BBOX = "139.45,35.45,139.85,35.70"
DAY = timedelta(days=1)


def days_ago(days: float) -> datetime:
    return datetime.now(UTC) - days * DAY


def set_times(app, place, confirmed_days_ago: float, reminded_days_ago: float | None = None):
    """Move the place's clock back: last confirmed (and reminded) that many days ago."""
    with app.app_context():
        db.session.execute(
            text("UPDATE places SET last_confirmed_at = :c, reminded_at = :r WHERE id = :id"),
            {
                "c": days_ago(confirmed_days_ago),
                "r": None if reminded_days_ago is None else days_ago(reminded_days_ago),
                "id": place.id,
            },
        )
        db.session.commit()


def current(app, place) -> Place:
    with app.app_context():
        return db.session.execute(select(Place).where(Place.id == place.id)).scalar_one()


def notifications(app, place, kind) -> list[Notification]:
    with app.app_context():
        return db.session.scalars(
            select(Notification).where(Notification.place_id == place.id, Notification.kind == kind)
        ).all()


def public_ids(client) -> tuple[set[int], set[int]]:
    """The ids the public API and the map data list."""
    api = client.get(f"{ITEMS}?limit=1000")
    assert api.status_code == 200
    shown = client.get(MAP_DATA, query_string={"bbox": KAWASAKI_BBOX, "zoom": 16})
    assert shown.status_code == 200
    return (
        {f["id"] for f in api.get_json()["features"]},
        {f["id"] for f in shown.get_json()["places"]},
    )


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Place, ReviewEvent, Notification)
        )


@pytest.fixture
def sent_emails(caplog, monkeypatch):
    """The emails sent, as the development sender logs them (subject and body)."""
    # Alembic's logging setup (migrations/env.py) disables loggers that existed before it ran.
    monkeypatch.setattr(logging.getLogger("hiroba.mail"), "disabled", False)
    caplog.set_level(logging.INFO, logger="hiroba.mail")

    def to(address: str) -> list[str]:
        return [
            r.getMessage()
            for r in caplog.records
            if r.getMessage().startswith(f"email to {address}:")
        ]

    return to


def run_job(runner) -> str:
    result = runner.invoke(args=["freshness"])
    assert result.exit_code == 0, result.output
    return result.output


def confirm_link(body: str) -> str:
    match = re.search(r"https?://\S+(/confirm/\S+)", body)
    assert match, body
    return match.group(1)


def test_the_job_run_twice_reminds_each_owner_once(app, runner, make_place, sent_emails):
    stale, fresh = make_place(), make_place()
    set_times(app, stale, confirmed_days_ago=181)
    set_times(app, fresh, confirmed_days_ago=179)

    first, second = run_job(runner), run_job(runner)

    assert "reminded: 1" in first and "reminded: 0" in second
    (reminder,) = notifications(app, stale, NotificationKind.FRESHNESS_REMINDER)
    assert reminder.user_id == stale.owner_id and reminder.emailed_at is not None
    assert notifications(app, fresh, NotificationKind.FRESHNESS_REMINDER) == []
    reminders = [e for e in sent_emails(stale.owner.email) if "/confirm/" in e]
    assert len(reminders) == 1
    assert current(app, stale).status == PlaceStatus.APPROVED  # still public: grace period


def test_a_stale_place_is_hidden_only_after_the_grace_period_and_shown_again_on_confirmation(
    app, client, runner, make_place, sent_emails
):
    place = make_place()
    before = counts(app)
    set_times(app, place, confirmed_days_ago=250, reminded_days_ago=59)  # in the grace period
    run_job(runner)
    assert current(app, place).status == PlaceStatus.APPROVED
    api, shown = public_ids(client)
    assert place.id in api and place.id in shown

    set_times(app, place, confirmed_days_ago=250, reminded_days_ago=61)  # grace period over
    assert "hidden: 1" in run_job(runner)
    assert "hidden: 0" in run_job(runner)
    assert current(app, place).status == PlaceStatus.DORMANT
    api, shown = public_ids(client)
    assert place.id not in api and place.id not in shown
    assert client.get(f"/places/{place.id}").status_code == 404
    told = {n.user_id for n in notifications(app, place, NotificationKind.LISTING_HIDDEN)}
    assert place.owner_id in told and len(told) >= 2  # the owner and the ward's staff

    link = confirm_link(sent_emails(place.owner.email)[-1])
    page = client.get(link)  # opening the link changes nothing
    assert page.status_code == 200 and 'data-state="confirm"' in page.get_data(as_text=True)
    assert current(app, place).status == PlaceStatus.DORMANT
    done = client.post(link, data={"csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert done.status_code == 200 and 'data-state="done"' in done.get_data(as_text=True)

    confirmed = current(app, place)
    assert confirmed.status == PlaceStatus.APPROVED and confirmed.reminded_at is None
    assert confirmed.last_confirmed_at > days_ago(0.01)
    api, shown = public_ids(client)
    assert place.id in api and place.id in shown
    places, events, _ = counts(app)
    assert places == before[0] and events == before[1] + 2  # hidden, shown again: recorded
    with app.app_context():
        moves = db.session.execute(
            select(ReviewEvent.from_status, ReviewEvent.to_status, ReviewEvent.actor_id)
            .where(ReviewEvent.place_id == place.id)
            .order_by(ReviewEvent.id.desc())
            .limit(2)
        ).all()
    assert [tuple(m) for m in moves] == [
        (PlaceStatus.DORMANT, PlaceStatus.APPROVED, place.owner_id),
        (PlaceStatus.APPROVED, PlaceStatus.DORMANT, None),
    ]


def test_a_confirmed_place_is_not_reminded_again_until_it_is_stale_again(app, make_place):
    place = make_place()
    set_times(app, place, confirmed_days_ago=200)
    with app.app_context():
        services.run(datetime.now(UTC))
        db.session.commit()
    with app.app_context():
        owner_place = db.session.get(Place, place.id)
        services.confirm(owner_place, owner_place.owner, datetime.now(UTC))
        db.session.commit()
    with app.app_context():
        assert services.run(datetime.now(UTC)) == {"reminded": 0, "hidden": 0}
        # 181 days later, the owner is asked again
        assert services.run(datetime.now(UTC) + 181 * DAY) == {"reminded": 1, "hidden": 0}
        db.session.rollback()
    assert len(notifications(app, place, NotificationKind.FRESHNESS_REMINDER)) == 1


@pytest.mark.parametrize("tamper", ["flip", "other_salt", "expired"])
def test_a_bad_link_is_refused_and_changes_nothing(app, client, make_place, tamper, monkeypatch):
    place = make_place(status=PlaceStatus.DORMANT)
    with app.test_request_context():
        token = confirmation_token(current(app, place))
    if tamper == "flip":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif tamper == "other_salt":
        from itsdangerous import URLSafeTimedSerializer

        token = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="other").dumps(
            {"place": place.id, "after": ""}
        )
    else:
        monkeypatch.setitem(app.config, "FRESHNESS_LINK_MAX_AGE_DAYS", -1)
    page = client.get(f"/confirm/{token}")
    assert page.status_code == 400 and 'data-state="invalid"' in page.get_data(as_text=True)
    posted = client.post(
        f"/confirm/{token}", data={"csrf_token": csrf_token_from(page.get_data(as_text=True))}
    )
    assert posted.status_code == 400
    assert current(app, place).status == PlaceStatus.DORMANT


def test_a_used_link_cannot_be_replayed(app, client, make_place):
    place = make_place()
    set_times(app, place, confirmed_days_ago=200, reminded_days_ago=20)
    with app.test_request_context():
        token = confirmation_token(current(app, place))
    page = client.get(f"/confirm/{token}")
    csrf = csrf_token_from(page.get_data(as_text=True))
    assert client.post(f"/confirm/{token}", data={"csrf_token": csrf}).status_code == 200
    first = current(app, place).last_confirmed_at
    again = client.post(f"/confirm/{token}", data={"csrf_token": csrf})
    assert again.status_code == 409 and 'data-state="already"' in again.get_data(as_text=True)
    assert current(app, place).last_confirmed_at == first


def test_the_confirmation_needs_the_csrf_token(app, client, make_place):
    place = make_place(status=PlaceStatus.DORMANT)
    with app.test_request_context():
        token = confirmation_token(current(app, place))
    assert client.post(f"/confirm/{token}").status_code == 400
    assert current(app, place).status == PlaceStatus.DORMANT


def test_owners_confirm_with_the_button_on_my_places(app, client, make_place):
    place = make_place(status=PlaceStatus.DORMANT)
    logged_in(client, place.owner)
    page = client.get("/me/places").get_data(as_text=True)
    assert f"/places/{place.id}/confirm" in page
    response = client.post(
        f"/places/{place.id}/confirm", data={"csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 302
    assert current(app, place).status == PlaceStatus.APPROVED


@pytest.mark.parametrize("status", [PlaceStatus.APPROVED, PlaceStatus.DORMANT])
def test_nobody_else_confirms_a_place(app, make_place, make_user, make_staff, status):
    place = make_place(status=status)
    set_times(app, place, confirmed_days_ago=200, reminded_days_ago=10)
    # A published place is visible, so confirming it is forbidden; a hidden one is not found.
    refused = 403 if status == PlaceStatus.APPROVED else 404
    for stranger in (make_user(), make_staff("141313")):
        browser = logged_in(app.test_client(), stranger)
        page = browser.get("/me/places").get_data(as_text=True)
        response = browser.post(
            f"/places/{place.id}/confirm", data={"csrf_token": csrf_token_from(page)}
        )
        assert response.status_code == refused
    after = current(app, place)
    assert after.status == status and after.reminded_at is not None


def test_ward_staff_see_unconfirmed_listings_and_may_confirm_them(app, make_place, make_staff):
    reminded, hidden, fresh = make_place(), make_place(status=PlaceStatus.DORMANT), make_place()
    set_times(app, reminded, confirmed_days_ago=200, reminded_days_ago=10)
    staff = logged_in(app.test_client(), make_staff(NAKAHARA))
    page = staff.get("/staff/queue").get_data(as_text=True)
    stale = page[page.index('class="stale-listings"') :]
    assert f'data-place-id="{reminded.id}"' in stale and f'data-place-id="{hidden.id}"' in stale
    assert f'data-place-id="{fresh.id}"' not in stale
    response = staff.post(
        f"/places/{hidden.id}/confirm", data={"csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 302
    assert current(app, hidden).status == PlaceStatus.APPROVED
    other = logged_in(app.test_client(), make_staff("141313"))
    page = other.get("/staff/queue").get_data(as_text=True)
    assert f'data-place-id="{reminded.id}"' not in page[page.index('class="stale-listings"') :]


def test_every_published_place_shows_when_it_was_last_confirmed(client, make_place):
    place = make_place()
    page = client.get(f"/places/{place.id}").get_data(as_text=True)
    assert "情報の最終確認日" in page
