"""The gap computation against hand-made geometry: a square ward, places at known points.

The expected areas are computed here independently of PostGIS: with Shapely, in a local metric
plane (metres per degree of the WGS 84 ellipsoid at the ward's latitude), where a place's reach
is a true circle. PostGIS draws reaches as 64-sided polygons in a UTM plane, so the two agree
within a fraction of a percent, and a reach of the wrong size (degrees for metres, diameter for
radius) or not clipped to the ward is off by far more.
"""

from __future__ import annotations

import math

import pytest
from shapely.geometry import MultiPolygon, Point, box

from hiroba import geo
from hiroba.coverage.queries import measure_coverage
from hiroba.districts.models import District
from hiroba.extensions import db
from hiroba.places.search import PlaceSearch
from hiroba.places.vocabulary import PlaceStatus

WARD = "990001"
NEIGHBOUR = "990002"
WEST, SOUTH, EAST, NORTH = 140.40, 36.00, 140.46, 36.05  # far from Kawasaki's wards
STEP_FREE = PlaceSearch(accessibility=("step_free_entrance",))
A = (140.42, 36.025)  # well inside
B = (140.455, 36.03)  # 450 m from the east edge: its reach is cut by the boundary
C = (140.44, 36.01)  # no step-free entrance
D = (140.43, 36.04)  # waiting for review: never counts
E = (140.4635, 36.02)  # in the neighbouring ward, 315 m east of the boundary


def metres_per_degree(lat: float) -> tuple[float, float]:
    """(east, north) metres per degree on the WGS 84 ellipsoid at ``lat``."""
    phi = math.radians(lat)
    north = 111132.954 - 559.822 * math.cos(2 * phi) + 1.175 * math.cos(4 * phi)
    east = 111412.84 * math.cos(phi) - 93.5 * math.cos(3 * phi) + 0.118 * math.cos(5 * phi)
    return east, north


LAT0 = (SOUTH + NORTH) / 2
EAST_M, NORTH_M = metres_per_degree(LAT0)


def plane(lon: float, lat: float) -> tuple[float, float]:
    return ((lon - WEST) * EAST_M, (lat - LAT0) * NORTH_M)


def expected_uncovered_m2(points, distance_m: float) -> float:
    ward = box(*plane(WEST, SOUTH), *plane(EAST, NORTH))
    reach = [Point(*plane(*p)).buffer(distance_m, quad_segs=256) for p in points]
    return ward.difference(MultiPolygon(reach).buffer(0) if len(reach) > 1 else reach[0]).area


@pytest.fixture
def square_wards(app):
    """Two hand-made square wards side by side (the west one is the ward under study)."""
    with app.app_context():
        for code, west, east in ((WARD, WEST, EAST), (NEIGHBOUR, EAST, EAST + 0.06)):
            square = MultiPolygon([box(west, SOUTH, east, NORTH)])
            db.session.add(District(code=code, name_ja=f"四角区{code}", boundary=geo.to_db(square)))
        db.session.commit()


@pytest.fixture
def places(square_wards, make_place, make_staff):
    reviewer = make_staff(WARD, NEIGHBOUR)
    step_free = {"accessibility": ["step_free_entrance"], "reviewer": reviewer}
    return {
        "A": make_place(location=list(A), **step_free),
        "B": make_place(location=list(B), **step_free),
        "C": make_place(location=list(C), accessibility=[], reviewer=reviewer),
        "D": make_place(location=list(D), status=PlaceStatus.PENDING, **step_free),
    }


def assert_close(actual: float, expected: float, relative: float) -> None:
    assert abs(actual - expected) <= relative * expected, (actual, expected)


def test_the_uncovered_area_is_the_ward_less_the_two_reaches(app_context, places):
    coverage = measure_coverage(WARD, STEP_FREE, 800)

    ward_m2 = box(*plane(WEST, SOUTH), *plane(EAST, NORTH)).area
    expected = expected_uncovered_m2([A, B], 800)
    assert_close(coverage.ward_area_m2, ward_m2, 0.001)
    assert_close(coverage.uncovered_m2, expected, 0.001)
    # What the reaches cover, on its own: one whole circle and one cut by the boundary.
    covered = coverage.ward_area_m2 - coverage.uncovered_m2
    assert math.pi * 800**2 < covered < 2 * math.pi * 800**2
    assert_close(covered, ward_m2 - expected, 0.01)
    assert coverage.uncovered_share == pytest.approx(coverage.uncovered_m2 / coverage.ward_area_m2)
    assert (coverage.places_counted, coverage.places_in_ward) == (2, 2)

    # One gap: the ward with a hole where A reaches and a notch where B does.
    assert coverage.gap_count == 1
    [gap] = coverage.gaps
    assert_close(gap.area_m2, expected, 0.001)
    assert gap.geometry["type"] == "Polygon"
    assert len(gap.geometry["coordinates"]) == 2  # the outer ring and A's hole
    assert WEST <= gap.point[0] <= EAST and SOUTH <= gap.point[1] <= NORTH
    # Its nearest place stands a reach away from its edge (a chord of the circle: just inside).
    assert gap.nearest_place_id in {places["A"].id, places["B"].id}
    assert 798 < gap.nearest_distance_m <= 800


def test_every_published_place_counts_without_filters(app_context, places):
    coverage = measure_coverage(WARD, PlaceSearch(), 800)

    assert_close(coverage.uncovered_m2, expected_uncovered_m2([A, B, C], 800), 0.001)
    assert coverage.places_counted == 3  # C now, and never the pending D


def test_a_longer_distance_leaves_less_uncovered(app_context, places):
    near = measure_coverage(WARD, STEP_FREE, 500)
    far = measure_coverage(WARD, STEP_FREE, 1500)

    assert_close(near.uncovered_m2, expected_uncovered_m2([A, B], 500), 0.001)
    assert_close(far.uncovered_m2, expected_uncovered_m2([A, B], 1500), 0.001)
    assert far.uncovered_m2 < near.uncovered_m2


def test_a_place_across_the_boundary_covers_the_ward_too(app_context, places, make_place):
    make_place(location=list(E), accessibility=["step_free_entrance"])

    coverage = measure_coverage(WARD, STEP_FREE, 800)

    assert_close(coverage.uncovered_m2, expected_uncovered_m2([A, B, E], 800), 0.001)
    assert (coverage.places_counted, coverage.places_in_ward) == (3, 2)


def test_a_ward_without_matching_places_is_one_gap(app_context, places):
    coverage = measure_coverage(WARD, PlaceSearch(kinds=("park",)), 800)

    assert coverage.uncovered_share == pytest.approx(1.0)
    assert coverage.gap_count == 1
    assert coverage.gaps[0].nearest_place_id is None
