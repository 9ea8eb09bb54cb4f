"""Activity pages over HTTP: an owner adds, changes and removes an activity and the place page
shows it (Japanese and English); bad input is refused beside its field in the visitor's
language with nothing written; strangers, other wards' staff and other places' URLs get
"not found" (IDOR); hostile text stays text."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hiroba.activities import services
from hiroba.activities.models import Activity
from hiroba.extensions import db
from hiroba.places.models import PlaceStatus
from hiroba.review import services as review
from tests.auth_helpers import EN, logged_in, page_token
from tests.factories import NAKAHARA
from tests.test_activities_services import TAMA, salon

HOSTILE = '<img src=x onerror="alert(1)">{{7*7}}'


@pytest.fixture
def case(make_user, make_staff, make_place):
    owner = make_user(display_name="持ち主さん")
    staff = make_staff(NAKAHARA)
    place = make_place(owner=owner, reviewer=staff)
    return owner, staff, place


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Activity))


def text_of(response) -> str:
    return response.get_data(as_text=True)


def field_errors(html: str) -> dict[str, str]:
    return dict(re.findall(r'<p class="error" id="([\w-]+)-error" role="alert">([^<]*)</p>', html))


def post_new(client, place, headers=None, **values):
    path = f"/me/places/{place.id}/activities/new"
    data = {"csrf_token": page_token(client, path, headers=headers)} | salon(**values)
    return client.post(path, data=data, headers=headers)


def made(app, place, user, **values) -> Activity:
    with app.app_context():
        activity = services.add_activity(place, user, salon(**values))
        db.session.commit()
        return activity


def test_the_owner_adds_an_activity_and_the_place_page_shows_it_in_both_languages(
    app, client, case
):
    owner, _staff, place = case
    logged_in(client, owner)
    assert f'href="/me/places/{place.id}/activities"' in text_of(client.get("/me/places"))
    response = post_new(client, place, skip_holidays="y")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/me/places/{place.id}/activities")
    page = text_of(client.get(f"/places/{place.id}"))
    assert "いきいきサロン" in page and "毎月第2火曜 10:00–12:00（祝日は休み）" in page
    assert "次の日程" in page and "Next dates" not in page
    english = text_of(client.get(f"/places/{place.id}", headers=EN))
    assert "2nd Tuesday of every month, 10:00–12:00 (not on national holidays)" in english
    assert re.search(r'<time datetime="\d{4}-\d{2}-\d{2}">Tue ', english)
    # Residents see it too, without the managers' link.
    client.post("/logout", data={"csrf_token": page_token(client, "/")})
    public = text_of(client.get(f"/places/{place.id}", headers=EN))
    assert "いきいきサロン" in public and "Manage the activities" not in public


def test_bad_input_is_refused_beside_its_field_in_the_visitors_language(app, client, case):
    owner, _staff, place = case
    logged_in(client, owner)
    response = post_new(client, place, EN, title="", weekdays=[], end="09:00", starts_on="x")
    assert response.status_code == 422
    errors = field_errors(text_of(response))
    assert errors["title"] == "This field is required."
    assert errors["weekdays"] == "Choose at least one day of the week."
    assert errors["end"] == "The end must be after the start, on the same day."
    assert errors["starts_on"] == "Enter a date such as 2026-12-05."
    japanese = field_errors(text_of(post_new(client, place, recurrence="monthly_day",
                                             day_of_month="32")))  # fmt: skip
    assert japanese["day_of_month"] and "31" in japanese["day_of_month"]
    assert not japanese["day_of_month"].startswith("Enter")
    assert count(app) == 0


def test_hostile_text_is_shown_as_text(app, client, case):
    owner, _staff, place = case
    made(app, place, owner, title=HOSTILE, description=HOSTILE, organiser=HOSTILE)
    page = text_of(client.get(f"/places/{place.id}"))
    assert HOSTILE not in page and "&lt;img src=x" in page
    assert "{{7*7}}" in page and ">49<" not in page


def test_the_form_comes_back_filled_in_and_changes_are_saved(app, client, case):
    owner, staff, place = case
    activity = made(app, place, owner)
    logged_in(client, staff)  # ward staff manage activities too
    edit = f"/me/places/{place.id}/activities/{activity.id}/edit"
    form = text_of(client.get(edit))
    assert 'value="いきいきサロン"' in form and 'value="2026-04-01"' in form
    assert re.search(r'value="2"[^>]*checked|checked[^>]*value="2"', form)
    data = {"csrf_token": page_token(client, edit)} | salon(
        recurrence="weekly", weekdays=["1", "3"], interval_weeks="2", title="体操教室"
    )
    assert client.post(edit, data=data).status_code == 302
    english = text_of(client.get(f"/places/{place.id}", headers=EN))
    assert "Every other Monday and Wednesday, 10:00–12:00" in english


def test_removing_an_activity(app, client, case):
    owner, _staff, place = case
    activity = made(app, place, owner)
    logged_in(client, owner)
    path = f"/me/places/{place.id}/activities/{activity.id}/delete"
    token = page_token(client, f"/me/places/{place.id}/activities")
    assert client.post(path, data={"csrf_token": token}).status_code == 302
    assert count(app) == 0
    assert client.post(path, data={}).status_code == 400  # no CSRF token: refused first


@pytest.mark.parametrize("who", ["stranger", "other_staff"])
def test_strangers_and_other_wards_staff_find_nothing(app, client, case, make_user, make_staff,
                                                      who):  # fmt: skip
    owner, _staff, place = case
    activity = made(app, place, owner)
    intruder = make_user() if who == "stranger" else make_staff(TAMA)
    logged_in(client, intruder)
    base = f"/me/places/{place.id}/activities"
    for path in (base, f"{base}/new", f"{base}/{activity.id}/edit"):
        assert client.get(path).status_code == 404, path
    token = page_token(client, "/")
    for path in (f"{base}/new", f"{base}/{activity.id}/edit", f"{base}/{activity.id}/delete"):
        assert client.post(path, data={"csrf_token": token} | salon(title="x")).status_code == 404
    assert count(app) == 1
    with app.app_context():
        assert db.session.get(Activity, activity.id).title == "いきいきサロン"


def test_an_activity_is_reached_only_through_its_own_place(app, client, case, make_place):
    owner, _staff, place = case
    other = make_place()  # someone else's place
    theirs = made(app, other, other.owner)
    logged_in(client, owner)
    path = f"/me/places/{place.id}/activities/{theirs.id}"
    assert client.get(f"{path}/edit").status_code == 404
    token = page_token(client, "/")
    assert client.post(f"{path}/delete", data={"csrf_token": token}).status_code == 404
    assert count(app) == 1


def test_unpublished_places_take_no_activities_and_hide_theirs(app, client, case, make_place):
    owner, _staff, place = case
    made(app, place, owner)
    pending = make_place(owner=owner, status=PlaceStatus.PENDING)
    logged_in(client, owner)
    response = client.get(f"/me/places/{pending.id}/activities/new", headers=EN)
    assert response.status_code == 403
    assert "published places only" in text_of(response)
    with app.app_context():
        review.archive(db.session.merge(place), db.session.merge(owner))
        db.session.commit()
    page = text_of(client.get(f"/places/{place.id}"))  # the owner still sees the listing…
    assert "いきいきサロン" not in page  # …but no activities


def test_the_next_dates_skip_cancelled_days_and_say_so(app, client, case):
    owner, _staff, place = case
    today = services.tokyo_today()
    first = today + timedelta(days=(1 - today.isoweekday()) % 7 or 7)  # next Monday
    made(app, place, owner, recurrence="weekly", weekdays=["1"], starts_on=first.isoformat(),
         cancelled_dates=(first + timedelta(days=7)).isoformat())  # fmt: skip
    page = text_of(client.get(f"/places/{place.id}", headers=EN))
    dates = re.findall(r'<li><time datetime="([\d-]+)">', page)
    assert dates[0] == first.isoformat() and (first + timedelta(days=7)).isoformat() not in dates
    assert "No meeting on:" in page and "(cancelled)" in page
