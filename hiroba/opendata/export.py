"""Writing published places as 公共施設一覧 CSV rows, streamed.

Privacy: for places published approximately, the coordinates are the centre of their ½ mesh
cell and the address stops at the ward — a deterministic, cell-level position, so an exported
file reveals no more than the map, and importing it again gives back the same rows. (When the
centre lies outside the place's ward — a cell across a ward border or the coast — the point is
one of the cell inside the ward instead: still cell-level, and the row's ward stays true.)

Spreadsheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula, so such text
is written behind an apostrophe (``layout.FORMULA_GUARD``), which the import takes off again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from flask import url_for
from flask_babel import force_locale
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import joinedload, selectinload

from hiroba.districts.models import District
from hiroba.extensions import db
from hiroba.i18n import hhmm
from hiroba.opendata.layout import (
    APPROXIMATE_NOTE,
    COLUMNS,
    FORMULA_GUARD,
    FORMULA_STARTS,
    LIST_SEPARATOR,
    NO,
    WEEKDAY_NAMES,
    YES,
)
from hiroba.places.models import Place
from hiroba.places.vocabulary import Amenity, Fee, LocationPrecision, label

BATCH = 500
UNGUARDED = {"電話番号"}


def _cell_point():
    """The centre of the place's ½ mesh cell if the database puts it in the place's ward, else
    a point of the cell inside the ward (an import must find the place in the same ward)."""
    cell = func.hiroba_half_mesh_cell(Place.public_mesh_code)
    centre = func.ST_Centroid(cell)
    ward = select(District.boundary).where(District.code == Place.district_code)
    inside = func.ST_PointOnSurface(
        func.ST_CollectionExtract(func.ST_Intersection(cell, ward.scalar_subquery()), 3)
    )
    return case((func.hiroba_district_at(centre) == Place.district_code, centre), else_=inside)


def _public_geometry():
    """(lon, lat, outline as GeoJSON): the point and outline of exact places; a cell-level
    point (``_cell_point``) and no outline otherwise."""
    point = _cell_point()
    exact = Place.location_precision == LocationPrecision.EXACT
    return (
        case((exact, func.ST_X(Place.location)), else_=func.ST_X(point)),
        case((exact, func.ST_Y(Place.location)), else_=func.ST_Y(point)),
        case((exact, func.ST_AsGeoJSON(Place.footprint, 6))),
    )


def native_id(place_id: int) -> str:
    """The ID of a place registered in hiroba (not imported): never equal to an imported ID
    that a municipality numbered itself, so (code, ID) stays unique in every export."""
    return f"hiroba-{place_id}"


def hours_detail(place: Place) -> str:
    """Every period: ``月 09:00-17:00;火 09:00-12:00,13:00-17:00``."""
    days: dict[int, list[str]] = {}
    for period in place.opening_hours:
        days.setdefault(period.weekday, []).append(
            f"{hhmm(period.opens_minute)}-{hhmm(period.closes_minute)}"
        )
    return LIST_SEPARATOR.join(
        f"{WEEKDAY_NAMES[day - 1]} {','.join(periods)}" for day, periods in sorted(days.items())
    )


def _standard_hours(place: Place) -> tuple[str, str, str]:
    """利用可能曜日, 開始時間, 終了時間: times only when every open day has the same one period."""
    periods = place.opening_hours
    days = "".join(WEEKDAY_NAMES[d - 1] for d in sorted({p.weekday for p in periods}))
    spans = {(p.opens_minute, p.closes_minute) for p in periods}
    if len(spans) == 1 and len(periods) == len(days):
        opens, closes = spans.pop()
        return days, hhmm(opens), hhmm(closes)
    return days, "", ""


def _labels(keys: Iterable[str]) -> str:
    return LIST_SEPARATOR.join(label(k) for k in keys)


def _public_photo_url(place: Place) -> str:
    for photo in place.photos:
        if photo.revision_id is None:
            return url_for("places.photo_file", storage_key=photo.storage_key, _external=True)
    return ""


def row(place: Place, lon: float, lat: float, outline: str | None) -> dict[str, Any]:
    """One CSV row (labels in Japanese: the open-data layout is Japanese)."""
    district = place.district
    exact = place.location_precision == LocationPrecision.EXACT
    municipality = f"{district.city_ja or ''}{district.name_ja}"
    area = f"{district.prefecture_ja or ''}{municipality}"
    weekdays, opens, closes = _standard_hours(place)
    return {
        "全国地方公共団体コード": place.external_code or district.code,
        "ID": place.external_id or native_id(place.id),
        "地方公共団体名": municipality,
        "名称": place.name,
        "名称_カナ": place.name_kana or "",
        "名称_英語": place.name_en or "",
        "所在地_全国地方公共団体コード": district.code,
        "所在地_連結表記": (place.address or "") if exact else area,
        "所在地_都道府県": district.prefecture_ja or "",
        "所在地_市区町村": municipality,
        "緯度": f"{lat:.6f}",
        "経度": f"{lon:.6f}",
        "電話番号": place.contact_phone or "",
        "連絡先メールアドレス": place.contact_email or "",
        "利用可能曜日": weekdays,
        "開始時間": opens,
        "終了時間": closes,
        "利用可能日時特記事項": place.hours_note or "",
        "説明": place.description or "",
        "バリアフリー情報": _labels(place.accessibility),
        "URL": place.website_url or "",
        "画像": _public_photo_url(place),
        "備考": "" if exact else APPROXIMATE_NOTE,
        "駐車場_有無": YES if Amenity.PARKING in place.amenities else NO,
        "料金_要否": YES if place.fee == Fee.PAID else NO,
        "料金(詳細)": place.fee_details or "",
        "種類": label(place.kind),
        "公共・民間": label(place.sector),
        "利用できる人": label(place.who_may_use),
        "定員": "" if place.capacity is None else str(place.capacity),
        "広さ(平方メートル)": "" if place.floor_area_m2 is None else str(place.floor_area_m2),
        "設備": _labels(place.amenities),
        "利用条件": _labels(place.conditions),
        "位置の精度": label(place.location_precision),
        "利用時間_詳細": hours_detail(place),
        "敷地_GeoJSON": outline or "",
    }


def spreadsheet_safe(column: str, value: str) -> str:
    """``value`` behind an apostrophe if a spreadsheet would run it as a formula.

    Not phone numbers: validated to digits, ``+``, ``-``, brackets and spaces, they can call
    no function, and ``+81…`` must stay as it is for the programs that read the file.
    """
    if column in UNGUARDED or value.lstrip(FORMULA_GUARD)[:1] not in FORMULA_STARTS:
        return value
    return FORMULA_GUARD + value


def _line(values: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue()


def csv_lines(places: Select) -> Iterator[str]:
    """The header and one line per place of ``places`` (a ``select(Place)``), BOM first."""
    stmt = (
        places.add_columns(*_public_geometry())
        .options(
            joinedload(Place.district),
            selectinload(Place.opening_hours),
            selectinload(Place.photos),
        )
        .execution_options(yield_per=BATCH)
    )
    yield "\ufeff" + _line(COLUMNS)
    with force_locale("ja"):
        for place, lon, lat, outline in db.session.execute(stmt):
            values = row(place, lon, lat, outline)
            yield _line([spreadsheet_safe(c, values.get(c, "")) for c in COLUMNS])
