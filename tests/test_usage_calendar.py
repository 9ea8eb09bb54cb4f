"""Calendar export: the owner's secret feed of a place and one agreed use as an .ics file, read
back with a real parser (the ``icalendar`` package)."""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

import pytest
from flask import render_template, session
from icalendar import Calendar, vText
from sqlalchemy import select

from hiroba import create_app
from hiroba.extensions import db, limiter
from hiroba.places.models import Place
from hiroba.places.search import TOKYO
from hiroba.usage import calendar
from hiroba.usage import services as usage
from hiroba.usage.feed_views import NEW_FEED_URL, WRONG_TOKEN_LIMITS
from hiroba.usage.models import CalendarFeed, UsageRequest, UsageStatus
from tests.auth_helpers import EN, logged_in, page_token
from tests.conftest import config_for
from tests.factories import NAKAHARA
from tests.test_usage_services import asked, next_weekday

MONDAY, TUESDAY, WEDNESDAY, THURSDAY = (next_weekday(d) for d in (1, 2, 3, 4))
SATURDAY = next_weekday(6)


@pytest.fixture
def case(make_user, make_staff, make_place):
    owner = make_user(display_name="持ち主")
    staff = make_staff(NAKAHARA)
    place = make_place(owner=owner, reviewer=staff)
    resident = make_user(display_name="住民A")
    return owner, staff, place, resident


def agreed(app, place, resident, owner, day: date = MONDAY, start="10:00", end="12:00", **values):
    """A use asked for by ``resident`` and accepted by ``owner``, committed."""
    with app.app_context():
        request = usage.ask(place, resident, asked(day, start, end, **values))
        usage.accept(request, owner)
        db.session.commit()
        return request


def asked_only(app, place, resident, day: date, **values):
    with app.app_context():
        request = usage.ask(place, resident, asked(day, **values))
        db.session.commit()
        return request


def reloaded(request: UsageRequest) -> UsageRequest:
    """``request`` in the current app context's session (each context has its own)."""
    return db.session.get(UsageRequest, request.id)


def new_token(app, place, actor) -> str:
    with app.app_context():
        token = calendar.create_feed(place, actor)
        db.session.commit()
        return token


def parsed(response) -> Calendar:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return Calendar.from_ical(response.data)


def events_by_uid(cal: Calendar) -> dict:
    return {str(event["UID"]): event for event in cal.walk("VEVENT")}


def uid(app, request) -> str:
    return f"usage-{request.id}@{urlsplit(app.config['PUBLIC_BASE_URL']).hostname}"


def feed_at(place, now: datetime) -> Calendar:
    """The place's feed as it would read at ``now`` (call inside a request context)."""
    return Calendar.from_ical(calendar.place_feed(db.session.get(Place, place.id), now=now))


def same_page(html: bytes) -> bytes:
    """A page without what differs on every response (CSP nonces, CSRF tokens)."""
    return re.sub(rb'(nonce|value)="[^"]*"', rb'\1=""', html)


def tokyo(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), TOKYO)


def feeds_of(app, place) -> list[CalendarFeed]:
    with app.app_context():
        return db.session.scalars(
            select(CalendarFeed).where(CalendarFeed.place_id == place.id)
        ).all()


# --- the owner's feed ---------------------------------------------------------------------------


def test_feed_shows_the_accepted_uses_at_their_japan_times_and_nothing_else(app, client, case):
    owner, _staff, place, resident = case
    first = agreed(app, place, resident, owner, MONDAY, "10:00", "12:00", purpose="体操教室")
    second = agreed(app, place, resident, owner, TUESDAY, "13:30", "15:00", purpose="将棋の会")
    asked_only(app, place, resident, WEDNESDAY, purpose="まだ返事なし")
    declined = asked_only(app, place, resident, THURSDAY, purpose="断られた会")
    with app.app_context():
        usage.decline(reloaded(declined), owner, "その日は使えません")
        db.session.commit()
        assert reloaded(declined).status == UsageStatus.DECLINED
    token = new_token(app, place, owner)

    response = client.get(f"/calendar/{token}.ics")  # no login: calendar apps cannot log in

    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]
    cal = parsed(response)
    assert cal["VERSION"] == "2.0"
    assert "hiroba" in str(cal["PRODID"])
    assert str(cal["X-WR-TIMEZONE"]) == "Asia/Tokyo"
    assert cal["NAME"] == place.name
    assert cal["X-WR-CALNAME"].to_ical() == vText(place.name).to_ical()
    events = events_by_uid(cal)
    assert set(events) == {uid(app, first), uid(app, second)}
    for request, day, start, end, purpose in (
        (first, MONDAY, "10:00", "12:00", "体操教室"),
        (second, TUESDAY, "13:30", "15:00", "将棋の会"),
    ):
        event = events[uid(app, request)]
        assert event.decoded("DTSTART").astimezone(TOKYO) == tokyo(day, start)
        assert event.decoded("DTEND").astimezone(TOKYO) == tokyo(day, end)
        assert purpose in event["SUMMARY"] and "住民A" in event["SUMMARY"]
        assert "住民A" in event["DESCRIPTION"]
        assert event["LOCATION"] == place.address
        assert event["STATUS"] == "CONFIRMED"
        assert event["SEQUENCE"] == request.version
        assert event.decoded("LAST-MODIFIED") is not None and event.decoded("DTSTAMP") is not None
    assert "まだ返事なし" not in response.get_data(as_text=True)
    assert "断られた会" not in response.get_data(as_text=True)


def test_feed_never_carries_the_requesters_phone_or_email(app, client, case):
    owner, _staff, place, resident = case
    agreed(app, place, resident, owner, contact_phone="090-1234-5678")
    body = client.get(f"/calendar/{new_token(app, place, owner)}.ics").get_data(as_text=True)
    assert "090-1234-5678" not in body
    assert resident.email not in body


def test_closed_days_are_all_day_transparent_events(app, client, case):
    owner, _staff, place, _resident = case
    with app.app_context():
        closed = usage.block(place, owner, {"first": SATURDAY.isoformat(), "note": "大掃除"})
        db.session.commit()
    cal = parsed(client.get(f"/calendar/{new_token(app, place, owner)}.ics"))
    (event,) = cal.walk("VEVENT")
    assert str(event["UID"]).startswith(f"block-{closed.id}@")
    assert event.decoded("DTSTART") == SATURDAY  # a date, not a time: all day
    assert event.decoded("DTEND") == SATURDAY + timedelta(days=1)
    assert event["TRANSP"] == "TRANSPARENT"
    assert "大掃除" in event["SUMMARY"]


def test_a_cancelled_use_stays_as_cancelled_for_thirty_days_then_leaves(app, client, case):
    owner, _staff, place, resident = case
    request = agreed(app, place, resident, owner)
    kept = agreed(app, place, resident, owner, TUESDAY)
    with app.app_context():
        request = reloaded(request)
        usage.cancel(request, resident, "都合が悪くなりました")
        db.session.commit()
    cal = parsed(client.get(f"/calendar/{new_token(app, place, owner)}.ics"))
    event = events_by_uid(cal)[uid(app, request)]
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == request.version > kept.version  # apps take it as the newer copy

    with app.test_request_context():
        later = feed_at(place, usage.now_utc() + timedelta(days=31))
    assert set(events_by_uid(later)) == {uid(app, kept)}


def test_the_feed_covers_thirty_days_back(app, case):
    owner, _staff, place, resident = case
    request = agreed(app, place, resident, owner)
    with app.test_request_context():
        soon_after = usage.now_utc() + timedelta(days=20)
        assert uid(app, request) in events_by_uid(feed_at(place, soon_after))
        long_after = usage.now_utc() + timedelta(days=50)  # the use ended over 30 days before
        assert not feed_at(place, long_after).walk("VEVENT")


# --- the secret address -------------------------------------------------------------------------


def test_only_a_hash_of_the_token_is_stored(app, case):
    owner, _staff, place, _resident = case
    token = new_token(app, place, owner)
    (feed,) = feeds_of(app, place)
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in feed.token_hash
    assert len(token) >= 43  # 256 random bits


def test_replacing_revokes_the_old_address_and_revoking_the_new(app, client, case):
    owner, _staff, place, _resident = case
    old = new_token(app, place, owner)
    new = new_token(app, place, owner)
    assert new != old
    assert len(feeds_of(app, place)) == 1
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200
    with app.app_context():
        assert calendar.revoke_feed(place, owner) is True
        db.session.commit()
    assert client.get(f"/calendar/{new}.ics").status_code == 404
    assert feeds_of(app, place) == []


def test_a_wrong_token_gets_the_page_of_any_unknown_address(app, client, case):
    owner, _staff, place, _resident = case
    token = new_token(app, place, owner)
    unknown = client.get("/no-such-page", headers=EN)
    for wrong in (token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * 500, token.upper()):
        response = client.get(f"/calendar/{wrong}.ics", headers=EN)
        assert response.status_code == 404
        assert same_page(response.data) == same_page(unknown.data)
        assert place.name not in response.get_data(as_text=True)


def test_hostile_text_is_escaped_and_cannot_add_events(app, client, make_user, make_place):
    owner = make_user(display_name="Owner")
    place = make_place(owner=owner, name='会館, A; B\\ "C"')
    resident = make_user(display_name="Evil, Inc.; X-INJECT:1 BEGIN:VEVENT")
    purpose = "Party; DTSTART:19700101T000000Z, END:VEVENT BEGIN:VEVENT"
    message = "one\nEND:VEVENT\nBEGIN:VEVENT\nUID:evil\nSUMMARY:pwned\nEND:VEVENT\r\n\\n,;"
    request = agreed(app, place, resident, owner, purpose=purpose, message=message)

    response = client.get(f"/calendar/{new_token(app, place, owner)}.ics")
    cal = parsed(response)
    (event,) = cal.walk("VEVENT")
    assert str(event["UID"]) == uid(app, request)
    assert purpose in event["SUMMARY"] and resident.display_name in event["SUMMARY"]
    description = event["DESCRIPTION"].split("\n")
    assert description[0].endswith(resident.display_name)
    assert description[2:] == message.replace("\r\n", "\n").split("\n")
    assert event.decoded("DTSTART").astimezone(TOKYO) == tokyo(MONDAY, "10:00")
    assert cal["NAME"] == place.name
    assert cal["X-WR-CALNAME"].to_ical() == vText(place.name).to_ical()
    assert event["LOCATION"] == place.address
    lines = response.data.decode().split("\r\n")
    assert lines.count("BEGIN:VEVENT") == 1 and lines.count("END:VEVENT") == 1
    assert not any(line.startswith(("UID:evil", "SUMMARY:pwned", "X-INJECT")) for line in lines)


# --- making and turning off the address through the pages ---------------------------------------


def post_as(client, path: str, **data):
    data.setdefault("csrf_token", page_token(client, "/me"))
    return client.post(path, data=data)


def test_the_owner_makes_an_address_and_sees_it_once(app, client, case):
    owner, _staff, place, _resident = case
    logged_in(client, owner)
    response = post_as(client, f"/me/places/{place.id}/calendar-feed")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/me/places/{place.id}/requests"
    with client.session_transaction() as saved:
        url = saved[NEW_FEED_URL]["url"]
        assert saved[NEW_FEED_URL]["place_id"] == place.id
    assert client.get(urlsplit(url).path).status_code == 200
    (feed,) = feeds_of(app, place)
    assert feed.token_hash == calendar.token_hash(urlsplit(url).path.split("/")[-1][:-4])


def test_the_form_returns_to_its_own_page_but_never_off_the_site(app, client, case):
    owner, _staff, place, _resident = case
    logged_in(client, owner)
    here = f"/me/places/{place.id}/requests?status=accepted"
    response = post_as(client, f"/me/places/{place.id}/calendar-feed", next=here)
    assert response.headers["Location"] == here
    response = post_as(client, f"/me/places/{place.id}/calendar-feed", next="//evil.example/x")
    assert response.headers["Location"] == f"/me/places/{place.id}/requests"


def test_the_owner_turns_the_address_off(app, client, case):
    owner, _staff, place, _resident = case
    token = new_token(app, place, owner)
    logged_in(client, owner)
    response = post_as(client, f"/me/places/{place.id}/calendar-feed/revoke")
    assert response.status_code == 302
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    assert feeds_of(app, place) == []


@pytest.mark.parametrize(
    ("who", "expected"),
    [("owner", 302), ("ward staff", 302), ("other owner", 403), ("resident", 403),
     ("staff of another ward", 403)],
)  # fmt: skip
@pytest.mark.parametrize("action", ["calendar-feed", "calendar-feed/revoke"])
def test_who_may_make_or_turn_off_a_places_address(
    app, client, case, make_user, make_staff, make_place, who, expected, action
):
    owner, staff, place, resident = case
    token = new_token(app, place, owner)
    other_owner = make_user(display_name="別の持ち主")
    make_place(owner=other_owner)
    actor = {
        "owner": owner,
        "ward staff": staff,
        "other owner": other_owner,
        "resident": resident,
        "staff of another ward": make_staff("141313"),
    }[who]
    logged_in(client, actor)
    response = post_as(client, f"/me/places/{place.id}/{action}")
    assert response.status_code == expected
    still_works = client.get(f"/calendar/{token}.ics").status_code == 200
    assert still_works == (expected != 302)


def test_another_owners_unpublished_place_is_not_found(app, client, case, make_place):
    owner, _staff, _place, _resident = case
    draft = make_place(status="draft")
    logged_in(client, owner)
    assert post_as(client, f"/me/places/{draft.id}/calendar-feed").status_code == 404
    assert feeds_of(app, draft) == []


def test_making_an_address_needs_a_login_and_the_forms_token(app, client, case):
    owner, _staff, place, _resident = case
    data = {"csrf_token": page_token(client, "/login")}
    response = client.post(f"/me/places/{place.id}/calendar-feed", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    logged_in(client, owner)
    assert client.post(f"/me/places/{place.id}/calendar-feed").status_code == 400
    assert feeds_of(app, place) == []


def test_the_partial_shows_a_new_address_once_and_only_for_its_place(app, case, make_place):
    owner, _staff, place, _resident = case
    other = make_place(owner=owner)
    url = "http://localhost/calendar/secret-token.ics"
    with app.test_request_context("/me/places/1/requests", headers=EN):
        session[NEW_FEED_URL] = {"place_id": place.id, "url": url}
        assert url not in render_template("usage/_calendar_feed.html", place=other)
        first = render_template("usage/_calendar_feed.html", place=place)
        again = render_template("usage/_calendar_feed.html", place=place)
    assert url in first and url not in again
    assert 'name="csrf_token"' in first
    assert f'action="/me/places/{place.id}/calendar-feed"' in first


def test_the_partial_offers_to_replace_and_turn_off_an_existing_address(app, case):
    owner, _staff, place, _resident = case
    with app.test_request_context("/me/places/1/requests", headers=EN):
        assert "/calendar-feed/revoke" not in render_template(
            "usage/_calendar_feed.html", place=place
        )
    new_token(app, place, owner)
    with app.test_request_context("/me/places/1/requests", headers=EN):
        page = render_template("usage/_calendar_feed.html", place=place)
    assert f'action="/me/places/{place.id}/calendar-feed/revoke"' in page
    assert "Make a new calendar address" in page


# --- one use as a file --------------------------------------------------------------------------


def test_the_requester_downloads_an_accepted_use_with_the_address(app, client, case):
    owner, _staff, place, resident = case
    request = agreed(app, place, resident, owner, purpose="体操教室")
    logged_in(client, resident)
    response = client.get(f"/me/requests/{request.id}.ics")
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response.headers["Cache-Control"]
    (event,) = parsed(response).walk("VEVENT")
    assert str(event["UID"]) == uid(app, request)
    assert event["SUMMARY"] == place.name
    assert "体操教室" in event["DESCRIPTION"]
    assert event["LOCATION"] == place.address
    assert event.decoded("DTSTART").astimezone(TOKYO) == tokyo(MONDAY, "10:00")
    assert event.decoded("DTEND").astimezone(TOKYO) == tokyo(MONDAY, "12:00")
    assert event["STATUS"] == "CONFIRMED"


@pytest.mark.parametrize("who", ["owner", "ward staff"])
def test_the_owners_side_downloads_the_use_with_who_and_what(app, client, case, who):
    owner, staff, place, resident = case
    request = agreed(app, place, resident, owner, purpose="体操教室")
    logged_in(client, owner if who == "owner" else staff)
    (event,) = parsed(client.get(f"/me/requests/{request.id}.ics")).walk("VEVENT")
    assert "体操教室" in event["SUMMARY"] and "住民A" in event["SUMMARY"]


def test_a_stranger_cannot_download_someone_elses_use(app, client, case, make_user, make_place):
    owner, _staff, place, resident = case
    request = agreed(app, place, resident, owner)
    other_owner = make_user(display_name="別の持ち主")
    make_place(owner=other_owner)
    for stranger in (make_user(display_name="他人"), other_owner):
        client = logged_in(app.test_client(), stranger)
        response = client.get(f"/me/requests/{request.id}.ics", headers=EN)
        assert response.status_code == 404
        assert place.name not in response.get_data(as_text=True)
        assert client.get(f"/me/requests/{request.id + 10**6}.ics").status_code == 404


def test_a_use_not_accepted_has_no_file(app, client, case):
    owner, _staff, place, resident = case
    pending = asked_only(app, place, resident, WEDNESDAY)
    cancelled = agreed(app, place, resident, owner, TUESDAY)
    with app.app_context():
        cancelled = reloaded(cancelled)
        usage.cancel(cancelled, owner, "休館になりました")
        db.session.commit()
        assert cancelled.status == UsageStatus.CANCELLED
    logged_in(client, resident)
    for request in (pending, cancelled):
        response = client.get(f"/me/requests/{request.id}.ics", headers=EN)
        assert response.status_code == 404
        assert "only for an accepted use" in response.get_data(as_text=True)


def test_downloading_a_file_needs_a_login(app, client, case):
    owner, _staff, place, resident = case
    request = agreed(app, place, resident, owner)
    response = client.get(f"/me/requests/{request.id}.ics")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


# --- rate limits --------------------------------------------------------------------------------


@pytest.fixture
def limited_app(app):
    """A second app on the test database with rate limits on (see test_rate_limits)."""
    saved = limiter.enabled, limiter.initialized
    limited = create_app(
        config_for(app.config["SQLALCHEMY_DATABASE_URI"]) | {"RATELIMIT_ENABLED": True}
    )
    try:
        yield limited
    finally:
        limiter.reset()
        limiter.enabled, limiter.initialized = saved
        with limited.app_context():
            db.engine.dispose()


def test_wrong_tokens_are_limited_per_address_while_real_feeds_are_not(limited_app, case):
    owner, _staff, place, _resident = case
    token = new_token(limited_app, place, owner)
    client = limited_app.test_client()
    per_minute = int(WRONG_TOKEN_LIMITS.split()[0])
    guesser = {"environ_base": {"REMOTE_ADDR": "203.0.113.7"}}
    calendar_app = {"environ_base": {"REMOTE_ADDR": "198.51.100.1"}}
    for _ in range(per_minute + 5):
        assert client.get(f"/calendar/{token}.ics", **calendar_app).status_code == 200
    for n in range(per_minute):
        assert client.get(f"/calendar/guess{n}.ics", **guesser).status_code == 404
    assert client.get("/calendar/one-more.ics", **guesser).status_code == 429
    assert client.get(f"/calendar/{token}.ics", **calendar_app).status_code == 200
