"""Needs pages over HTTP: posting with the form, errors beside their fields, who gets "not
found", the staff's actions, notifications' links, the CLI and the coverage figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from hiroba.extensions import db
from hiroba.needs.models import Need, NeedEvent, NeedEventKind, NeedStatus
from hiroba.notifications.models import Notification, NotificationKind
from tests.auth_helpers import EN, logged_in, page_token
from tests.factories import NAKAHARA

TAKATSU = "141348"
FORM = {
    "title": "将棋クラブ",
    "area": "ward",
    "district": NAKAHARA,
    "when": "weekly",
    "weekdays": ["3"],
    "start": "13:00",
    "end": "16:00",
    "headcount": "8",
    "fee": "any",
}


def post(client, **overrides):
    data = {"csrf_token": page_token(client, "/me/needs/new"), **FORM, **overrides}
    return client.post("/me/needs/new", data=data, headers=EN)


def count_needs(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Need.id)))


@pytest.fixture
def resident(app, make_user):
    return make_user(display_name="はると")


def test_posting_needs_an_account(client):
    response = client.get("/me/needs/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/staff/needs").status_code == 302


def test_the_form_posts_a_need_and_shows_the_places_that_fit(app, client, resident, make_place):
    place = make_place(
        capacity=10, opening_hours=[{"weekday": 3, "opens": "09:00", "closes": "18:00"}]
    )
    logged_in(client, resident)
    form = client.get("/me/needs/new").get_data(as_text=True)
    assert 'lang="ja"' in form and "場所を探しています" in form
    response = post(client)
    assert response.status_code == 302
    page = client.get(response.headers["Location"], headers=EN)
    text = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "private, no-store"
    assert f'data-place-id="{place.id}"' in text and "Fit: 100 of 100" in text
    assert "Takes up to 10 people: right for 8." in text
    assert "Every Wednesday, 13:00–16:00" in text
    mine = client.get("/me/needs", headers=EN).get_data(as_text=True)
    assert "将棋クラブ" in mine and "Looking" in mine


def test_errors_are_shown_beside_their_fields_and_nothing_is_saved(app, client, resident):
    logged_in(client, resident)
    before = count_needs(app)
    response = post(
        client,
        area="circle",
        lat="35.57",
        lon="139.65",
        radius="20",
        headcount="5000",
        end="12:00",
        title="x" * 101,
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    for message in (
        "Enter a distance between 100 and 10000 metres.",
        "Enter a whole number between 1 and 1000.",
        "The end must be after the start.",
        "At most 100 characters.",
    ):
        assert message in text
    assert 'id="radius-error"' in text and 'aria-invalid="true"' in text
    assert count_needs(app) == before
    past = post(client, when="dates", date_1="2020-01-01")
    assert past.status_code == 422 and "2020-01-01 has already passed." in past.get_data(
        as_text=True
    )


def test_the_form_refuses_a_post_without_its_csrf_token(client, resident):
    logged_in(client, resident)
    assert client.post("/me/needs/new", data=FORM).status_code == 400


def posted(app, client, resident) -> int:
    logged_in(client, resident)
    response = post(client)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_staff_suggest_and_write_to_owners_of_their_wards_only(
    app, resident, make_place, make_staff
):
    place = make_place(
        capacity=10, opening_hours=[{"weekday": 3, "opens": "09:00", "closes": "18:00"}]
    )
    need_id = posted(app, app.test_client(), resident)
    other = logged_in(app.test_client(), make_staff(TAKATSU))
    suggest = f"/me/needs/{need_id}/places/{place.id}/suggest"
    token = page_token(other, "/staff/needs")
    assert other.post(suggest, data={"csrf_token": token}).status_code == 404

    staff = logged_in(app.test_client(), make_staff(NAKAHARA))
    page = staff.get(f"/me/needs/{need_id}", headers=EN).get_data(as_text=True)
    assert "Suggest this place" in page and "はると" in page
    token = page_token(staff, f"/me/needs/{need_id}")
    data = {"csrf_token": token, f"s{place.id}-message": "明るい部屋です"}
    assert staff.post(suggest, data=data).status_code == 302
    again = staff.post(suggest, data=data, headers=EN)
    assert again.status_code == 409 and "suggested this place already" in again.get_data(
        as_text=True
    )
    contact = f"/me/needs/{need_id}/places/{place.id}/contact-owner"
    empty = staff.post(contact, data={"csrf_token": token, f"c{place.id}-message": ""}, headers=EN)
    assert empty.status_code == 422 and f'id="c{place.id}-message-error"' in empty.get_data(
        as_text=True
    )
    sent = staff.post(contact, data={"csrf_token": token, f"c{place.id}-message": "水曜の午後は？"})
    assert sent.status_code == 302
    with app.app_context():
        kinds = {
            (n.user_id, n.kind)
            for n in db.session.scalars(select(Notification).where(Notification.need_id == need_id))
        }
    assert (resident.id, NotificationKind.NEED_PLACE_SUGGESTED) in kinds
    assert (place.owner_id, NotificationKind.NEED_OWNER_CONTACTED) in kinds


def test_a_suggestion_leads_the_poster_to_the_need(app, resident, make_place, make_staff):
    place = make_place(
        capacity=10, opening_hours=[{"weekday": 3, "opens": "09:00", "closes": "18:00"}]
    )
    poster = app.test_client()
    need_id = posted(app, poster, resident)
    staff = logged_in(app.test_client(), make_staff(NAKAHARA))
    token = page_token(staff, f"/me/needs/{need_id}")
    staff.post(f"/me/needs/{need_id}/places/{place.id}/suggest", data={"csrf_token": token})
    notices = poster.get("/me/notifications", headers=EN).get_data(as_text=True)
    assert f'href="/me/needs/{need_id}"' in notices
    assert f"The ward centre suggests a place: {place.name}" in notices
    page = poster.get(f"/me/needs/{need_id}", headers=EN).get_data(as_text=True)
    assert "Suggested by the ward centre" in page and "Suggest this place" not in page


def test_the_poster_closes_the_need_as_found(app, resident):
    client = app.test_client()
    need_id = posted(app, client, resident)
    with app.app_context():
        version = db.session.get(Need, need_id).version
    token = page_token(client, f"/me/needs/{need_id}")
    stale = client.post(
        f"/me/needs/{need_id}/solved", data={"csrf_token": token, "version": version + 1}
    )
    assert stale.status_code == 409
    done = client.post(
        f"/me/needs/{need_id}/solved", data={"csrf_token": token, "version": version}
    )
    assert done.status_code == 302
    with app.app_context():
        need = db.session.get(Need, need_id)
        assert need.status == NeedStatus.SOLVED
        assert [e.kind for e in need.events] == [NeedEventKind.POSTED, NeedEventKind.SOLVED]


def test_expire_needs_is_idempotent(app, runner, resident):
    need_id = posted(app, app.test_client(), resident)
    with app.app_context():
        db.session.execute(
            update(Need)
            .where(Need.id == need_id)
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
        db.session.commit()
        first = runner.invoke(args=["expire-needs"])
        second = runner.invoke(args=["expire-needs"])
    assert "expired: 1" in first.output and "expired: 0" in second.output
    with app.app_context():
        assert db.session.get(Need, need_id).status == NeedStatus.EXPIRED
        events = db.session.scalars(select(NeedEvent.kind).where(NeedEvent.need_id == need_id))
        assert list(events) == [NeedEventKind.POSTED, NeedEventKind.EXPIRED]


def test_the_coverage_dashboard_counts_solved_needs(app, resident, make_staff):
    client = app.test_client()
    need_id = posted(app, client, resident)
    token = page_token(client, f"/me/needs/{need_id}")
    client.post(f"/me/needs/{need_id}/solved", data={"csrf_token": token, "version": "1"})
    staff = logged_in(app.test_client(), make_staff(NAKAHARA))
    page = staff.get(f"/staff/districts/{NAKAHARA}", headers=EN).get_data(as_text=True)
    solved = page[page.index('data-figure="solved"') :]
    assert solved.index(">1<") < solved.index("</tr>")
