"""Words tested on the places of a small box, or found through their grams index: the choice
follows PostGIS's estimate of the places in the box, and the page is the same either way."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from hiroba.extensions import db
from hiroba.places import planning
from hiroba.places.planning import with_text_strategy
from hiroba.places.search import PlaceSearch
from tests.factories import NAKAHARA, WARD_POINTS

LON, LAT = WARD_POINTS[NAKAHARA]
BOX = (LON - 0.01, LAT - 0.01, LON + 0.01, LAT + 0.01)
ITEMS = "/api/collections/places/items"


@pytest.fixture
def halls(app, make_place):
    for n in range(6):
        make_place(name=f"ひろば会館{n}", location=[LON + n * 1e-4, LAT])
    make_place(name="公園", location=[LON, LAT + 1e-4])
    with app.app_context():
        db.session.execute(text("ANALYZE places"))  # PostGIS estimates from statistics
        db.session.commit()


def test_a_small_box_is_read_for_words_a_large_one_is_not(app, halls, monkeypatch):
    search = PlaceSearch(q="会館", bbox=BOX, centre_first=True)
    with app.app_context():
        assert with_text_strategy(search).words_by_index is False
        monkeypatch.setattr(planning, "BOX_WALK_LIMIT", 0)
        assert with_text_strategy(search).words_by_index is True
        # Orders other than nearest the centre read the whole box: the index stays in charge.
        by_name = PlaceSearch(q="会館", bbox=BOX, centre_first=True, sortby=(("name", False),))
        assert with_text_strategy(by_name).words_by_index is True


def test_either_way_the_page_is_the_same(client, halls, monkeypatch):
    path = f"{ITEMS}?q=会館&bbox={','.join(map(str, BOX))}&limit=4"
    by_box = client.get(path).get_json()
    monkeypatch.setattr(planning, "BOX_WALK_LIMIT", 0)
    by_index = client.get(path).get_json()
    names = [f["properties"]["name"] for f in by_box["features"]]
    assert names == [f["properties"]["name"] for f in by_index["features"]]
    assert names == [f"ひろば会館{n}" for n in range(4)]  # nearest the box's centre first
    assert [link["rel"] for link in by_box["links"]][:2] == ["self", "next"]


def test_no_statistics_means_the_index(app, monkeypatch):
    """A table never analysed has no spatial statistics: PostGIS refuses to estimate."""
    unanalysed = planning.IN_BOX.replace("'places'", "'no_stats'")
    monkeypatch.setattr(planning, "IN_BOX", unanalysed.replace("public_location", "g"))
    with app.app_context():
        db.session.execute(text("CREATE TEMP TABLE no_stats (g geometry(Point, 4326))"))
        assert planning._estimated_in_box(BOX) is None
        assert with_text_strategy(PlaceSearch(q="会館", bbox=BOX, centre_first=True)).words_by_index
