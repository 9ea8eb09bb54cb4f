"""The database decides a place's district from its point, and refuses points outside them."""

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from hiroba.errors import OutsideDistricts
from hiroba.extensions import db
from hiroba.places.models import Place
from hiroba.places.services import create_place
from tests.factories import OUTSIDE_EVERY_WARD, WARD_POINTS, place_values


@pytest.mark.parametrize("ward", sorted(WARD_POINTS))
def test_district_is_derived_from_the_point(app_context, make_user, ward):
    owner = make_user()
    place = create_place(owner, place_values(ward, district_code="999999"))
    assert place.district_code == ward


def test_point_outside_every_district_is_refused_and_nothing_is_written(app_context, make_user):
    owner = make_user()
    before = db.session.scalar(select(func.count(Place.id)))
    with pytest.raises(OutsideDistricts) as raised:
        create_place(owner, place_values(location=list(OUTSIDE_EVERY_WARD)))
    with force_locale("en"):
        assert "outside every ward" in str(raised.value.errors["location"])
    assert db.session.scalar(select(func.count(Place.id))) == before
    # The transaction is still usable after the refusal.
    assert create_place(owner, place_values()).id is not None
