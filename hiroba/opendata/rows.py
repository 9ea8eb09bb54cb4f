"""One record of a 公共施設一覧 file as the raw values of a place, for ``clean_place_values``.

This module only translates: labels back to vocabulary keys, 有/無 to yes and no, the file's
way of writing days and hours to periods. It judges nothing the validator judges — an unknown
種類 is passed on as written, and the validator names it — so that a file and a form are held
to the same rules. What it cannot translate is an error on the record's column, never a guess.

Files without hiroba's own columns (a municipality's plain 公共施設一覧) describe public
facilities open to anyone: 種類 defaults to a public facility (a park for POIコード 1003/1006),
公共・民間 to public, 利用できる人 to anyone. Words of バリアフリー情報 that are not a known
feature are not dropped: they go to the end of the description, and a warning says so.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from hiroba.districts.codes import InvalidCode, to_code6
from hiroba.opendata.hours import NotUnderstood, parse_clock, parse_hours_detail, parse_weekdays
from hiroba.opendata.layout import (
    ACCESSIBILITY_WORDS,
    FORMULA_GUARD,
    FORMULA_STARTS,
    LIST_SEPARATOR,
    POI_KINDS,
)
from hiroba.opendata.reading import SourceRow
from hiroba.places.validation import parse_minutes
from hiroba.places.vocabulary import (
    Accessibility,
    Amenity,
    Audience,
    Condition,
    Fee,
    LocationPrecision,
    PlaceKind,
    Sector,
    label,
)

REQUIRED = _l("This field is required.")
TIMES_FORM = _l("Times are written HH:MM, between 00:00 and 24:00.")
DAYS_FORM = _l("Write the days as 月火水木金, 月～金, 平日, 土日祝 or 月曜日を除く.")
HOURS_FORM = _l("Write the hours as 月 09:00-17:00;火 09:00-12:00,13:00-17:00.")
YES_NO_FORM = _l("Write 有 or 無.")
CODE_FORM = _l("Not a local government code: 6 digits with the right check digit, or 5 digits.")
OVERFLOW = _l("More values than columns: check the commas and quotes of this row.")
HOLIDAYS_LEFT_OUT = _l(
    "Public holidays are not part of the weekly hours; write them in 利用可能日時特記事項."
)
INCOMPLETE_HOURS = _l("Weekly hours need the days and both times; none were imported.")
MAX_ID_LENGTH = 64
YES_WORDS, NO_WORDS = {"有", "有り", "あり", "yes"}, {"無", "無し", "なし", "no"}
DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−ー", "-"))

# Where each field of a place comes from, to put the validator's errors on the file's column.
FIELD_COLUMNS = {
    "name": "名称", "name_kana": "名称_カナ", "name_en": "名称_英語", "kind": "種類",
    "sector": "公共・民間", "who_may_use": "利用できる人", "description": "説明",
    "address": "所在地_連結表記", "location_precision": "位置の精度", "footprint": "敷地_GeoJSON",
    "capacity": "定員", "floor_area_m2": "広さ(平方メートル)", "amenities": "設備",
    "accessibility": "バリアフリー情報", "conditions": "利用条件", "fee": "料金_要否",
    "fee_details": "料金(詳細)", "hours_note": "利用可能日時特記事項", "contact_phone": "電話番号",
    "contact_email": "連絡先メールアドレス", "website_url": "URL",
}  # fmt: skip


def fold(text: str) -> str:
    """Text as labels are compared: NFKC, without spaces, lower case."""
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


class Labels:
    """Vocabulary keys by Japanese label (and by key), read under the ja locale."""

    ENUMS = (PlaceKind, Sector, Audience, Fee, Amenity, Accessibility, Condition, LocationPrecision)

    def __init__(self) -> None:
        with force_locale("ja"):
            self.keys = {
                enum: {fold(label(m)): m.value for m in enum}
                | {fold(m.value): m.value for m in enum}
                for enum in self.ENUMS
            }
        for key, words in ACCESSIBILITY_WORDS.items():
            self.keys[Accessibility].update({fold(word): key for word in words})

    def one(self, enum: type[StrEnum], text: str) -> str:
        """The key for ``text``, or ``text`` itself for the validator to refuse."""
        return self.keys[enum].get(fold(text), text)

    def many(self, enum: type[StrEnum], text: str) -> tuple[list[str], list[str]]:
        """Keys of the 「;」-separated words, and the words that are no known label."""
        known, unknown = [], []
        for word in unicodedata.normalize("NFKC", text).split(LIST_SEPARATOR):
            key = self.keys[enum].get(fold(word))
            if key is not None:
                known.append(key)
            elif word.strip():
                unknown.append(word.strip())
        return known, unknown


def cell_text(value: str | None) -> str:
    """A cell without surrounding space and without the export's formula guard."""
    value = value or ""
    if value.startswith(FORMULA_GUARD) and value.lstrip(FORMULA_GUARD)[:1] in FORMULA_STARTS:
        value = value[1:]
    return value.strip()


@dataclass
class Converted:
    """A record as raw place values, with what could not be translated (by column)."""

    line: int
    key: tuple[str, str] | None = None  # (全国地方公共団体コード, ID)
    raw: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, Any] = field(default_factory=dict)
    warnings: list[tuple[str, Any]] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=lambda: dict(FIELD_COLUMNS))

    def fail(self, column: str, message: Any) -> None:
        self.errors.setdefault(column, message)

    def add_field_errors(self, errors: dict[str, Any]) -> None:
        """The validator's errors (by field) on the columns they came from."""
        for name, message in errors.items():
            self.fail(self.columns.get(name, name), message)


class RowReader:
    """Translates records into ``Converted`` values (the labels read once per file)."""

    def __init__(self, labels: Labels):
        self.labels = labels

    def convert(self, row: SourceRow) -> Converted:
        out = Converted(row.line)
        get = {column: cell_text(value) for column, value in row.cells.items()}.get
        if row.overflow:
            out.fail("ID", OVERFLOW)
        out.key = self._key(out, get("全国地方公共団体コード", ""), get("ID", ""))
        accessibility, unknown = self.labels.many(Accessibility, get("バリアフリー情報", ""))
        amenities, _ = self._list(Amenity, get("設備", ""))
        if self._yes_no(out, "駐車場_有無", get("駐車場_有無", "")) and "parking" not in amenities:
            amenities.append("parking")
        out.raw = {
            "name": get("名称", ""),
            "name_kana": get("名称_カナ", ""),
            "name_en": get("名称_英語", ""),
            **self._kind(get),
            "description": self._description(out, get("説明", ""), unknown),
            "address": _address(get),
            "location": self._location(out, get("緯度", ""), get("経度", "")),
            "location_precision": self.labels.one(LocationPrecision, get("位置の精度", "")),
            "footprint": _json(get("敷地_GeoJSON", "")),
            "capacity": _quantity(get("定員", ""), "人", "名"),
            "floor_area_m2": _quantity(get("広さ(平方メートル)", ""), "平方メートル", "m2"),
            "amenities": amenities,
            "accessibility": accessibility,
            "conditions": self._list(Condition, get("利用条件", ""))[0],
            "fee": self._fee(out, get("料金_要否", "")),
            "fee_details": " / ".join(t for t in (get("料金(基本)"), get("料金(詳細)")) if t),
            "hours_note": get("利用可能日時特記事項", ""),
            "opening_hours": self._hours(out, get),
            "contact_phone": unicodedata.normalize("NFKC", get("電話番号", "")).translate(DASHES),
            "contact_email": unicodedata.normalize("NFKC", get("連絡先メールアドレス", "")),
            "website_url": get("URL", ""),
        }
        return out

    def _key(self, out: Converted, code: str, ident: str) -> tuple[str, str] | None:
        try:
            code = to_code6(unicodedata.normalize("NFKC", code))
        except InvalidCode:
            out.fail("全国地方公共団体コード", REQUIRED if not code else CODE_FORM)
        if not ident:
            out.fail("ID", REQUIRED)
        elif len(ident) > MAX_ID_LENGTH:
            out.fail("ID", _l("At most %(n)d characters.", n=MAX_ID_LENGTH))
        return None if out.errors else (code, ident)

    def _list(self, enum: type[StrEnum], text: str) -> tuple[list[str], list[str]]:
        # Unknown words go on as written: the validator names them.
        known, unknown = self.labels.many(enum, text)
        return known + unknown, unknown

    def _kind(self, get) -> dict[str, str]:
        default_kind = POI_KINDS.get(unicodedata.normalize("NFKC", get("POIコード", "")))
        return {
            "kind": self.labels.one(PlaceKind, get("種類", ""))
            or default_kind
            or "public_facility",
            "sector": self.labels.one(Sector, get("公共・民間", "")) or "public",
            "who_may_use": self.labels.one(Audience, get("利用できる人", "")) or "anyone",
        }

    def _description(self, out: Converted, text: str, unknown: list[str]) -> str:
        if not unknown:
            return text
        words = LIST_SEPARATOR.join(unknown)
        message = _l(
            "Not a known accessibility feature; added to the end of the description: %(words)s",
            words=words,
        )
        out.warnings.append(("バリアフリー情報", message))
        return "\n\n".join(t for t in (text, f"バリアフリー情報：{words}") if t)

    def _location(self, out: Converted, lat: str, lon: str) -> list[str] | None:
        lat, lon = (unicodedata.normalize("NFKC", v) for v in (lat, lon))
        out.columns["location"] = _location_column(lat, lon)
        for column, value in (("緯度", lat), ("経度", lon)):
            if not value:
                out.fail(column, REQUIRED)
        return [lon, lat] if lat and lon else None

    def _yes_no(self, out: Converted, column: str, text: str) -> bool | None:
        word = fold(text)
        if not word:
            return None
        if word in YES_WORDS:
            return True
        if word not in NO_WORDS:
            out.fail(column, YES_NO_FORM)
        return False

    def _fee(self, out: Converted, text: str) -> str:
        if self.labels.one(Fee, text) in (Fee.FREE, Fee.PAID):
            return self.labels.one(Fee, text)
        paid = self._yes_no(out, "料金_要否", text)
        return Fee.PAID.value if paid else Fee.FREE.value

    def _hours(self, out: Converted, get) -> list[dict[str, Any]]:
        if detail := get("利用時間_詳細", ""):
            out.columns["opening_hours"] = "利用時間_詳細"
            try:
                return parse_hours_detail(detail)
            except NotUnderstood:
                out.fail("利用時間_詳細", HOURS_FORM)
                return []
        out.columns["opening_hours"] = "終了時間"  # what is left to refuse: closing ≤ opening
        days_text, times = get("利用可能曜日", ""), {}
        for column in ("開始時間", "終了時間"):
            if text := get(column, ""):
                times[column] = parse_clock(text)
                if times[column] is None or parse_minutes(times[column]) is None:
                    out.fail(column, TIMES_FORM)
        days = self._days(out, days_text)
        if not (days_text or times) or days is None or out.errors.keys() & {"開始時間", "終了時間"}:
            return []
        if not days or len(times) < 2:
            missing = [c for c in ("開始時間", "終了時間") if c not in times]
            out.warnings.append(("利用可能曜日" if not days else missing[0], INCOMPLETE_HOURS))
            return []
        opens, closes = times["開始時間"], times["終了時間"]
        return [{"weekday": day, "opens": opens, "closes": closes} for day in days]

    def _days(self, out: Converted, text: str) -> list[int] | None:
        if not text:
            return []
        try:
            days, holidays = parse_weekdays(text)
        except NotUnderstood:
            out.fail("利用可能曜日", DAYS_FORM)
            return None
        if holidays:
            out.warnings.append(("利用可能曜日", HOLIDAYS_LEFT_OUT))
        return days


def _address(get) -> str:
    address = get("所在地_連結表記", "") or "".join(
        get(c, "") for c in ("所在地_都道府県", "所在地_市区町村", "所在地_町字", "所在地_番地以下")
    )
    building = get("建物名等(方書)", "")
    return f"{address} {building}" if building and building not in address else address


def _location_column(lat: str, lon: str) -> str:
    """The column to blame for a bad location: the one missing, unreadable or out of range."""
    for column, value, limit in (("緯度", lat, 90), ("経度", lon, 180)):
        try:
            if not -limit <= float(value) <= limit:
                return column
        except ValueError:
            return column
    return "緯度"


def _json(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text  # the validator says it is no GeoJSON


def _quantity(text: str, *units: str) -> str:
    """``30人`` → ``30``, ``１,２００㎡`` → ``1200``: the number, for the validator to judge."""
    text = unicodedata.normalize("NFKC", text).replace(",", "").replace(" ", "")
    for unit in units:
        text = text.removesuffix(unit)
    return text
