"""代理登録: ward staff register a place for an owner who does not use the web, in their wards
only, with the owner's consent on record."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from hiroba.errors import PermissionDenied, ValidationFailed
from hiroba.extensions import db
from hiroba.places.models import Place, PlaceStatus
from hiroba.places.services import register_on_behalf
from hiroba.review import services as review
from hiroba.review.models import ReviewEvent
from tests.factories import NAKAHARA, OUTSIDE_EVERY_WARD, WARD_POINTS, place_values
from tests.test_owner_pages import (
    count_places,
    csrf_token,
    form_data,
    login,
    post_form,
    reload,
)

PATH = "/staff/places/new"
TAMA = "141356"
CONSENT = "2026年11月20日、区役所窓口で本人が口頭で同意（担当：山田）"
OWNER_NOTE = "山田花子さん 090-0000-0000（平日午前）"


@pytest.fixture
def staff(make_staff, client):
    user = make_staff(NAKAHARA)
    login(client, user)
    return user


def error_of(source: str, field_id: str) -> str | None:
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error"[^>]*>(.*?)</p>', source)
    return html.unescape(match.group(1)) if match else None


def newest_place(app) -> Place:
    with app.app_context():
        return db.session.scalar(select(Place).order_by(Place.id.desc()).limit(1))


def test_staff_see_the_proxy_form(client, staff):
    source = client.get(PATH).get_data(as_text=True)
    for name in ("consent_note", "owner_note", "owner_email", "name", "lon", "lat", "footprint"):
        assert f'name="{name}"' in source, name
    assert 'name="photos"' not in source


@pytest.mark.parametrize("role", ["resident", "owner"])
def test_residents_and_owners_cannot_register_on_behalf(app, client, make_user, make_place, role):
    user = make_user()
    if role == "owner":
        make_place(owner=user)
    login(client, user)
    before = count_places(app)
    assert client.get(PATH).status_code == 403
    data = form_data(place_values(), consent_note=CONSENT, csrf_token=csrf_token(client))
    assert client.post(PATH, data=data).status_code == 403
    assert count_places(app) == before


def test_staff_hold_the_listing_when_no_account_is_given(app, client, staff):
    response = post_form(
        client, PATH, place_values(name="代理で登録した集会所"),
        consent_note=CONSENT, owner_note=OWNER_NOTE, action="submit",
    )  # fmt: skip
    assert response.status_code == 302
    place = newest_place(app)
    assert response.headers["Location"].endswith(f"/places/{place.id}")
    assert (place.owner_id, place.registered_by_id) == (staff.id, staff.id)
    assert (place.proxy_consent_note, place.proxy_owner_note) == (CONSENT, OWNER_NOTE)
    assert place.status == PlaceStatus.PENDING  # staff holding it may send it for review
    with app.app_context():
        events = db.session.scalars(select(ReviewEvent).where(ReviewEvent.place_id == place.id))
        assert {e.actor_id for e in events} == {staff.id}
    source = client.get(f"/places/{place.id}", headers={"Accept-Language": "en"})
    text = source.get_data(as_text=True)
    assert "Registered on the owner's behalf" in text and CONSENT in text


def test_staff_cannot_approve_what_they_hold(app, client, staff):
    post_form(client, PATH, place_values(), consent_note=CONSENT, action="submit")
    place = newest_place(app)
    with app.app_context(), pytest.raises(PermissionDenied):
        review.approve(db.session.get(Place, place.id), staff)


def test_an_existing_account_owns_the_listing(app, client, staff, make_user):
    owner = make_user(email="Hanako.Yamada@test.example")
    response = post_form(
        client, PATH, place_values(name="山田さんの空き家", kind="vacant_house"),
        consent_note=CONSENT, owner_email="hanako.yamada@test.example", action="submit",
    )  # fmt: skip
    assert response.status_code == 302
    place = newest_place(app)
    assert (place.owner_id, place.registered_by_id) == (owner.id, staff.id)
    assert place.status == PlaceStatus.DRAFT  # the owner sends it for review themselves
    assert place.location_precision.value == "approximate"
    owner_client = app.test_client()
    login(owner_client, owner)
    mine = owner_client.get("/me/places").get_data(as_text=True)
    assert "山田さんの空き家" in mine
    page = owner_client.get(f"/places/{place.id}").get_data(as_text=True)
    assert CONSENT in page


def test_the_public_never_sees_the_consent_note(app, client, staff, make_staff):
    post_form(
        client, PATH, place_values(name="公開される代理登録"),
        consent_note=CONSENT, owner_note=OWNER_NOTE, action="submit",
    )  # fmt: skip
    place = newest_place(app)
    with app.app_context():
        review.approve(db.session.get(Place, place.id), make_staff(NAKAHARA))
        db.session.commit()
    public = app.test_client().get(f"/places/{place.id}").get_data(as_text=True)
    assert "公開される代理登録" in public
    assert CONSENT not in public and "090-0000-0000" not in public


REFUSED = {
    "no consent": ({"consent_note": ""}, "consent_note"),
    "blank consent": ({"consent_note": "   \n "}, "consent_note"),
    "NUL in consent": ({"consent_note": "同意\x00"}, "consent_note"),
    "long consent": ({"consent_note": "同" * 501}, "consent_note"),
    "long owner note": ({"owner_note": "山" * 301}, "owner_note"),
    "unknown account": ({"owner_email": "nobody@test.example"}, "owner_email"),
    "another ward": ({"location": list(WARD_POINTS[TAMA])}, "location"),
    "outside every ward": ({"location": list(OUTSIDE_EVERY_WARD)}, "location"),
    "bad name": ({"name": "x" * 500}, "name"),
}


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_refused_proxy_registrations_save_nothing(app, client, staff, case):
    overrides, field = REFUSED[case]
    extra = {"consent_note": CONSENT, "owner_note": "", "owner_email": ""}
    raw_overrides = {k: v for k, v in overrides.items() if k not in extra}
    extra.update({k: v for k, v in overrides.items() if k in extra})
    before = count_places(app)
    response = post_form(client, PATH, place_values(**raw_overrides), action="submit", **extra)
    assert response.status_code == 422
    assert error_of(response.get_data(as_text=True), field), field
    assert count_places(app) == before


def test_another_wards_point_names_the_ward(app, client, staff):
    response = post_form(
        client,
        PATH,
        place_values(location=list(WARD_POINTS[TAMA])),
        consent_note=CONSENT,
    )
    assert "多摩区" in error_of(response.get_data(as_text=True), "location")


def test_the_service_checks_the_ward_of_the_point(app, make_staff):
    staff = make_staff(TAMA)
    with app.app_context(), pytest.raises(ValidationFailed) as refused:
        register_on_behalf(staff, place_values(), CONSENT)
    assert set(refused.value.errors) == {"location"}


def test_the_holder_edits_a_proxy_listing_like_any_owner(app, client, staff):
    post_form(client, PATH, place_values(name="代理の下書き"), consent_note=CONSENT)
    place = newest_place(app)
    response = post_form(
        client, f"/places/{place.id}/edit", place_values(name="代理の下書き（修正）"),
        version=str(reload(app, place).version),
    )  # fmt: skip
    assert response.status_code == 302
    fresh = reload(app, place)
    assert fresh.name == "代理の下書き（修正）"
    assert fresh.registered_by_id == staff.id and CONSENT in fresh.proxy_consent_note


def test_the_owner_account_sends_its_proxy_listing_for_review(app, client, staff, make_user):
    owner = make_user()
    post_form(client, PATH, place_values(), consent_note=CONSENT, owner_email=owner.email)
    place = newest_place(app)
    owner_client = app.test_client()
    login(owner_client, owner)
    token = csrf_token(owner_client, "/me/places")
    response = owner_client.post(
        f"/places/{place.id}/submit",
        data={"csrf_token": token, "version": reload(app, place).version},
    )
    assert response.status_code == 302
    assert reload(app, place).status == PlaceStatus.PENDING
    # Staff of the ward who registered it may now review it: they do not own it.
    with app.app_context():
        review.approve(db.session.get(Place, place.id), staff)
        db.session.commit()
    assert reload(app, place).status == PlaceStatus.APPROVED
