"""Caching headers, conditional GET and CORS on the places items, and export file names.

On a scratch database with the demo seeds where commits are real, so that each change gets
its own ``now()`` and Last-Modified can move (inside the per-test transaction it never would).
"""

from __future__ import annotations

import time
from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime

import pytest
from sqlalchemy import select, text

from hiroba.extensions import db
from hiroba.places.models import Place, PlaceStatus
from hiroba.places.revisions import approve_revision, propose_revision
from hiroba.places.values import raw_from_place
from hiroba.review import services as review
from hiroba.seeding import reviewer_for
from tests.seeded_search import ITEMS, own_sessions, seeded_database

PAGE = f"{ITEMS}?kind=park&sortby=name"


@pytest.fixture(scope="module")
def seeded_app(cluster, app):
    with seeded_database(cluster, "caching") as scratch:
        # Seeds are written in the same second as the tests run: move them an hour back so a
        # change made now is visibly later (HTTP dates count whole seconds).
        with own_sessions(), scratch.app_context():
            db.session.execute(
                text("UPDATE places SET updated_at = updated_at - interval '1 hour'")
            )
            db.session.commit()
        yield scratch


@pytest.fixture
def api(seeded_app):
    with own_sessions():
        yield seeded_app.test_client()


def first_approved(app, **where) -> int:
    with app.app_context():
        return db.session.scalar(
            select(Place.id).filter_by(status=PlaceStatus.APPROVED, **where).order_by(Place.id)
        )


def approve_a_pending_place(app) -> int:
    """Approve a pending place (not a park) and return its id."""
    with app.app_context():
        place = db.session.scalar(
            select(Place)
            .where(Place.status == PlaceStatus.PENDING, Place.kind != "park")
            .order_by(Place.id)
        )
        review.approve(place, reviewer_for(place))
        db.session.commit()
        return place.id


def edit_description(app, place_id: int) -> None:
    with app.app_context():
        place = db.session.get(Place, place_id)
        revision = propose_revision(
            place, place.owner, {**raw_from_place(place), "description": "説明を新しくしました。"}
        )
        approve_revision(revision, reviewer_for(place))
        db.session.commit()


def early_in_a_second() -> None:
    """Wait for the start of a wall-clock second, so that two quick requests share it."""
    fraction = time.time() % 1
    if fraction > 0.5:
        time.sleep(1.01 - fraction)


def http_date(value: str) -> float:
    return parsedate_to_datetime(value).timestamp()


# --- validators --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["page", "item"])
def test_items_carry_etag_last_modified_and_cache_control(api, seeded_app, kind):
    url = PAGE if kind == "page" else f"{ITEMS}/{first_approved(seeded_app)}"
    response = api.get(url)
    assert response.status_code == 200
    assert response.headers.get("ETag")
    assert response.last_modified is not None
    assert "max-age" in response.headers["Cache-Control"]


@pytest.mark.parametrize("kind", ["page", "item"])
def test_if_none_match_with_the_etag_is_304_without_a_body(api, seeded_app, kind):
    url = PAGE if kind == "page" else f"{ITEMS}/{first_approved(seeded_app)}"
    early_in_a_second()
    etag = api.get(url).headers["ETag"]
    again = api.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == etag
    other = api.get(url, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.get_data()


@pytest.mark.parametrize("kind", ["page", "item"])
def test_an_unchanged_resource_keeps_its_etag_as_time_passes(api, seeded_app, kind):
    """Clients revalidate after max-age: a 304 needs the same ETag a while later, not only
    within the same second."""
    url = PAGE if kind == "page" else f"{ITEMS}/{first_approved(seeded_app)}"
    first = api.get(url)
    time.sleep(1.1)
    later = api.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert later.status_code == 304, "the ETag changed although no place did"


@pytest.mark.parametrize("kind", ["page", "item"])
def test_if_modified_since_is_answered_by_last_modified(api, seeded_app, kind):
    url = PAGE if kind == "page" else f"{ITEMS}/{first_approved(seeded_app)}"
    modified = api.get(url).headers["Last-Modified"]
    later = format_datetime(parsedate_to_datetime(modified) + timedelta(minutes=5), usegmt=True)
    assert api.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    not_modified = api.get(url, headers={"If-Modified-Since": later})
    assert not_modified.status_code == 304 and not_modified.get_data() == b""
    earlier = format_datetime(parsedate_to_datetime(modified) - timedelta(days=1), usegmt=True)
    assert api.get(url, headers={"If-Modified-Since": earlier}).status_code == 200


def test_last_modified_of_a_search_is_the_latest_change_to_any_place(api, seeded_app):
    with seeded_app.app_context():
        latest = db.session.scalar(select(Place.updated_at).order_by(Place.updated_at.desc()))
    response = api.get(PAGE)
    assert http_date(response.headers["Last-Modified"]) == int(latest.timestamp())


def test_approving_another_place_changes_the_etag_and_advances_last_modified(api, seeded_app):
    everything, parks = f"{ITEMS}?limit=1000", PAGE
    before = {url: api.get(url) for url in (everything, parks)}
    approved = approve_a_pending_place(seeded_app)
    after = api.get(everything, headers={"If-None-Match": before[everything].headers["ETag"]})
    assert after.status_code == 200
    assert approved in {f["id"] for f in after.get_json(force=True)["features"]}
    assert after.headers["ETag"] != before[everything].headers["ETag"]
    # Last-Modified is that of the whole registry: it moves for every search, the parks too.
    for url, earlier in before.items():
        response = api.get(url, headers={"If-Modified-Since": earlier.headers["Last-Modified"]})
        assert response.status_code == 200
        assert http_date(response.headers["Last-Modified"]) > http_date(
            earlier.headers["Last-Modified"]
        )


def test_editing_a_place_changes_its_item_etag_and_last_modified(api, seeded_app):
    place_id = first_approved(seeded_app, kind="cafe")
    url = f"{ITEMS}/{place_id}"
    before = api.get(url)
    edit_description(seeded_app, place_id)
    after = api.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.get_json(force=True)["properties"]["description"] == "説明を新しくしました。"
    assert after.headers["ETag"] != before.headers["ETag"]
    assert http_date(after.headers["Last-Modified"]) > http_date(before.headers["Last-Modified"])


# --- CORS --------------------------------------------------------------------------------------

ORIGIN = "https://map.example.org"


@pytest.mark.parametrize("url", [PAGE, f"{ITEMS}?f=csv", f"{ITEMS}?f=geojson", f"{ITEMS}/1",
                                 f"{ITEMS}?limit=0"])  # fmt: skip
def test_reads_from_any_origin_are_allowed(api, url):
    response = api.get(url, headers={"Origin": ORIGIN})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    exposed = {
        h.strip().lower() for h in response.headers["Access-Control-Expose-Headers"].split(",")
    }
    assert {"etag", "last-modified"} <= exposed
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize("url", [ITEMS, f"{ITEMS}/1"])
def test_preflight_allows_get_with_conditional_headers(api, url):
    response = api.options(
        url,
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match, accept",
        },
    )
    assert response.status_code in (200, 204)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    methods = {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert "GET" in methods and not methods & {"POST", "PUT", "PATCH", "DELETE"}
    allowed = {
        h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")
    }
    assert {"if-none-match", "accept"} <= allowed
    assert int(response.headers["Access-Control-Max-Age"]) > 0


def test_the_api_accepts_no_writes_from_a_browser(api):
    assert api.post(ITEMS, json={}).status_code == 405
    assert api.delete(f"{ITEMS}/1").status_code == 405


# --- exports -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "media_type", "filename"),
    [("csv", "text/csv", "hiroba-places.csv"), ("geojson", "application/geo+json",
                                                  "hiroba-places.geojson")],
)  # fmt: skip
def test_exports_are_attachments_with_their_file_name(api, fmt, media_type, filename):
    response = api.get(f"{ITEMS}?f={fmt}&kind=park")
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert response.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response.last_modified is not None
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_csv_chosen_by_accept_header_is_an_attachment_too(api):
    response = api.get(f"{ITEMS}?kind=park", headers={"Accept": "text/csv"})
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert 'filename="hiroba-places.csv"' in response.headers["Content-Disposition"]
