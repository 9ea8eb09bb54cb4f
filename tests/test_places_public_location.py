"""Privacy of approximate places: the public point is a stable random point in the ½ mesh cell.

The ``places_derive`` trigger draws it once, keeps it while the place stays in its ~500 m cell,
and redraws it only when the place moves to another cell: repeated samples must never average
back to the home.
"""

import pytest
from shapely.geometry import Point
from sqlalchemy import text

from hiroba import geo
from hiroba.districts.importing import read_districts
from hiroba.districts.services import import_districts
from hiroba.extensions import db
from hiroba.places.models import PlaceStatus
from hiroba.places.services import create_place, update_place
from hiroba.review import services as review
from hiroba.seeding import SEEDS
from tests.factories import NAKAHARA, WARD_POINTS, place_values

LON, LAT = WARD_POINTS[NAKAHARA]
TOKYO_STATION = (139.7671, 35.6812)


def facts(place):
    """What the database holds for the place: true and public points, mesh code, cell, ward."""
    row = db.session.execute(
        text("""
            SELECT ST_X(p.location) AS lon, ST_Y(p.location) AS lat,
                   ST_X(p.public_location) AS public_lon, ST_Y(p.public_location) AS public_lat,
                   p.public_mesh_code AS mesh,
                   hiroba_half_mesh_code(p.location) AS true_mesh,
                   ST_Covers(hiroba_half_mesh_cell(hiroba_half_mesh_code(p.location)),
                             p.public_location) AS public_in_cell,
                   ST_Covers(d.boundary, p.public_location) AS public_in_district,
                   ST_Equals(p.location, p.public_location) AS public_is_true
            FROM places p JOIN districts d ON d.code = p.district_code
            WHERE p.id = :id
        """),
        {"id": place.id},
    ).one()
    return row._asdict()


def public_point(place):
    found = facts(place)
    return (found["public_lon"], found["public_lat"])


def mesh_code(lon, lat):
    return db.session.scalar(
        text("SELECT hiroba_half_mesh_code(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"),
        {"lon": lon, "lat": lat},
    )


def approximate(**overrides):
    return place_values(kind="vacant_house", location_precision="approximate", **overrides)


@pytest.fixture
def owner(make_user):
    return make_user()


@pytest.fixture
def home(app_context, owner):
    """An approximate listing (a vacant house) in 中原区, as a draft its owner may edit."""
    place = create_place(owner, approximate())
    db.session.flush()
    return place


def edit(place, owner, **overrides):
    update_place(place, owner, approximate(**overrides))
    db.session.flush()


def test_tokyo_station_is_in_half_mesh_533946113(app_context):
    """A known JIS X 0410 code: 3rd mesh 53394611, north-west quarter."""
    assert mesh_code(*TOKYO_STATION) == "533946113"
    covers, width, height = db.session.execute(
        text("""
            SELECT ST_Covers(cell, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)),
                   ST_XMax(cell) - ST_XMin(cell), ST_YMax(cell) - ST_YMin(cell)
            FROM hiroba_half_mesh_cell('533946113') AS cell
        """),
        {"lon": TOKYO_STATION[0], "lat": TOKYO_STATION[1]},
    ).one()
    assert covers
    assert (width * 3600, height * 3600) == pytest.approx((22.5, 15.0))


def test_every_point_of_kawasaki_lies_in_the_cell_of_its_own_code(app_context):
    """Code and cell agree everywhere, including points exactly on cell edges."""
    misplaced = db.session.scalar(
        text("""
            SELECT count(*) FROM (
                SELECT ST_SetSRID(ST_MakePoint(139.5 + i * 11.25 / 3600, 35.5 + j * 7.5 / 3600),
                                  4326) AS pt
                FROM generate_series(0, 80) AS i, generate_series(0, 70) AS j
            ) AS grid
            WHERE NOT ST_Covers(hiroba_half_mesh_cell(hiroba_half_mesh_code(pt)), pt)
        """)
    )
    assert misplaced == 0


def test_approximate_place_is_published_at_a_point_in_its_cell_and_ward(home):
    found = facts(home)
    assert home.public_mesh_code == found["mesh"] == found["true_mesh"]
    assert len(found["mesh"]) == 9 and found["mesh"].isdigit()
    assert found["public_in_cell"]
    assert found["public_in_district"]
    assert not found["public_is_true"]
    assert geo.from_db(home.public_location) == Point(public_point(home))


def test_approximate_points_of_two_homes_in_one_cell_differ(app_context, owner, home):
    """Each home gets its own draw: the public point is not the cell's centre or corner."""
    neighbour = create_place(owner, approximate())
    db.session.flush()
    assert facts(neighbour)["mesh"] == facts(home)["mesh"]
    assert public_point(neighbour) != public_point(home)


def test_editing_the_description_keeps_the_same_public_point(home, owner):
    before = public_point(home)
    edit(home, owner, description="説明を書き直しました。")
    edit(home, owner, name="名前も変えました")
    assert public_point(home) == before


def test_moving_a_few_metres_inside_the_cell_keeps_the_same_public_point(home, owner):
    """Re-drawing on every small move would let repeated samples average back to the home."""
    before = facts(home)
    centre_lon, centre_lat = db.session.execute(
        text("SELECT ST_X(c), ST_Y(c) FROM ST_Centroid(hiroba_half_mesh_cell(:code)) AS c"),
        {"code": before["mesh"]},
    ).one()
    # About 3 m towards the centre of the cell, so certainly still inside it.
    lon = LON + (0.00003 if centre_lon > LON else -0.00003)
    lat = LAT + (0.00003 if centre_lat > LAT else -0.00003)
    assert mesh_code(lon, lat) == before["mesh"]

    for _ in range(3):
        edit(home, owner, location=[lon, lat])
        edit(home, owner, location=[LON, LAT])

    after = facts(home)
    assert (after["lon"], after["lat"]) == (LON, LAT)
    assert public_point(home) == (before["public_lon"], before["public_lat"])


def test_moving_to_another_cell_redraws_the_public_point_there(home, owner):
    before = facts(home)
    lon, lat = LON + 0.01, LAT  # about 900 m east
    assert mesh_code(lon, lat) != before["mesh"]

    edit(home, owner, location=[lon, lat])

    after = facts(home)
    assert after["mesh"] == mesh_code(lon, lat) == home.public_mesh_code
    assert after["public_in_cell"] and after["public_in_district"]
    assert not after["public_is_true"]
    assert public_point(home) != (before["public_lon"], before["public_lat"])


def test_switching_to_exact_publishes_the_true_point(home, owner):
    update_place(home, owner, place_values(kind="vacant_house", location_precision="exact"))
    db.session.flush()
    found = facts(home)
    assert found["public_is_true"]
    assert found["mesh"] is None


def test_switching_back_to_approximate_hides_the_true_point_again(home, owner):
    """The exact point published meanwhile must not be kept as the 'stable' public point."""
    update_place(home, owner, place_values(kind="vacant_house", location_precision="exact"))
    db.session.flush()
    edit(home, owner)
    found = facts(home)
    assert not found["public_is_true"]
    assert found["public_in_cell"]
    assert found["mesh"] == found["true_mesh"]


def test_exact_place_is_published_at_its_true_point(app_context, owner):
    place = create_place(owner, place_values())
    db.session.flush()
    found = facts(place)
    assert found["public_is_true"]
    assert found["mesh"] is None


@pytest.mark.parametrize("precision", ["approximate", "exact"])
def test_a_public_point_written_through_the_orm_is_overridden(app_context, owner, precision):
    """No code path can publish a point of its choosing, nor the home itself."""
    place = create_place(owner, place_values(kind="vacant_house", location_precision=precision))
    db.session.flush()
    before = facts(place)
    place.public_location = geo.to_db(Point(139.0, 35.0))
    place.public_mesh_code = "999999999"
    db.session.flush()
    db.session.refresh(place)

    after = facts(place)
    assert (after["public_lon"], after["public_lat"]) == (
        before["public_lon"],
        before["public_lat"],
    )
    assert after["mesh"] == before["mesh"]
    assert place.public_mesh_code == before["mesh"]


def test_raw_sql_cannot_put_the_public_point_on_the_home(app_context, owner, home):
    before = public_point(home)
    db.session.execute(
        text("UPDATE places SET public_location = location WHERE id = :id"), {"id": home.id}
    )
    assert public_point(home) == before
    assert not facts(home)["public_is_true"]


def test_approximate_place_in_review_keeps_its_public_point(
    app_context, make_user, make_place, make_staff
):
    """Submitting and approving (status updates) do not redraw the point either."""
    owner = make_user()
    place = make_place(owner, PlaceStatus.DRAFT, kind="vacant_house")
    before = public_point(place)
    review.submit(place, owner)
    review.approve(place, make_staff(place.district_code))
    assert public_point(place) == before


# Found by the synthetic-data run: with the demo ward boundaries, this point's cell meets 川崎区
# in three pieces, and PostGIS's ST_GeneratePoints never drew a point there.
KAWASAKI = "141313"
PIECES_POINT = (139.7494287328732, 35.51766896155527)


def test_a_home_whose_cell_meets_the_ward_in_pieces_can_be_saved(app_context, owner):
    """Saving must work with the public point inside the cell and the ward (regression: such
    places were refused for a NULL public point)."""
    import_districts(read_districts(SEEDS / "districts.geojson"))
    pieces = db.session.execute(
        text(
            "SELECT ST_NumGeometries(ST_CollectionExtract(ST_Intersection(hiroba_half_mesh_cell("
            "hiroba_half_mesh_code(ST_SetSRID(ST_MakePoint(:x, :y), 4326))), boundary), 3))"
            " FROM districts WHERE code = :ward"
        ),
        {"x": PIECES_POINT[0], "y": PIECES_POINT[1], "ward": KAWASAKI},
    ).scalar()
    assert pieces > 1
    drawn = set()
    for _ in range(5):
        place = create_place(
            owner, place_values(KAWASAKI, kind="vacant_house", location=list(PIECES_POINT))
        )
        inside = db.session.execute(
            text(
                "SELECT ST_Covers(hiroba_half_mesh_cell(public_mesh_code), public_location)"
                " AND ST_Covers(d.boundary, public_location), ST_AsText(public_location)"
                " FROM places JOIN districts d ON d.code = district_code WHERE places.id = :id"
            ),
            {"id": place.id},
        ).one()
        assert inside[0] is True
        drawn.add(inside[1])
    assert len(drawn) > 1  # still a random draw, not one fixed point
