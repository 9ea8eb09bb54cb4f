"""Every model, imported in one place so that mappers and Alembic's metadata see all tables."""

from hiroba.accounts.models import Role, User, staff_districts
from hiroba.activities.models import Activity
from hiroba.districts.models import District
from hiroba.needs.models import Need, NeedEvent
from hiroba.notifications.models import Notification, NotificationKind
from hiroba.photos.models import PlacePhoto
from hiroba.places.models import OpeningPeriod, Place, PlaceRevision, PlaceStatus, RevisionStatus
from hiroba.review.models import ReviewAction, ReviewEvent
from hiroba.usage.models import CalendarFeed, PlaceBlock, UsageEvent, UsageRequest, UsageStatus

__all__ = [
    "Activity",
    "CalendarFeed",
    "District",
    "Need",
    "NeedEvent",
    "Notification",
    "NotificationKind",
    "OpeningPeriod",
    "Place",
    "PlaceBlock",
    "PlacePhoto",
    "PlaceRevision",
    "PlaceStatus",
    "ReviewAction",
    "ReviewEvent",
    "RevisionStatus",
    "Role",
    "UsageEvent",
    "UsageRequest",
    "UsageStatus",
    "User",
    "staff_districts",
]
