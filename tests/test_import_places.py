"""``flask import-places``: both generations of 公共施設一覧, every encoding, row errors with their
line and column, all-or-nothing unless asked, idempotent by (code, ID), who may import."""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext
from shapely.geometry import Point
from sqlalchemy import func, select

from hiroba.accounts.models import Role
from hiroba.districts.queries import district_at
from hiroba.extensions import db
from hiroba.opendata import importing
from hiroba.opendata.hours import NotUnderstood, parse_weekdays
from hiroba.opendata.importing import APPROVAL_REASON, IMPORT_REASON
from hiroba.opendata.reading import OpenDataFileError, decode, read_table
from hiroba.places.models import Place, PlaceRevision, PlaceStatus, RevisionStatus
from hiroba.places.values import raw_from_place
from hiroba.review.models import ReviewAction, ReviewEvent
from tests.factories import NAKAHARA, OUTSIDE_EVERY_WARD, WARD_POINTS

DATA = Path(__file__).parent / "data" / "opendata"
OLD_CP932 = DATA / "old-generation-cp932.csv"
NEW_UTF8_BOM = DATA / "new-generation-utf8-bom.csv"
MISSPELLED = DATA / "misspelled-columns-utf8.csv"
HIROBA_UTF16 = DATA / "hiroba-columns-utf16.csv"
KAWASAKI_CITY = "141305"  # 14130 with its check digit
TAMA = "141356"
# A small file of this test's own: the columns a municipality fills most often.
HEADER = ["全国地方公共団体コード", "ID", "名称", "緯度", "経度", "種類", "利用可能曜日",
          "開始時間", "終了時間", "説明"]  # fmt: skip
NAKAHARA_LON, NAKAHARA_LAT = WARD_POINTS[NAKAHARA]


def record(ident: str, name: str = "", lat=NAKAHARA_LAT, lon=NAKAHARA_LON, **cells) -> list:
    values = {"全国地方公共団体コード": KAWASAKI_CITY, "ID": ident, "名称": name or f"会館{ident}",
              "緯度": str(lat), "経度": str(lon), **cells}  # fmt: skip
    return [values.get(column, "") for column in HEADER]


def csv_file(tmp_path, rows, name="places.csv", encoding="utf-8", newline="\r\n") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow(HEADER)
    writer.writerows(rows)
    path = tmp_path / name
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN, display_name="管理者")


@pytest.fixture
def import_places(app, runner):
    """Run the command as its own process would (its own app context and session)."""

    def run(path, user, *options):
        email = user if isinstance(user, str) else user.email
        with app.app_context():
            result = runner.invoke(args=["import-places", str(path), "--as", email, *options])
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result

    return run


def summary(result) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r"^(\w+): (\d+)$", result.stdout, re.MULTILINE)}


def imported(app, code: str = KAWASAKI_CITY) -> dict[str, Place]:
    """Places imported under ``code``, by ID."""
    with app.app_context():
        places = db.session.scalars(select(Place).where(Place.external_code == code)).all()
        for place in places:  # loaded while the session is open
            assert place.district is not None and place.opening_hours is not None
        return {place.external_id: place for place in places}


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def ja(app, message: str, **values) -> str:
    """A message as the command prints it (the command speaks the default language, ja)."""
    with app.app_context(), force_locale("ja"):
        return gettext(message, **values)


def hours(place: Place) -> set[tuple[int, str, str]]:
    return {(h["weekday"], h["opens"], h["closes"]) for h in raw_from_place(place)["opening_hours"]}


# --- the sample files ------------------------------------------------------------------------


def test_old_generation_in_cp932(app, admin, import_places):
    result = import_places(OLD_CP932, admin)
    assert result.exit_code == 0, result.output
    assert summary(result) == {"created": 3, "updated": 0, "unchanged": 0, "failed": 0}
    places = imported(app)  # 14130 became 141305
    hall, park, tama = places["1"], places["2"], places["3"]
    assert hall.name == "中原市民館" and hall.name_kana == "ナカハラシミンカン"
    assert (hall.kind, hall.sector, hall.who_may_use) == ("public_facility", "public", "anyone")
    assert hall.address == "川崎市中原区新丸子東3-1100-12 2階"  # 住所 and 方書
    assert hall.district_code == NAKAHARA
    assert hours(hall) == {(day, "09:00", "21:30") for day in range(1, 7)}  # 月～土
    assert hall.hours_note == "第3月曜日・年末年始は休館"
    assert hall.accessibility == ["wheelchair_toilet", "elevator"]
    # An unknown word of バリアフリー情報 is kept at the end of the description, with a warning.
    assert hall.description.endswith("\n\nバリアフリー情報：オストメイト対応トイレ")
    assert re.search(r"line 2, バリアフリー情報: .*オストメイト対応トイレ", result.stderr)
    assert hall.website_url == "https://www.city.kawasaki.jp/"
    assert (park.kind, park.name_kana) == ("park", "タカツノヒロバコウエン")  # POI 1003; ｶﾅ
    assert hours(park) == {(day, "00:00", "24:00") for day in range(1, 8)}  # 毎日
    # Full-width digits and dashes, 平日, 9時.
    assert raw_from_place(tama)["location"] == [139.5527, 35.6194]
    assert tama.contact_phone == "044-935-3333"
    assert hours(tama) == {(day, "09:00", "17:00") for day in range(1, 6)}
    assert tama.accessibility == ["step_free_entrance", "nursing_room"]  # スロープ, 授乳室
    assert "内線番号" in result.stderr and "備考" in result.stderr  # named as not imported


def test_new_generation_in_utf8_with_bom(app, admin, import_places):
    result = import_places(NEW_UTF8_BOM, admin)
    assert result.exit_code == 0, result.output
    places = imported(app)
    hall, centre = places["A-001"], places["A-002"]
    assert hall.name_en == "Saiwai Civic Hall"
    assert hall.description == (
        "大会議室と和室があります。\n申込みは利用日の3か月前から、窓口で受け付けます。"
    )
    assert hall.accessibility == ["step_free_entrance", "wheelchair_toilet"]  # incl. OSM tag
    assert hall.amenities == ["parking"]  # 駐車場_有無 有
    assert (hall.fee, hall.fee_details) == ("paid", "大会議室 1時間500円")
    assert (hall.contact_email, hall.contact_phone) == ("saiwai@example.jp", "044-541-3910")
    assert hours(hall) == {(day, "09:00", "17:00") for day in range(1, 6)}  # 月火水木金
    # No 所在地_連結表記: the address is made of its parts.
    assert centre.address == "神奈川県川崎市宮前区宮前平2丁目20-5"
    assert (centre.fee, centre.amenities) == ("free", [])
    # 土日祝: Saturday and Sunday; holidays are reported, not invented.
    assert hours(centre) == {(6, "10:00", "16:00"), (7, "10:00", "16:00")}
    assert re.search(r"line 4, 利用可能曜日: ", result.stderr)  # the row after a 2-line cell


def test_misspelled_columns_are_understood(app, admin, import_places):
    result = import_places(MISSPELLED, admin)
    assert result.exit_code == 0, result.output
    (place,) = imported(app).values()
    assert place.name_en == "Asao Civic Hall"  # 名称_英字
    assert place.address == "川崎市麻生区万福寺1-5-2"  # 所在地_連結標記
    # A plain municipal list: public facilities that anyone may use.
    assert (place.kind, place.sector, place.who_may_use) == ("public_facility", "public", "anyone")


def test_hiroba_columns_in_utf16(app, admin, import_places):
    result = import_places(HIROBA_UTF16, admin)
    assert result.exit_code == 0, result.output
    places = imported(app, NAKAHARA)
    cafe, house = places["H-1"], places["H-2"]
    assert cafe.name_kana == "コスギノマチカフェ"  # hiragana → katakana
    assert (cafe.kind, cafe.sector, cafe.who_may_use) == ("cafe", "private", "anyone")
    assert (cafe.capacity, float(cafe.floor_area_m2)) == (20, 45.5)
    assert cafe.amenities == ["wifi", "tables_chairs"]
    assert cafe.conditions == ["food_ok", "children_welcome"]
    assert cafe.accessibility == ["step_free_entrance"]
    assert hours(cafe) == {(1, "10:00", "18:00"), (6, "10:00", "12:00"), (6, "13:00", "17:00")}
    assert raw_from_place(cafe)["footprint"]["coordinates"][0][0] == [139.6594, 35.5762]
    # English keys are accepted as well as the Japanese labels.
    assert (house.kind, house.sector, house.who_may_use) == (
        "vacant_house", "private", "registered_groups",
    )  # fmt: skip
    assert house.location_precision == "approximate" and house.amenities == ["kitchen"]


def test_new_places_are_owned_by_the_importer_and_wait_for_review(app, admin, import_places):
    import_places(MISSPELLED, admin)
    (place,) = imported(app).values()
    assert place.owner_id == admin.id and place.status == PlaceStatus.PENDING
    with app.app_context():
        steps = db.session.execute(
            select(ReviewEvent.from_status, ReviewEvent.to_status, ReviewEvent.actor_id)
            .where(ReviewEvent.place_id == place.id)
            .order_by(ReviewEvent.id)
        ).all()
    assert steps == [(None, "draft", admin.id), ("draft", "pending", admin.id)]


# --- encodings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "bom", "newline", "option"),
    [
        ("utf-8", b"", "\r\n", "auto"),
        ("utf-8", codecs.BOM_UTF8, "\n", "auto"),
        ("cp932", b"", "\r\n", "auto"),
        ("cp932", b"", "\n", "cp932"),
        ("utf-16", b"", "\r\n", "auto"),  # Python writes the BOM
        ("utf-16", b"", "\n", "utf-16"),
        ("utf-8", codecs.BOM_UTF8, "\r\n", "utf-8"),
    ],
)
def test_every_encoding_and_line_end_gives_the_same_place(
    app, admin, import_places, tmp_path, encoding, bom, newline, option
):
    row = record("1", "武蔵小杉のひろば", 利用可能曜日="月～金", 開始時間="10:00", 終了時間="16:00",
                 説明="二行の\n説明")  # fmt: skip
    path = csv_file(tmp_path, [row], encoding=encoding, newline=newline)
    path.write_bytes(bom + path.read_bytes())
    result = import_places(path, admin, "--encoding", option)
    assert result.exit_code == 0, result.output
    (place,) = imported(app).values()
    assert place.name == "武蔵小杉のひろば"
    assert place.description == "二行の\n説明"
    assert hours(place) == {(day, "10:00", "16:00") for day in range(1, 6)}


def test_detection_tries_utf8_strictly_before_cp932():
    text = "名称,説明\r\n中原,ソ表\r\n"  # ソ and 表 hold a backslash byte in Shift_JIS
    assert decode(text.encode("cp932")) == text
    assert decode(text.encode("utf-8")) == text
    assert decode(codecs.BOM_UTF8 + text.encode("utf-8")) == text
    assert decode(codecs.BOM_UTF16_BE + text.encode("utf-16-be")) == text


def test_a_file_in_another_encoding_than_asked_imports_nothing(app, admin, import_places):
    result = import_places(OLD_CP932, admin, "--encoding", "utf-8")
    assert result.exit_code != 0
    assert "line 1" in result.output and "utf-8" in result.output
    assert imported(app) == {}


def test_a_file_without_the_required_columns_imports_nothing(app, admin, import_places, tmp_path):
    path = tmp_path / "no-coordinates.csv"
    path.write_text("全国地方公共団体コード,ID,名称\r\n141305,1,会館\r\n", encoding="utf-8")
    result = import_places(path, admin)
    assert result.exit_code != 0
    assert "緯度" in result.output and "経度" in result.output
    assert imported(app) == {}


def test_reading_rejects_broken_quoting():
    with pytest.raises(OpenDataFileError, match="line 2"):
        read_table('全国地方公共団体コード,ID,名称,緯度,経度\r\n1,"a"b,c,1,2\r\n')


# --- row errors ------------------------------------------------------------------------------

BAD_ROWS = [
    record("1", "良い会館", 説明="二行に\nわたる説明"),  # lines 2-3
    record("2", lat="abc"),  # line 4
    record("3", lat=NAKAHARA_LON, lon=NAKAHARA_LAT),  # line 5: swapped
    record("4", lat=OUTSIDE_EVERY_WARD[1], lon=OUTSIDE_EVERY_WARD[0]),  # line 6: Tokyo Bay
    record("5", 種類="宇宙ステーション"),  # line 7
    record("6", 利用可能曜日="月～金", 開始時間="25:00", 終了時間="17時"),  # line 8
    record("7", 利用可能曜日="月～金", 開始時間="18:00", 終了時間="09:00"),  # line 9
    [KAWASAKI_CITY, "8", "", "", str(NAKAHARA_LON)] + [""] * 5,  # line 10: no 名称, no 緯度
    record("9", 利用可能曜日="第2・第4土曜日", 開始時間="10:00", 終了時間="12:00"),  # line 11
    record("1", "同じIDの会館"),  # line 12: ID 1 again
]
EXPECTED_ERRORS = [
    (4, "緯度"), (5, "緯度"), (6, "緯度"), (7, "種類"), (8, "開始時間"), (9, "終了時間"),
    (10, "名称"), (10, "緯度"), (11, "利用可能曜日"), (12, "ID"),
]  # fmt: skip


def error_lines(output: str) -> list[tuple[int, str]]:
    return [(int(n), c) for n, c in re.findall(r"^line (\d+), ([^:]+): ", output, re.MULTILINE)]


def test_every_row_error_is_reported_with_its_line_and_column_and_nothing_is_imported(
    app, admin, import_places, tmp_path
):
    before = count(app, ReviewEvent)
    result = import_places(csv_file(tmp_path, BAD_ROWS), admin)
    assert result.exit_code != 0
    assert sorted(error_lines(result.stderr)) == EXPECTED_ERRORS
    assert summary(result)["failed"] == 9
    assert "--skip-invalid" in result.output
    assert imported(app) == {}
    assert count(app, ReviewEvent) == before
    # The messages say what is wrong (in the command's language, Japanese).
    for message in (
        ja(app, "Latitude %(lat)s is out of range; latitude and longitude look swapped "
                "(longitude comes first, e.g. 139.7, 35.5).", lat=NAKAHARA_LON),
        ja(app, "This point is outside every ward covered by hiroba."),
        ja(app, "Unknown value: %(value)s", value="宇宙ステーション"),
        ja(app, "Times are written HH:MM, between 00:00 and 24:00."),
        ja(app, "The closing time must be after the opening time."),
        ja(app, "This field is required."),
    ):  # fmt: skip
        assert message in result.stderr


def test_skip_invalid_imports_the_good_rows_and_still_reports_the_bad(
    app, admin, import_places, tmp_path
):
    rows = [*BAD_ROWS, record("10", "もう一つの良い会館")]
    result = import_places(csv_file(tmp_path, rows), admin, "--skip-invalid")
    assert result.exit_code == 1
    assert sorted(error_lines(result.stderr)) == EXPECTED_ERRORS
    assert summary(result) == {"created": 2, "updated": 0, "unchanged": 0, "failed": 9}
    places = imported(app)
    assert sorted(places) == ["1", "10"] and places["1"].name == "良い会館"


def test_a_refusal_by_the_database_undoes_only_its_row(
    app, admin, import_places, tmp_path, monkeypatch
):
    """The database has the last word on districts; its refusal is a row error, not a crash."""

    def fooled(point):  # the check before writing is fooled; the database's trigger is not
        return district_at(point) or district_at(Point(*WARD_POINTS[NAKAHARA]))

    monkeypatch.setattr(importing, "district_at", fooled)
    sea = record("2", lat=OUTSIDE_EVERY_WARD[1], lon=OUTSIDE_EVERY_WARD[0])
    result = import_places(csv_file(tmp_path, [record("1"), sea]), admin, "--skip-invalid")
    assert error_lines(result.stderr) == [(3, "緯度")]
    assert sorted(imported(app)) == ["1"]


def test_line_numbers_count_blank_lines_and_skip_empty_records(app, admin, import_places, tmp_path):
    path = csv_file(tmp_path, [record("1"), [""] * len(HEADER), [], record("2", lat="x")])
    result = import_places(path, admin)
    assert error_lines(result.stderr) == [(5, "緯度")]


def test_the_export_formula_guard_is_taken_off(app, admin, import_places, tmp_path):
    result = import_places(csv_file(tmp_path, [record("1", "'=1+1の会")]), admin)
    assert result.exit_code == 0, result.output
    assert imported(app)["1"].name == "=1+1の会"


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("月火水木金", [1, 2, 3, 4, 5]),
        ("月～金", [1, 2, 3, 4, 5]),
        ("月〜金", [1, 2, 3, 4, 5]),
        ("月曜日から金曜日まで", [1, 2, 3, 4, 5]),
        ("平日", [1, 2, 3, 4, 5]),
        ("月・水・金", [1, 3, 5]),
        ("月曜日、木曜日", [1, 4]),
        ("金～月", [1, 5, 6, 7]),
        ("土日", [6, 7]),
        ("毎日", [1, 2, 3, 4, 5, 6, 7]),
        ("年中無休", [1, 2, 3, 4, 5, 6, 7]),
        ("月曜日を除く", [2, 3, 4, 5, 6, 7]),
        ("毎日（月曜除く）", [2, 3, 4, 5, 6, 7]),
    ],
)
def test_day_strings(text, days):
    assert parse_weekdays(text) == (days, False)


def test_holidays_are_named_and_left_out():
    assert parse_weekdays("土日祝") == ([6, 7], True)
    assert parse_weekdays("土日・祝日を除く") == ([1, 2, 3, 4, 5], True)


@pytest.mark.parametrize("text", ["第2・第4土曜日", "隔週土曜", "月x", "要予約"])
def test_day_strings_not_understood(text):
    with pytest.raises(NotUnderstood):
        parse_weekdays(text)


# --- idempotence and updates -----------------------------------------------------------------


def snapshot(app) -> tuple:
    with app.app_context():
        places = db.session.execute(
            select(Place.id, Place.version, Place.updated_at).order_by(Place.id)
        ).all()
        return places, count(app, ReviewEvent), count(app, PlaceRevision)


@pytest.mark.parametrize("options", [(), ("--approve",)])
def test_importing_the_same_file_again_changes_nothing(app, admin, import_places, options):
    for path in (OLD_CP932, NEW_UTF8_BOM, MISSPELLED, HIROBA_UTF16):
        assert import_places(path, admin, *options).exit_code == 0
    before = snapshot(app)
    for path, rows in ((OLD_CP932, 3), (NEW_UTF8_BOM, 2), (MISSPELLED, 1), (HIROBA_UTF16, 2)):
        result = import_places(path, admin, *options)
        assert result.exit_code == 0, result.output
        assert summary(result) == {"created": 0, "updated": 0, "unchanged": rows, "failed": 0}
    assert snapshot(app) == before


def test_a_changed_row_updates_a_published_place_and_says_why(app, admin, import_places, tmp_path):
    first = csv_file(tmp_path, [record("1", "旧名の会館"), record("2")], name="first.csv")
    import_places(first, admin, "--approve")
    place = imported(app)["1"]
    changed = csv_file(tmp_path, [record("1", "新名の会館", 説明="説明を追加"), record("2")])

    result = import_places(changed, admin)

    assert summary(result) == {"created": 0, "updated": 1, "unchanged": 1, "failed": 0}
    updated = imported(app)["1"]
    assert (updated.id, updated.name, updated.description) == (place.id, "新名の会館", "説明を追加")
    assert updated.status == PlaceStatus.APPROVED  # an administrative act: applied directly
    with app.app_context():
        event = db.session.scalars(
            select(ReviewEvent).where(ReviewEvent.place_id == place.id).order_by(ReviewEvent.id)
        ).all()[-1]
        revision = db.session.get(PlaceRevision, event.revision_id)
        assert (event.action, event.actor_id, event.reason) == (
            ReviewAction.REVISION_APPROVED, admin.id, IMPORT_REASON,
        )  # fmt: skip
        assert (
            revision.status == RevisionStatus.APPROVED and revision.values["name"] == "新名の会館"
        )


def test_a_changed_row_updates_a_pending_place_which_stays_pending(
    app, make_staff, import_places, tmp_path
):
    staff = make_staff(NAKAHARA)
    import_places(csv_file(tmp_path, [record("1")], name="first.csv"), staff)
    before = count(app, ReviewEvent)
    result = import_places(csv_file(tmp_path, [record("1", 開始時間="09:00")]), staff)
    assert summary(result)["unchanged"] == 1  # a time without days: a warning, no hours
    assert "line 2, 利用可能曜日: " in result.stderr
    result = import_places(csv_file(tmp_path, [record("1", 説明="新しい説明")]), staff)
    assert summary(result)["updated"] == 1
    place = imported(app)["1"]
    assert (place.description, place.status) == ("新しい説明", PlaceStatus.PENDING)
    assert count(app, ReviewEvent) == before


# --- who may import --------------------------------------------------------------------------


def test_approve_publishes_at_once_and_says_the_four_eyes_rule_was_waived(
    app, admin, import_places
):
    result = import_places(MISSPELLED, admin, "--approve")
    assert result.exit_code == 0, result.output
    (place,) = imported(app).values()
    assert place.status == PlaceStatus.APPROVED and place.last_confirmed_at is not None
    with app.app_context():
        steps = db.session.execute(
            select(ReviewEvent.from_status, ReviewEvent.to_status, ReviewEvent.reason)
            .where(ReviewEvent.place_id == place.id)
            .order_by(ReviewEvent.id)
        ).all()
    assert steps == [
        (None, "draft", None), ("draft", "pending", None), ("pending", "approved", APPROVAL_REASON),
    ]  # fmt: skip


def test_approve_publishes_places_an_earlier_import_left_pending(app, admin, import_places):
    import_places(MISSPELLED, admin)
    result = import_places(MISSPELLED, admin, "--approve")
    assert summary(result) == {"created": 0, "updated": 1, "unchanged": 0, "failed": 0}
    assert imported(app)["B-1"].status == PlaceStatus.APPROVED


def test_approve_needs_an_admin(app, make_staff, import_places):
    staff = make_staff(NAKAHARA)
    result = import_places(HIROBA_UTF16, staff, "--approve")
    assert result.exit_code != 0
    assert ja(app, "Only administrators can publish imported places directly.") in result.output
    assert imported(app, NAKAHARA) == {}


def test_staff_import_only_in_their_wards(app, make_staff, import_places, tmp_path):
    staff = make_staff(NAKAHARA)
    tama_lon, tama_lat = WARD_POINTS[TAMA]
    path = csv_file(tmp_path, [record("1"), record("2", lat=tama_lat, lon=tama_lon)])
    result = import_places(path, staff)
    assert result.exit_code != 0 and imported(app) == {}
    assert error_lines(result.stderr) == [(3, "緯度")]
    assert "多摩区" in result.stderr
    result = import_places(path, staff, "--skip-invalid")
    assert sorted(imported(app)) == ["1"]


def test_staff_cannot_update_a_place_of_another_ward(
    app, admin, make_staff, import_places, tmp_path
):
    tama_lon, tama_lat = WARD_POINTS[TAMA]
    import_places(csv_file(tmp_path, [record("1", lat=tama_lat, lon=tama_lon)], "a.csv"), admin)
    staff = make_staff(NAKAHARA)
    moved_into_nakahara = csv_file(tmp_path, [record("1", "乗っ取り")])
    result = import_places(moved_into_nakahara, staff)
    assert error_lines(result.stderr) == [(2, "緯度")]
    assert imported(app)["1"].district_code == TAMA


@pytest.mark.parametrize("role", [Role.RESIDENT, "unknown"])
def test_residents_and_unknown_accounts_cannot_import(app, make_user, import_places, role):
    user = "nobody@test.example" if role == "unknown" else make_user(role)
    result = import_places(MISSPELLED, user)
    assert result.exit_code != 0
    expected = (
        "There is no account with this email address."
        if role == "unknown"
        else "Only staff and administrators can import places."
    )
    assert ja(app, expected) in result.output
    assert imported(app) == {}


def test_headers_are_matched_whatever_their_width_and_spacing():
    table = read_table(
        "ＮＯ, 都道府県コード又は市区町村コード ,名称,緯度,経度,料金（詳細）,"
        "所在地_連結標記,謎の列\r\n"
        "1,14133,会館,35.5,139.6,無料,川崎市中原区,?\r\n"
    )
    assert table.columns == {
        "ID": "ＮＯ", "全国地方公共団体コード": "都道府県コード又は市区町村コード", "名称": "名称",
        "緯度": "緯度", "経度": "経度", "料金(詳細)": "料金（詳細）",
        "所在地_連結表記": "所在地_連結標記",
    }  # fmt: skip
    assert table.unknown == ["謎の列"]
    assert table.rows[0].cells["全国地方公共団体コード"] == "14133"
