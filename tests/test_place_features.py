"""Each place's public Feature, kept ready by the database (migration 0012): every change a
reader could notice — a reviewed edit, new opening hours, a renamed ward, a move to an
approximate location — shows in the API at once, and nothing the public may not see is kept."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text, update

from hiroba.districts.models import District
from hiroba.extensions import db
from hiroba.places import synthetic
from hiroba.places.models import OpeningPeriod, Place, PlaceFeature
from hiroba.places.revisions import approve_revision, propose_revision
from hiroba.places.values import raw_from_place
from tests.factories import NAKAHARA, WARD_POINTS

ITEM = "/api/collections/places/items/{}"
# Stored Features, export points or periods that differ from what their functions give now,
# and places without one.
STALE = """
SELECT count(*) FROM places p LEFT JOIN place_features f ON f.place_id = p.id
WHERE f.feature IS DISTINCT FROM hiroba_place_feature(p)
   OR f.export_point IS DISTINCT FROM hiroba_export_point(p)
   OR f.periods IS DISTINCT FROM hiroba_opening_periods(p.id)
"""


def item(client, place_id: int) -> dict:
    response = client.get(ITEM.format(place_id))
    assert response.status_code == 200
    return response.get_json()


def stale(app) -> int:
    with app.app_context():
        return db.session.scalar(text(STALE))


def test_an_approved_revision_shows_in_the_api_at_once(app, client, make_place, make_staff):
    place = make_place(name="旧い名前の会館")
    with app.app_context():
        place = db.session.get(Place, place.id)
        raw = raw_from_place(place) | {"name": "新しい名前の会館", "capacity": 45}
        revision = propose_revision(place, place.owner, raw)
        approve_revision(revision, make_staff(NAKAHARA))
        db.session.commit()
    properties = item(client, place.id)["properties"]
    assert (properties["name"], properties["capacity"]) == ("新しい名前の会館", 45)
    assert stale(app) == 0


@pytest.mark.parametrize("change", ["insert", "update", "delete"])
def test_opening_hours_written_any_way_show_in_the_feature(app, client, make_place, change):
    place = make_place()  # weekdays 09:00–21:00
    with app.app_context():
        hours = select(OpeningPeriod).where(OpeningPeriod.place_id == place.id)
        if change == "insert":
            db.session.add(OpeningPeriod(place_id=place.id, weekday=6, opens_minute=600,
                                         closes_minute=1440))  # fmt: skip
        elif change == "update":
            db.session.execute(update(OpeningPeriod).where(OpeningPeriod.place_id == place.id)
                               .values(opens_minute=420))  # fmt: skip
        else:
            for period in db.session.scalars(hours):
                db.session.delete(period)
        db.session.commit()
    shown = item(client, place.id)["properties"]["opening_hours"]
    expected = {
        "insert": [*({"weekday": d, "opens": "09:00", "closes": "21:00"} for d in range(1, 6)),
                   {"weekday": 6, "opens": "10:00", "closes": "24:00"}],
        "update": [{"weekday": d, "opens": "07:00", "closes": "21:00"} for d in range(1, 6)],
        "delete": [],
    }[change]  # fmt: skip
    assert shown == expected
    assert stale(app) == 0


def test_renaming_a_ward_renames_it_in_the_features_of_its_places(app, client, make_place):
    place = make_place()
    with app.app_context():
        ward = db.session.get(District, NAKAHARA)
        ward.name_en = "Nakahara City Ward"
        db.session.commit()
    assert item(client, place.id)["properties"]["district_name_en"] == "Nakahara City Ward"
    assert stale(app) == 0


def test_a_ward_redrawn_moves_the_export_points_of_its_places(app, make_place):
    place = make_place(location_precision="approximate")
    with app.app_context():
        db.session.execute(text("UPDATE place_features SET export_point = "
                                "ST_SetSRID(ST_MakePoint(0, 0), 4326) WHERE place_id = :id"),
                           {"id": place.id})  # fmt: skip
        assert db.session.scalar(text(STALE)) == 1
        ward = db.session.get(District, NAKAHARA)
        ward.boundary = func.ST_Multi(func.ST_Buffer(District.boundary, 0.0001))
        db.session.commit()
    assert stale(app) == 0


def test_a_place_made_approximate_keeps_no_address_or_outline(app, client, make_place):
    lon, lat = WARD_POINTS[NAKAHARA]
    ring = [[lon - 1e-4, lat - 1e-4], [lon + 1e-4, lat - 1e-4], [lon + 1e-4, lat + 1e-4],
            [lon - 1e-4, lat + 1e-4], [lon - 1e-4, lat - 1e-4]]  # fmt: skip
    outline = {"type": "Polygon", "coordinates": [ring]}
    place = make_place(footprint=outline)
    assert item(client, place.id)["properties"]["address"]
    with app.app_context():
        db.session.execute(update(Place).where(Place.id == place.id)
                           .values(location_precision="approximate"))  # fmt: skip
        db.session.commit()
        kept = db.session.scalar(
            select(PlaceFeature.feature).where(PlaceFeature.place_id == place.id)
        )
        true_point = db.session.scalar(select(func.ST_AsText(Place.location))
                                       .where(Place.id == place.id))  # fmt: skip
    assert "川崎市中原区" not in kept and "Polygon" not in kept
    shown = item(client, place.id)
    assert shown["properties"]["address"] is None and shown["properties"]["footprint"] is None
    lon, lat = true_point.removeprefix("POINT(").rstrip(")").split()
    assert shown["geometry"]["coordinates"] != [float(lon), float(lat)]


def test_a_bulk_load_gets_every_feature_once_with_its_hours(app):
    """synth-places builds Features once at the end, with triggers off during the load; its
    removal leaves no Feature behind."""
    with app.app_context():
        synthetic.generate(300)
        db.session.commit()
        assert db.session.scalar(text(STALE)) == 0
        hours = db.session.scalar(text(
            "SELECT count(*) FROM place_features f JOIN places p ON p.id = f.place_id"
            " WHERE f.feature LIKE '%\"opening_hours\" : []%' AND EXISTS"
            " (SELECT 1 FROM opening_hours h WHERE h.place_id = p.id)"))  # fmt: skip
        assert hours == 0
        enabled = db.session.scalars(text(
            "SELECT tgenabled FROM pg_trigger WHERE tgname = 'place_features_after_insert'"
        )).all()  # fmt: skip
        assert enabled == ["O", "O"]  # enabled again on both tables

        synthetic.remove()  # the only places ever deleted: they have no history
        assert db.session.scalar(select(func.count()).select_from(PlaceFeature)) == (
            db.session.scalar(select(func.count()).select_from(Place))
        )
