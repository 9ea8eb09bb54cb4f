"""Creating and updating districts, and keeping places' districts in step with boundaries."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from sqlalchemy import func, select, update

from hiroba import geo
from hiroba.database import OUTSIDE_DISTRICTS, guarded_write
from hiroba.districts.contact import clean_centre_contact
from hiroba.districts.importing import DistrictRecord
from hiroba.districts.models import CENTRE_FIELDS, District
from hiroba.errors import HirobaError, PermissionDenied
from hiroba.extensions import db
from hiroba.permissions import can_manage_users
from hiroba.places.models import Place

log = logging.getLogger(__name__)

Outcome = Literal["created", "updated", "unchanged"]


class BoundaryStrandsPlaces(HirobaError):
    """New boundaries would leave existing places outside every district."""

    status = 409
    slug = "boundary-strands-places"


def upsert_district(record: DistrictRecord) -> Outcome:
    """Create the district or bring it up to date; 'unchanged' when nothing differs."""
    district = db.session.get(District, record.code)
    names = {
        "name_ja": record.name_ja,
        # Official N03 files carry no English names: keep the ones we have.
        "name_en": record.name_en or (district.name_en if district else None),
        "prefecture_ja": record.prefecture_ja,
        "city_ja": record.city_ja,
    }
    if district is None or not district.has_centre_contact:
        # A file's centre contact fills a ward that has none; administrators edit it after that.
        names.update(clean_centre_contact(record.centre or {}))
    if district is None:
        db.session.add(District(code=record.code, boundary=geo.to_db(record.boundary), **names))
        db.session.flush()
        return "created"
    same_boundary = geo.from_db(district.boundary).equals_exact(record.boundary, 0)
    same_names = all(getattr(district, key) == value for key, value in names.items())
    if same_boundary and same_names:
        return "unchanged"
    for key, value in names.items():
        setattr(district, key, value)
    if not same_boundary:
        district.boundary = geo.to_db(record.boundary)
    db.session.flush()
    return "updated"


def import_districts(records: Iterable[DistrictRecord]) -> dict[str, Outcome]:
    """Upsert every record, then re-derive the district of places the changes may affect.

    All or nothing: if the new boundaries would strand a place, no boundary changes either.
    """
    with guarded_write({}):
        outcomes = {record.code: upsert_district(record) for record in records}
        changed = [code for code, outcome in outcomes.items() if outcome != "unchanged"]
        if changed:
            reassign_places(changed)
    return outcomes


def reassign_places(codes: list[str]) -> None:
    """Re-run the district trigger for places in, or now covered by, the changed districts."""
    changed_area = (
        select(func.ST_Union(District.boundary)).where(District.code.in_(codes)).scalar_subquery()
    )
    stmt = (
        update(Place)
        .where(Place.district_code.in_(codes) | func.ST_Intersects(Place.location, changed_area))
        .values(location=Place.location)
        .execution_options(synchronize_session=False)
    )

    def stranded() -> BoundaryStrandsPlaces:
        return BoundaryStrandsPlaces(
            "These boundaries would leave existing places outside every district."
        )

    with guarded_write({OUTSIDE_DISTRICTS: stranded}):
        db.session.execute(stmt)


def set_centre_contact(user: Any, district: District, raw: Mapping[str, Any]) -> District:
    """Replace the ward centre's contact with ``raw`` (every field; blank ones are cleared).

    Administrators only; raises ValidationFailed, writing nothing, if any value is wrong.
    """
    if not can_manage_users(user):
        raise PermissionDenied()
    values = clean_centre_contact(raw)
    for field in CENTRE_FIELDS:
        setattr(district, field, values[field])
    db.session.flush()
    log.info("user %s set the centre contact of district %s", user.id, district.code)
    return district
