"""geo.py parses every coordinate and shape a user sends, so bad input is refused at the edge."""

import math

import pytest
import shapely
from flask_babel import force_locale
from shapely.geometry import MultiPolygon, Point, Polygon

from hiroba import geo
from hiroba.errors import InvalidGeometry

# A point in 中原区 (lon, lat) and a small square around it, about 90 m x 110 m.
LON, LAT = 139.6595, 35.5763
HUGE = 10**400  # a valid JSON number that no float can hold


def square(half=0.0005, lon=LON, lat=LAT, clockwise=False):
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
    ]
    if clockwise:
        ring.reverse()
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def circle(vertices, radius=0.001):
    """A closed ring of ``vertices`` distinct points (plus the closing one)."""
    ring = [
        [LON + radius * math.cos(2 * math.pi * i / vertices),
         LAT + radius * math.sin(2 * math.pi * i / vertices)]
        for i in range(vertices)
    ]  # fmt: skip
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


@pytest.fixture
def english(app_context):
    """Messages are translated lazily; the assertions read their English text."""
    with force_locale("en"):
        yield


def refusal(call, field):
    """The message of the InvalidGeometry that ``call`` raises for ``field``."""
    with pytest.raises(InvalidGeometry) as raised:
        call()
    assert set(raised.value.errors) == {field}
    return str(raised.value.errors[field])


# --- parse_point -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lon", "lat"),
    [
        (LON, LAT),
        (str(LON), str(LAT)),
        (" 139.6595 ", "35.5763"),
        (139, 35),
        (-180, -90),
        (180, 90),
    ],
)
def test_parse_point_accepts_numbers_and_numeric_strings(lon, lat):
    """Forms send strings, the API numbers: both give the same point, lon first."""
    point = geo.parse_point(lon, lat)
    assert isinstance(point, Point)
    assert (point.x, point.y) == (float(lon), float(lat))


@pytest.mark.parametrize(
    ("lon", "lat"),
    [
        ("abc", LAT),
        (LON, ""),
        (None, LAT),
        (LON, None),
        ([LON], LAT),
        (True, LAT),
        (LON, False),
        (float("nan"), LAT),
        (LON, float("inf")),
        (float("-inf"), LAT),
        ("nan", LAT),
        (LON, "NaN"),
        ("Infinity", LAT),
        (LON, "-infinity"),
        pytest.param(HUGE, LAT, id="huge-int-lon"),
        pytest.param(LON, -HUGE, id="huge-int-lat"),
    ],
)
def test_parse_point_refuses_what_is_not_a_finite_number(english, lon, lat):
    """Booleans, None, text, NaN/Infinity (also as strings) and integers too big for a float
    (JSON allows them) are a validation error, never a point nor an HTTP 500."""
    message = refusal(lambda: geo.parse_point(lon, lat), "location")
    assert "number" in message


@pytest.mark.parametrize(
    ("lon", "lat", "expected"),
    [
        (180.5, LAT, "Longitude must be between -180 and 180"),
        (-200, LAT, "Longitude must be between -180 and 180"),
        (LON, 90.01, "Latitude must be between -90 and 90"),
        (LON, -95, "Latitude must be between -90 and 90"),
        (LON, 200, "Latitude must be between -90 and 90"),
    ],
)
def test_parse_point_refuses_out_of_range_coordinates(english, lon, lat, expected):
    """A point off the globe is refused with a message naming the wrong coordinate."""
    message = refusal(lambda: geo.parse_point(lon, lat), "location")
    assert expected in message
    assert "swapped" not in message


@pytest.mark.parametrize(("lon", "lat"), [(LAT, LON), ("35.6812", "139.7671"), (-33.9, 151.2)])
def test_parse_point_names_swapped_latitude_and_longitude(english, lon, lat):
    """lat/lon in the wrong order (the usual mistake) gets a message saying so."""
    message = refusal(lambda: geo.parse_point(lon, lat), "location")
    assert "look swapped" in message
    assert "longitude comes first" in message


def test_parse_point_reports_the_field_it_was_given(english):
    """The error names the form field, so the form can show it beside the right input."""
    refusal(lambda: geo.parse_point("x", "y", field="near"), "near")


# --- parse_polygon -----------------------------------------------------------------------------


def test_parse_polygon_accepts_a_small_valid_outline():
    polygon = geo.parse_polygon(square())
    assert isinstance(polygon, Polygon)
    assert polygon.is_valid
    assert polygon.covers(Point(LON, LAT))
    assert geo.area_km2(polygon) == pytest.approx(0.0099, rel=0.05)


@pytest.mark.parametrize("clockwise", [True, False])
def test_parse_polygon_orients_the_outline_counter_clockwise(clockwise):
    """RFC 7946 right-hand rule: the exterior ring is always counter-clockwise."""
    polygon = geo.parse_polygon(square(clockwise=clockwise))
    assert polygon.exterior.is_ccw
    assert shapely.equals(polygon, shapely.geometry.shape(square()))


def test_parse_polygon_orients_holes_clockwise():
    outer_clockwise = square(half=0.001, clockwise=True)["coordinates"][0]
    hole_counter_clockwise = square(half=0.0002)["coordinates"][0]
    polygon = geo.parse_polygon(
        {"type": "Polygon", "coordinates": [outer_clockwise, hole_counter_clockwise]}
    )
    assert polygon.exterior.is_ccw
    assert not polygon.interiors[0].is_ccw
    assert not polygon.covers(Point(LON, LAT))  # the hole is kept, not filled


def test_parse_polygon_refuses_a_self_intersecting_bow_tie(english):
    bow_tie = {
        "type": "Polygon",
        "coordinates": [
            [[LON, LAT], [LON + 0.001, LAT + 0.001], [LON + 0.001, LAT], [LON, LAT + 0.001],
             [LON, LAT]]
        ],
    }  # fmt: skip
    message = refusal(lambda: geo.parse_polygon(bow_tie), "footprint")
    assert "crosses itself" in message


@pytest.mark.parametrize(
    "ring",
    [
        [[LON, LAT], [LON + 0.001, LAT]],
        [[LON, LAT], [LON + 0.001, LAT], [LON, LAT]],
        [[LON, LAT], [LON + 0.001, LAT], [LON + 0.002, LAT], [LON, LAT]],
        [],
    ],
    ids=["two-points", "two-points-closed", "flat", "empty"],
)
def test_parse_polygon_refuses_too_few_points_or_no_area(english, ring):
    """An outline must enclose some area: fewer than three corners or a flat line is refused."""
    refusal(lambda: geo.parse_polygon({"type": "Polygon", "coordinates": [ring]}), "footprint")


def test_parse_polygon_closes_an_unclosed_ring_as_drawn():
    """A ring whose last corner is not repeated is closed, keeping the shape the owner drew."""
    open_ring = square()["coordinates"][0][:-1]
    polygon = geo.parse_polygon({"type": "Polygon", "coordinates": [open_ring]})
    assert polygon.exterior.is_closed
    assert shapely.equals(polygon, shapely.geometry.shape(square()))


@pytest.mark.parametrize(
    "value",
    [
        {"type": "MultiPolygon", "coordinates": [square()["coordinates"]]},
        {"type": "Point", "coordinates": [LON, LAT]},
        {"type": "LineString", "coordinates": [[LON, LAT], [LON + 0.001, LAT]]},
    ],
    ids=["multipolygon", "point", "line"],
)
def test_parse_polygon_refuses_other_geometry_types(english, value):
    message = refusal(lambda: geo.parse_polygon(value), "footprint")
    assert "single polygon" in message


@pytest.mark.parametrize(
    "value",
    [None, "POLYGON((0 0,1 0,1 1,0 0))", [1, 2], {"type": "Polygon"}, {"coordinates": []},
     {"type": "Polygon", "coordinates": "abc"}, {"type": "Nonsense", "coordinates": [1, 2]}],
    ids=["none", "wkt", "list", "no-coordinates", "no-type", "text-coordinates", "unknown-type"],
)  # fmt: skip
def test_parse_polygon_refuses_what_is_not_geojson(english, value):
    """Garbage is a validation error, never a crash."""
    refusal(lambda: geo.parse_polygon(value), "footprint")


def test_parse_polygon_accepts_up_to_2000_vertices():
    polygon = geo.parse_polygon(circle(geo.MAX_VERTICES - 1))
    assert len(polygon.exterior.coords) == geo.MAX_VERTICES


def test_parse_polygon_refuses_more_than_2000_vertices(english):
    """A huge outline is a mistake or an attack on the server, not a footprint."""
    message = refusal(lambda: geo.parse_polygon(circle(geo.MAX_VERTICES)), "footprint")
    assert "too many points" in message


@pytest.mark.parametrize(
    "bad", [float("nan"), float("inf"), float("-inf"), pytest.param(HUGE, id="huge-int")]
)
def test_parse_polygon_refuses_non_finite_coordinates(english, bad):
    """Python's JSON parser accepts NaN, Infinity and huge integers; all are refused cleanly."""
    value = square()
    value["coordinates"][0][1] = [bad, LAT]
    refusal(lambda: geo.parse_polygon(value), "footprint")


def test_parse_polygon_refuses_out_of_range_corners(english):
    value = square()
    value["coordinates"][0][2] = [LON, 95.0]
    refusal(lambda: geo.parse_polygon(value), "footprint")


def test_parse_polygon_accepts_an_outline_of_almost_5_km2():
    polygon = geo.parse_polygon(square(half=0.0105))  # about 1.9 km x 2.3 km
    assert 4 < geo.area_km2(polygon) <= geo.MAX_FOOTPRINT_KM2


def test_parse_polygon_refuses_an_outline_over_5_km2(english):
    """A footprint the size of a ward is not one place."""
    message = refusal(lambda: geo.parse_polygon(square(half=0.012)), "footprint")
    assert "too large" in message


# --- polygonal ---------------------------------------------------------------------------------


def test_polygonal_turns_n03_islands_encoded_as_holes_into_separate_polygons():
    """N03 encodes some islands as "holes" outside the shell; the repair keeps both as land."""
    shell = [(0, 0), (1, 0), (1, 1), (0, 1)]
    island = [(2, 0), (3, 0), (3, 1), (2, 1)]
    broken = Polygon(shell, [island])
    assert not broken.is_valid

    repaired = geo.polygonal(broken)

    assert isinstance(repaired, MultiPolygon)
    assert repaired.is_valid
    assert len(repaired.geoms) == 2
    assert repaired.area == pytest.approx(2.0)
    assert repaired.covers(Point(0.5, 0.5)) and repaired.covers(Point(2.5, 0.5))
    assert all(part.exterior.is_ccw for part in repaired.geoms)


def test_polygonal_keeps_an_island_inside_a_lake():
    """A hole nested in a hole (an island in a lake) becomes land again, the lake stays water."""
    shell = [(0, 0), (10, 0), (10, 10), (0, 10)]
    lake = [(2, 2), (8, 2), (8, 8), (2, 8)]
    island = [(4, 4), (6, 4), (6, 6), (4, 6)]
    repaired = geo.polygonal(Polygon(shell, [lake, island]))
    assert repaired.is_valid
    assert repaired.area == pytest.approx(100 - 36 + 4)
    assert repaired.covers(Point(5, 5))
    assert not repaired.covers(Point(3, 3))


def test_polygonal_drops_lines_and_points_left_by_the_repair():
    """A bow-tie repairs into two triangles; nothing that is not an area survives."""
    bow_tie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)])
    repaired = geo.polygonal(bow_tie)
    assert isinstance(repaired, MultiPolygon)
    assert repaired.is_valid
    assert len(repaired.geoms) == 2
    assert repaired.area == pytest.approx(2.0)


def test_polygonal_leaves_a_valid_polygon_unchanged():
    polygon = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])
    repaired = geo.polygonal(polygon)
    assert len(repaired.geoms) == 1
    assert shapely.equals(repaired.geoms[0], polygon)


def test_latlon_puts_latitude_first_for_folium():
    assert geo.latlon(Point(LON, LAT)) == (LAT, LON)
