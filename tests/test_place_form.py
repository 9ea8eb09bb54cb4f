"""The place form: every field reaches the database, hostile input is refused next to its field
with nothing saved, drafts are edited in place, published places get a revision, and a stale
save keeps what the owner typed."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from hiroba import geo
from hiroba.extensions import db
from hiroba.places.models import Place, PlaceRevision, PlaceStatus, RevisionStatus
from hiroba.places.services import update_place
from hiroba.places.values import raw_from_place
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

POINT = WARD_POINTS[NAKAHARA]
# A small square around POINT (about 60 m a side), counter-clockwise, closed.
SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [
            [POINT[0] - 0.0003, POINT[1] - 0.0003],
            [POINT[0] + 0.0003, POINT[1] - 0.0003],
            [POINT[0] + 0.0003, POINT[1] + 0.0003],
            [POINT[0] - 0.0003, POINT[1] + 0.0003],
            [POINT[0] - 0.0003, POINT[1] - 0.0003],
        ]
    ],
}
BOW_TIE = {
    "type": "Polygon",
    "coordinates": [
        [
            [POINT[0] - 0.0003, POINT[1] - 0.0003],
            [POINT[0] + 0.0003, POINT[1] + 0.0003],
            [POINT[0] + 0.0003, POINT[1] - 0.0003],
            [POINT[0] - 0.0003, POINT[1] + 0.0003],
            [POINT[0] - 0.0003, POINT[1] - 0.0003],
        ]
    ],
}
SCRIPT = "<script>alert('x')</script>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"

EVERYTHING = place_values(
    name="ぜんぶ入りの広場",
    name_kana="ぜんぶいりのひろば",  # hiragana: stored as katakana
    name_en="Everything Plaza",
    kind="park",
    sector="private",
    description="一行目\n二行目",
    address="川崎市中原区小杉町1-1",
    location=list(POINT),
    location_precision="exact",
    footprint=SQUARE,
    capacity=45,
    floor_area_m2=120.5,
    amenities=["wifi", "toilet", "outdoor"],
    accessibility=["step_free_entrance", "braille"],
    conditions=["food_ok", "children_welcome"],
    fee="paid",
    fee_details="1時間 500円",
    who_may_use="ward_residents",
    opening_hours=[
        {"weekday": 1, "opens": "09:00", "closes": "12:00"},
        {"weekday": 1, "opens": "13:00", "closes": "17:00"},
        {"weekday": 6, "opens": "18:00", "closes": "00:00"},  # a time input's midnight
    ],
    hours_note="年末年始は休み",
    contact_phone="044-123-4567",
    contact_email="desk@example.jp",
    website_url="https://example.jp/hiroba",
)


@pytest.fixture
def owner(make_user, client):
    user = make_user(display_name="登録する人")
    login(client, user)
    return user


def error_of(source: str, field_id: str) -> str | None:
    """The error paragraph shown next to a field (by the field's id), unescaped."""
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error"[^>]*>(.*?)</p>', source)
    return html.unescape(match.group(1)) if match else None


def places_of(app, user) -> list[Place]:
    with app.app_context():
        return db.session.scalars(select(Place).where(Place.owner_id == user.id)).all()


# --- creating ---------------------------------------------------------------------------------


def test_the_new_place_form_has_every_field(client, owner):
    source = client.get("/places/new").get_data(as_text=True)
    for name in (
        "name", "name_kana", "name_en", "kind", "sector", "description", "address", "lon",
        "lat", "location_precision", "footprint", "capacity", "floor_area_m2", "amenities",
        "accessibility", "conditions", "fee", "fee_details", "who_may_use", "hours_note",
        "contact_phone", "contact_email", "website_url", "photos", "version",
    ):  # fmt: skip
        assert f'name="{name}"' in source, name
    assert source.count('type="time"') == 7 * 2 * 2
    assert 'accept="image/jpeg,image/png,image/webp"' in source
    assert 'enctype="multipart/form-data"' in source
    assert "vendor/leaflet-draw/leaflet.draw.js" in source
    assert "js/place-form.js" in source
    assert "Draw.export" not in source and "alert(" not in source


def test_creating_a_place_stores_every_field(app, client, owner):
    response = post_form(client, "/places/new", EVERYTHING, action="draft")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    (place,) = places_of(app, owner)
    assert response.headers["Location"].endswith(f"/places/{place.id}/edit")
    with app.app_context():
        place = db.session.get(Place, place.id)
        assert place.status == PlaceStatus.DRAFT
        assert (place.name, place.name_kana, place.name_en) == (
            "ぜんぶ入りの広場", "ゼンブイリノヒロバ", "Everything Plaza",
        )  # fmt: skip
        assert (place.kind.value, place.sector.value) == ("park", "private")
        assert place.description == "一行目\n二行目"
        assert place.address == "川崎市中原区小杉町1-1"
        assert geo.from_db(place.location).coords[0] == pytest.approx(POINT)
        assert place.location_precision.value == "exact"
        assert geo.from_db(place.footprint).equals(geo.parse_polygon(SQUARE))
        assert place.district_code == NAKAHARA
        assert (place.capacity, float(place.floor_area_m2)) == (45, 120.5)
        assert place.amenities == ["wifi", "toilet", "outdoor"]
        assert place.accessibility == ["step_free_entrance", "braille"]
        assert place.conditions == ["food_ok", "children_welcome"]
        assert (place.fee.value, place.fee_details) == ("paid", "1時間 500円")
        assert place.who_may_use.value == "ward_residents"
        assert [(p.weekday, p.opens_minute, p.closes_minute) for p in place.opening_hours] == [
            (1, 540, 720),
            (1, 780, 1020),
            (6, 1080, 1440),
        ]
        assert place.hours_note == "年末年始は休み"
        assert (place.contact_phone, place.contact_email, place.website_url) == (
            "044-123-4567", "desk@example.jp", "https://example.jp/hiroba",
        )  # fmt: skip
        events = db.session.scalars(
            select(ReviewEvent).where(ReviewEvent.place_id == place.id)
        ).all()
        assert [e.to_status for e in events] == [PlaceStatus.DRAFT]


def test_save_and_submit_sends_the_place_for_review(app, client, owner):
    response = post_form(client, "/places/new", place_values(), action="submit")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/me/places")
    (place,) = places_of(app, owner)
    assert place.status == PlaceStatus.PENDING


def checked(source: str, name: str, value: str) -> bool:
    pattern = (
        rf'<input checked id="{name}-\d+" name="{name}" type="(?:checkbox|radio)" value="{value}">'
    )
    return re.search(pattern, source) is not None


def test_the_edit_form_shows_the_stored_values(app, client, owner):
    post_form(client, "/places/new", EVERYTHING, action="draft")
    (place,) = places_of(app, owner)
    source = client.get(f"/places/{place.id}/edit").get_data(as_text=True)
    assert 'value="ぜんぶ入りの広場"' in source
    assert (
        f'id="lon" inputmode="decimal" name="lon" required type="text" value="{POINT[0]}"' in source
    )
    # Midnight goes back into a time input as 00:00 (a time input cannot show 24:00).
    assert 'name="opening_hours-6-1-closes" value="00:00"' in source
    assert 'name="opening_hours-1-2-opens" value="13:00"' in source
    assert checked(source, "accessibility", "braille")
    assert not checked(source, "amenities", "kitchen")
    assert checked(source, "sector", "private") and checked(source, "fee", "paid")
    assert "&#34;Polygon&#34;" in source  # the outline, as GeoJSON in the hidden input
    assert f'name="version" type="hidden" value="{reload(app, place).version}"' in source


def test_saving_the_edit_form_unchanged_keeps_every_value(app, client, owner):
    post_form(client, "/places/new", EVERYTHING, action="draft")
    (place,) = places_of(app, owner)
    with app.app_context():
        before = raw_from_place(db.session.get(Place, place.id))
    source = client.get(f"/places/{place.id}/edit").get_data(as_text=True)
    footprint = html.unescape(
        re.search(r'name="footprint" type="hidden" value="([^"]*)"', source)[1]
    )
    response = post_form(
        client, f"/places/{place.id}/edit", EVERYTHING,
        version=str(reload(app, place).version), footprint=footprint,
    )  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        assert raw_from_place(db.session.get(Place, place.id)) == before


# --- hostile and malformed input ---------------------------------------------------------------


def _hours(opens: str, closes: str) -> dict:
    return {"opening_hours": [{"weekday": 2, "opens": opens, "closes": closes}]}


HOSTILE = {
    "long name": ({"name": "あ" * 10_000}, "name"),
    "empty name": ({"name": "   "}, "name"),
    "NUL in name": ({"name": "集会所\x00"}, "name"),
    "NUL in description": ({"description": "説明\x00です"}, "description"),
    "long description": ({"description": "x" * 10_240}, "description"),
    "unknown kind": ({"kind": "castle"}, "kind"),
    "no kind": ({"kind": ""}, "kind"),
    "unknown sector": ({"sector": "<b>x</b>"}, "sector"),
    "swapped lon/lat": ({"location": [POINT[1], POINT[0]]}, "location"),
    "lon only": ({"location": [str(POINT[0]), ""]}, "location"),
    "text coordinates": ({"location": ["東経", "北緯"]}, "location"),
    "NaN coordinates": ({"location": ["nan", "nan"]}, "location"),
    "in the sea": ({"location": list(OUTSIDE_EVERY_WARD)}, "location"),
    "bow-tie footprint": ({"footprint": BOW_TIE}, "footprint"),
    "approximate with footprint": (
        {"footprint": SQUARE, "location_precision": "approximate"},
        "footprint",
    ),
    "footprint elsewhere": (
        {
            "footprint": {
                **SQUARE,
                "coordinates": [[[x + 0.05, y] for x, y in SQUARE["coordinates"][0]]],
            }
        },
        "footprint",
    ),
    "footprint not JSON": ({"footprint": "{not json"}, "footprint"),
    "negative capacity": ({"capacity": "-5"}, "capacity"),
    "capacity words": ({"capacity": "たくさん"}, "capacity"),
    "huge capacity": ({"capacity": "9" * 40}, "capacity"),
    "unknown amenity": ({"amenities": ["wifi", "hot_tub"]}, "amenities"),
    "unknown condition": ({"conditions": ["<script>"]}, "conditions"),
    "hour 25": (_hours("09:00", "25:00"), "opening_hours"),
    "closes before opens": (_hours("17:00", "09:00"), "opening_hours"),
    "not a time": (_hours("朝", "夜"), "opening_hours"),
    "half a period": (_hours("09:00", ""), "opening_hours"),
    "overlapping periods": (
        {
            "opening_hours": [
                {"weekday": 3, "opens": "09:00", "closes": "13:00"},
                {"weekday": 3, "opens": "12:00", "closes": "15:00"},
            ]
        },
        "opening_hours",
    ),
    "bad kana": ({"name_kana": "kana"}, "name_kana"),
    "bad email": ({"contact_email": "not-an-email"}, "contact_email"),
    "javascript URL": ({"website_url": "javascript:alert(1)"}, "website_url"),
    "bad phone": ({"contact_phone": "<call me>"}, "contact_phone"),
    "long fee details": ({"fee_details": "円" * 501}, "fee_details"),
}
FIELD_IDS = {"location": "location", "opening_hours": "opening_hours"}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_hostile_input_is_refused_next_to_its_field_and_nothing_is_saved(app, client, owner, case):
    overrides, field = HOSTILE[case]
    before = count_places(app)
    raw = place_values(**{"name": SCRIPT, **overrides} if field != "name" else overrides)
    response = post_form(client, "/places/new", raw, action="submit")
    assert response.status_code == 422
    source = response.get_data(as_text=True)
    assert error_of(source, FIELD_IDS.get(field, field)), f"no error next to {field}"
    assert count_places(app) == before
    # What was typed comes back, escaped: never as markup.
    assert "<script>alert" not in source
    if field != "name":
        assert f'value="{ESCAPED_SCRIPT}"' in source


def test_every_problem_is_shown_at_once(client, owner):
    raw = place_values(name="", kind="castle", capacity="-1", location=list(OUTSIDE_EVERY_WARD))
    source = post_form(client, "/places/new", raw).get_data(as_text=True)
    for field in ("name", "kind", "capacity"):
        assert error_of(source, field), field


def test_a_point_in_the_sea_is_refused_with_a_clear_message(app, client, owner):
    raw = place_values(location=list(OUTSIDE_EVERY_WARD))
    response = client.post(
        "/places/new",
        data=form_data(raw, csrf_token=csrf_token(client)),
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    message = error_of(response.get_data(as_text=True), "location")
    assert "outside every ward" in message
    assert places_of(app, owner) == []


def test_swapped_coordinates_say_so(client, owner):
    raw = place_values(location=[POINT[1], POINT[0]])
    response = client.post(
        "/places/new",
        data=form_data(raw, csrf_token=csrf_token(client)),
        headers={"Accept-Language": "en"},
    )
    assert "swapped" in error_of(response.get_data(as_text=True), "location")


def test_a_script_tag_name_is_saved_as_text_and_escaped_on_the_place_page(app, client, owner):
    response = post_form(client, "/places/new", place_values(name=SCRIPT, description=SCRIPT))
    assert response.status_code == 302
    (place,) = places_of(app, owner)
    assert place.name == SCRIPT
    for path in (f"/places/{place.id}", f"/places/{place.id}/edit", "/me/places"):
        source = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in source, path
        assert ESCAPED_SCRIPT in source, path


# --- editing ----------------------------------------------------------------------------------


def test_editing_a_draft_changes_it_in_place(app, client, owner, make_place):
    place = make_place(owner=owner, status="draft")
    version = reload(app, place).version
    raw = {**place_values(), "name": "名前を変えた", "capacity": 12}
    response = post_form(client, f"/places/{place.id}/edit", raw, version=str(version))
    assert response.status_code == 302
    fresh = reload(app, place)
    assert (fresh.name, fresh.capacity, fresh.status) == ("名前を変えた", 12, PlaceStatus.DRAFT)
    assert fresh.version > version


def test_editing_after_changes_requested_and_resubmitting(app, client, owner, make_place):
    place = make_place(owner=owner, status="changes_requested")
    source = client.get(f"/places/{place.id}/edit").get_data(as_text=True)
    assert 'value="submit"' in source
    raw = {**place_values(), "description": "指摘どおり直しました"}
    response = post_form(
        client, f"/places/{place.id}/edit", raw,
        version=str(reload(app, place).version), action="submit",
    )  # fmt: skip
    assert response.status_code == 302
    fresh = reload(app, place)
    assert (fresh.status, fresh.description) == (PlaceStatus.PENDING, "指摘どおり直しました")


def test_editing_a_published_place_proposes_a_revision_and_the_public_page_stays(
    app, client, owner, make_place
):
    place = make_place(owner=owner, name="公開中の名前")
    source = client.get(f"/places/{place.id}/edit", headers={"Accept-Language": "en"})
    assert "Your changes are sent to ward staff for review" in source.get_data(as_text=True)
    version = reload(app, place).version
    with app.app_context():
        raw = raw_from_place(db.session.get(Place, place.id))
    raw.update(name="提案中の名前", capacity=99)
    response = post_form(client, f"/places/{place.id}/edit", raw, version=str(version))
    assert response.status_code == 302
    fresh = reload(app, place)
    assert (fresh.name, fresh.status, fresh.version) == (
        "公開中の名前", PlaceStatus.APPROVED, version,
    )  # fmt: skip
    with app.app_context():
        revision = db.session.scalar(
            select(PlaceRevision).where(PlaceRevision.place_id == place.id)
        )
        assert revision.status == RevisionStatus.PENDING
        assert (revision.values["name"], revision.values["capacity"]) == ("提案中の名前", 99)
    public = app.test_client().get(f"/places/{place.id}").get_data(as_text=True)
    assert "公開中の名前" in public and "提案中の名前" not in public
    # Editing again edits the proposal, not the public values.
    again = client.get(f"/places/{place.id}/edit").get_data(as_text=True)
    assert 'value="提案中の名前"' in again


def test_a_published_place_edited_without_changes_says_so(app, client, owner, make_place):
    place = make_place(owner=owner)
    with app.app_context():
        raw = raw_from_place(db.session.get(Place, place.id))
    response = post_form(
        client, f"/places/{place.id}/edit", raw, version=str(reload(app, place).version)
    )
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PlaceRevision)) == 0


def test_a_stale_save_is_a_conflict_that_keeps_the_input(app, client, owner, make_place):
    place = make_place(owner=owner, status="draft")
    seen = reload(app, place).version
    with app.app_context():  # the same owner saves from another tab in the meantime
        other = db.session.get(Place, place.id)
        update_place(other, owner, {**raw_from_place(other), "name": "別のタブで保存"})
        db.session.commit()
    raw = {**place_values(), "name": "このタブで入力した名前", "hours_note": "入力した注記"}
    response = post_form(client, f"/places/{place.id}/edit", raw, version=str(seen))
    assert response.status_code == 409
    source = response.get_data(as_text=True)
    assert 'value="このタブで入力した名前"' in source and 'value="入力した注記"' in source
    assert 'class="form-errors"' in source
    fresh = reload(app, place)
    assert fresh.name == "別のタブで保存"
    # The form now carries the current version: saving again is a deliberate overwrite.
    assert f'name="version" type="hidden" value="{fresh.version}"' in source


@pytest.mark.parametrize("version", ["", "abc", "-1", "9" * 30, "1\x00"])
def test_a_tampered_version_is_a_conflict(app, client, owner, make_place, version):
    place = make_place(owner=owner, status="draft")
    before = reload(app, place).version
    response = post_form(
        client, f"/places/{place.id}/edit", place_values(name="改ざん"), version=version
    )
    assert response.status_code == 409
    assert reload(app, place).version == before


# --- the ward of a point ----------------------------------------------------------------------


def test_district_at_names_the_ward(client, owner):
    response = client.get(
        f"/places/district-at?lon={POINT[0]}&lat={POINT[1]}", headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["district"]["code"] == NAKAHARA
    assert "Nakahara" in body["message"]


def test_district_at_warns_outside_every_ward(client, owner):
    lon, lat = OUTSIDE_EVERY_WARD
    body = client.get(f"/places/district-at?lon={lon}&lat={lat}").get_json()
    assert body["district"] is None
    assert body["message"]


@pytest.mark.parametrize("query", ["", "lon=abc&lat=35.5", "lon=35.5&lat=139.6", "lon=nan&lat=1"])
def test_district_at_refuses_bad_coordinates(client, owner, query):
    response = client.get(f"/places/district-at?{query}")
    assert response.status_code == 400
    assert response.get_json()["district"] is None


def test_a_submit_action_on_a_published_place_only_proposes_the_revision(
    app, client, owner, make_place
):
    """The published form has no submit button; sending ``action=submit`` anyway is ignored."""
    place = make_place(owner=owner)
    with app.app_context():
        raw = raw_from_place(db.session.get(Place, place.id))
    response = post_form(
        client, f"/places/{place.id}/edit", {**raw, "capacity": 5},
        version=str(reload(app, place).version), action="submit",
    )  # fmt: skip
    assert response.status_code == 302
    assert reload(app, place).status == PlaceStatus.APPROVED
    with app.app_context():
        assert (
            db.session.scalar(
                select(PlaceRevision.status).where(PlaceRevision.place_id == place.id)
            )
            == RevisionStatus.PENDING
        )
