"""Factory fixtures: valid users and places made through the real services, then committed.

Each factory uses the test's current app context if there is one, else its own; either way
the objects stay readable afterwards (the test session does not expire on commit).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import has_app_context

from hiroba.accounts.models import Role
from hiroba.accounts.services import create_user
from hiroba.extensions import db
from hiroba.places.models import PlaceStatus
from hiroba.places.services import create_place
from hiroba.review import services as review

PASSWORD = "correct horse battery staple"

# Points well inside each Kawasaki ward (approximately the ward offices), lon/lat.
WARD_POINTS = {
    "141313": (139.7029, 35.5308),  # 川崎区
    "141321": (139.6942, 35.5440),  # 幸区
    "141330": (139.6595, 35.5763),  # 中原区
    "141348": (139.6176, 35.5997),  # 高津区
    "141356": (139.5527, 35.6194),  # 多摩区
    "141364": (139.5836, 35.5873),  # 宮前区
    "141372": (139.5066, 35.6036),  # 麻生区
}
NAKAHARA = "141330"
# Far out in Tokyo Bay: inside no ward.
OUTSIDE_EVERY_WARD = (139.90, 35.40)

_serial = itertools.count(1)


@contextmanager
def _context(app) -> Iterator[None]:
    if has_app_context():
        yield
    else:
        with app.app_context():
            yield


def place_values(ward: str = NAKAHARA, **overrides: Any) -> dict[str, Any]:
    """Raw values of a valid public community hall in ``ward``, as a form or the API sends them."""
    lon, lat = WARD_POINTS[ward]
    values: dict[str, Any] = {
        "name": f"テスト会館{next(_serial)}",
        "name_kana": "テストカイカン",
        "kind": "community_hall",
        "sector": "public",
        "description": "地域の集まりに使える会議室です。",
        "address": "川崎市中原区小杉町3丁目600",
        "location": [lon, lat],
        "capacity": 30,
        "amenities": ["wifi", "tables_chairs"],
        "accessibility": ["step_free_entrance"],
        "conditions": ["food_ok"],
        "fee": "free",
        "who_may_use": "anyone",
        "opening_hours": [{"weekday": d, "opens": "09:00", "closes": "21:00"} for d in range(1, 6)],
    }
    values.update(overrides)
    return values


@pytest.fixture
def make_user(app):
    def make(role: Role | str = Role.RESIDENT, wards=(), email: str | None = None,
             display_name: str = "テスト利用者", password: str = PASSWORD):  # fmt: skip
        with _context(app):
            user = create_user(
                email or f"user{next(_serial)}@test.example", display_name, password,
                Role(role), wards,
            )  # fmt: skip
            db.session.commit()
            return user

    return make


@pytest.fixture
def make_staff(make_user):
    def make(*wards: str):
        return make_user(Role.STAFF, wards or (NAKAHARA,), display_name="区職員")

    return make


@pytest.fixture
def make_place(app, make_user, make_staff):
    """A place owned by ``owner`` (a new resident if None), walked to ``status`` for real."""

    def make(owner=None, status: PlaceStatus | str = PlaceStatus.APPROVED, ward: str = NAKAHARA,
             reviewer=None, **overrides: Any):  # fmt: skip
        owner = owner or make_user(display_name="場所の持ち主")
        status = PlaceStatus(status)
        with _context(app):
            place = create_place(owner, place_values(ward, **overrides))
            if status != PlaceStatus.DRAFT:
                review.submit(place, owner)
            published = (PlaceStatus.ARCHIVED, PlaceStatus.DORMANT)
            if status in (PlaceStatus.APPROVED, PlaceStatus.CHANGES_REQUESTED,
                          PlaceStatus.REJECTED, *published):  # fmt: skip
                reviewer = reviewer or make_staff(place.district_code)
                decision = PlaceStatus.APPROVED if status in published else status
                review.change_status(place, decision, reviewer, "テストの理由")
            if status == PlaceStatus.ARCHIVED:
                review.archive(place, owner)
            if status == PlaceStatus.DORMANT:  # as the freshness job hides it
                review.change_status_by_system(place, status, "テストの理由", datetime.now(UTC))
            db.session.commit()
            return place

    return make
