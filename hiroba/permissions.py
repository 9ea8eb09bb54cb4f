"""Named permission predicates: the only place that decides who may do what.

Each takes the acting user (possibly anonymous) and the object. Views, the API, the CLI and
templates call these; nobody re-derives a rule inline.
"""

from __future__ import annotations

from typing import Any

from hiroba.accounts.models import Role
from hiroba.needs.models import NeedStatus
from hiroba.places.models import Place, PlaceStatus
from hiroba.review.workflow import Party, parties_for
from hiroba.usage.models import UsageStatus
from hiroba.usage.workflow import Side, sides_for

# An owner edits a listing before review, when asked to change it, and once published (then
# the edit is a revision reviewed before it replaces the public listing).
OWNER_EDITABLE = {PlaceStatus.DRAFT, PlaceStatus.CHANGES_REQUESTED, PlaceStatus.APPROVED}
# Published listings are confirmed "still accurate" now and then; a hidden (dormant) one is
# published again by its confirmation.
CONFIRMABLE = {PlaceStatus.APPROVED, PlaceStatus.DORMANT}


def _authenticated(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_admin(user: Any) -> bool:
    return _authenticated(user) and user.role == Role.ADMIN


def is_staff_of(user: Any, district_code: str) -> bool:
    """Staff of that ward (admins count as staff of every ward)."""
    if is_admin(user):
        return True
    return _authenticated(user) and user.role == Role.STAFF and district_code in user.ward_codes


def is_owner(user: Any, place: Place) -> bool:
    return _authenticated(user) and place.owner_id == user.id


def can_view_place(user: Any, place: Place) -> bool:
    """The public sees approved places; owners and the ward's staff see every status."""
    return (
        place.status == PlaceStatus.APPROVED
        or is_owner(user, place)
        or is_staff_of(user, place.district_code)
    )


def can_see_exact_location(user: Any, place: Place) -> bool:
    """The exact point and street address of an approximate place: owner and ward staff only."""
    return is_owner(user, place) or is_staff_of(user, place.district_code)


def can_edit_place(user: Any, place: Place) -> bool:
    return is_owner(user, place) and place.status in OWNER_EDITABLE


def can_review_place(user: Any, place: Place) -> bool:
    """Approve, request changes or reject: staff of the place's ward, never its own owner."""
    return is_staff_of(user, place.district_code) and not is_owner(user, place)


def can_use_staff_pages(user: Any) -> bool:
    """The review queue and staff tools: staff with at least one ward, and admins."""
    if is_admin(user):
        return True
    return _authenticated(user) and user.role == Role.STAFF and bool(user.ward_codes)


def can_view_coverage(user: Any, district_code: str) -> bool:
    """A ward's coverage dashboard: its staff and admins.

    The gaps are drawn around exact locations, so this must never reach further than
    ``can_see_exact_location`` does for the ward's places.
    """
    return is_staff_of(user, district_code)


def can_register_on_behalf(user: Any, district_code: str) -> bool:
    """代理登録: staff register places in their wards for owners who do not use the web."""
    return is_staff_of(user, district_code)


def can_manage_users(user: Any) -> bool:
    return is_admin(user)


def can_view_history(user: Any, place: Place) -> bool:
    """The review history and reasons: the owner and the ward's staff."""
    return is_owner(user, place) or is_staff_of(user, place.district_code)


def can_decide_revision(user: Any, revision: Any) -> bool:
    """Approve or reject proposed changes: a reviewer of the place who did not propose them."""
    return can_review_place(user, revision.place) and revision.proposed_by_id != user.id


def can_view_photo(user: Any, photo: Any) -> bool:
    """Public once the place is published and the photo is not waiting in a revision."""
    place = photo.place
    if place.status == PlaceStatus.APPROVED and photo.revision_id is None:
        return True
    return is_owner(user, place) or is_staff_of(user, place.district_code)


def can_confirm_place(user: Any, place: Place) -> bool:
    """Say a listing is still accurate: its owner, or a reviewer of its ward."""
    return place.status in CONFIRMABLE and (is_owner(user, place) or can_review_place(user, place))


def can_transition_place(user: Any, place: Place, to_status: PlaceStatus) -> bool:
    """May ``user`` move ``place`` to ``to_status`` (per the workflow's transition table)?"""
    parties = parties_for(place.status, to_status)
    return (Party.OWNER in parties and is_owner(user, place)) or (
        Party.REVIEWER in parties and can_review_place(user, place)
    )


# --- looking for a place (場所を探しています) -----------------------------------------------------


def can_post_need(user: Any) -> bool:
    """Anyone logged in may say what place they are looking for."""
    return _authenticated(user)


def is_need_poster(user: Any, need: Any) -> bool:
    return _authenticated(user) and need.poster_id == user.id


def can_view_need(user: Any, need: Any) -> bool:
    """A need (its point is the poster's data): its poster, and staff of the ward its area
    falls in (admins: every ward). Other residents never see needs."""
    return is_need_poster(user, need) or is_staff_of(user, need.district_code)


def can_close_need(user: Any, need: Any, to_status: Any) -> bool:
    """Solved: the poster, or the ward's staff who helped; withdrawn: the poster only."""
    if need.status != NeedStatus.OPEN:
        return False
    if to_status == NeedStatus.SOLVED:
        return can_view_need(user, need)
    return to_status == NeedStatus.WITHDRAWN and is_need_poster(user, need)


def can_coordinate_need(user: Any, need: Any) -> bool:
    """Suggest a place to the poster, or tell an owner about the need: the ward's staff,
    while the need is open."""
    return need.status == NeedStatus.OPEN and is_staff_of(user, need.district_code)


# --- usage requests (利用相談) ----------------------------------------------------------------


def is_coordinator_of(user: Any, place: Place) -> bool:
    """Acts for the place on usage requests: its owner, or staff of its ward (who mediate)."""
    return is_owner(user, place) or is_staff_of(user, place.district_code)


def can_ask_to_use(user: Any, place: Place) -> bool:
    """Logged-in people ask to use published places, never their own."""
    return (
        _authenticated(user) and place.status == PlaceStatus.APPROVED and not is_owner(user, place)
    )


def usage_sides(user: Any, request: Any) -> frozenset[Side]:
    """The sides ``user`` is on for ``request`` (none: a stranger to it)."""
    sides = set()
    if _authenticated(user) and request.requester_id == user.id:
        sides.add(Side.REQUESTER)
    if is_coordinator_of(user, request.place):
        sides.add(Side.OWNER)
    return frozenset(sides)


def can_view_usage_request(user: Any, request: Any) -> bool:
    return bool(usage_sides(user, request))


def can_change_usage(user: Any, request: Any, to_status: Any) -> bool:
    """May ``user`` move ``request`` to ``to_status`` (per the usage workflow's table)?"""
    return bool(usage_sides(user, request) & sides_for(request.status, to_status))


def can_see_usage_contacts(user: Any, request: Any) -> bool:
    """Each side's contact details reach the other only once the use is agreed."""
    return request.status == UsageStatus.ACCEPTED and can_view_usage_request(user, request)


def can_manage_usage_calendar(user: Any, place: Place) -> bool:
    """Block dates, see the requests and the calendar feed of a place."""
    return is_coordinator_of(user, place)


# --- activities at places (サロン, 子ども食堂…) --------------------------------------------


def can_manage_activities(user: Any, place: Place) -> bool:
    """Add, change and remove a place's activities: its owner and its ward's staff (admins:
    every ward), while the place is published — only published places show activities."""
    return place.status == PlaceStatus.APPROVED and is_coordinator_of(user, place)


def can_view_activities(user: Any, place: Place) -> bool:
    """Activities are public exactly when their place is published."""
    return place.status == PlaceStatus.APPROVED


PREDICATES = {
    "is_admin": is_admin,
    "is_staff_of": is_staff_of,
    "is_owner": is_owner,
    "can_view_place": can_view_place,
    "can_see_exact_location": can_see_exact_location,
    "can_edit_place": can_edit_place,
    "can_review_place": can_review_place,
    "can_transition_place": can_transition_place,
    "can_confirm_place": can_confirm_place,
    "can_use_staff_pages": can_use_staff_pages,
    "can_view_coverage": can_view_coverage,
    "can_register_on_behalf": can_register_on_behalf,
    "can_manage_users": can_manage_users,
    "can_view_history": can_view_history,
    "can_decide_revision": can_decide_revision,
    "can_view_photo": can_view_photo,
    "can_post_need": can_post_need,
    "can_view_need": can_view_need,
    "can_close_need": can_close_need,
    "can_coordinate_need": can_coordinate_need,
    "is_coordinator_of": is_coordinator_of,
    "can_ask_to_use": can_ask_to_use,
    "can_view_usage_request": can_view_usage_request,
    "can_change_usage": can_change_usage,
    "can_see_usage_contacts": can_see_usage_contacts,
    "can_manage_usage_calendar": can_manage_usage_calendar,
    "can_manage_activities": can_manage_activities,
    "can_view_activities": can_view_activities,
}
