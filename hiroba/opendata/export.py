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
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from flask import url_for
from flask_babel import force_locale
from sqlalchemy import Row, Select, case, func, select, true

from hiroba.districts.models import District
from hiroba.extensions import db
from hiroba.i18n import hhmm as _hhmm
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
from hiroba.photos.models import PlacePhoto
from hiroba.places.models import Place, PlaceFeature
from hiroba.places.vocabulary import LABELS, Amenity, Fee, LocationPrecision

BATCH = 500  # rows fetched from the server-side cursor at a time
LINES_PER_CHUNK = 100  # lines handed to the server at a time
# Every time of day a period can start or end, written once (an export writes them 100,000s
# of times).
HHMM = [_hhmm(minute) for minute in range(24 * 60 + 1)]
UNGUARDED = {"電話番号"}


def _ready():
    """The place's export point and opening periods, kept ready in ``place_features`` (see
    migration 0012): read by key for each row (a lateral join), never by a scan of them all."""
    return (
        select(PlaceFeature.export_point, PlaceFeature.periods)
        .where(PlaceFeature.place_id == Place.id)
        .lateral("ready")
    )


def native_id(place_id: int) -> str:
    """The ID of a place registered in hiroba (not imported): never equal to an imported ID
    that a municipality numbered itself, so (code, ID) stays unique in every export."""
    return f"hiroba-{place_id}"


@lru_cache(maxsize=4096)
def hours_columns(periods: str | None) -> tuple[str, str, str, str]:
    """利用可能曜日, 開始時間, 終了時間 and 利用時間_詳細 of a place's periods (``weekday opens
    closes`` in minutes, comma-separated, in order). Times go in 開始/終了時間 only when every
    open day has the same one period; 利用時間_詳細 has them all: ``月 09:00-17:00;火
    09:00-12:00,13:00-17:00``. Cached: places share their hours with many others.
    """
    parsed = [tuple(map(int, p.split())) for p in periods.split(",")] if periods else []
    days: dict[int, list[str]] = {}
    for weekday, opens, closes in parsed:
        days.setdefault(weekday, []).append(f"{HHMM[opens]}-{HHMM[closes]}")
    detail = LIST_SEPARATOR.join(
        f"{WEEKDAY_NAMES[day - 1]} {','.join(spans)}" for day, spans in sorted(days.items())
    )
    weekdays = "".join(WEEKDAY_NAMES[day - 1] for day in sorted(days))
    spans = {(opens, closes) for _, opens, closes in parsed}
    if len(spans) == 1 and len(parsed) == len(days):
        opens, closes = spans.pop()
        return weekdays, HHMM[opens], HHMM[closes], detail
    return weekdays, "", "", detail


PLACE_COLUMNS = [
    "id", "external_code", "external_id", "district_code", "name", "name_kana", "name_en",
    "address", "location_precision", "contact_phone", "contact_email", "hours_note",
    "description", "accessibility", "website_url", "amenities", "fee", "fee_details", "kind",
    "sector", "who_may_use", "capacity", "floor_area_m2", "conditions",
]  # fmt: skip


def _columns(ready) -> list:
    """What a row needs, read by one statement: the place, its ward, its public geometry (the
    point and outline of exact places; a cell-level point and no outline otherwise), its first
    public photo and its periods (see ``hours_columns``)."""
    photo = (
        select(PlacePhoto.storage_key)
        .where(PlacePhoto.place_id == Place.id, PlacePhoto.revision_id.is_(None))
        .order_by(PlacePhoto.position)
        .limit(1)
        .scalar_subquery()
    )
    exact = Place.location_precision == LocationPrecision.EXACT
    listed = ("amenities", "accessibility", "conditions")
    return [
        # Lists as text (``wifi,kitchen``): their labels are then looked up once per list.
        *(func.array_to_string(getattr(Place, name), ",").label(name) if name in listed
          else getattr(Place, name) for name in PLACE_COLUMNS),
        District.city_ja, District.name_ja.label("ward_ja"), District.prefecture_ja,
        func.ST_X(ready.c.export_point).label("lon"), func.ST_Y(ready.c.export_point).label("lat"),
        case((exact, func.ST_AsGeoJSON(Place.footprint, 6))).label("outline"),
        photo.label("photo"), ready.c.periods,
    ]  # fmt: skip


class Labels:
    """The vocabulary in Japanese, the open-data layout's language, translated once per export."""

    def __init__(self) -> None:
        with force_locale("ja"):
            self.one = {key: str(text) for key, text in LABELS.items()}
        # Lists repeat across places: each distinct one is labelled once per export.
        self.listed = lru_cache(maxsize=1024)(self._listed)

    def _listed(self, keys: str) -> str:
        """``wifi,kitchen`` (a list column as ``_columns`` reads it) as labels."""
        return LIST_SEPARATOR.join(self.one[key] for key in keys.split(",")) if keys else ""


def row(place: Row, labels: Labels) -> dict[str, Any]:
    """One CSV row from a row of ``_columns()``."""
    exact = place.location_precision == LocationPrecision.EXACT
    municipality = f"{place.city_ja or ''}{place.ward_ja}"
    area = f"{place.prefecture_ja or ''}{municipality}"
    weekdays, opens, closes, detail = hours_columns(place.periods)
    photo = place.photo and url_for("places.photo_file", storage_key=place.photo, _external=True)
    listed, one = labels.listed, labels.one

    return {
        "全国地方公共団体コード": place.external_code or place.district_code,
        "ID": place.external_id or native_id(place.id),
        "地方公共団体名": municipality,
        "名称": place.name,
        "名称_カナ": place.name_kana or "",
        "名称_英語": place.name_en or "",
        "所在地_全国地方公共団体コード": place.district_code,
        "所在地_連結表記": (place.address or "") if exact else area,
        "所在地_都道府県": place.prefecture_ja or "",
        "所在地_市区町村": municipality,
        "緯度": f"{place.lat:.6f}",
        "経度": f"{place.lon:.6f}",
        "電話番号": place.contact_phone or "",
        "連絡先メールアドレス": place.contact_email or "",
        "利用可能曜日": weekdays,
        "開始時間": opens,
        "終了時間": closes,
        "利用可能日時特記事項": place.hours_note or "",
        "説明": place.description or "",
        "バリアフリー情報": listed(place.accessibility),
        "URL": place.website_url or "",
        "画像": photo or "",
        "備考": "" if exact else APPROXIMATE_NOTE,
        "駐車場_有無": YES if Amenity.PARKING in place.amenities.split(",") else NO,
        "料金_要否": YES if place.fee == Fee.PAID else NO,
        "料金(詳細)": place.fee_details or "",
        "種類": one[place.kind],
        "公共・民間": one[place.sector],
        "利用できる人": one[place.who_may_use],
        "定員": "" if place.capacity is None else str(place.capacity),
        "広さ(平方メートル)": "" if place.floor_area_m2 is None else str(place.floor_area_m2),
        "設備": listed(place.amenities),
        "利用条件": listed(place.conditions),
        "位置の精度": one[place.location_precision],
        "利用時間_詳細": detail,
        "敷地_GeoJSON": place.outline or "",
    }


RISKY = {*FORMULA_STARTS, FORMULA_GUARD}  # first characters worth a closer look
NOTHING = [""] * len(COLUMNS)  # the cells of columns a row leaves empty


def spreadsheet_safe(column: str, value: str) -> str:
    """``value`` behind an apostrophe if a spreadsheet would run it as a formula.

    Not phone numbers: validated to digits, ``+``, ``-``, brackets and spaces, they can call
    no function, and ``+81…`` must stay as it is for the programs that read the file.
    """
    if column in UNGUARDED or value.lstrip(FORMULA_GUARD)[:1] not in FORMULA_STARTS:
        return value
    return FORMULA_GUARD + value


def csv_lines(places: Select) -> Iterator[str]:
    """The header and one line per place of ``places`` (a ``select(Place)``), BOM first.

    One statement, read in batches from a server-side cursor: rows are plain tuples, never
    ORM objects, and labels are translated once per export, not once per cell.
    """
    ready = _ready()
    stmt = (
        places.with_only_columns(*_columns(ready), maintain_column_froms=True)
        .join(District, District.code == Place.district_code)
        .join(ready, true())
    )
    labels = Labels()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    yield "\ufeff" + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    rows = db.session.connection().execute(stmt.execution_options(yield_per=BATCH))
    for count, place in enumerate(rows, start=1):
        values = row(place, labels)
        cells = list(map(values.get, COLUMNS, NOTHING))
        writer.writerow([spreadsheet_safe(c, v) if v[:1] in RISKY else v
                         for c, v in zip(COLUMNS, cells, strict=True)])  # fmt: skip
        if count % LINES_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
