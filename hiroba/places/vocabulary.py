"""Controlled values for places (../shared/data/vocabulary.md).

Each value has a stable English key (stored in the database, used in URLs and the API) and a
label translated for display. Never reuse a key for a different meaning; add a new one.
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class PlaceKind(StrEnum):
    COMMUNITY_HALL = "community_hall"
    PUBLIC_FACILITY = "public_facility"
    SCHOOL = "school"
    PARK = "park"
    VACANT_HOUSE = "vacant_house"
    VACANT_SHOP = "vacant_shop"
    CAFE = "cafe"
    COMPANY_SPACE = "company_space"
    SHRINE_TEMPLE = "shrine_temple"
    OPEN_SPACE = "open_space"
    FARM_GREEN = "farm_green"
    OTHER = "other"


class Sector(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"


class Audience(StrEnum):
    """Who may use a place."""

    ANYONE = "anyone"
    WARD_RESIDENTS = "ward_residents"
    REGISTERED_GROUPS = "registered_groups"
    MEMBERS_ONLY = "members_only"


class Fee(StrEnum):
    FREE = "free"
    PAID = "paid"


class Amenity(StrEnum):
    WIFI = "wifi"
    KITCHEN = "kitchen"
    PROJECTOR = "projector"
    TABLES_CHAIRS = "tables_chairs"
    WHITEBOARD = "whiteboard"
    SOUND_SYSTEM = "sound_system"
    TOILET = "toilet"
    PARKING = "parking"
    BICYCLE_PARKING = "bicycle_parking"
    OUTDOOR = "outdoor"


class Accessibility(StrEnum):
    STEP_FREE_ENTRANCE = "step_free_entrance"
    WHEELCHAIR_TOILET = "wheelchair_toilet"
    ELEVATOR = "elevator"
    NURSING_ROOM = "nursing_room"
    DIAPER_CHANGING = "diaper_changing"
    ASSISTANCE_DOGS = "assistance_dogs"
    HEARING_LOOP = "hearing_loop"
    WRITTEN_COMMUNICATION = "written_communication"
    ACCESSIBLE_PARKING = "accessible_parking"
    BRAILLE = "braille"


class Condition(StrEnum):
    """Usage conditions other than the fee (free/paid is ``Fee``: exactly one applies)."""

    FOOD_OK = "food_ok"
    ALCOHOL_OK = "alcohol_ok"
    FIRE_OK = "fire_ok"
    MUSIC_OK = "music_ok"
    COMMERCIAL_OK = "commercial_ok"
    CHILDREN_WELCOME = "children_welcome"
    PETS_OK = "pets_ok"
    OVERNIGHT_OK = "overnight_ok"


class LocationPrecision(StrEnum):
    """How exactly the public sees where a place is: homes and vacant houses are approximate."""

    EXACT = "exact"
    APPROXIMATE = "approximate"


class PlaceStatus(StrEnum):
    """Where a listing is in review; the allowed moves are in ``hiroba.review.workflow``."""

    DRAFT = "draft"
    PENDING = "pending"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    ARCHIVED = "archived"
    # Published once, then not confirmed by its owner for too long: hidden until confirmed.
    DORMANT = "dormant"


LABELS = {
    PlaceKind.COMMUNITY_HALL: _l("Community hall"),
    PlaceKind.PUBLIC_FACILITY: _l(
        "Public facility (children's centre, seniors' centre, ward office…)"
    ),
    PlaceKind.SCHOOL: _l("School classroom or gym"),
    PlaceKind.PARK: _l("Park, green or plaza"),
    PlaceKind.VACANT_HOUSE: _l("Vacant house or room"),
    PlaceKind.VACANT_SHOP: _l("Vacant shop"),
    PlaceKind.CAFE: _l("Café or restaurant"),
    PlaceKind.COMPANY_SPACE: _l("Company space"),
    PlaceKind.SHRINE_TEMPLE: _l("Shrine or temple grounds"),
    PlaceKind.OPEN_SPACE: _l("Open space, alley or vacant lot"),
    PlaceKind.FARM_GREEN: _l("Farmland, woodland or shared green"),
    PlaceKind.OTHER: _l("Other"),
    Sector.PUBLIC: _l("Public"),
    Sector.PRIVATE: _l("Private"),
    Audience.ANYONE: _l("Anyone"),
    Audience.WARD_RESIDENTS: _l("Ward residents"),
    Audience.REGISTERED_GROUPS: _l("Registered groups"),
    Audience.MEMBERS_ONLY: _l("Members only"),
    Fee.FREE: _l("Free"),
    Fee.PAID: _l("Paid"),
    Amenity.WIFI: _l("Wi-Fi"),
    Amenity.KITCHEN: _l("Kitchen"),
    Amenity.PROJECTOR: _l("Projector"),
    Amenity.TABLES_CHAIRS: _l("Tables and chairs"),
    Amenity.WHITEBOARD: _l("Whiteboard"),
    Amenity.SOUND_SYSTEM: _l("Sound system"),
    Amenity.TOILET: _l("Toilet"),
    Amenity.PARKING: _l("Car parking"),
    Amenity.BICYCLE_PARKING: _l("Bicycle parking"),
    Amenity.OUTDOOR: _l("Outdoors"),
    Accessibility.STEP_FREE_ENTRANCE: _l("Step-free entrance"),
    Accessibility.WHEELCHAIR_TOILET: _l("Accessible toilet"),
    Accessibility.ELEVATOR: _l("Lift"),
    Accessibility.NURSING_ROOM: _l("Nursing room"),
    Accessibility.DIAPER_CHANGING: _l("Nappy-changing table"),
    Accessibility.ASSISTANCE_DOGS: _l("Assistance dogs welcome"),
    Accessibility.HEARING_LOOP: _l("Hearing loop"),
    Accessibility.WRITTEN_COMMUNICATION: _l("Written communication"),
    Accessibility.ACCESSIBLE_PARKING: _l("Accessible parking"),
    Accessibility.BRAILLE: _l("Braille signs"),
    Condition.FOOD_OK: _l("Food allowed"),
    Condition.ALCOHOL_OK: _l("Alcohol allowed"),
    Condition.FIRE_OK: _l("Open flame allowed"),
    Condition.MUSIC_OK: _l("Music and noise allowed"),
    Condition.COMMERCIAL_OK: _l("Commercial use allowed"),
    Condition.CHILDREN_WELCOME: _l("Children welcome"),
    Condition.PETS_OK: _l("Pets allowed"),
    Condition.OVERNIGHT_OK: _l("Overnight stays allowed"),
    LocationPrecision.EXACT: _l("Exact location"),
    LocationPrecision.APPROXIMATE: _l("Approximate location (about 500 m)"),
    PlaceStatus.DRAFT: _l("Draft"),
    PlaceStatus.PENDING: _l("Waiting for review"),
    PlaceStatus.APPROVED: _l("Published"),
    PlaceStatus.CHANGES_REQUESTED: _l("Changes requested"),
    PlaceStatus.REJECTED: _l("Not accepted"),
    PlaceStatus.ARCHIVED: _l("Archived"),
    PlaceStatus.DORMANT: _l("Hidden until confirmed"),
}


def label(value: StrEnum) -> str:
    """The translated label of a vocabulary value."""
    return str(LABELS[value])


def values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]
