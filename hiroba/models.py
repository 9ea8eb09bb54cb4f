"""Every model, imported in one place so that mappers and Alembic's metadata see all tables."""

from hiroba.accounts.models import Role, User, staff_districts
from hiroba.districts.models import District
from hiroba.places.models import OpeningPeriod, Place, PlaceStatus
from hiroba.review.models import ReviewEvent

__all__ = [
    "District",
    "OpeningPeriod",
    "Place",
    "PlaceStatus",
    "ReviewEvent",
    "Role",
    "User",
    "staff_districts",
]
