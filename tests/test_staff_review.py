"""The staff review page: the full listing, history and photos, and decisions made through it.

The last section runs on committed data in a scratch database: two reviewers (and an owner)
act from separate sessions and connections, as concurrent requests would.
"""

from __future__ import annotations

import html
import io
import itertools
import re
import threading
import time
from dataclasses import dataclass

import pytest
from PIL import Image
from sqlalchemy import func, select, text, update

from hiroba.accounts.models import Role, User
from hiroba.accounts.services import create_user
from hiroba.errors import EditConflict, InvalidTransition
from hiroba.extensions import db
from hiroba.notifications.models import Notification, NotificationKind
from hiroba.photos.services import add_photo
from hiroba.places.models import Place, PlaceRevision, PlaceStatus, RevisionStatus
from hiroba.places.revisions import approve_revision, propose_revision
from hiroba.places.services import create_place
from hiroba.places.values import raw_from_place
from hiroba.review import reasons
from hiroba.review import services as review
from hiroba.review.models import ReviewAction, ReviewEvent
from tests.concurrency import own_sessions, run_concurrently
from tests.conftest import migrated_app
from tests.factories import NAKAHARA, PASSWORD, place_values

KAWASAKI = "141313"
HOME = (139.658713, 35.577331)  # a home in 中原区: its exact point is for owner and staff only
HOME_ADDRESS = "川崎市中原区小杉町3丁目9-9 ひみつ荘101号室"
FOOTPRINT = {
    "type": "Polygon",
    "coordinates": [
        [[139.6593, 35.5761], [139.6598, 35.5761], [139.6598, 35.5765], [139.6593, 35.5765],
         [139.6593, 35.5761]]
    ],
}  # fmt: skip
TOKEN = re.compile(r'name="([a-z]+-)?csrf_token"[^>]*value="([^"]+)"')


def log_in(client, user, language: str = "en"):
    """Log ``client`` in as ``user`` (the session Flask-Login reads) and choose the language."""
    with client.session_transaction() as session:
        session["_user_id"] = user.session_token
        session["_fresh"] = True
    client.set_cookie("hiroba_lang", language)
    return client


def review_page(client, place_id: int, status: int = 200) -> str:
    response = client.get(f"/staff/places/{place_id}")
    assert response.status_code == status
    return response.get_data(as_text=True)


def form_state(source: str, prefix: str) -> dict[str, str]:
    """The CSRF token and version of the ``prefix`` form on a review page."""
    token = TOKEN.search(source).group(2)
    version = re.search(
        rf'id="{prefix}-version" name="{prefix}-version" type="hidden" value="(\d+)"', source
    )
    return {f"{prefix}-csrf_token": token, f"{prefix}-version": version.group(1)}


def decide(client, place_id: int, decision: str, reason: str = "", template: str = "", **extra):
    """Load the review page, then send a decision on the place as its form would."""
    data = form_state(review_page(client, place_id), "place")
    data.update({"place-decision": decision, "place-reason": reason, "place-template": template})
    data.update(extra)
    return client.post(f"/staff/places/{place_id}/decision", data=data)


def events_of(app, place_id: int) -> list[tuple]:
    """(id, actor, action, from, to, reason) of each review event of the place, in order."""
    with app.app_context():
        events = db.session.scalars(
            select(ReviewEvent).where(ReviewEvent.place_id == place_id).order_by(ReviewEvent.id)
        )
        return [(e.id, e.actor_id, e.action, e.from_status, e.to_status, e.reason) for e in events]


def status_of(app, place_id: int) -> str:
    with app.app_context():
        return db.session.scalar(text("SELECT status FROM places WHERE id = :id"), {"id": place_id})


def png() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(out, format="PNG")
    out.seek(0)
    return out


@pytest.fixture
def photo_dir(app, monkeypatch, tmp_path):
    """Photo files of this test go to a temporary instance folder."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path / "photos"


# --- who may open the review page --------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "status"),
    [("ward_staff", 200), ("admin", 200), ("other_ward_staff", 404), ("resident", 403)],
)
def test_review_page_is_for_the_wards_staff(
    client, make_place, make_user, make_staff, actor, status
):
    place = make_place(status="pending", name="審査する場所")
    user = {
        "ward_staff": lambda: make_staff(NAKAHARA),
        "admin": lambda: make_user(Role.ADMIN),
        "other_ward_staff": lambda: make_staff(KAWASAKI),
        "resident": lambda: make_user(),
    }[actor]()
    source = review_page(log_in(client, user), place.id, status)
    assert ("審査する場所" in source) == (status == 200)


def test_owner_of_the_place_cannot_use_the_review_page_as_a_resident(client, make_place):
    place = make_place(status="pending")
    review_page(log_in(client, place.owner), place.id, 403)


def test_visitors_are_sent_to_log_in(client, make_place):
    place = make_place(status="pending")
    response = client.get(f"/staff/places/{place.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("place_id", ["999999", str(2**63), "abc"])
def test_unknown_places_are_not_found(client, make_staff, place_id):
    assert log_in(client, make_staff(NAKAHARA)).get(f"/staff/places/{place_id}").status_code == 404


# --- what the page shows -------------------------------------------------------------------------


def test_review_page_shows_the_exact_point_and_the_whole_listing(client, make_place, make_staff):
    place = make_place(
        status="pending", kind="vacant_house", sector="private", location_precision="approximate",
        location=list(HOME), address=HOME_ADDRESS, name="中原の離れ",
        hours_note="土日は要相談", contact_phone="044-000-0000",
    )  # fmt: skip
    source = review_page(log_in(client, make_staff(NAKAHARA)), place.id)
    assert "<h1>中原の離れ</h1>" in source
    assert "Latitude 35.577331, longitude 139.658713" in source
    map_script = re.findall(r"<script nonce=[^>]*>(.*?)</script>", source, re.S)[0]
    assert "35.577331" in map_script and "139.658713" in map_script  # the marker, exact
    assert HOME_ADDRESS in source
    assert "Vacant house or room" in source
    assert "Approximate location (about 500 m)" in source
    assert "Monday 09:00–21:00" in source
    assert "土日は要相談" in source and "044-000-0000" in source
    assert "The grey circle is the area the public sees." in source


def test_review_page_draws_the_footprint(client, make_place, make_staff):
    place = make_place(status="pending", kind="park", footprint=FOOTPRINT)
    source = review_page(log_in(client, make_staff(NAKAHARA)), place.id)
    map_script = re.findall(r"<script nonce=[^>]*>(.*?)</script>", source, re.S)[0]
    assert "139.6598" in map_script and "35.5765" in map_script
    assert "An outline of about" in source


def test_review_page_shows_the_owner_and_proxy_registration(
    app, client, make_user, make_place, make_staff
):
    owner = make_user(display_name="ネットを使わない持ち主")
    place = make_place(owner, status="pending")
    registrar = make_staff(NAKAHARA)
    with app.app_context():
        db.session.execute(
            update(Place)
            .where(Place.id == place.id)
            .values(registered_by_id=registrar.id, proxy_consent_note="窓口で口頭で同意")
        )
        db.session.commit()
    source = review_page(log_in(client, make_staff(NAKAHARA)), place.id)
    assert "ネットを使わない持ち主" in source
    assert owner.email in source
    assert "Registered by 区職員 for the owner (代理登録)." in source
    assert "窓口で口頭で同意" in source


def test_history_shows_every_step_who_and_why(app, client, make_user, make_place, make_staff):
    owner, staff = make_user(display_name="持ち主"), make_staff(NAKAHARA)
    place = make_place(owner, status="draft")
    with app.app_context():
        place = db.session.get(Place, place.id)
        review.submit(place, owner)
        review.request_changes(place, staff, "写真を追加してください")
        review.submit(place, owner)
        db.session.commit()
    source = review_page(log_in(client, make_staff(NAKAHARA)), place.id)
    history = source[source.index('id="history-heading"') :]
    steps = re.findall(r'class="history-step">([^<]*)<', history)
    assert steps == [
        "Created as Draft",
        "Draft → Waiting for review",
        "Waiting for review → Changes requested",
        "Changes requested → Waiting for review",
    ]
    assert "写真を追加してください" in history
    assert history.count("持ち主") >= 3 and "区職員" in history


def test_review_page_escapes_user_text(client, make_place, make_staff):
    hostile = "<img src=x onerror=alert(1)>"
    place = make_place(status="pending", name=hostile, description=hostile)
    source = review_page(log_in(client, make_staff(NAKAHARA)), place.id)
    assert hostile not in source
    assert "&lt;img src=x onerror=alert(1)&gt;" in source


def test_photos_are_shown_and_served_to_the_wards_staff_only(
    app, client, make_user, make_place, make_staff, photo_dir
):
    owner = make_user()
    place = make_place(owner, status="draft")
    with app.app_context():
        place = db.session.get(Place, place.id)
        photo = add_photo(place, owner, png(), "入口")
        review.submit(place, owner)
        db.session.commit()
    source = review_page(log_in(client, make_staff(NAKAHARA)), place.id)
    url = f"/photos/{photo.storage_key}"
    assert f'src="{url}"' in source and "入口" in source
    response = client.get(url)
    body = response.get_data()
    response.close()  # the file it streamed
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["Cache-Control"].startswith("private")
    assert Image.open(io.BytesIO(body)).size == (40, 30)
    # Not public yet: staff of another ward and other residents are told nothing exists.
    assert log_in(client, make_staff(KAWASAKI)).get(url).status_code == 404
    assert log_in(client, make_user()).get(url).status_code == 404


# --- decisions through the page -------------------------------------------------------------------


DECISIONS = {
    "approve": (PlaceStatus.APPROVED, NotificationKind.PLACE_APPROVED),
    "request_changes": (PlaceStatus.CHANGES_REQUESTED, NotificationKind.CHANGES_REQUESTED),
    "reject": (PlaceStatus.REJECTED, NotificationKind.PLACE_REJECTED),
}


@pytest.mark.parametrize("decision", sorted(DECISIONS))
def test_each_decision_writes_one_event_with_its_reason(
    app, client, make_place, make_staff, decision
):
    place = make_place(status="pending")
    staff = make_staff(NAKAHARA)
    before = events_of(app, place.id)
    response = decide(log_in(client, staff), place.id, decision, "  場所を確認しました  ")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/staff/queue")
    to_status, news = DECISIONS[decision]
    after = events_of(app, place.id)
    assert after[: len(before)] == before
    ((_id, *event),) = after[len(before) :]
    assert event == [
        staff.id, ReviewAction.TRANSITION, PlaceStatus.PENDING, to_status, "場所を確認しました",
    ]  # fmt: skip
    assert status_of(app, place.id) == to_status.value
    with app.app_context():
        told = db.session.scalars(
            select(Notification).where(Notification.user_id == place.owner_id)
        ).all()
    assert [(n.kind, n.reason) for n in told] == [(news, "場所を確認しました")]
    # The queue no longer lists the place; the flash message says what was decided.
    assert place.name in client.get("/staff/queue").get_data(as_text=True)


def test_approval_needs_no_reason(app, client, make_place, make_staff):
    place = make_place(status="pending")
    assert decide(log_in(client, make_staff(NAKAHARA)), place.id, "approve").status_code == 302
    assert events_of(app, place.id)[-1][-1] is None
    assert status_of(app, place.id) == "approved"


@pytest.mark.parametrize("decision", ["request_changes", "reject"])
@pytest.mark.parametrize("reason", ["", "   ", "\r\n"])
def test_sending_back_or_rejecting_needs_a_reason(
    app, client, make_place, make_staff, decision, reason
):
    place = make_place(status="pending")
    before = events_of(app, place.id)
    response = decide(log_in(client, make_staff(NAKAHARA)), place.id, decision, reason)
    assert response.status_code == 422
    source = response.get_data(as_text=True)
    assert re.search(r'id="place-reason-error" role="alert">Please give a reason', source)
    assert events_of(app, place.id) == before
    assert status_of(app, place.id) == "pending"


def test_a_reason_can_be_at_most_2000_characters(app, client, make_place, make_staff):
    place = make_place(status="pending")
    response = decide(log_in(client, make_staff(NAKAHARA)), place.id, "reject", "長" * 2001)
    assert response.status_code == 422
    assert status_of(app, place.id) == "pending"


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ({"place-decision": ""}, "no decision"),
        ({"place-decision": "archive"}, "not a decision of this form"),
        ({"place-template": "no_such_template"}, "unknown template"),
        ({"place-version": ""}, "no version"),
        ({"place-version": "abc"}, "malformed version"),
    ],
)
def test_malformed_decisions_change_nothing(app, client, make_place, make_staff, data, why):
    place = make_place(status="pending")
    before = events_of(app, place.id)
    response = decide(log_in(client, make_staff(NAKAHARA)), place.id, "approve", **data)
    assert response.status_code == 422, why
    assert events_of(app, place.id) == before
    assert status_of(app, place.id) == "pending"


def test_a_refused_form_carries_the_version_on_screen(app, client, make_place, make_staff):
    """After a malformed post the page offers a form that works, for what it shows."""
    place = make_place(status="pending")
    log_in(client, make_staff(NAKAHARA))
    refused = decide(client, place.id, "approve", **{"place-version": "abc"})
    assert refused.status_code == 422
    shown = form_state(refused.get_data(as_text=True), "place")
    assert shown["place-version"] == str(place.version)
    retried = client.post(
        f"/staff/places/{place.id}/decision", data={**shown, "place-decision": "approve"}
    )
    assert retried.status_code == 302
    assert status_of(app, place.id) == "approved"


def test_decisions_need_the_csrf_token(app, client, make_place, make_staff):
    place = make_place(status="pending")
    log_in(client, make_staff(NAKAHARA))
    response = client.post(
        f"/staff/places/{place.id}/decision",
        data={"place-decision": "approve", "place-version": str(place.version)},
    )
    assert response.status_code == 400
    assert status_of(app, place.id) == "pending"


# --- reason templates ----------------------------------------------------------------------------


@pytest.fixture
def english_text(app):
    """A template's text as an English-speaking reviewer's page sends it."""

    def text_of(key: str) -> str:
        with app.test_request_context(headers={"Cookie": "hiroba_lang=en"}):
            return str(reasons.BY_KEY[key].text)

    return text_of


def template_options(source: str, prefix: str = "place") -> list[tuple[str, str | None]]:
    """(value, data-text) of each option of the ``prefix`` form's template select."""
    select = re.search(rf'<select[^>]*id="{prefix}-template"[^>]*>(.*?)</select>', source, re.S)
    options = []
    for attrs in re.findall(r"<option([^>]*)>", select.group(1)):
        text = re.search(r'data-text="([^"]*)"', attrs)
        value = re.search(r'value="([^"]*)"', attrs).group(1)
        options.append((value, html.unescape(text.group(1)) if text else None))
    return options


def test_the_page_offers_the_reason_templates(client, make_place, make_staff, english_text):
    place = make_place(status="pending")
    source = review_page(log_in(client, make_staff(NAKAHARA)), place.id)
    options = template_options(source)
    assert options[0] == ("", None)  # writing one's own reason is the default
    assert [key for key, _ in options[1:]] == [t.key for t in reasons.TEMPLATES]
    assert len(reasons.TEMPLATES) >= 4
    assert {"location_unclear", "faces_in_photos", "private_address", "hours_missing"} <= set(
        reasons.BY_KEY
    )
    assert all(text == english_text(key) for key, text in options[1:])
    select = re.search(r'<select[^>]*id="place-template"[^>]*>', source).group(0)
    assert 'data-reason-target="place-reason"' in select and "data-reason-template" in select


def test_a_template_alone_is_the_reason_without_javascript(
    app, client, make_place, make_staff, english_text
):
    place = make_place(status="pending")
    response = decide(
        log_in(client, make_staff(NAKAHARA)), place.id, "request_changes",
        template="faces_in_photos",
    )  # fmt: skip
    assert response.status_code == 302
    assert events_of(app, place.id)[-1][-1] == english_text("faces_in_photos")


def test_a_template_comes_before_what_the_reviewer_typed(
    app, client, make_place, make_staff, english_text
):
    place = make_place(status="pending")
    decide(
        log_in(client, make_staff(NAKAHARA)), place.id, "reject", "玄関の写真です。",
        template="faces_in_photos",
    )  # fmt: skip
    expected = english_text("faces_in_photos") + "\n\n玄関の写真です。"
    assert events_of(app, place.id)[-1][-1] == expected


def test_a_template_filled_in_by_the_script_is_not_added_twice(
    app, client, make_place, make_staff, english_text
):
    place = make_place(status="pending")
    typed = english_text("hours_missing") + "\n\n土曜日の時間も教えてください。"
    decide(
        log_in(client, make_staff(NAKAHARA)), place.id, "request_changes", typed,
        template="hours_missing",
    )  # fmt: skip
    assert events_of(app, place.id)[-1][-1] == typed


def test_compose_reasons():
    assert reasons.compose("", " 自由記述 ") == "自由記述"
    assert reasons.compose(None, None) == ""
    assert reasons.compose("nonexistent", "x") == "x"


# --- archive, self-review and other wards ---------------------------------------------------------


def test_staff_archive_a_published_place(app, client, make_place, make_staff):
    place = make_place(status="approved")
    staff = make_staff(NAKAHARA)
    source = review_page(log_in(client, staff), place.id)
    data = form_state(source, "archive")
    data["archive-reason"] = "閉館しました"
    response = client.post(f"/staff/places/{place.id}/archive", data=data)
    assert response.status_code == 302
    archived = (ReviewAction.TRANSITION, PlaceStatus.APPROVED, PlaceStatus.ARCHIVED)
    assert events_of(app, place.id)[-1][1:] == (staff.id, *archived, "閉館しました")
    assert status_of(app, place.id) == "archived"


def test_archiving_an_outdated_page_is_refused(app, client, make_place, make_staff):
    place = make_place(status="approved")
    log_in(client, make_staff(NAKAHARA))
    data = form_state(review_page(client, place.id), "archive")
    with app.app_context():
        review.archive(db.session.get(Place, place.id), place.owner, "持ち主が取り下げ")
        db.session.commit()
    before = events_of(app, place.id)
    data["archive-reason"] = "閉館"
    response = client.post(f"/staff/places/{place.id}/archive", data=data)
    assert response.status_code == 409
    assert "Someone else decided first." in response.get_data(as_text=True)
    assert events_of(app, place.id) == before


def test_nobody_decides_on_their_own_place(app, client, make_place, make_staff):
    staff = make_staff(NAKAHARA)
    place = make_place(staff, status="pending")
    source = review_page(log_in(client, staff), place.id)
    assert "This is your own place" in source
    assert f'action="/staff/places/{place.id}/decision"' not in source
    before = events_of(app, place.id)
    data = {"place-decision": "approve", "place-version": str(place.version), "place-reason": ""}
    data["place-csrf_token"] = TOKEN.search(source).group(2)
    response = client.post(f"/staff/places/{place.id}/decision", data=data)
    assert response.status_code == 403
    assert events_of(app, place.id) == before
    assert status_of(app, place.id) == "pending"


def test_staff_cannot_decide_in_another_ward(app, client, make_place, make_staff):
    place = make_place(status="pending")
    staff = make_staff(KAWASAKI)
    log_in(client, staff)
    token = TOKEN.search(client.get("/staff/queue").get_data(as_text=True))
    data = {"place-decision": "approve", "place-version": str(place.version)}
    if token:
        data["place-csrf_token"] = token.group(2)
    assert client.post(f"/staff/places/{place.id}/decision", data=data).status_code == 404
    assert status_of(app, place.id) == "pending"


# --- someone else decided first (same database, sequential) ---------------------------------------


def test_a_decision_on_an_outdated_page_is_refused(app, client, make_place, make_staff):
    """Reviewer B's page is older than A's decision: B is told, and nothing is overwritten."""
    place = make_place(status="pending")
    first, second = make_staff(NAKAHARA), make_staff(NAKAHARA)
    outdated = form_state(review_page(log_in(client, second), place.id), "place")
    with app.app_context():
        review.approve(db.session.get(Place, place.id), first, "先に承認")
        db.session.commit()
    before = events_of(app, place.id)

    data = {**outdated, "place-decision": "request_changes", "place-reason": "写真が暗いです"}
    response = client.post(f"/staff/places/{place.id}/decision", data=data)
    assert response.status_code == 409
    source = response.get_data(as_text=True)
    assert "Someone else decided first." in source
    assert 'data-status="approved"' in source
    assert events_of(app, place.id) == before
    assert status_of(app, place.id) == "approved"


def test_a_decision_on_a_place_already_decided_is_refused(app, client, make_place, make_staff):
    """Even with the current version, a decided place cannot be decided again."""
    place = make_place(status="approved")
    log_in(client, make_staff(NAKAHARA))
    source = review_page(client, place.id)
    data = {
        "place-csrf_token": TOKEN.search(source).group(2),
        "place-version": str(place.version),
        "place-decision": "reject",
        "place-reason": "やはり不可",
    }
    before = events_of(app, place.id)
    response = client.post(f"/staff/places/{place.id}/decision", data=data)
    assert response.status_code == 409
    assert "Someone else decided first." in response.get_data(as_text=True)
    assert events_of(app, place.id) == before


# --- concurrency on committed data ----------------------------------------------------------------

_serial = itertools.count(1)


@pytest.fixture(scope="module")
def committed_app(cluster):
    """The app on its own migrated database with the Kawasaki wards, where commits are real."""
    with migrated_app(cluster, "review") as app:
        yield app


@pytest.fixture
def committed(committed_app):
    """Sessions as in production (each app context its own, on its own connection)."""
    with own_sessions():
        yield committed_app


@dataclass
class Case:
    owner: int
    staff_a: int
    staff_b: int
    place: int
    tokens: dict[str, str]


def commit_case(app, status: PlaceStatus = PlaceStatus.PENDING) -> Case:
    """An owner, two reviewers of 中原区 and the owner's place in ``status``, committed."""
    with app.app_context():
        n = next(_serial)
        owner = create_user(f"race-owner{n}@test.example", "持ち主", PASSWORD)
        a = create_user(f"race-a{n}@test.example", "職員A", PASSWORD, Role.STAFF, [NAKAHARA])
        b = create_user(f"race-b{n}@test.example", "職員B", PASSWORD, Role.STAFF, [NAKAHARA])
        place = create_place(owner, place_values(NAKAHARA))
        review.submit(place, owner)
        if status == PlaceStatus.APPROVED:
            review.approve(place, a)
        db.session.commit()
        tokens = {"owner": owner.session_token, "a": a.session_token, "b": b.session_token}
        return Case(owner.id, a.id, b.id, place.id, tokens)


def decision_events(app, place_id: int) -> list[ReviewEvent]:
    with app.app_context():
        return db.session.scalars(
            select(ReviewEvent)
            .where(
                ReviewEvent.place_id == place_id,
                ReviewEvent.action == ReviewAction.TRANSITION,
                ReviewEvent.from_status == PlaceStatus.PENDING,
            )
            .order_by(ReviewEvent.id)
        ).all()


class TokenUser:
    def __init__(self, token):
        self.session_token = token


def test_two_reviewers_on_two_pages_exactly_one_decision_wins(committed):
    case = commit_case(committed)
    a = log_in(committed.test_client(), TokenUser(case.tokens["a"]))
    b = log_in(committed.test_client(), TokenUser(case.tokens["b"]))
    seen_by_a = form_state(review_page(a, case.place), "place")
    seen_by_b = form_state(review_page(b, case.place), "place")
    assert seen_by_a["place-version"] == seen_by_b["place-version"]

    won = a.post(
        f"/staff/places/{case.place}/decision",
        data={**seen_by_a, "place-decision": "approve", "place-reason": "問題ありません"},
    )
    lost = b.post(
        f"/staff/places/{case.place}/decision",
        data={**seen_by_b, "place-decision": "request_changes", "place-reason": "写真が暗い"},
    )
    assert won.status_code == 302
    assert lost.status_code == 409
    assert "Someone else decided first." in lost.get_data(as_text=True)
    (event,) = decision_events(committed, case.place)
    assert (event.actor_id, event.to_status) == (case.staff_a, PlaceStatus.APPROVED)
    assert status_of(committed, case.place) == "approved"


def _waiting_for_a_lock(app) -> bool:
    with app.app_context():
        waiting = db.session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
        db.session.rollback()
        return waiting > 0


def test_two_reviewers_deciding_at_the_same_moment(committed):
    """A's decision holds the row; B, with the same old version, waits for it, then loses."""
    case = commit_case(committed)
    loaded = threading.Barrier(2, timeout=20)
    a_flushed = threading.Event()
    outcomes: dict[str, str] = {}

    def reviewer_a():
        with committed.app_context():
            place, staff = db.session.get(Place, case.place), db.session.get(User, case.staff_a)
            seen = place.version
            loaded.wait()
            review.approve(place, staff, "問題ありません", expected_version=seen)
            a_flushed.set()  # the row is locked until this transaction ends
            for _ in range(200):
                if _waiting_for_a_lock(committed):
                    break
                time.sleep(0.05)
            db.session.commit()
            outcomes["a"] = "decided"

    def reviewer_b():
        with committed.app_context():
            place, staff = db.session.get(Place, case.place), db.session.get(User, case.staff_b)
            seen = place.version
            loaded.wait()
            a_flushed.wait(timeout=20)
            try:
                review.request_changes(place, staff, "写真が暗い", expected_version=seen)
                db.session.commit()
                outcomes["b"] = "decided"
            except (EditConflict, InvalidTransition) as error:
                db.session.rollback()
                outcomes["b"] = type(error).__name__

    run_concurrently(reviewer_a, reviewer_b)
    assert outcomes == {"a": "decided", "b": "EditConflict"}
    (event,) = decision_events(committed, case.place)
    assert (event.actor_id, event.to_status, event.reason) == (
        case.staff_a, PlaceStatus.APPROVED, "問題ありません",
    )  # fmt: skip
    with committed.app_context():
        place = db.session.get(Place, case.place)
        assert place.status == PlaceStatus.APPROVED
        told = db.session.scalars(
            select(Notification.kind).where(Notification.user_id == case.owner)
        ).all()
    assert told == [NotificationKind.PLACE_APPROVED]


def test_two_reviewers_free_for_all(committed):
    """No choreography: both decide as soon as both have loaded; exactly one wins."""
    case = commit_case(committed)
    loaded = threading.Barrier(2, timeout=20)
    outcomes: dict[str, str] = {}

    def reviewer(key: str, staff_id: int, decision: str):
        def act():
            with committed.app_context():
                place, staff = db.session.get(Place, case.place), db.session.get(User, staff_id)
                seen = place.version
                loaded.wait()
                try:
                    if decision == "approve":
                        review.approve(place, staff, None, expected_version=seen)
                    else:
                        review.reject(place, staff, "対象外です", expected_version=seen)
                    db.session.commit()
                    outcomes[key] = "decided"
                except (EditConflict, InvalidTransition) as error:
                    db.session.rollback()
                    outcomes[key] = type(error).__name__

        return act

    run_concurrently(reviewer("a", case.staff_a, "approve"), reviewer("b", case.staff_b, "reject"))
    assert sorted(outcomes.values()) == ["EditConflict", "decided"]
    (event,) = decision_events(committed, case.place)
    winner = case.staff_a if outcomes["a"] == "decided" else case.staff_b
    assert event.actor_id == winner
    assert status_of(committed, case.place) == event.to_status.value


def test_owner_saving_changes_while_staff_approves_an_older_version(committed):
    """The reviewer read the owner's first proposal; the owner saved another since. Approving
    what the reviewer read must not publish it, nor overwrite the owner's newer values."""
    case = commit_case(committed, PlaceStatus.APPROVED)
    with committed.app_context():
        place, owner = db.session.get(Place, case.place), db.session.get(User, case.owner)
        published_name = place.name
        propose_revision(place, owner, {**raw_from_place(place), "name": "最初の提案"})
        db.session.commit()

    with committed.app_context():  # the reviewer's request
        revision = db.session.scalar(
            select(PlaceRevision).where(
                PlaceRevision.place_id == case.place,
                PlaceRevision.status == RevisionStatus.PENDING,
            )
        )
        staff, seen = db.session.get(User, case.staff_a), revision.version
        assert revision.values["name"] == "最初の提案"

        with committed.app_context():  # meanwhile, the owner's request
            place, owner = db.session.get(Place, case.place), db.session.get(User, case.owner)
            propose_revision(place, owner, {**raw_from_place(place), "name": "二度目の提案"})
            db.session.commit()

        with pytest.raises(EditConflict):
            approve_revision(revision, staff, None, expected_version=seen)
        db.session.rollback()
        revision_id = revision.id

    with committed.app_context():
        place = db.session.get(Place, case.place)
        revision = db.session.get(PlaceRevision, revision_id)
        assert place.name == published_name
        assert revision.status == RevisionStatus.PENDING
        assert revision.values["name"] == "二度目の提案"
        approved = select(func.count()).where(
            ReviewEvent.place_id == case.place,
            ReviewEvent.action == ReviewAction.REVISION_APPROVED,
        )
        assert db.session.scalar(approved) == 0
