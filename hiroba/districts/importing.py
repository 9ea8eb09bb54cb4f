"""Reading district boundaries from GeoJSON files.

Two shapes of file are understood:

- official 国土数値情報 行政区域 (N03) GeoJSON: one feature per polygon, properties N03_001
  (prefecture) … N03_007 (5-digit code); a ward's polygons are merged, features without a code
  (所属未定地) are skipped;
- hiroba's own district files (seeds, ../shared/data): ``code6`` or ``code5``, ``name_ja``,
  ``name_en``, ``prefecture_ja``, ``city_ja``, and optionally the ward centre's contact
  (``centre_name``, ``centre_address``, ``centre_hours``, ``centre_phone``, ``centre_email``,
  ``centre_url``, ``centre_note``; checked when imported).

Boundaries are repaired when invalid (N03 encodes some islands as holes) and kept polygonal.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, shape

from hiroba import geo
from hiroba.districts.codes import InvalidCode, to_code6
from hiroba.districts.models import CENTRE_FIELDS

# JGD2011 / JGD2000 differ from WGS 84 by centimetres: fine for ward boundaries.
ACCEPTED_CRS = ("CRS84", "4326", "6668", "4612")


class DistrictFileError(ValueError):
    """The file cannot be read as district boundaries; the message says where and why."""


@dataclass
class DistrictRecord:
    code: str
    name_ja: str
    name_en: str | None
    prefecture_ja: str | None
    city_ja: str | None
    boundary: MultiPolygon
    # The ward centre's contact as the file gives it; None when the file has none (N03).
    centre: dict[str, str] | None = None


def _first(props: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = props.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _check_crs(data: Mapping[str, Any]) -> None:
    name = ((data.get("crs") or {}).get("properties") or {}).get("name")
    if name and not any(str(name).endswith(code) for code in ACCEPTED_CRS):
        raise DistrictFileError(f"unsupported coordinate reference system {name}; use EPSG:4326")


def _centre(props: Mapping[str, Any]) -> dict[str, str] | None:
    given = {key: props[key] for key in CENTRE_FIELDS if isinstance(props.get(key), str)}
    return given or None


def _attributes(props: Mapping[str, Any]) -> dict[str, Any] | None:
    """Code and names of one feature, or None for features that belong to no municipality."""
    # Derived files may keep the original N03 attributes nested under source_properties.
    nested = props.get("source_properties")
    if isinstance(nested, Mapping):
        props = {**nested, **props}
    raw_code = _first(props, "code6", "code5", "N03_007")
    if raw_code is None:
        return None
    # Since 2024, N03 names a designated city in N03_004 and its ward in N03_005; before, the
    # city was in N03_003 and the ward in N03_004.
    newer = _first(props, "N03_005") is not None
    ward = _first(props, "name_ja", "N03_005", "N03_004")
    city = _first(props, "city_ja", "N03_004" if newer else "N03_003")
    return {
        "code": to_code6(raw_code),
        "name_ja": ward or city,
        "name_en": _first(props, "name_en"),
        "prefecture_ja": _first(props, "prefecture_ja", "N03_001"),
        "city_ja": city if city != ward else None,
        "centre": _centre(props),
    }


def read_districts(
    path: Path, codes: Iterable[str] = (), names_en: Mapping[str, str] | None = None
) -> list[DistrictRecord]:
    """District records from a GeoJSON file, optionally only ``codes`` (5 or 6 digits)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DistrictFileError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise DistrictFileError(f"{path} is not a GeoJSON FeatureCollection")
    _check_crs(data)
    try:
        wanted = {to_code6(c) for c in codes}
    except InvalidCode as exc:
        raise DistrictFileError(str(exc)) from exc

    attributes: dict[str, dict[str, Any]] = {}
    parts: dict[str, list] = defaultdict(list)
    for index, feature in enumerate(data.get("features") or []):
        try:
            attrs = _attributes(feature.get("properties") or {})
            if attrs is None or (wanted and attrs["code"] not in wanted):
                continue
            geom = shape(feature["geometry"])
        except (
            InvalidCode,
            KeyError,
            TypeError,
            ValueError,
            AttributeError,
            shapely.errors.GEOSException,
        ) as exc:
            raise DistrictFileError(f"feature {index}: {exc}") from exc
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise DistrictFileError(f"feature {index}: {geom.geom_type} is not an area")
        attributes.setdefault(attrs["code"], attrs)
        parts[attrs["code"]].append(geom)

    missing = wanted - set(parts)
    if missing:
        raise DistrictFileError(f"codes not found in {path}: {', '.join(sorted(missing))}")
    if not parts:
        raise DistrictFileError(f"no districts in {path}")
    records = []
    for code in sorted(parts):
        attrs = attributes[code]
        boundary = geo.union_polygonal(parts[code])
        if boundary.is_empty:
            raise DistrictFileError(f"district {code} has an empty boundary")
        name_en = attrs["name_en"] or (names_en or {}).get(code)
        records.append(
            DistrictRecord(
                code=code,
                name_ja=attrs["name_ja"] or code,
                name_en=name_en,
                prefecture_ja=attrs["prefecture_ja"],
                city_ja=attrs["city_ja"],
                boundary=boundary,
                centre=attrs["centre"],
            )
        )
    return records


def read_english_names(path: Path) -> dict[str, str]:
    """code6 → English name from a CSV with ``code6`` (or ``code5``) and ``name_en`` columns."""
    import csv

    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    names = {}
    for row in rows:
        code = row.get("code6") or row.get("code5")
        if code and row.get("name_en"):
            names[to_code6(code)] = row["name_en"].strip()
    return names
