"""Every model, imported in one place so that mappers and Alembic's metadata see all tables."""

from hiroba.accounts.models import Role, User, staff_districts
from hiroba.districts.models import District
from hiroba.notifications.models import Notification, NotificationKind
from hiroba.photos.models import PlacePhoto
from hiroba.places.models import OpeningPeriod, Place, PlaceRevision, PlaceStatus, RevisionStatus
from hiroba.review.models import ReviewAction, ReviewEvent

__all__ = [
    "District",
    "Notification",
    "NotificationKind",
    "OpeningPeriod",
    "Place",
    "PlacePhoto",
    "PlaceRevision",
    "PlaceStatus",
    "ReviewAction",
    "ReviewEvent",
    "RevisionStatus",
    "Role",
    "User",
    "staff_districts",
]
