"""``f=csv`` on the places collection: the 公共施設一覧 layout, Excel-friendly bytes, the very same
result set as the JSON page, and nothing finer than a ½ mesh cell for approximate places."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from hiroba.districts.models import District
from hiroba.extensions import db
from hiroba.opendata.layout import APPROXIMATE_NOTE, COLUMNS
from tests.factories import NAKAHARA, WARD_POINTS

ITEMS = "/api/collections/places/items"
KAWASAKI_KU = "141313"
TAMA = "141356"
HOME = (139.658713, 35.577331)  # a home in 中原区: never in a public file
HOME_ADDRESS = "川崎市中原区小杉町3丁目9-9 ひみつ荘101号室"
# In 川崎区 by the Tama river: the centre of its ½ mesh cell lies outside every ward.
BY_THE_RIVER = (139.6898, 35.5193)


@pytest.fixture
def make_places(make_place, make_user, make_staff):
    """Published places sharing one owner and one reviewer (faster than a pair per place)."""
    owner, staff = make_user(), make_staff(NAKAHARA, TAMA, KAWASAKI_KU)

    def make(n: int = 1, **overrides):
        return [make_place(owner=owner, reviewer=staff, **overrides) for _ in range(n)]

    return make


def get_csv(client, query: str = "") -> tuple[str, list[dict[str, str]]]:
    """The raw text and the rows (as dicts by column) of a CSV export."""
    response = client.get(f"{ITEMS}?f=csv&{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    text = data.decode("utf-8-sig")
    records = list(csv.reader(io.StringIO(text, newline="")))
    assert records[0] == COLUMNS
    return text, [dict(zip(COLUMNS, record, strict=True)) for record in records[1:]]


def names_on_page(client, query: str) -> list[str]:
    """Names on the JSON page (a page large enough for all, unless the query pages itself)."""
    if "limit=" not in query:
        query = f"limit=1000&{query}"
    response = client.get(f"{ITEMS}?{query}")
    assert response.status_code == 200
    return [f["properties"]["name"] for f in response.get_json(force=True)["features"]]


def test_bytes_and_header_are_as_excel_in_japan_expects(client, make_places):
    make_places(2)
    response = client.get(f"{ITEMS}?f=csv")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    text, rows = get_csv(client)
    assert len(rows) == 2
    assert text.count("\r\n") == 3 and "\n" not in text.replace("\r\n", "")
    assert text.startswith(",".join(COLUMNS) + "\r\n")


def test_every_place_is_exported_without_the_page_limit(client, make_places):
    make_places(60)
    assert len(client.get(ITEMS).get_json(force=True)["features"]) == 50
    _, rows = get_csv(client)
    assert len(rows) == 60
    assert len({row["ID"] for row in rows}) == 60


@pytest.mark.parametrize(
    "query",
    [
        "",
        "kind=cafe",
        "kind=cafe,park&amenity=wifi",
        "accessibility=elevator",
        "q=ひろば",
        "district=141356",
        "condition=paid&who=anyone",
        "capacity_min=25&sortby=-capacity",
        "bbox=139.60,35.55,139.70,35.60&kind=community_hall",
        "open_at=2026-12-05T10:00:00%2B09:00",  # a Saturday
        "limit=2&sortby=name",
    ],
)
def test_the_csv_holds_exactly_what_the_json_page_lists(client, make_places, query):
    make_places(2)  # community halls in 中原区, Monday to Friday
    make_places(1, kind="cafe", sector="private", name="ひろばカフェ", amenities=["wifi"],
                fee="paid", capacity=20)  # fmt: skip
    make_places(1, kind="park", name="中原の公園", accessibility=["elevator"], amenities=[],
                opening_hours=[{"weekday": 6, "opens": "09:00", "closes": "17:00"}])  # fmt: skip
    make_places(1, ward=TAMA, name="多摩のひろば", capacity=40, who_may_use="ward_residents")
    expected = names_on_page(client, query)
    _, rows = get_csv(client, query)
    assert [row["名称"] for row in rows] == expected  # the same places, in the same order


def test_lists_and_hours_in_japanese(client, make_places):
    make_places(1, name="平日の会館", accessibility=["elevator", "step_free_entrance",
                                                     "wheelchair_toilet"])  # fmt: skip
    irregular = [
        {"weekday": 1, "opens": "09:00", "closes": "12:00"},
        {"weekday": 1, "opens": "13:00", "closes": "17:00"},
        {"weekday": 6, "opens": "10:00", "closes": "24:00"},
    ]
    make_places(1, name="不規則な会館", opening_hours=irregular, amenities=["parking"], fee="paid",
                fee_details="1時間300円")  # fmt: skip
    _, rows = get_csv(client)
    weekday, irregular_row = sorted(rows, key=lambda r: r["名称"] != "平日の会館")
    assert (
        weekday["バリアフリー情報"] == "段差のない入口;多目的トイレ;エレベーター"
    )  # vocabulary order
    assert weekday["設備"] == "Wi-Fi;机・椅子"
    assert (weekday["利用可能曜日"], weekday["開始時間"], weekday["終了時間"]) == (
        "月火水木金", "09:00", "21:00",
    )  # fmt: skip
    assert weekday["利用時間_詳細"] == ";".join(f"{d} 09:00-21:00" for d in "月火水木金")
    assert (weekday["種類"], weekday["公共・民間"], weekday["利用できる人"]) == (
        "集会所・町内会館", "公共", "どなたでも",
    )  # fmt: skip
    assert (weekday["駐車場_有無"], weekday["料金_要否"], weekday["位置の精度"]) == (
        "無", "無", "正確な位置",
    )  # fmt: skip
    # Different times on different days: only the days in the standard columns, all in ours.
    standard = [irregular_row[c] for c in ("利用可能曜日", "開始時間", "終了時間")]
    assert standard == ["月土", "", ""]
    assert irregular_row["利用時間_詳細"] == "月 09:00-12:00,13:00-17:00;土 10:00-24:00"
    assert (irregular_row["駐車場_有無"], irregular_row["料金_要否"]) == ("有", "有")
    assert irregular_row["料金(詳細)"] == "1時間300円"


def cell_centre(app, lon: float, lat: float) -> tuple[str, str]:
    with app.app_context():
        point = func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)
        centre = func.ST_Centroid(func.hiroba_half_mesh_cell(func.hiroba_half_mesh_code(point)))
        x, y = db.session.execute(select(func.ST_X(centre), func.ST_Y(centre))).one()
        return f"{y:.6f}", f"{x:.6f}"


def ward_area(app, code: str) -> str:
    with app.app_context():
        ward = db.session.get(District, code)
        return f"{ward.prefecture_ja or ''}{ward.city_ja}{ward.name_ja}"


def test_an_approximate_place_is_its_cell_centre_and_its_ward(app, client, make_places):
    make_places(1, kind="vacant_house", sector="private", location_precision="approximate",
                location=list(HOME), address=HOME_ADDRESS, name="中原の空き家（離れ）")  # fmt: skip
    text, (row,) = get_csv(client)
    assert (row["緯度"], row["経度"]) == cell_centre(app, *HOME)
    assert row["所在地_連結表記"] == ward_area(app, NAKAHARA) == "神奈川県川崎市中原区"
    assert row["備考"] == APPROXIMATE_NOTE
    assert row["位置の精度"] == "おおよその位置（約500m）" and row["敷地_GeoJSON"] == ""
    # Nothing finer than the cell anywhere in the file: no street number, no true coordinate.
    for secret in ("小杉町", "9-9", "ひみつ荘", "101"):
        assert secret not in text
    numbers = {round(float(n), 4) for n in re.findall(r"\d+\.\d+", text)}
    assert round(HOME[0], 4) not in numbers and round(HOME[1], 4) not in numbers


def test_an_approximate_place_by_a_ward_border_stays_in_its_ward(app, client, make_places):
    """The centre of a cell across the border is outside the ward: an importer would put the
    place in another ward or refuse it. The export gives a point of the cell inside the ward."""
    lat, lon = cell_centre(app, *BY_THE_RIVER)
    with app.app_context():
        at = func.ST_SetSRID(func.ST_MakePoint(float(lon), float(lat)), 4326)
        assert db.session.scalar(select(func.hiroba_district_at(at))) is None  # the premise
    make_places(1, kind="vacant_house", sector="private", location_precision="approximate",
                location=list(BY_THE_RIVER), address="川崎市川崎区のどこか1-2-3")  # fmt: skip
    _, (row,) = get_csv(client)
    with app.app_context():
        point = func.ST_SetSRID(func.ST_MakePoint(float(row["経度"]), float(row["緯度"])), 4326)
        true_point = func.ST_SetSRID(func.ST_MakePoint(*BY_THE_RIVER), 4326)
        cell = func.hiroba_half_mesh_cell(func.hiroba_half_mesh_code(true_point))
        in_ward, in_cell = db.session.execute(
            select(func.hiroba_district_at(point), func.ST_Covers(cell, point))
        ).one()
    assert (in_ward, in_cell) == (KAWASAKI_KU, True)
    assert row["所在地_連結表記"] == ward_area(app, KAWASAKI_KU)


def test_an_exact_place_has_its_point_address_and_outline(client, make_places):
    lon, lat = WARD_POINTS[NAKAHARA]
    outline = {"type": "Polygon", "coordinates": [[[lon - 0.0002, lat - 0.0002],
               [lon + 0.0002, lat - 0.0002], [lon + 0.0002, lat + 0.0002],
               [lon - 0.0002, lat + 0.0002], [lon - 0.0002, lat - 0.0002]]]}  # fmt: skip
    (place,) = make_places(1, footprint=outline)
    _, (row,) = get_csv(client)
    assert (row["緯度"], row["経度"]) == (f"{lat:.6f}", f"{lon:.6f}")
    assert row["所在地_連結表記"] == "川崎市中原区小杉町3丁目600" and row["備考"] == ""
    assert row["全国地方公共団体コード"] == NAKAHARA and row["ID"] == f"hiroba-{place.id}"
    assert '"type":"Polygon"' in row["敷地_GeoJSON"]


def test_values_that_trouble_spreadsheets_are_quoted_and_formulas_neutralised(client, make_places):
    make_places(
        1,
        name='カフェ "ひろば", 2号店',
        description='一行目\n二行目, "引用"\n=SUM(A1:A9)',
        hours_note='=HYPERLINK("http://evil.example/","押してください")',
        fee_details="+500円（材料費）",
        name_en="@home",
        contact_phone="+81-44-123-4567",
        website_url="https://example.jp/?a=1,2",
    )
    text, (row,) = get_csv(client)
    assert '"カフェ ""ひろば"", 2号店"' in text
    assert row["名称"] == 'カフェ "ひろば", 2号店'
    assert row["説明"] == '一行目\n二行目, "引用"\n=SUM(A1:A9)'  # starts with text: harmless
    # A cell a spreadsheet would run as a formula is written behind an apostrophe…
    assert row["利用可能日時特記事項"] == '\'=HYPERLINK("http://evil.example/","押してください")'
    assert row["料金(詳細)"] == "'+500円（材料費）"
    assert row["名称_英語"] == "'@home"
    # …except a phone number, which can call no function and must stay machine-readable.
    assert row["電話番号"] == "+81-44-123-4567"
    assert row["URL"] == "https://example.jp/?a=1,2"
    for value in row.values():
        assert not value.startswith(("=", "+", "-", "@")) or value == row["電話番号"]
