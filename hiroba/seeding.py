"""Loading the demo data in ``seeds/`` through the same services as user input.

Idempotent: districts are upserted, users and places that already exist (by email, and by
owner + name) are left alone, so a second run changes nothing. Each place is walked through
the real workflow to its seeded status, reviewed by staff of its ward, which also fills the
review history; ``proposed_changes`` become a revision waiting for review.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import select

from hiroba.accounts.models import Role, User
from hiroba.accounts.services import create_user, find_user_by_email
from hiroba.districts.importing import read_districts
from hiroba.districts.services import import_districts
from hiroba.errors import HirobaError
from hiroba.extensions import db
from hiroba.places.models import Place, PlaceStatus
from hiroba.places.revisions import propose_revision
from hiroba.places.services import create_place
from hiroba.places.values import raw_from_place
from hiroba.review import services as review

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
# The reviewer's step that leads to each seeded status, after the owner submits.
DECISIONS = {
    PlaceStatus.APPROVED: review.approve,
    PlaceStatus.CHANGES_REQUESTED: review.request_changes,
    PlaceStatus.REJECTED: review.reject,
}


class SeedError(HirobaError):
    """A seed file refers to something that does not exist or has a wrong value."""


def load_all(directory: Path = SEEDS) -> Counter:
    """Load districts, users and places; returns counts of what was created or updated."""
    counts: Counter = Counter()
    outcomes = import_districts(read_districts(directory / "districts.geojson"))
    counts.update(f"districts {outcome}" for outcome in outcomes.values())
    counts.update(load_users(directory / "users.json"))
    counts.update(load_places(directory / "places.geojson"))
    return counts


def load_users(path: Path) -> Counter:
    counts: Counter = Counter()
    for entry in json.loads(path.read_text(encoding="utf-8"))["users"]:
        if find_user_by_email(entry["email"]):
            counts["users unchanged"] += 1
            continue
        create_user(
            entry["email"],
            entry["display_name"],
            entry["password"],
            Role(entry["role"]),
            entry.get("wards", []),
        )
        counts["users created"] += 1
    return counts


def load_places(path: Path) -> Counter:
    counts: Counter = Counter()
    for index, feature in enumerate(json.loads(path.read_text(encoding="utf-8"))["features"]):
        props = feature["properties"]
        owner = find_user_by_email(props["owner"])
        if owner is None:
            raise SeedError(f"place {index}: unknown owner {props['owner']}")
        existing = db.session.scalar(
            select(Place.id).where(Place.owner_id == owner.id, Place.name == props["name"])
        )
        if existing is not None:
            counts["places unchanged"] += 1
            continue
        values = {**props, "location": feature["geometry"]["coordinates"]}
        values["opening_hours"] = expand_days(props.get("opening_hours") or [])
        place = create_place(owner, values)
        walk_to_status(place, owner, PlaceStatus(props["status"]), props.get("review_reason"))
        if props.get("proposed_changes"):
            # An owner's edit of the published listing, waiting for review.
            propose_revision(place, owner, {**raw_from_place(place), **props["proposed_changes"]})
            counts["revisions proposed"] += 1
        counts["places created"] += 1
    return counts


def expand_days(hours: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Seed files write ``{"days": [...], "opens", "closes"}``; services take one day each."""
    return [
        {"weekday": day, "opens": block["opens"], "closes": block["closes"]}
        for block in hours
        for day in block["days"]
    ]


def walk_to_status(place: Place, owner: User, status: PlaceStatus, reason: str | None) -> None:
    if status == PlaceStatus.DRAFT:
        return
    review.submit(place, owner)
    if status == PlaceStatus.PENDING:
        return
    if status not in DECISIONS:
        raise SeedError(f"{place.name}: cannot seed status {status}")
    DECISIONS[status](place, reviewer_for(place), reason)


def reviewer_for(place: Place) -> User:
    """A staff member of the place's ward who does not own it, else an admin."""
    candidates = db.session.scalars(
        select(User).where(User.role.in_([Role.STAFF, Role.ADMIN])).order_by(User.id)
    ).all()
    staff = [u for u in candidates if u.role == Role.STAFF and place.district_code in u.ward_codes]
    admins = [u for u in candidates if u.role == Role.ADMIN]
    for user in staff + admins:
        if user.id != place.owner_id:
            return user
    raise SeedError(f"{place.name}: no reviewer for ward {place.district_code}")
