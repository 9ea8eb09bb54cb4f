"""The staff review queue and its map data: only the reviewer's wards, oldest first, filterable."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from hiroba.accounts.models import Role
from hiroba.extensions import db
from hiroba.places.models import Place, PlaceRevision
from hiroba.places.revisions import open_revision
from tests.factories import NAKAHARA, WARD_POINTS

KAWASAKI = "141313"  # 川崎区
TAKATSU = "141348"  # 高津区
HOSTILE_NAME = "<script>alert(1)</script>"


def log_in(client, user, language: str = "en"):
    """Log ``client`` in as ``user`` (the session Flask-Login reads) and choose the language."""
    with client.session_transaction() as session:
        session["_user_id"] = user.session_token
        session["_fresh"] = True
    client.set_cookie("hiroba_lang", language)
    return client


def queue_ids(source: str) -> list[tuple[int, int | None]]:
    """(place id, revision id or None) of each queue item, in page order."""
    items = re.findall(
        r'<li class="queue-item[^"]*"\s+data-place-id="(\d+)"(?: data-revision-id="(\d+)")?',
        source,
    )
    return [(int(p), int(r) if r else None) for p, r in items]


def waited_days(source: str) -> list[int]:
    return [int(d) for d in re.findall(r'class="queue-days" data-days="(\d+)"', source)]


@pytest.fixture
def waiting_since(app):
    """``waiting_since(place, days)``: pretend the place was submitted ``days`` ago."""

    def set_days(place, days: int):
        with app.app_context():
            db.session.execute(
                update(Place)
                .where(Place.id == place.id)
                .values(submitted_at=datetime.now(UTC) - timedelta(days=days, hours=1))
            )
            db.session.commit()

    return set_days


@pytest.fixture
def make_revision(app, make_place):
    """A published place with a pending revision (as when its owner adds a photo), last saved
    ``days`` ago."""

    def make(days: int = 0, ward: str = NAKAHARA, **overrides):
        place = make_place(ward=ward, **overrides)
        with app.app_context():
            place = db.session.get(Place, place.id)
            revision = open_revision(place, place.owner)
            db.session.flush()
            db.session.execute(
                update(PlaceRevision)
                .where(PlaceRevision.id == revision.id)
                .values(updated_at=datetime.now(UTC) - timedelta(days=days, hours=1))
            )
            db.session.commit()
            return place, revision

    return make


# --- who may see the queue ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/staff/queue", "/staff/queue.geojson"])
def test_residents_are_forbidden(client, make_user, path):
    log_in(client, make_user())
    assert client.get(path).status_code == 403


def test_staff_without_a_ward_are_forbidden(client, make_user):
    log_in(client, make_user(Role.STAFF))
    assert client.get("/staff/queue").status_code == 403


@pytest.mark.parametrize("path", ["/staff/queue", "/staff/queue.geojson"])
def test_visitors_are_sent_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_queue_holds_only_the_reviewers_wards(client, make_place, make_staff, make_user):
    mine = make_place(status="pending", ward=NAKAHARA, name="中原の審査待ち")
    theirs = make_place(status="pending", ward=KAWASAKI, name="川崎の審査待ち")
    make_place(status="approved", ward=NAKAHARA, name="中原の公開済み")
    make_place(status="draft", ward=NAKAHARA, name="中原の下書き")

    source = log_in(client, make_staff(NAKAHARA)).get("/staff/queue").get_data(as_text=True)
    assert queue_ids(source) == [(mine.id, None)]
    assert "中原の審査待ち" in source
    assert "川崎の審査待ち" not in source
    assert "中原の公開済み" not in source and "中原の下書き" not in source

    source = log_in(client, make_staff(KAWASAKI)).get("/staff/queue").get_data(as_text=True)
    assert queue_ids(source) == [(theirs.id, None)]

    source = log_in(client, make_user(Role.ADMIN)).get("/staff/queue").get_data(as_text=True)
    assert {place_id for place_id, _ in queue_ids(source)} == {mine.id, theirs.id}


def test_staff_of_several_wards_see_all_of_them(client, make_place, make_staff):
    a = make_place(status="pending", ward=NAKAHARA)
    b = make_place(status="pending", ward=KAWASAKI)
    make_place(status="pending", ward=TAKATSU)
    source = (
        log_in(client, make_staff(NAKAHARA, KAWASAKI)).get("/staff/queue").get_data(as_text=True)
    )
    assert {place_id for place_id, _ in queue_ids(source)} == {a.id, b.id}


# --- order, waiting time and what each item says --------------------------------------------


def test_oldest_first_with_days_waited(
    client, make_place, make_staff, make_revision, waiting_since
):
    fresh = make_place(status="pending")
    old = make_place(status="pending")
    middle = make_place(status="pending")
    waiting_since(old, 10)
    waiting_since(middle, 3)
    published, revision = make_revision(days=5)

    source = log_in(client, make_staff(NAKAHARA)).get("/staff/queue").get_data(as_text=True)
    assert queue_ids(source) == [
        (old.id, None),
        (published.id, revision.id),
        (middle.id, None),
        (fresh.id, None),
    ]
    assert waited_days(source) == [10, 5, 3, 0]
    assert "10 days" in source and "0 days" in source
    assert "4 items waiting" in source


def test_items_say_ward_kind_owner_revision_and_proxy(
    app, client, make_place, make_user, make_staff, make_revision
):
    owner = make_user(display_name="持ち主さん")
    place = make_place(owner, status="pending", kind="park")
    proxy_staff = make_staff(NAKAHARA)
    with app.app_context():
        db.session.execute(
            update(Place)
            .where(Place.id == place.id)
            .values(registered_by_id=proxy_staff.id, proxy_consent_note="電話で同意")
        )
        db.session.commit()
    make_revision()

    source = log_in(client, make_staff(NAKAHARA)).get("/staff/queue").get_data(as_text=True)
    items = [chunk.split("</li>")[0] for chunk in source.split('<li class="queue-item')[1:]]
    new_item = next(i for i in items if f'data-place-id="{place.id}"' in i)
    revision_item = next(i for i in items if "is-revision" in i)
    assert "Nakahara" in new_item  # the ward, in the page's language
    assert "Park, green or plaza" in new_item
    assert "Owner: 持ち主さん" in new_item
    assert "New place" in new_item and "Changes to a published place" not in new_item
    assert "Registered on behalf of the owner" in new_item
    assert "Changes to a published place" in revision_item
    assert "Registered on behalf of the owner" not in revision_item
    assert f'href="/staff/places/{place.id}"' in new_item


def test_names_are_escaped(client, make_place, make_staff):
    make_place(status="pending", name=HOSTILE_NAME)
    source = log_in(client, make_staff(NAKAHARA)).get("/staff/queue").get_data(as_text=True)
    assert HOSTILE_NAME not in source
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in source


def test_an_empty_queue_says_so(client, make_staff):
    source = log_in(client, make_staff(TAKATSU)).get("/staff/queue").get_data(as_text=True)
    assert queue_ids(source) == []
    assert "Nothing is waiting" in source


# --- filters -------------------------------------------------------------------------------------


def test_filter_by_ward_and_kind(client, make_place, make_staff):
    hall = make_place(status="pending", ward=NAKAHARA, kind="community_hall")
    park = make_place(status="pending", ward=NAKAHARA, kind="park")
    other_ward_park = make_place(status="pending", ward=KAWASAKI, kind="park")
    log_in(client, make_staff(NAKAHARA, KAWASAKI))

    def ids(query):
        response = client.get(f"/staff/queue{query}")
        assert response.status_code == 200
        return {place_id for place_id, _ in queue_ids(response.get_data(as_text=True))}

    assert ids("") == {hall.id, park.id, other_ward_park.id}
    assert ids(f"?ward={NAKAHARA}") == {hall.id, park.id}
    assert ids("?kind=park") == {park.id, other_ward_park.id}
    assert ids(f"?ward={KAWASAKI}&kind=park") == {other_ward_park.id}
    assert ids("?ward=&kind=") == {hall.id, park.id, other_ward_park.id}
    assert ids("?kind=school") == set()


@pytest.mark.parametrize(
    "query",
    [
        f"?ward={KAWASAKI}",  # a real ward, but not one of this reviewer's
        "?ward=999999",
        "?ward=<script>",
        "?ward=%00",
        "?kind=castle",
        "?kind=PARK",
        "?kind=" + "x" * 5000,
    ],
)
@pytest.mark.parametrize("path", ["/staff/queue", "/staff/queue.geojson"])
def test_bad_filters_are_a_400_page(client, make_staff, path, query):
    log_in(client, make_staff(NAKAHARA))
    response = client.get(path + query)
    assert response.status_code == 400
    assert "<script>" not in response.get_data(as_text=True)


def test_admins_may_filter_by_any_ward(client, make_place, make_user):
    place = make_place(status="pending", ward=TAKATSU)
    log_in(client, make_user(Role.ADMIN))
    source = client.get(f"/staff/queue?ward={TAKATSU}").get_data(as_text=True)
    assert queue_ids(source) == [(place.id, None)]


def test_the_map_loads_the_same_filters(client, make_staff):
    log_in(client, make_staff(NAKAHARA))
    source = client.get(f"/staff/queue?ward={NAKAHARA}&kind=park").get_data(as_text=True)
    assert f'data-geojson="/staff/queue.geojson?ward={NAKAHARA}&amp;kind=park"' in source
    assert "js/queue-map.js" in source


# --- the map's data ------------------------------------------------------------------------------


def test_geojson_has_exact_points_of_the_reviewers_wards_only(
    client, make_place, make_staff, make_revision, waiting_since
):
    home = (139.658713, 35.577331)
    approximate = make_place(
        status="pending", kind="vacant_house", sector="private",
        location_precision="approximate", location=list(home), name="空き家",
    )  # fmt: skip
    waiting_since(approximate, 2)
    _published, revision = make_revision()
    make_place(status="pending", ward=KAWASAKI)

    response = log_in(client, make_staff(NAKAHARA)).get("/staff/queue.geojson")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    assert "no-store" in response.headers["Cache-Control"]
    data = response.get_json()
    assert data["type"] == "FeatureCollection"
    first, second = data["features"]
    assert first["geometry"] == {"type": "Point", "coordinates": list(home)}
    assert first["properties"]["place_id"] == approximate.id
    assert first["properties"]["revision_id"] is None
    assert first["properties"]["name"] == "空き家"
    assert first["properties"]["waiting_days"] == 2
    assert first["properties"]["url"] == f"/staff/places/{approximate.id}"
    assert second["properties"]["revision_id"] == revision.id
    assert second["geometry"]["coordinates"] == list(WARD_POINTS[NAKAHARA])


def test_geojson_follows_the_filters(client, make_place, make_staff):
    make_place(status="pending", kind="community_hall")
    park = make_place(status="pending", kind="park")
    log_in(client, make_staff(NAKAHARA))
    data = client.get("/staff/queue.geojson?kind=park").get_json()
    assert [f["properties"]["place_id"] for f in data["features"]] == [park.id]


def test_admin_geojson_covers_every_ward(client, make_place, make_user):
    places = {make_place(status="pending", ward=ward).id for ward in (NAKAHARA, KAWASAKI, TAKATSU)}
    data = log_in(client, make_user(Role.ADMIN)).get("/staff/queue.geojson").get_json()
    assert {f["properties"]["place_id"] for f in data["features"]} == places
