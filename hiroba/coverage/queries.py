"""A ward's coverage by published places, in PostGIS: counts, and the gaps — the parts of the
ward farther than a walking distance from every place that matches a search.

Distances are metres on the ellipsoid: a place's reach is ``ST_Buffer`` of its geography, which
PostGIS draws in a planar projection fitted to the place (UTM at ward scale), so 800 m is
800 m at any latitude. Areas are ``ST_Area`` of geography, in m².

Which point counts: coverage is about where people really walk to, and an approximate place's
public point may lie several hundred metres from it — as much as the distances asked about. So
places of the ward count at their exact location (whoever may see a ward's coverage may see
every exact location in it: ``can_view_coverage``). Places of neighbouring wards serve residents
near the boundary too, and count as the public sees them (approximate ones at their public
point), so that no ward's staff can trace another ward's homes from the edges of the gaps.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

from geoalchemy2 import Geography, Geometry
from sqlalchemy import Select, case, cast, func, or_, select, true

from hiroba.districts.models import District
from hiroba.extensions import db
from hiroba.places.models import Place, PlaceStatus
from hiroba.places.search import PlaceSearch, search_places
from hiroba.places.vocabulary import LocationPrecision

# Vertices per quarter circle of a reach: 16 keeps a circle's area within 0.2 % of π r².
BUFFER_STYLE = "quad_segs=16"
# A gap smaller than this (10 m x 10 m) is where a buffer's edge meets the ward boundary, not
# a neighbourhood: it counts in the uncovered area but is not listed.
MIN_GAP_M2 = 100.0
# Whichever the distance, a place farther from the ward than this many degrees cannot reach it
# (1° of longitude is more than 50 km south of 63° N); the index narrows the candidates first.
DEGREES_PER_METRE = 1 / 50_000
# An approximate place's public point lies in its ½ mesh cell (0.00625° x 0.0125°).
PUBLIC_POINT_SHIFT_DEG = 0.0125


def reach_origin(code: str):
    """Where walking to a place ends: its outline if it has one, else its point (see above)."""
    exact = func.coalesce(Place.footprint, Place.location)
    visible = or_(Place.district_code == code, Place.location_precision == LocationPrecision.EXACT)
    return case((visible, exact), else_=Place.public_location)


def _boundary(code: str):
    return select(District.boundary).where(District.code == code).scalar_subquery()


def reaching_places(code: str, search: PlaceSearch, distance_m: float) -> Select:
    """(id, name, district_code, origin) of published places matching ``search`` (whatever its
    wards) that lie within ``distance_m`` of the ward ``code``."""
    search = dataclasses.replace(search, districts=(), sortby=())
    origin = reach_origin(code)
    boundary = _boundary(code)
    margin = distance_m * DEGREES_PER_METRE + PUBLIC_POINT_SHIFT_DEG
    return (
        search_places(search)
        .order_by(None)
        .with_only_columns(Place.id, Place.name, Place.district_code, origin.label("origin"))
        .where(
            func.ST_Intersects(Place.location, func.ST_Expand(boundary, margin)),
            func.ST_DWithin(cast(origin, Geography), cast(boundary, Geography), distance_m),
        )
    )


def _reach(origin, distance_m: float):
    return cast(func.ST_Buffer(cast(origin, Geography), distance_m, BUFFER_STYLE), Geometry)


def _uncovered(code: str, matching, distance_m: float):
    """The ward's boundary less the union of every matching place's reach."""
    covered = select(func.ST_Union(_reach(matching.c.origin, distance_m))).scalar_subquery()
    boundary = _boundary(code)
    # ST_Difference with NULL (no place at all) is NULL: then the whole ward is a gap.
    return func.coalesce(func.ST_Difference(boundary, covered), boundary)


def _area_m2(geom):
    return func.ST_Area(cast(geom, Geography))


def ward_area_m2(code: str) -> Select:
    return select(_area_m2(District.boundary)).where(District.code == code)


def counted_places(code: str, search: PlaceSearch, distance_m: float) -> Select:
    """One row: (matching places that reach the ward, of which in the ward itself)."""
    matching = reaching_places(code, search, distance_m).subquery("matching")
    return select(func.count(), func.count().filter(matching.c.district_code == code))


def uncovered_area(code: str, search: PlaceSearch, distance_m: float) -> Select:
    """One row: (ward area m², uncovered area m²)."""
    matching = reaching_places(code, search, distance_m).cte("matching")
    return select(_area_m2(_boundary(code)), _area_m2(_uncovered(code, matching, distance_m)))


def gap_parts(
    code: str, search: PlaceSearch, distance_m: float, simplify_deg: float | None = None
) -> Select:
    """Every polygon of the uncovered area, the largest first: (area m², GeoJSON geometry, lon
    and lat of a point inside it, and for gaps of at least ``MIN_GAP_M2`` the nearest matching
    place: id, name, metres to the gap's edge).

    ``simplify_deg`` lightens the outlines for a map (areas stay those of the exact gaps).
    """
    matching = reaching_places(code, search, distance_m).cte("matching")
    parts = select(
        func.ST_Dump(_uncovered(code, matching, distance_m)).geom.label("geom")
    ).subquery("parts")
    measured = select(parts.c.geom, _area_m2(parts.c.geom).label("area_m2")).subquery("gap")
    gap = measured.c.geom
    to_edge = func.ST_Distance(cast(matching.c.origin, Geography), cast(gap, Geography))
    nearest = (
        select(matching.c.id, matching.c.name, to_edge.label("metres"))
        .where(measured.c.area_m2 >= MIN_GAP_M2)
        .order_by(to_edge, matching.c.id)
        .limit(1)
        .lateral("nearest")
    )
    drawn = gap if simplify_deg is None else func.ST_SimplifyPreserveTopology(gap, simplify_deg)
    inside = func.ST_PointOnSurface(gap)
    return (
        select(
            measured.c.area_m2,
            func.ST_AsGeoJSON(drawn, 6),
            func.ST_X(inside),
            func.ST_Y(inside),
            nearest.c.id,
            nearest.c.name,
            nearest.c.metres,
        )
        .select_from(measured)
        .outerjoin(nearest, true())
        .order_by(measured.c.area_m2.desc())
    )


@dataclass(frozen=True)
class Gap:
    """One uncovered part of a ward."""

    area_m2: float
    geometry: dict
    point: tuple[float, float]  # lon, lat of a point inside it
    nearest_place_id: int | None
    nearest_place_name: str | None
    nearest_distance_m: float | None


@dataclass(frozen=True)
class Coverage:
    """How much of a ward lies farther than ``distance_m`` from every matching place."""

    code: str
    distance_m: int
    ward_area_m2: float
    uncovered_m2: float
    places_counted: int
    places_in_ward: int
    gaps: list[Gap]  # of at least MIN_GAP_M2, the largest first
    gap_count: int

    @property
    def uncovered_share(self) -> float:
        return self.uncovered_m2 / self.ward_area_m2 if self.ward_area_m2 else 0.0


def measure_coverage(
    code: str,
    search: PlaceSearch,
    distance_m: int,
    *,
    limit: int | None = None,
    simplify_deg: float | None = None,
) -> Coverage:
    """The ward's gaps (the ``limit`` largest, or all) and how much of it they cover."""
    rows = db.session.execute(gap_parts(code, search, distance_m, simplify_deg)).all()
    counted, in_ward = db.session.execute(counted_places(code, search, distance_m)).one()
    gaps = [
        Gap(area, json.loads(geometry), (lon, lat), place_id, name, metres)
        for area, geometry, lon, lat, place_id, name, metres in rows
        if area >= MIN_GAP_M2
    ]
    return Coverage(
        code=code,
        distance_m=distance_m,
        ward_area_m2=db.session.scalar(ward_area_m2(code)),
        uncovered_m2=sum(area for area, *_ in rows),
        places_counted=counted,
        places_in_ward=in_ward,
        gaps=gaps if limit is None else gaps[:limit],
        gap_count=len(gaps),
    )


@dataclass(frozen=True)
class WardCoverage:
    """A ward's line in the comparison across wards."""

    district: District
    published: int
    waiting: int  # for a first review
    ward_area_m2: float
    uncovered_m2: float

    @property
    def uncovered_share(self) -> float:
        return self.uncovered_m2 / self.ward_area_m2 if self.ward_area_m2 else 0.0


def compare_wards(
    districts: list[District], search: PlaceSearch, distance_m: int
) -> list[WardCoverage]:
    """Each ward's published and waiting places and uncovered area, in the order given."""
    codes = [d.code for d in districts]
    counts = (
        select(
            Place.district_code,
            func.count().filter(Place.status == PlaceStatus.APPROVED),
            func.count().filter(Place.status == PlaceStatus.PENDING),
        )
        .where(Place.district_code.in_(codes))
        .group_by(Place.district_code)
    )
    by_ward = {
        code: (published, pending) for code, published, pending in db.session.execute(counts)
    }
    lines = []
    for district in districts:
        area, uncovered = db.session.execute(
            uncovered_area(district.code, search, distance_m)
        ).one()
        published, waiting = by_ward.get(district.code, (0, 0))
        lines.append(WardCoverage(district, published, waiting, area, uncovered))
    return lines
