"""Coverage as files: counts and the comparison across wards as CSV, the gaps as GeoJSON.

CSV files start with a BOM so that spreadsheet programs read them as UTF-8, and any text a
spreadsheet would run as a formula is guarded as the open-data export guards it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from hiroba.coverage.counts import Breakdown
from hiroba.coverage.queries import Coverage, Gap, WardCoverage
from hiroba.districts.models import District
from hiroba.opendata.export import spreadsheet_safe

BOM = "\ufeff"
COUNT_COLUMNS = ("district_code", "group", "value", "label", "places")
COMPARISON_COLUMNS = (
    "district_code", "name_ja", "name_en", "published", "waiting_for_review",
    "area_km2", "uncovered_km2", "uncovered_share", "distance_m",
)  # fmt: skip


def _csv(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([spreadsheet_safe("", v) if isinstance(v, str) else v for v in row])
    return BOM + buffer.getvalue()


def counts_csv(code: str, breakdowns: list[Breakdown]) -> str:
    """One line per (group, value) of the ward's counts (see ``ward_breakdowns``)."""
    rows = (
        (code, breakdown.key, value, text, count)
        for breakdown in breakdowns
        for value, text, count in breakdown.rows
    )
    return _csv(COUNT_COLUMNS, rows)


def comparison_csv(lines: list[WardCoverage], distance_m: int) -> str:
    rows = (
        (
            line.district.code, line.district.name_ja, line.district.name_en or "",
            line.published, line.waiting, round(line.ward_area_m2 / 1e6, 3),
            round(line.uncovered_m2 / 1e6, 3), round(line.uncovered_share, 4), distance_m,
        )
        for line in lines
    )  # fmt: skip
    return _csv(COMPARISON_COLUMNS, rows)


def gap_feature(rank: int, gap: Gap, ward_area_m2: float) -> dict[str, Any]:
    """A gap as a GeoJSON Feature: its polygon, area, share of the ward and nearest place."""
    return {
        "type": "Feature",
        "id": rank,
        "geometry": gap.geometry,
        "properties": {
            "rank": rank,
            "area_m2": round(gap.area_m2),
            "share_of_ward": round(gap.area_m2 / ward_area_m2, 4) if ward_area_m2 else None,
            "point_inside": [round(c, 6) for c in gap.point],
            "nearest_place_id": gap.nearest_place_id,
            "nearest_place_name": gap.nearest_place_name,
            "nearest_place_m": None
            if gap.nearest_distance_m is None
            else round(gap.nearest_distance_m),
        },
    }


def gaps_geojson(district: District, coverage: Coverage, filters: dict[str, str]) -> dict:
    """Every gap of the ward as a FeatureCollection, with what was asked as foreign members."""
    return {
        "type": "FeatureCollection",
        "district_code": district.code,
        "distance_m": coverage.distance_m,
        "filters": filters,
        "ward_area_m2": round(coverage.ward_area_m2),
        "uncovered_m2": round(coverage.uncovered_m2),
        "uncovered_share": round(coverage.uncovered_share, 4),
        "features": [
            gap_feature(rank, gap, coverage.ward_area_m2)
            for rank, gap in enumerate(coverage.gaps, start=1)
        ],
    }
