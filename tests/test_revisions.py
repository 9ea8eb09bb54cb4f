"""Proposed changes to published places, reviewed on the staff page: the diff, then approve or
reject — with the photos that came with them — and never over an owner's newer save."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from hiroba.extensions import db
from hiroba.notifications.models import Notification, NotificationKind
from hiroba.photos.models import PlacePhoto
from hiroba.photos.services import add_photo, remove_photo
from hiroba.places.models import Place, PlaceRevision, RevisionStatus
from hiroba.places.revisions import propose_revision, withdraw_revision
from hiroba.places.values import raw_from_place
from hiroba.review import services as review
from hiroba.review.models import ReviewAction, ReviewEvent
from tests.factories import NAKAHARA

KAWASAKI = "141313"
TOKEN = re.compile(r'name="(?:[a-z]+-)?csrf_token"[^>]*value="([^"]+)"')
SATURDAY = [{"weekday": 6, "opens": "10:00", "closes": "16:00"}]


def log_in(client, user, language: str = "en"):
    """Log ``client`` in as ``user`` (the session Flask-Login reads) and choose the language."""
    with client.session_transaction() as session:
        session["_user_id"] = user.session_token
        session["_fresh"] = True
    client.set_cookie("hiroba_lang", language)
    return client


def png() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (40, 120, 200)).save(out, format="PNG")
    out.seek(0)
    return out


@pytest.fixture
def photo_dir(app, monkeypatch, tmp_path):
    """Photo files of this test go to a temporary instance folder."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path / "photos"


@pytest.fixture
def propose(app):
    """``propose(place, **changes)``: the owner saves an edit of the published place."""

    def save(place, **changes) -> PlaceRevision:
        with app.app_context():
            place = db.session.get(Place, place.id)
            revision = propose_revision(place, place.owner, {**raw_from_place(place), **changes})
            db.session.commit()
            return revision

    return save


def page(client, place_id: int, status: int = 200) -> str:
    response = client.get(f"/staff/places/{place_id}")
    assert response.status_code == status
    return response.get_data(as_text=True)


def revision_form(source: str) -> dict[str, str]:
    version = re.search(r'name="revision-version" type="hidden" value="(\d+)"', source)
    return {"revision-csrf_token": TOKEN.search(source).group(1), "revision-version": version[1]}


def decide(client, revision_id: int, data: dict[str, str], decision: str, reason: str = ""):
    data = {**data, "revision-decision": decision, "revision-reason": reason}
    return client.post(f"/staff/revisions/{revision_id}/decision", data=data)


def diff_rows(source: str) -> dict[str, tuple[str, str, str]]:
    """field -> (label, current, proposed) of the diff table."""
    rows = re.findall(
        r'<tr data-field="(\w+)"><th scope="row">([^<]*)</th>'
        r'<td class="diff-old">([^<]*)</td><td class="diff-new">([^<]*)</td></tr>',
        source,
    )
    return {field: (label, old, new) for field, label, old, new in rows}


def revision_events(app, place_id: int) -> list[tuple]:
    with app.app_context():
        events = db.session.scalars(
            select(ReviewEvent)
            .where(ReviewEvent.place_id == place_id, ReviewEvent.action != ReviewAction.TRANSITION)
            .order_by(ReviewEvent.id)
        )
        return [(e.action, e.actor_id, e.reason, e.revision_id) for e in events]


def publish(app, place, staff) -> int:
    """Submit a draft and approve it; returns its id."""
    with app.app_context():
        draft = db.session.get(Place, place.id)
        review.submit(draft, draft.owner)
        review.approve(draft, staff)
        db.session.commit()
        return draft.id


def test_an_owner_can_propose_changes_to_a_published_place(app, make_place, propose):
    """The owner's edit is stored for review; the public listing keeps its values."""
    place = make_place(name="元の名前")
    revision = propose(place, name="新しい名前")
    with app.app_context():
        assert db.session.get(Place, place.id).name == "元の名前"
        stored = db.session.get(PlaceRevision, revision.id)
        assert stored.status == RevisionStatus.PENDING
        assert stored.values["name"] == "新しい名前"


def test_the_page_shows_what_would_change_in_words(client, make_place, make_staff, propose):
    place = make_place(name="元の名前", kind="community_hall", capacity=30)
    propose(
        place, name="新しい名前", kind="park", capacity=45, opening_hours=SATURDAY,
        amenities=["wifi", "kitchen"], location=[139.6601, 35.5770],
    )  # fmt: skip
    source = page(log_in(client, make_staff(NAKAHARA)), place.id)
    rows = diff_rows(source)
    assert rows["name"] == ("Name", "元の名前", "新しい名前")
    assert rows["kind"] == ("Kind of place", "Community hall", "Park, green or plaza")
    assert rows["capacity"] == ("Capacity", "30", "45")
    assert rows["amenities"] == ("Amenities", "Wi-Fi, Tables and chairs", "Wi-Fi, Kitchen")
    label, current, proposed = rows["opening_hours"]
    assert label == "Opening hours"
    assert current.startswith("Monday 09:00–21:00\nTuesday 09:00–21:00")
    assert proposed == "Saturday 10:00–16:00"
    assert rows["location"][2] == "Latitude 35.577000, longitude 139.660100"
    assert set(rows) == {"name", "kind", "capacity", "amenities", "opening_hours", "location"}
    assert "Blue dashes show the proposed location or outline." in source
    assert 'action="/staff/revisions/' in source


def test_approving_publishes_the_values_and_the_photos(
    app, client, make_place, make_staff, propose, photo_dir
):
    place = make_place(name="元の名前")
    with app.app_context():
        published = db.session.get(Place, place.id)
        photo = add_photo(published, published.owner, png(), "新しい写真")
        db.session.commit()
    revision = propose(place, name="新しい名前")
    staff = make_staff(NAKAHARA)
    source = page(log_in(client, staff), place.id)
    assert f'<li class="photo-new" data-photo-id="{photo.id}">' in source

    response = decide(client, revision.id, revision_form(source), "approve", "確認しました")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Place, place.id).name == "新しい名前"
        assert db.session.get(PlaceRevision, revision.id).status == RevisionStatus.APPROVED
        assert db.session.get(PlacePhoto, photo.id).revision_id is None  # now public
        told = db.session.scalars(
            select(Notification).where(Notification.user_id == place.owner_id)
        ).all()
    assert [(n.kind, n.reason) for n in told][-1:] == [
        (NotificationKind.REVISION_APPROVED, "確認しました")
    ]
    assert revision_events(app, place.id) == [
        (ReviewAction.REVISION_PROPOSED, place.owner_id, None, revision.id),
        (ReviewAction.REVISION_APPROVED, staff.id, "確認しました", revision.id),
    ]


def test_approving_removes_the_photos_the_owner_removed(
    app, client, make_user, make_place, make_staff, photo_dir
):
    owner = make_user()
    place = make_place(owner, status="draft")
    with app.app_context():
        draft = db.session.get(Place, place.id)
        photo = add_photo(draft, owner, png(), "古い写真")
        db.session.commit()
    place = publish(app, place, make_staff(NAKAHARA))
    with app.app_context():
        remove_photo(db.session.get(PlacePhoto, photo.id), owner)
        db.session.commit()
        revision = db.session.scalar(select(PlaceRevision).where(PlaceRevision.place_id == place))
    source = page(log_in(client, make_staff(NAKAHARA)), place)
    assert f'<li class="photo-removed" data-photo-id="{photo.id}">' in source
    assert decide(client, revision.id, revision_form(source), "approve").status_code == 302
    with app.app_context():
        assert db.session.get(PlacePhoto, photo.id) is None


def test_rejecting_needs_a_reason_then_discards_the_changes(
    app, client, make_place, make_staff, propose, photo_dir
):
    place = make_place(name="元の名前")
    with app.app_context():
        published = db.session.get(Place, place.id)
        photo = add_photo(published, published.owner, png())
        db.session.commit()
    revision = propose(place, name="怪しい名前")
    staff = make_staff(NAKAHARA)
    source = page(log_in(client, staff), place.id)

    refused = decide(client, revision.id, revision_form(source), "reject", "  ")
    assert refused.status_code == 422
    assert 'id="revision-reason-error"' in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(PlaceRevision, revision.id).status == RevisionStatus.PENDING

    response = decide(client, revision.id, revision_form(source), "reject", "名前が違います")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Place, place.id).name == "元の名前"
        assert db.session.get(PlaceRevision, revision.id).status == RevisionStatus.REJECTED
        assert db.session.get(PlacePhoto, photo.id) is None  # discarded with the changes
        kinds = db.session.scalars(
            select(Notification.kind).where(Notification.user_id == place.owner_id)
        ).all()
    assert kinds[-1] == NotificationKind.REVISION_REJECTED
    assert revision_events(app, place.id)[-1] == (
        ReviewAction.REVISION_REJECTED, staff.id, "名前が違います", revision.id,
    )  # fmt: skip


def test_rejecting_with_a_template(app, client, make_place, make_staff, propose):
    place = make_place()
    revision = propose(place, description="住所は川崎市中原区小杉町9-9の自宅です。")
    source = page(log_in(client, make_staff(NAKAHARA)), place.id)
    data = {**revision_form(source), "revision-template": "private_address"}
    assert decide(client, revision.id, data, "reject").status_code == 302
    reason = revision_events(app, place.id)[-1][2]
    assert reason.startswith("The description or the name contains the address of a private home")


# --- the owner saved again, or took the changes back ------------------------------------------


def test_approving_an_older_version_than_the_owner_saved_is_refused(
    app, client, make_place, make_staff, propose
):
    place = make_place(name="元の名前")
    revision = propose(place, name="最初の提案")
    source = page(log_in(client, make_staff(NAKAHARA)), place.id)
    outdated = revision_form(source)
    propose(place, name="二度目の提案")  # the owner saves again while the page is open

    response = decide(client, revision.id, outdated, "approve", "OKです")
    assert response.status_code == 409
    refreshed = response.get_data(as_text=True)
    assert "Someone else decided first." in refreshed
    assert diff_rows(refreshed)["name"][2] == "二度目の提案"  # the page shows the newer save
    assert "OKです" in refreshed  # the reviewer's text is kept
    with app.app_context():
        assert db.session.get(Place, place.id).name == "元の名前"
        stored = db.session.get(PlaceRevision, revision.id)
        assert stored.status == RevisionStatus.PENDING
        assert stored.values["name"] == "二度目の提案"
    assert [a for a, *_ in revision_events(app, place.id)] == [ReviewAction.REVISION_PROPOSED]

    # Deciding again from the refreshed page is deciding on what it shows.
    again = decide(client, revision.id, revision_form(refreshed), "approve")
    assert again.status_code == 302
    with app.app_context():
        assert db.session.get(Place, place.id).name == "二度目の提案"


def test_changes_withdrawn_by_the_owner_cannot_be_decided(
    app, client, make_place, make_staff, propose
):
    place = make_place()
    revision = propose(place, name="やめた提案")
    source = page(log_in(client, make_staff(NAKAHARA)), place.id)
    with app.app_context():
        withdraw_revision(db.session.get(PlaceRevision, revision.id), place.owner)
        db.session.commit()
    response = decide(client, revision.id, revision_form(source), "approve")
    assert response.status_code == 409
    with app.app_context():
        assert db.session.get(PlaceRevision, revision.id).status == RevisionStatus.WITHDRAWN
        assert db.session.get(Place, place.id).name != "やめた提案"


def test_nobody_decides_on_changes_to_their_own_place(app, client, make_place, make_staff, propose):
    staff_owner = make_staff(NAKAHARA)
    place = make_place(staff_owner)
    revision = propose(place, name="自分で承認したい名前")
    source = page(log_in(client, staff_owner), place.id)
    assert 'action="/staff/revisions/' not in source
    data = {
        "revision-csrf_token": TOKEN.search(source).group(1),
        "revision-version": str(revision.version),
    }
    assert decide(client, revision.id, data, "approve").status_code == 403
    with app.app_context():
        assert db.session.get(PlaceRevision, revision.id).status == RevisionStatus.PENDING


def test_changes_in_another_ward_are_not_found(app, client, make_place, make_staff, propose):
    place = make_place()
    revision = propose(place, name="よその区の提案")
    log_in(client, make_staff(KAWASAKI))
    token = TOKEN.search(client.get("/staff/queue").get_data(as_text=True)).group(1)
    data = {"revision-csrf_token": token, "revision-version": str(revision.version)}
    assert decide(client, revision.id, data, "approve").status_code == 404
    assert decide(client, 999_999_999, data, "approve").status_code == 404
    with app.app_context():
        assert db.session.get(PlaceRevision, revision.id).status == RevisionStatus.PENDING


def test_archiving_a_place_closes_its_pending_changes(app, make_place, make_staff, propose):
    """Archiving withdraws the changes waiting for review: nobody could decide them any more,
    and their photos would stay private forever."""
    place = make_place()
    revision = propose(place, name="閉館前の提案")
    with app.app_context():
        review.archive(db.session.get(Place, place.id), make_staff(NAKAHARA), "閉館しました")
        db.session.commit()
        assert db.session.get(PlaceRevision, revision.id).status != RevisionStatus.PENDING
