"""Usage request pages (利用相談) over HTTP: asking from a place, each side's lists, one request
with its answers, a place's closed days, the staff list, the availability on the place page —
with wrong, missing, oversized and hostile values, strangers (IDOR) and contact privacy."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hiroba.accounts.models import User
from hiroba.extensions import db
from hiroba.notifications.models import Notification
from hiroba.places.models import Place, PlaceStatus
from hiroba.usage import services as usage
from hiroba.usage.models import PlaceBlock, UsageEvent, UsageRequest, UsageStatus
from hiroba.usage.views import ASK_LIMITS
from tests.auth_helpers import EN, logged_in, page_token
from tests.factories import NAKAHARA
from tests.test_rate_limits import limited_app  # noqa: F401 (a fixture)
from tests.test_usage_services import MONDAY, SATURDAY, asked

TAMA = "141356"
OWNER_EMAIL = "owner.desk@example.jp"
RESIDENT_EMAIL = "aoi.resident@example.jp"
RESIDENT_PHONE = "090-1234-5678"
PLACE_PHONE = "044-111-2222"
HOSTILE = '<img src=x onerror="alert(1)">{{7*7}}'


@pytest.fixture
def case(app, make_user, make_staff, make_place):
    owner = make_user(display_name="持ち主さん", email=OWNER_EMAIL)
    staff = make_staff(NAKAHARA)
    place = make_place(owner=owner, reviewer=staff, contact_phone=PLACE_PHONE)
    resident = make_user(display_name="住民あおい", email=RESIDENT_EMAIL)
    return owner, staff, place, resident


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return count(UsageRequest), count(UsageEvent), count(PlaceBlock)


def fresh(app, request_id: int) -> UsageRequest:
    with app.app_context():
        return db.session.get(UsageRequest, request_id)


def text_of(response) -> str:
    return response.get_data(as_text=True)


def post_ask(client, place, **values):
    data = {"csrf_token": page_token(client, f"/places/{place.id}/ask", headers=EN)}
    data.update(asked(**values) | {"contact_phone": values.get("contact_phone", RESIDENT_PHONE)})
    return client.post(f"/places/{place.id}/ask", data=data, headers=EN)


def made_request(app, place, resident, **values) -> UsageRequest:
    with app.app_context():
        raw = asked(**values) | {"contact_phone": RESIDENT_PHONE}
        request = usage.ask(db.session.get(Place, place.id), db.session.get(User, resident.id), raw)
        db.session.commit()
        return request


def accepted_request(app, place, resident, owner, **values) -> UsageRequest:
    request = made_request(app, place, resident, **values)
    with app.app_context():
        request = db.session.get(UsageRequest, request.id)
        usage.accept(request, db.session.get(User, owner.id))
        db.session.commit()
        return request


def own_place(make_user, make_place):
    """Another owner with a place of their own."""
    owner = make_user(display_name="別の持ち主")
    return owner, make_place(owner=owner)


def answer(client, request, action: str, version=None, **fields):
    token = page_token(client, "/me/requests", headers=EN)
    data = {
        "csrf_token": token,
        f"{action}-version": request.version if version is None else version,
    }
    data.update({f"{action}-{name}": value for name, value in fields.items()})
    return client.post(f"/me/requests/{request.id}/{action}", data=data, headers=EN)


# --- asking -------------------------------------------------------------------------------------


def test_the_place_page_invites_logged_out_visitors_to_log_in_and_come_back(client, case):
    _, _, place, _ = case
    source = text_of(client.get(f"/places/{place.id}", headers=EN))
    box = re.search(r'<section class="ask-to-use".*?</section>', source, re.S).group(0)
    assert f'href="/login?next=/places/{place.id}/ask"' in box
    assert "Log in to ask" in box and "Or ask the ward centre" in box


def test_logged_out_visitors_are_sent_to_log_in_and_nothing_is_stored(app, client, case):
    _, _, place, _ = case
    response = client.get(f"/places/{place.id}/ask")
    assert response.status_code == 302
    assert response.location.startswith(f"/login?next=%2Fplaces%2F{place.id}%2Fask")
    data = {"csrf_token": page_token(client, "/login")} | asked()
    response = client.post(f"/places/{place.id}/ask", data=data)
    assert response.status_code == 302 and "/login" in response.location
    assert counts(app)[0] == 0


def test_a_resident_asks_and_lands_on_the_request(app, client, case):
    owner, _, place, resident = case
    logged_in(client, resident)
    page = client.get(f"/places/{place.id}", headers=EN)
    assert f'href="/places/{place.id}/ask"' in text_of(page)
    form = text_of(client.get(f"/places/{place.id}/ask", headers=EN))
    assert 'max="30"' in form and "Up to 30 people." in form
    assert "Shared with the owner only if they accept your request." in form

    response = post_ask(client, place)
    assert response.status_code == 302
    request_id = int(re.fullmatch(r"/me/requests/(\d+)", response.location).group(1))
    stored = fresh(app, request_id)
    assert (stored.requester_id, stored.place_id, stored.status) == (
        resident.id,
        place.id,
        UsageStatus.REQUESTED,
    )
    assert stored.headcount == 12 and stored.contact_phone == RESIDENT_PHONE
    shown = text_of(client.get(response.location, headers=EN))
    assert "Your request was sent." in shown and "Waiting for the owner" in shown
    with app.app_context():
        told = db.session.scalars(
            select(Notification.user_id).where(Notification.usage_request_id == request_id)
        ).all()
    assert owner.id in told


LONG = "あ" * 5000
WRONG_VALUES = [
    ({"date": ""}, "date", "Enter a date such as 2026-12-05."),
    ({"date": "2026-02-30"}, "date", "Enter a date such as 2026-12-05."),
    ({"date": "'; DROP TABLE usage_requests; --"}, "date", "Enter a date such as 2026-12-05."),
    ({"start": "25:00"}, "start", "Enter a time such as 10:00."),
    ({"start": "<b>10</b>"}, "start", "Enter a time such as 10:00."),
    ({"end": ""}, "end", "Enter a time such as 12:00 (24:00 for midnight)."),
    ({"start": "12:00", "end": "10:00"}, "end", "The end must be after the start."),
    (
        {"start": "09:00", "end": "21:00", "date": "2020-01-06"},
        "start",
        "This time has already passed.",
    ),
    ({"date": "2099-01-05"}, "date", "Ask for a date within the coming year."),
    ({"start": "00:00", "end": "24:00"}, "end", "Ask for at most 12 hours at a time."),
    ({"end": "10:05"}, "end", "Ask for at least 15 minutes."),
    ({"day": SATURDAY}, "start", "The place is not open for the whole of this time."),
    (
        {"start": "20:00", "end": "22:00"},
        "start",
        "The place is not open for the whole of this time.",
    ),
    ({"headcount": "31"}, "headcount", "This place takes at most 30 people."),
    ({"headcount": ""}, "headcount", "This field is required."),
    ({"headcount": "0"}, "headcount", "Enter a number between 1 and 100000."),
    ({"headcount": "-3"}, "headcount", "Enter a whole number."),
    ({"headcount": "１２"}, "headcount", "Enter a whole number."),
    ({"headcount": "9" * 400}, "headcount", "Enter a number between 1 and 100000."),
    ({"purpose": "   "}, "purpose", "This field is required."),
    ({"purpose": "x" * 201}, "purpose", "At most 200 characters."),
    ({"purpose": "体操\x00教室"}, "purpose", "Contains characters that are not allowed."),
    ({"message": LONG}, "message", "At most 2000 characters."),
    ({"contact_phone": "call me maybe"}, "contact_phone", "Enter a phone number with digits"),
]


@pytest.mark.parametrize(("values", "field", "message"), WRONG_VALUES)
def test_wrong_values_are_shown_by_their_field_kept_and_nothing_is_stored(
    app, client, case, values, field, message
):
    _, _, place, resident = case
    logged_in(client, resident)
    before = counts(app)
    response = post_ask(client, place, **values)
    assert response.status_code == 422
    source = text_of(response)
    error = re.search(rf'<p class="error" id="{field}-error" role="alert">([^<]*)</p>', source)
    assert error and message in error.group(1).replace("&#39;", "'"), source[:3000]
    assert 'value="体操教室"' in source or field == "purpose"  # what was typed stays
    assert counts(app) == before


def test_errors_are_in_the_visitors_language(client, case):
    _, _, place, resident = case
    logged_in(client, resident)
    data = {"csrf_token": page_token(client, f"/places/{place.id}/ask")} | asked(headcount="")
    response = client.post(f"/places/{place.id}/ask", data=data, headers={"Accept-Language": "ja"})
    assert response.status_code == 422
    assert "This field is required." not in text_of(response)
    assert 'id="headcount-error"' in text_of(response)


def test_a_request_without_csrf_token_is_refused(app, client, case):
    _, _, place, resident = case
    logged_in(client, resident)
    response = client.post(f"/places/{place.id}/ask", data=asked(), headers=EN)
    assert response.status_code == 400 and "Form expired" in text_of(response)
    assert counts(app)[0] == 0


def test_a_time_already_taken_is_refused_with_a_clear_conflict(app, client, case, make_user):
    owner, _, place, resident = case
    accepted_request(app, place, make_user(), owner)
    logged_in(client, resident)
    before = counts(app)
    response = post_ask(client, place, start="11:00", end="13:00")
    assert response.status_code == 409
    assert "This time overlaps a use that is already agreed." in text_of(response)
    assert counts(app) == before


def test_the_owner_cannot_ask_for_their_own_place(app, client, case):
    owner, _, place, _ = case
    logged_in(client, owner)
    assert client.get(f"/places/{place.id}/ask", headers=EN).status_code == 403
    response = post_ask(client, place)
    assert response.status_code == 403 and "This is your own place" in text_of(response)
    assert counts(app)[0] == 0


@pytest.mark.parametrize("status", [PlaceStatus.ARCHIVED, PlaceStatus.PENDING, PlaceStatus.DRAFT])
def test_unpublished_places_cannot_be_asked_for(app, client, case, make_place, status):
    _, _, _, resident = case
    place = make_place(status=status)
    logged_in(client, resident)
    assert client.get(f"/places/{place.id}/ask").status_code == 404
    token = page_token(client, "/me/requests")
    response = client.post(f"/places/{place.id}/ask", data={"csrf_token": token} | asked())
    assert response.status_code == 404
    assert client.get("/places/999999999/ask").status_code == 404
    assert counts(app)[0] == 0


def test_asking_is_rate_limited(limited_app, make_user, make_place):  # noqa: F811
    place = make_place()
    client = logged_in(limited_app.test_client(), make_user())
    per_minute = int(ASK_LIMITS.split()[0])
    token = page_token(client, f"/places/{place.id}/ask")
    codes = [
        client.post(f"/places/{place.id}/ask", data={"csrf_token": token, "date": "x"}).status_code
        for _ in range(per_minute + 1)
    ]
    assert codes[:per_minute] == [422] * per_minute and codes[-1] == 429


# --- lists and contacts -------------------------------------------------------------------------


def test_lists_show_the_requesters_name_and_never_their_contact(app, client, case):
    owner, _, place, resident = case
    made_request(app, place, resident, message="子ども向けの会です")
    later = made_request(app, place, resident, day=MONDAY + timedelta(days=7))
    logged_in(client, owner)
    source = text_of(client.get("/me/requests", headers=EN))
    section = source.split('id="for-my-places-heading"')[1]
    assert "住民あおい" in section and "Requests for my places" in source
    assert RESIDENT_EMAIL not in source and RESIDENT_PHONE not in source
    # The soonest first.
    ids = [int(i) for i in re.findall(r'data-request-id="(\d+)"', section)]
    assert ids[-1] == later.id and len(ids) == 2


def test_contacts_are_shared_only_once_accepted(app, client, make_user, case):
    owner, _, place, resident = case
    request = made_request(app, place, resident)
    requester_client = logged_in(app.test_client(), resident)
    owner_client = logged_in(client, owner)
    for viewer in (requester_client, owner_client):
        source = text_of(viewer.get(f"/me/requests/{request.id}", headers=EN))
        assert RESIDENT_EMAIL not in source and RESIDENT_PHONE not in source
        assert OWNER_EMAIL not in source
        assert "Contact details are shared with both sides once the request is accepted." in source

    response = answer(owner_client, request, "accept")
    assert response.status_code == 302
    assert fresh(app, request.id).status == UsageStatus.ACCEPTED
    owner_view = text_of(owner_client.get(f"/me/requests/{request.id}", headers=EN))
    assert f'href="mailto:{RESIDENT_EMAIL}"' in owner_view and RESIDENT_PHONE in owner_view
    requester_view = text_of(requester_client.get(f"/me/requests/{request.id}", headers=EN))
    assert f'href="mailto:{OWNER_EMAIL}"' in requester_view and PLACE_PHONE in requester_view
    assert "川崎市中原区小杉町3丁目600" in requester_view
    assert f'href="/me/requests/{request.id}.ics"' in requester_view


def test_hostile_text_stays_text(app, client, case):
    owner, _, place, resident = case
    request = made_request(app, place, resident, purpose=HOSTILE, message=HOSTILE)
    logged_in(client, owner)
    for path in ("/me/requests", f"/me/requests/{request.id}", f"/me/places/{place.id}/requests"):
        source = text_of(client.get(path, headers=EN))
        assert "<img src=x" not in source and "&lt;img src=x" in source


# --- answering ----------------------------------------------------------------------------------


def test_the_owner_declines_with_a_reason_and_the_requester_reads_it(app, client, case):
    owner, _, place, resident = case
    request = made_request(app, place, resident)
    logged_in(client, owner)
    response = answer(client, request, "decline", reason="")
    assert response.status_code == 422
    assert "Please give a reason: the other side will read it." in text_of(response)
    assert fresh(app, request.id).status == UsageStatus.REQUESTED
    response = answer(client, request, "decline", reason="x" * 2001)
    assert response.status_code == 422 and "At most 2000 characters." in text_of(response)
    response = answer(client, request, "decline", reason="その日は清掃日です")
    assert response.status_code == 302
    requester = logged_in(app.test_client(), resident)
    source = text_of(requester.get(f"/me/requests/{request.id}", headers=EN))
    assert "その日は清掃日です" in source and "持ち主さん" in source and "Declined" in source


@pytest.mark.parametrize("version", ["1", "", "abc", "99999999999", "-1"])
def test_an_answer_to_an_outdated_page_is_a_clear_conflict(app, client, case, version):
    owner, _, place, resident = case
    request = made_request(app, place, resident)
    with app.app_context():
        proposal = asked(start="13:00", end="15:00")
        usage.propose(
            db.session.get(UsageRequest, request.id), db.session.get(User, owner.id), proposal
        )
        db.session.commit()
    logged_in(client, resident)
    response = answer(client, request, "withdraw", version=version)
    assert response.status_code == 409
    assert "Someone else answered this request while you were looking at it." in text_of(response)
    assert fresh(app, request.id).status == UsageStatus.PROPOSED


def test_proposing_another_time_and_accepting_it(app, client, case):
    owner, _, place, resident = case
    request = made_request(app, place, resident)
    owner_client = logged_in(client, owner)
    bad = answer(
        owner_client, request, "propose", date=MONDAY.isoformat(), start="20:00", end="23:00"
    )
    assert bad.status_code == 422 and "not open for the whole of this time" in text_of(bad)
    assert fresh(app, request.id).status == UsageStatus.REQUESTED
    good = answer(
        owner_client, request, "propose", date=MONDAY.isoformat(), start="14:00", end="16:00",
        reason="午後なら空いています",
    )  # fmt: skip
    assert good.status_code == 302
    proposed = fresh(app, request.id)
    assert proposed.status == UsageStatus.PROPOSED

    requester = logged_in(app.test_client(), resident)
    source = text_of(requester.get(f"/me/requests/{request.id}", headers=EN))
    assert "Accept the proposed time" in source and "Proposed time:" in source
    assert "午後なら空いています" in source
    assert answer(requester, proposed, "accept").status_code == 302
    assert fresh(app, request.id).status == UsageStatus.ACCEPTED


def test_the_requester_withdraws_and_cancels_with_a_reason(app, client, case, make_user):
    owner, _, place, resident = case
    pending = made_request(app, place, resident, start="17:00", end="18:00")
    agreed = accepted_request(app, place, resident, owner)
    logged_in(client, resident)
    assert answer(client, pending, "withdraw").status_code == 302
    assert fresh(app, pending.id).status == UsageStatus.WITHDRAWN
    assert answer(client, agreed, "cancel", reason=" ").status_code == 422
    assert fresh(app, agreed.id).status == UsageStatus.ACCEPTED
    assert answer(client, agreed, "cancel", reason="雨天のため").status_code == 302
    assert fresh(app, agreed.id).status == UsageStatus.CANCELLED


def test_answers_the_workflow_does_not_allow_are_refused(app, client, case):
    _owner, _, place, resident = case
    request = made_request(app, place, resident)
    logged_in(client, resident)
    assert answer(client, request, "accept").status_code == 403  # only the owner's side
    response = answer(client, request, "cancel", reason="x")
    assert response.status_code == 409 and "A request cannot go from" in text_of(response)
    assert fresh(app, request.id).status == UsageStatus.REQUESTED
    token = page_token(client, "/me/requests")
    response = client.post(f"/me/requests/{request.id}/delete", data={"csrf_token": token})
    assert response.status_code == 404


# --- strangers (IDOR) ---------------------------------------------------------------------------


def request_urls(request, place) -> list[tuple[str, str]]:
    return [
        ("get", f"/me/requests/{request.id}"),
        ("get", f"/me/places/{place.id}/requests"),
        *[
            ("post", f"/me/requests/{request.id}/{a}")
            for a in ("accept", "decline", "withdraw", "cancel", "propose")
        ],
        ("post", f"/me/places/{place.id}/blocks"),
    ]


@pytest.mark.parametrize("stranger_kind", ["resident", "other_ward_staff", "other_owner"])
def test_strangers_can_neither_read_nor_answer_a_request(
    app, client, case, make_user, make_staff, make_place, stranger_kind
):
    _owner, _, place, resident = case
    request = made_request(app, place, resident)
    stranger = {
        "resident": lambda: make_user(),
        "other_ward_staff": lambda: make_staff(TAMA),
        "other_owner": lambda: own_place(make_user, make_place)[0],
    }[stranger_kind]()
    logged_in(client, stranger)
    token = page_token(client, "/me/requests")
    before = counts(app)
    for method, url in request_urls(request, place):
        data = {"csrf_token": token, "accept-version": 1, "decline-reason": "x",
                "first": MONDAY.isoformat()}  # fmt: skip
        response = client.get(url) if method == "get" else client.post(url, data=data)
        assert response.status_code == 404, (method, url)
        assert "住民あおい" not in text_of(response)
    assert fresh(app, request.id).status == UsageStatus.REQUESTED
    assert counts(app) == before
    listing = text_of(client.get("/me/requests"))
    assert f'data-request-id="{request.id}"' not in listing


def test_ward_staff_see_and_answer_for_places_in_their_ward(
    app, client, case, make_staff, make_user
):
    _owner, staff, place, resident = case
    request = made_request(app, place, resident)
    other = logged_in(app.test_client(), make_staff(TAMA))
    assert f'data-request-id="{request.id}"' not in text_of(other.get("/staff/requests"))
    resident_client = logged_in(app.test_client(), make_user())
    assert resident_client.get("/staff/requests").status_code == 403

    logged_in(client, staff)
    nav = text_of(client.get("/staff/requests", headers=EN))
    assert f'data-request-id="{request.id}"' in nav and 'href="/staff/requests"' in nav
    source = text_of(client.get(f"/me/requests/{request.id}", headers=EN))
    assert "You answer as the ward" in source
    assert answer(client, request, "accept").status_code == 302
    assert fresh(app, request.id).status == UsageStatus.ACCEPTED


# --- notifications --------------------------------------------------------------------------------


def test_usage_notifications_lead_to_the_request(app, client, case):
    owner, _, place, resident = case
    request = made_request(app, place, resident)
    logged_in(client, owner)
    source = text_of(client.get("/me/notifications", headers=EN))
    assert f'href="/me/requests/{request.id}"' in source


# --- availability and closed days ---------------------------------------------------------------


def availability_row(source: str, day) -> str:
    match = re.search(rf'<tr data-date="{day.isoformat()}".*?</tr>', source, re.S)
    assert match, f"no row for {day}"
    return match.group(0)


def test_the_place_page_shows_a_taken_slot_without_who(app, client, case):
    owner, _, place, resident = case
    request = made_request(app, place, resident, purpose="秘密の会合")
    row = availability_row(text_of(client.get(f"/places/{place.id}", headers=EN)), MONDAY)
    assert "09:00–21:00" in row and "Nothing taken" in row and "10:00–12:00" not in row
    with app.app_context():
        usage.accept(db.session.get(UsageRequest, request.id), owner)
        db.session.commit()
    source = text_of(client.get(f"/places/{place.id}", headers=EN))
    row = availability_row(source, MONDAY)
    assert '<span class="busy-slot">10:00–12:00</span>' in row
    assert "住民あおい" not in source and "秘密の会合" not in source
    assert len(re.findall(r'<tr data-date="', source)) == 28
    assert "Closed" in availability_row(source, SATURDAY)


def test_owners_close_days_and_open_them_again(app, client, case):
    owner, _, place, _ = case
    logged_in(client, owner)
    page = text_of(client.get("/me/places", headers=EN))
    assert f'href="/me/places/{place.id}/requests"' in page
    token = page_token(client, f"/me/places/{place.id}/requests")
    url = f"/me/places/{place.id}/blocks"
    for values, message in [
        ({"first": ""}, "Enter a date such as 2026-12-05."),
        ({"first": "not a date"}, "Enter a date such as 2026-12-05."),
        ({"first": MONDAY.isoformat(), "last": (MONDAY - timedelta(days=1)).isoformat()},
         "The last day must not be before the first."),
        ({"first": "2020-01-01"}, "These days have already passed."),
        ({"first": MONDAY.isoformat(), "note": "x" * 201}, "At most 200 characters."),
    ]:  # fmt: skip
        response = client.post(url, data={"csrf_token": token} | values, headers=EN)
        assert response.status_code == 422, values
        assert message in text_of(response).replace("&#39;", "'")
    assert counts(app)[2] == 0

    response = client.post(
        url, data={"csrf_token": token, "first": MONDAY.isoformat(), "note": "祭り"}
    )
    assert response.status_code == 302
    with app.app_context():
        closed = db.session.scalar(select(PlaceBlock).where(PlaceBlock.place_id == place.id))
    source = text_of(client.get(f"/me/places/{place.id}/requests", headers=EN))
    assert f'data-block-id="{closed.id}"' in source and "祭り" in source
    public = text_of(client.get(f"/places/{place.id}", headers=EN))
    assert "Closed for requests" in availability_row(public, MONDAY) and "祭り" not in public

    response = client.post(f"{url}/{closed.id}/delete", data={"csrf_token": token})
    assert response.status_code == 302 and counts(app)[2] == 0


def test_closing_a_day_with_an_agreed_use_is_refused(app, client, case, make_user):
    owner, _, place, _ = case
    accepted_request(app, place, make_user(), owner)
    logged_in(client, owner)
    token = page_token(client, f"/me/places/{place.id}/requests")
    response = client.post(
        f"/me/places/{place.id}/blocks",
        data={"csrf_token": token, "first": MONDAY.isoformat()},
        headers=EN,
    )
    assert response.status_code == 409 and "A use is already agreed on" in text_of(response)
    assert counts(app)[2] == 0


def test_another_places_closed_day_cannot_be_removed_through_mine(
    app, client, case, make_user, make_place
):
    owner, _, place, _ = case
    other_owner, other = own_place(make_user, make_place)
    with app.app_context():
        raw = {"first": MONDAY.isoformat()}
        closed = usage.block(
            db.session.get(Place, other.id), db.session.get(User, other_owner.id), raw
        )
        db.session.commit()
    logged_in(client, owner)
    token = page_token(client, "/me/requests")
    response = client.post(
        f"/me/places/{place.id}/blocks/{closed.id}/delete", data={"csrf_token": token}
    )
    assert response.status_code == 404
    assert counts(app)[2] == 1


def test_the_places_requests_page_offers_its_calendar_feed(app, client, case):
    owner, _, place, _resident = case
    logged_in(client, owner)
    source = text_of(client.get(f"/me/places/{place.id}/requests", headers=EN))
    assert f'action="/me/places/{place.id}/calendar-feed"' in source
    assert "This place has no calendar address yet." in source
