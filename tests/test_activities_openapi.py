"""The activities collection answers as its OpenAPI description says, with real activities:
schemathesis holds the items page and one activity (bodies, headers, statuses) to the document."""

from __future__ import annotations

from datetime import date

import pytest
import schemathesis
from hypothesis import given, settings
from sqlalchemy import select

from hiroba.accounts.models import User
from hiroba.activities import services
from hiroba.extensions import db
from hiroba.places.models import Place
from hiroba.places.queries import approved_places
from tests.browser.conftest import live_app, live_server  # noqa: F401
from tests.factories import NAKAHARA
from tests.test_activities_services import salon
from tests.test_openapi import CHECKS, SPEC

ITEMS = "/collections/activities/items"
NAKAHARA_STAFF = "staff.nakahara@hiroba.example"


@pytest.fixture(scope="module")
def activity_id(live_app) -> int:  # noqa: F811
    """Two activities at a seeded published place (added by its ward's staff, so that the
    seeded counts of places stay as they are); the first's id."""
    today = date(2026, 11, 23)
    with live_app.app_context():
        staff = db.session.scalar(select(User).where(User.email == NAKAHARA_STAFF))
        place = db.session.scalar(
            approved_places().where(Place.district_code == NAKAHARA).order_by(Place.id.desc())
        )
        first = services.add_activity(place, staff, salon(ends_on="2030-03-31"), today)
        services.add_activity(place, staff, salon(recurrence="dates", dates="2027-01-09"), today)
        db.session.commit()
        found = first.id
        db.session.remove()
    return found


@pytest.mark.usefixtures("live_server")
@pytest.mark.parametrize("path", [ITEMS, ITEMS + "/{featureId}"])
def test_real_activities_answer_as_documented(live_app, activity_id, path):  # noqa: F811
    schema = schemathesis.openapi.from_wsgi(SPEC, live_app)
    pinned = {"featureId": activity_id} if path.endswith("}") else None
    strategy = schema[path]["GET"].as_strategy(path_parameters=pinned)
    seen = []

    @given(case=strategy)
    @settings(max_examples=25, deadline=None, derandomize=True, database=None)
    def check(case):
        response = case.call_and_validate(checks=CHECKS)
        seen.append(response.status_code)

    check()
    assert 200 in seen  # some answers had bodies to check, not only refusals
