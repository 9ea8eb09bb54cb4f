"""Importing ward boundaries from N03 files and hiroba's own, and what that does to places."""

import json

import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, box, mapping
from sqlalchemy import func, select, text

from hiroba import geo
from hiroba.districts.importing import DistrictFileError, read_districts
from hiroba.districts.models import District
from hiroba.districts.services import BoundaryStrandsPlaces, import_districts
from hiroba.extensions import db
from hiroba.places.models import Place
from tests.conftest import KAWASAKI_WARDS, SHARED_DATA

NAKAHARA, TAKATSU = "141330", "141348"
KAWASAKI_CODES = ["141313", "141321", "141330", "141348", "141356", "141364", "141372"]


@pytest.fixture
def cli(runner, app_context):
    """Run a command as ``flask --app hiroba …`` does: inside an application context."""

    def run(*args):
        return runner.invoke(args=[str(arg) for arg in args])

    return run


def write_collection(path, features, **members):
    path.write_text(
        json.dumps({"type": "FeatureCollection", **members, "features": features}),
        encoding="utf-8",
    )
    return path


def feature(geometry, **properties):
    geometry = geometry if isinstance(geometry, dict) else mapping(geometry)
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def n03(geometry, code5, ward="中原区", **extra):
    """A feature as the official 国土数値情報 N03 GeoJSON writes it (one polygon each)."""
    props = {"N03_001": "神奈川県", "N03_002": None, "N03_003": "川崎市", "N03_004": ward}
    return feature(geometry, **props, N03_007=code5, **extra)


def one(records, code):
    [record] = [r for r in records if r.code == code]
    return record


# --- reading files --------------------------------------------------------------------------


def test_n03_features_of_one_code_are_merged_into_one_district(tmp_path):
    """N03 has one feature per polygon: a ward with islands must come out as one district."""
    path = write_collection(
        tmp_path / "n03.geojson",
        [
            n03(box(139.60, 35.50, 139.61, 35.51), "14133"),
            n03(box(139.62, 35.50, 139.63, 35.51), "14133"),
            n03(box(139.64, 35.50, 139.65, 35.51), "14134", ward="高津区"),
        ],
    )
    records = read_districts(path)
    assert [r.code for r in records] == [NAKAHARA, TAKATSU]
    nakahara = one(records, NAKAHARA)
    assert isinstance(nakahara.boundary, MultiPolygon)
    assert len(nakahara.boundary.geoms) == 2
    assert nakahara.boundary.area == pytest.approx(2 * 0.01 * 0.01)
    assert (nakahara.name_ja, nakahara.city_ja, nakahara.prefecture_ja) == (
        "中原区",
        "川崎市",
        "神奈川県",
    )
    assert one(records, TAKATSU).name_ja == "高津区"


def test_unassigned_land_without_a_code_is_skipped(tmp_path):
    """所属未定地 (land claimed by no municipality) has a null N03_007 and is no district."""
    path = write_collection(
        tmp_path / "n03.geojson",
        [
            n03(box(139.60, 35.50, 139.61, 35.51), "14133"),
            n03(box(139.70, 35.45, 139.71, 35.46), None, ward="所属未定地"),
        ],
    )
    records = read_districts(path)
    assert [r.code for r in records] == [NAKAHARA]
    assert not records[0].boundary.intersects(box(139.70, 35.45, 139.71, 35.46))


def test_islands_written_as_holes_are_repaired_into_a_valid_boundary(tmp_path):
    """N03 encodes some islands as 'holes' outside the shell; PostGIS needs valid polygons."""
    shell = box(139.60, 35.50, 139.62, 35.52).exterior.coords
    island = box(139.65, 35.50, 139.66, 35.51).exterior.coords
    broken = Polygon(shell, [island])
    assert not broken.is_valid
    records = read_districts(write_collection(tmp_path / "n03.geojson", [n03(broken, "14131")]))
    boundary = records[0].boundary
    assert boundary.is_valid
    assert len(boundary.geoms) == 2
    assert boundary.area == pytest.approx(0.02 * 0.02 + 0.01 * 0.01)
    assert boundary.covers(Point(139.655, 35.505))  # the island is land, not a hole


def test_five_digit_n03_codes_become_six_digit_codes(tmp_path):
    path = write_collection(
        tmp_path / "n03.geojson",
        [n03(box(139.60, 35.50, 139.61, 35.51), code5) for code5 in ("14131", "14137")],
    )
    assert [r.code for r in read_districts(path)] == ["141313", "141372"]


def test_newer_n03_files_name_the_ward_in_n03_005(tmp_path):
    """Since 2024 N03 puts the city in N03_004 and the ward of a 政令市 in N03_005."""
    props = {"N03_001": "神奈川県", "N03_003": None, "N03_004": "川崎市", "N03_005": "中原区"}
    geometry = box(139.60, 35.50, 139.61, 35.51)
    path = write_collection(tmp_path / "n03.geojson", [feature(geometry, **props, N03_007="14133")])
    [record] = read_districts(path)
    assert record.name_ja == "中原区"
    assert record.city_ja == "川崎市"


def test_hiroba_district_files_are_read_with_their_names(tmp_path):
    path = write_collection(
        tmp_path / "wards.geojson",
        [
            feature(
                box(139.60, 35.50, 139.61, 35.51),
                code6="141330",
                name_ja="中原区",
                name_en="Nakahara-ku",
                city_ja="川崎市",
            )
        ],
    )
    [record] = read_districts(path)
    assert (record.code, record.name_ja, record.name_en, record.city_ja) == (
        NAKAHARA,
        "中原区",
        "Nakahara-ku",
        "川崎市",
    )


@pytest.mark.parametrize("wanted", ["14133", "141330"])
def test_codes_filter_keeps_only_the_requested_districts(wanted):
    records = read_districts(KAWASAKI_WARDS, codes=[wanted])
    assert [r.code for r in records] == [NAKAHARA]


@pytest.mark.parametrize(("wanted", "named"), [("14139", "14139"), ("141399", "141399")])
def test_a_requested_code_missing_from_the_file_is_named(wanted, named):
    """An operator who mistypes a ward must hear which one, not get a silent partial import."""
    with pytest.raises(DistrictFileError) as raised:
        read_districts(KAWASAKI_WARDS, codes=["14133", wanted])
    assert named in str(raised.value)


@pytest.mark.parametrize(
    "content",
    [
        json.dumps({"type": "Feature", "properties": {}, "geometry": None}),
        json.dumps([{"type": "Feature"}]),
        json.dumps({"features": []}),
    ],
    ids=["feature", "list", "no-type"],
)
def test_anything_but_a_feature_collection_is_refused(tmp_path, content):
    path = tmp_path / "wards.geojson"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DistrictFileError, match="FeatureCollection"):
        read_districts(path)


def test_broken_json_is_refused_with_the_file_name(tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with pytest.raises(DistrictFileError, match=r"broken\.geojson"):
        read_districts(path)


def test_a_file_with_no_districts_is_refused(tmp_path):
    with pytest.raises(DistrictFileError, match="no districts"):
        read_districts(write_collection(tmp_path / "empty.geojson", []))


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    """Files saved by Windows tools start with a BOM; json.loads alone would refuse them."""
    path = write_collection(
        tmp_path / "n03.geojson", [n03(box(139.6, 35.5, 139.61, 35.51), "14133")]
    )
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    [record] = read_districts(path)
    assert record.name_ja == "中原区"


def crs(name):
    return {"type": "name", "properties": {"name": name}}


def test_jgd2011_files_are_accepted(tmp_path):
    """Official N03 GeoJSON is in JGD2011 (EPSG:6668): centimetres from WGS 84."""
    path = write_collection(
        tmp_path / "n03.geojson",
        [n03(box(139.60, 35.50, 139.61, 35.51), "14133")],
        crs=crs("urn:ogc:def:crs:EPSG::6668"),
    )
    assert [r.code for r in read_districts(path)] == [NAKAHARA]


def test_projected_coordinates_are_refused(tmp_path):
    """Metres read as degrees would put every ward in the wrong place of the world."""
    path = write_collection(
        tmp_path / "n03.geojson",
        [n03(box(15540000, 4240000, 15541000, 4241000), "14133")],
        crs=crs("urn:ogc:def:crs:EPSG::3857"),
    )
    with pytest.raises(DistrictFileError, match="3857"):
        read_districts(path)


def test_a_point_is_refused_as_a_boundary(tmp_path):
    path = write_collection(tmp_path / "n03.geojson", [n03(Point(139.6, 35.5), "14133")])
    with pytest.raises(DistrictFileError, match=r"feature 0: Point"):
        read_districts(path)


def test_a_wrong_check_digit_in_code6_is_refused(tmp_path):
    path = write_collection(
        tmp_path / "wards.geojson",
        [feature(box(139.60, 35.50, 139.61, 35.51), code6="141331", name_ja="中原区")],
    )
    with pytest.raises(DistrictFileError, match="141330"):
        read_districts(path)


# --- the import-districts command ------------------------------------------------------------


def district(code):
    return db.session.get(District, code)


def outcome_lines(result):
    return sorted(line for line in result.output.splitlines() if line[:6].isdigit())


def test_reimporting_the_same_wards_reports_every_one_unchanged(cli):
    result = cli("import-districts", KAWASAKI_WARDS)
    assert result.exit_code == 0, result.output
    assert outcome_lines(result) == [f"{code} unchanged" for code in KAWASAKI_CODES]


def test_code_option_touches_only_that_district(cli, tmp_path):
    """An operator fixing one ward must not rewrite the others from the same file."""
    source = json.loads(KAWASAKI_WARDS.read_text(encoding="utf-8"))
    for f in source["features"]:
        f["properties"]["name_ja"] += "（新）"
    path = write_collection(tmp_path / "renamed.geojson", source["features"])
    result = cli("import-districts", path, "--code", "14133")
    assert result.exit_code == 0, result.output
    assert outcome_lines(result) == [f"{NAKAHARA} updated"]
    db.session.expire_all()
    assert district(NAKAHARA).name_ja == "中原区（新）"
    assert district(TAKATSU).name_ja == "高津区"


def test_names_option_supplies_english_names_missing_from_n03(cli, tmp_path):
    """Official N03 has no English names: a re-import keeps the ones we have, and --names
    fills them from a code list."""
    source = json.loads(KAWASAKI_WARDS.read_text(encoding="utf-8"))
    wards = [(f["geometry"], f["properties"]) for f in source["features"]]
    path = write_collection(
        tmp_path / "n03.geojson", [n03(g, p["code5"], ward=p["name_ja"]) for g, p in wards]
    )
    plain = cli("import-districts", path)
    assert plain.exit_code == 0, plain.output
    db.session.expire_all()
    assert district(NAKAHARA).name_en == "Nakahara-ku"
    db.session.execute(text("UPDATE districts SET name_en = NULL"))
    named = cli("import-districts", path, "--names", SHARED_DATA / "ward-codes.csv")
    assert named.exit_code == 0, named.output
    assert outcome_lines(named) == [f"{code} updated" for code in KAWASAKI_CODES]
    db.session.expire_all()
    assert district(NAKAHARA).name_en == "Nakahara-ku"
    assert district("141372").name_en == "Asao-ku"


def test_a_bad_file_fails_with_a_clear_message_and_writes_nothing(cli, tmp_path):
    path = write_collection(
        tmp_path / "wards.geojson",
        [
            feature(box(139.60, 35.50, 139.61, 35.51), code6=NAKAHARA, name_ja="書き換え区"),
            feature(Point(139.6, 35.5), code6=TAKATSU, name_ja="高津区"),
        ],
    )
    result = cli("import-districts", path)
    assert result.exit_code != 0
    assert "feature 1: Point is not an area" in result.output
    assert district(NAKAHARA).name_ja == "中原区"
    assert geo.from_db(district(NAKAHARA).boundary).covers(Point(139.6595, 35.5763))


# --- boundary changes and the places inside them ---------------------------------------------


@pytest.fixture(scope="module")
def border():
    """中原区 and 高津区 as loaded, and a small piece of 中原区 right at their shared border."""
    wards = {r.code: r for r in read_districts(KAWASAKI_WARDS, codes=[NAKAHARA, TAKATSU])}
    nakahara, takatsu = wards[NAKAHARA].boundary, wards[TAKATSU].boundary
    shared = shapely.line_merge(nakahara.boundary.intersection(takatsu.boundary))
    on_border = shared.interpolate(0.5, normalized=True)
    piece = nakahara.intersection(on_border.buffer(0.002))
    return wards, piece, piece.representative_point()


def ward_feature(record, boundary):
    return feature(
        boundary,
        code6=record.code,
        name_ja=record.name_ja,
        name_en=record.name_en,
        city_ja=record.city_ja,
    )


def test_a_moved_border_moves_the_places_next_to_it(cli, make_place, tmp_path, border):
    """Ward staff must see the places now in their ward, and stop seeing the others."""
    wards, piece, point = border
    place = make_place(ward=NAKAHARA, location=[point.x, point.y])
    elsewhere = make_place(ward=NAKAHARA)
    assert place.district_code == NAKAHARA
    path = write_collection(
        tmp_path / "moved.geojson",
        [
            ward_feature(wards[NAKAHARA], wards[NAKAHARA].boundary.difference(piece)),
            ward_feature(wards[TAKATSU], wards[TAKATSU].boundary.union(piece)),
        ],
    )
    result = cli("import-districts", path)
    assert result.exit_code == 0, result.output
    assert outcome_lines(result) == [f"{NAKAHARA} updated", f"{TAKATSU} updated"]
    codes = dict(db.session.execute(select(Place.id, Place.district_code)).all())
    assert codes[place.id] == TAKATSU
    assert codes[elsewhere.id] == NAKAHARA


def stranding_file(tmp_path, border):
    """中原区 without the border piece, and nobody taking it over."""
    wards, piece, _ = border
    nakahara = wards[NAKAHARA]
    return write_collection(
        tmp_path / "gap.geojson", [ward_feature(nakahara, nakahara.boundary.difference(piece))]
    )


def test_a_boundary_that_strands_a_place_is_refused_by_the_command(
    cli, make_place, tmp_path, border
):
    point = border[2]
    place = make_place(ward=NAKAHARA, location=[point.x, point.y])
    result = cli("import-districts", stranding_file(tmp_path, border))
    assert result.exit_code != 0
    assert "outside every district" in result.output
    db.session.expire_all()
    assert geo.from_db(district(NAKAHARA).boundary).covers(point)
    assert db.session.scalar(select(Place.district_code).where(Place.id == place.id)) == NAKAHARA


def test_a_boundary_that_strands_a_place_leaves_the_transaction_as_it_was(
    app_context, make_place, tmp_path, border
):
    """The service's refusal must undo its own district changes, as create_place's does."""
    point = border[2]
    make_place(ward=NAKAHARA, location=[point.x, point.y])
    with pytest.raises(BoundaryStrandsPlaces):
        import_districts(read_districts(stranding_file(tmp_path, border)))
    covered = select(func.ST_Covers(District.boundary, geo.to_db(point))).where(
        District.code == NAKAHARA
    )
    assert db.session.scalar(covered) is True


def test_nested_n03_attributes_fill_what_the_top_level_lacks():
    """The shared reference file keeps N03's own attributes under source_properties."""
    records = {r.code: r for r in read_districts(KAWASAKI_WARDS)}
    assert records[NAKAHARA].prefecture_ja == "神奈川県"
    assert (records[NAKAHARA].name_ja, records[NAKAHARA].city_ja) == ("中原区", "川崎市")
