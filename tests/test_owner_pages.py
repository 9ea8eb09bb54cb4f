"""An owner's pages: login required, my places with its actions, and nobody else's places (IDOR).

Also holds the helpers the other place-form tests share: logging a user in, reading a CSRF
token, and turning a place's raw values into what the form posts.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from hiroba.extensions import db
from hiroba.places.models import Place, PlaceRevision, PlaceStatus, RevisionStatus
from hiroba.places.revisions import propose_revision
from hiroba.places.values import raw_from_place
from hiroba.review.models import ReviewEvent
from tests.factories import NAKAHARA, place_values

TEXT_FIELDS = (
    "name", "name_kana", "name_en", "kind", "sector", "description", "address",
    "location_precision", "capacity", "floor_area_m2", "fee", "fee_details", "who_may_use",
    "hours_note", "contact_phone", "contact_email", "website_url",
)  # fmt: skip
LIST_FIELDS = ("amenities", "accessibility", "conditions")


# --- helpers shared by the place-form tests ---------------------------------------------------


def login(client, user) -> None:
    """Log ``user`` in the way Flask-Login keeps it: the session carries the session token."""
    with client.session_transaction() as session:
        session["_user_id"] = user.session_token
        session["_fresh"] = True


def csrf_token(client, path: str = "/places/new") -> str:
    source = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', source).group(1)


def form_data(raw: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """What the place form posts for these raw values (``extra`` adds or replaces fields)."""
    data: dict[str, Any] = {k: str(raw[k]) for k in TEXT_FIELDS if raw.get(k) is not None}
    if raw.get("location"):
        data["lon"], data["lat"] = (str(c) for c in raw["location"])
    if raw.get("footprint"):
        data["footprint"] = json.dumps(raw["footprint"])
    for key in LIST_FIELDS:
        data[key] = list(raw.get(key) or [])
    rows: dict[int, int] = {}
    for period in raw.get("opening_hours") or []:
        day = period["weekday"]
        rows[day] = rows.get(day, 0) + 1
        data[f"opening_hours-{day}-{rows[day]}-opens"] = period["opens"]
        data[f"opening_hours-{day}-{rows[day]}-closes"] = period["closes"]
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def post_form(client, path: str, raw: dict[str, Any], **extra: Any):
    data = form_data(raw, csrf_token=csrf_token(client, path), **extra)
    return client.post(path, data=data, content_type="multipart/form-data")


def count_places(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Place))


def reload(app, place: Place) -> Place:
    with app.app_context():
        fresh = db.session.get(Place, place.id)
        db.session.refresh(fresh)
        return fresh


def login_redirect(response) -> bool:
    return response.status_code in (302, 303) and "/login" in response.headers["Location"]


# --- login required ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/places/new"),
        ("post", "/places/new"),
        ("get", "/places/{id}/edit"),
        ("post", "/places/{id}/edit"),
        ("post", "/places/{id}/submit"),
        ("post", "/places/{id}/archive"),
        ("post", "/places/{id}/revision/withdraw"),
        ("get", "/me/places"),
        ("get", "/places/district-at?lon=139.65&lat=35.57"),
        ("get", "/staff/places/new"),
    ],
)
def test_owner_pages_need_a_login(app, client, make_place, method, path):
    place = make_place(status="draft")
    version = reload(app, place).version
    token = csrf_token(client, "/")  # a visitor's valid token: only the login is missing
    response = getattr(client, method)(
        path.format(id=place.id), data={"csrf_token": token, "version": version}
    )
    assert login_redirect(response)
    assert reload(app, place).version == version
    assert reload(app, place).status == PlaceStatus.DRAFT


# --- my places --------------------------------------------------------------------------------


def test_my_places_lists_only_my_places_with_status_reason_and_badge(
    app, client, make_user, make_place, make_staff
):
    owner, other = make_user(), make_user()
    draft = make_place(owner=owner, status="draft", name="わたしの下書き")
    asked = make_place(owner=owner, status="changes_requested", name="直してほしい場所")
    published = make_place(owner=owner, status="approved", name="公開中の場所")
    make_place(owner=other, status="draft", name="よその人の下書き")
    with app.app_context():
        place = db.session.get(Place, published.id)
        propose_revision(place, owner, {**raw_from_place(place), "capacity": 99})
        db.session.commit()
    login(client, owner)
    response = client.get("/me/places", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    source = response.get_data(as_text=True)
    assert draft.name in source and asked.name in source and published.name in source
    assert "よその人の下書き" not in source
    assert "Draft" in source and "Changes requested" in source and "Published" in source
    assert "テストの理由" in source  # the factory's reason for requesting changes
    assert source.count("Changes waiting for review") == 1
    assert f'action="/places/{published.id}/revision/withdraw"' in source
    assert f'action="/places/{published.id}/archive"' in source
    assert f'action="/places/{draft.id}/submit"' in source
    assert f'action="/places/{asked.id}/submit"' in source


def test_submit_from_my_places(app, client, make_user, make_place):
    owner = make_user()
    place = make_place(owner=owner, status="draft")
    login(client, owner)
    token = csrf_token(client, "/me/places")
    version = reload(app, place).version
    response = client.post(
        f"/places/{place.id}/submit", data={"csrf_token": token, "version": version}
    )
    assert response.status_code == 302
    assert reload(app, place).status == PlaceStatus.PENDING


def test_submit_with_a_stale_version_is_a_conflict(app, client, make_user, make_place):
    owner = make_user()
    place = make_place(owner=owner, status="draft")
    login(client, owner)
    token = csrf_token(client, "/me/places")
    stale = reload(app, place).version - 1
    response = client.post(
        f"/places/{place.id}/submit", data={"csrf_token": token, "version": stale}
    )
    assert response.status_code == 409
    assert reload(app, place).status == PlaceStatus.DRAFT


def test_archive_and_withdraw_from_my_places(app, client, make_user, make_place):
    owner = make_user()
    archived, revised = make_place(owner=owner), make_place(owner=owner)
    with app.app_context():
        place = db.session.get(Place, revised.id)
        propose_revision(place, owner, {**raw_from_place(place), "name": "新しい名前"})
        db.session.commit()
    login(client, owner)
    token = csrf_token(client, "/me/places")
    response = client.post(
        f"/places/{archived.id}/archive",
        data={"csrf_token": token, "version": reload(app, archived).version},
    )
    assert response.status_code == 302
    assert reload(app, archived).status == PlaceStatus.ARCHIVED
    response = client.post(f"/places/{revised.id}/revision/withdraw", data={"csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        statuses = db.session.scalars(
            select(PlaceRevision.status).where(PlaceRevision.place_id == revised.id)
        ).all()
    assert statuses == [RevisionStatus.WITHDRAWN]
    assert reload(app, revised).name != "新しい名前"


def test_an_owner_sees_their_own_draft_page_and_its_edit_link(client, make_user, make_place):
    owner = make_user()
    place = make_place(owner=owner, status="draft", name="自分だけの下書き")
    login(client, owner)
    source = client.get(f"/places/{place.id}").get_data(as_text=True)
    assert "自分だけの下書き" in source
    assert f'href="/places/{place.id}/edit"' in source


def test_a_pending_place_cannot_be_edited(app, client, make_user, make_place):
    owner = make_user()
    place = make_place(owner=owner, status="pending")
    login(client, owner)
    assert client.get(f"/places/{place.id}/edit").status_code == 403
    response = client.post(
        f"/places/{place.id}/edit",
        data=form_data(
            place_values(name="審査中に変更"),
            csrf_token=csrf_token(client, "/me/places"),
            version=str(reload(app, place).version),
        ),
    )
    assert response.status_code == 403
    assert reload(app, place).name != "審査中に変更"


# --- nobody else's places (IDOR) --------------------------------------------------------------


@pytest.fixture
def intruder(make_user):
    return make_user(display_name="よその人")


def history_length(app, place) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(ReviewEvent).where(ReviewEvent.place_id == place.id)
        )


def snapshot(app, place) -> tuple:
    fresh = reload(app, place)
    return (fresh.version, fresh.status, fresh.name, history_length(app, place))


@pytest.mark.parametrize("status", ["draft", "changes_requested", "pending", "rejected"])
def test_another_owners_unpublished_place_is_not_found(app, client, make_place, intruder, status):
    place = make_place(status=status)
    before = snapshot(app, place)
    login(client, intruder)
    token = csrf_token(client, "/me/places")
    assert client.get(f"/places/{place.id}/edit").status_code == 404
    assert client.get(f"/places/{place.id}").status_code == 404
    attempts = [
        (f"/places/{place.id}/edit", form_data(place_values(name="乗っ取り"), version=before[0])),
        (f"/places/{place.id}/submit", {"version": before[0]}),
        (f"/places/{place.id}/archive", {"version": before[0]}),
        (f"/places/{place.id}/revision/withdraw", {}),
    ]
    for path, data in attempts:
        response = client.post(path, data={**data, "csrf_token": token})
        assert response.status_code == 404, path
        assert "乗っ取り" not in response.get_data(as_text=True)
    assert snapshot(app, place) == before


def test_another_owners_published_place_is_forbidden(app, client, make_user, make_place, intruder):
    owner = make_user()
    place = make_place(owner=owner)
    with app.app_context():
        fresh = db.session.get(Place, place.id)
        propose_revision(fresh, owner, {**raw_from_place(fresh), "capacity": 77})
        db.session.commit()
    before = snapshot(app, place)
    login(client, intruder)
    token = csrf_token(client, "/me/places")
    assert client.get(f"/places/{place.id}/edit").status_code == 403
    for path, data in [
        (f"/places/{place.id}/edit", form_data(place_values(name="乗っ取り"), version=before[0])),
        (f"/places/{place.id}/archive", {"version": before[0]}),
        (f"/places/{place.id}/revision/withdraw", {}),
    ]:
        response = client.post(path, data={**data, "csrf_token": token})
        assert response.status_code == 403, path
    assert snapshot(app, place) == before
    with app.app_context():
        revision = db.session.scalar(
            select(PlaceRevision).where(PlaceRevision.place_id == place.id)
        )
        assert revision.status == RevisionStatus.PENDING
        assert revision.values["capacity"] == 77


def test_staff_cannot_edit_an_owners_listing_in_their_ward(app, client, make_place, make_staff):
    place = make_place(status="pending")
    staff = make_staff(NAKAHARA)
    login(client, staff)
    assert client.get(f"/places/{place.id}").status_code == 200
    assert client.get(f"/places/{place.id}/edit").status_code == 403


def test_my_own_edit_url_cannot_reach_another_place_by_tampering(
    app, client, make_user, make_place, intruder
):
    """The place is named by the URL only; the form's hidden version cannot point elsewhere."""
    mine = make_place(owner=intruder, status="draft")
    theirs = make_place(status="draft")
    before = snapshot(app, theirs)
    login(client, intruder)
    response = post_form(
        client,
        f"/places/{mine.id}/edit",
        place_values(name="改ざん"),
        version=str(reload(app, theirs).version),
        place_id=str(theirs.id),
        id=str(theirs.id),
        owner_id=str(intruder.id),
    )
    assert response.status_code in (302, 409)
    assert snapshot(app, theirs) == before
    with app.app_context():
        assert db.session.get(Place, theirs.id).owner_id != intruder.id


def test_review_history_unchanged_after_refused_submit(app, client, make_place, intruder):
    place = make_place(status="draft")
    events = history_length(app, place)
    login(client, intruder)
    client.post(
        f"/places/{place.id}/submit",
        data={"csrf_token": csrf_token(client, "/me/places"), "version": 1},
    )
    assert history_length(app, place) == events
