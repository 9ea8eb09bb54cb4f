"""Round trip: the demo data exported as 公共施設一覧 CSV, imported into an empty database and
exported again gives the same rows, column for column."""

from __future__ import annotations

import csv
import io
import json
import re

from sqlalchemy import func, select

from hiroba.accounts.models import Role
from hiroba.accounts.services import create_user
from hiroba.districts.importing import read_districts
from hiroba.districts.services import import_districts
from hiroba.extensions import db
from hiroba.opendata.layout import COLUMNS
from hiroba.places.models import Place, PlaceStatus
from hiroba.seeding import SEEDS
from tests.conftest import migrated_app
from tests.factories import PASSWORD

EXPORT = "/api/collections/places/items?f=csv"
IMPORTER = "importer@test.example"
PUBLISHED = [
    f for f in json.loads((SEEDS / "places.geojson").read_text(encoding="utf-8"))["features"]
    if f["properties"]["status"] == PlaceStatus.APPROVED
]  # fmt: skip
# 画像 is the URL of a place's public photo on the exporting site. The import cannot fetch
# photos, so it cannot round-trip; it is compared apart (the demo data has no photos anyway).
NOT_ROUND_TRIPPED = {"画像"}


def rows_of(data: bytes) -> list[dict[str, str]]:
    """The rows of an export, by (全国地方公共団体コード, ID): the key an import matches on."""
    records = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert records[0] == COLUMNS
    rows = [dict(zip(COLUMNS, record, strict=True)) for record in records[1:]]
    return sorted(rows, key=lambda row: (row["全国地方公共団体コード"], row["ID"]))


def comparable(rows: list[dict[str, str]]) -> list[tuple[str, ...]]:
    return [tuple(row[c] for c in COLUMNS if c not in NOT_ROUND_TRIPPED) for row in rows]


def summary(output: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r"^(\w+): (\d+)$", output, re.MULTILINE)}


def export_seeded_places(app, runner, client) -> bytes:
    """Seed the demo data inside this test's transaction and export every published place."""
    with app.app_context():
        result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    response = client.get(EXPORT)
    assert response.status_code == 200
    return response.get_data()


def prepare_empty_registry(scratch) -> None:
    """The demo wards (as the seeds load them) and an administrator to import as; no places."""
    with scratch.app_context():
        import_districts(read_districts(SEEDS / "districts.geojson"))
        create_user(IMPORTER, "取り込み担当", PASSWORD, Role.ADMIN)
        db.session.commit()
        assert db.session.scalar(select(func.count(Place.id))) == 0
        db.session.remove()


def import_into(scratch, path) -> dict[str, int]:
    with scratch.app_context():
        result = scratch.test_cli_runner().invoke(
            args=["import-places", str(path), "--as", IMPORTER, "--approve"]
        )
    assert result.exit_code == 0, result.output
    return summary(result.stdout)


def test_export_import_export_gives_the_same_rows(app, runner, client, cluster, tmp_path):
    first = export_seeded_places(app, runner, client)
    path = tmp_path / "hiroba-places.csv"
    path.write_bytes(first)
    before = rows_of(first)
    assert len(before) == len(PUBLISHED)
    assert any(row["位置の精度"] != "正確な位置" for row in before)  # approximate places too
    assert any(row["敷地_GeoJSON"] for row in before) and any(
        row["利用時間_詳細"] for row in before
    )

    # The scratch database is another app's: its sessions must not join this test's transaction.
    rolled_back = db.session
    db.session = db._make_scoped_session({})
    try:
        with migrated_app(cluster, "roundtrip", wards=False) as scratch:
            prepare_empty_registry(scratch)
            counts = import_into(scratch, path)
            assert counts == {"created": len(before), "updated": 0, "unchanged": 0, "failed": 0}
            second = scratch.test_client().get(EXPORT).get_data()
            # Importing the file once more finds every place as it is.
            assert import_into(scratch, path)["unchanged"] == len(before)
    finally:
        db.session = rolled_back

    after = rows_of(second)
    assert comparable(after) == comparable(before)
    assert {row["画像"] for row in before} == {row["画像"] for row in after} == {""}
