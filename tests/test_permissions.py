"""Truth tables for every permission predicate: who may do what to which place.

The expected answers are written out here from the rules (DESIGN.md §3, §6 and issue #3), not
derived from the code under test, so a wrong rule fails a row. The objects are real model
instances, not saved: the predicates decide from the objects alone.
"""

from itertools import product

import pytest
from flask_login import AnonymousUserMixin

from hiroba import permissions as p
from hiroba.accounts.models import Role, User
from hiroba.districts.models import District
from hiroba.needs.models import Need, NeedStatus
from hiroba.photos.models import PlacePhoto
from hiroba.places.models import Place, PlaceRevision, PlaceStatus
from hiroba.usage.models import UsageRequest, UsageStatus

WARD, OTHER_WARD = "141330", "141348"
OWNER_ID = 10

# Each actor: (user object factory, their relation to the place).
ACTORS = {
    "anonymous": lambda: AnonymousUserMixin(),
    "resident": lambda: User(id=1, role=Role.RESIDENT, wards=[]),
    "owner": lambda: User(id=OWNER_ID, role=Role.RESIDENT, wards=[]),
    "staff_of_ward": lambda: User(id=2, role=Role.STAFF, wards=[District(code=WARD)]),
    "staff_elsewhere": lambda: User(id=3, role=Role.STAFF, wards=[District(code=OTHER_WARD)]),
    "staff_without_wards": lambda: User(id=4, role=Role.STAFF, wards=[]),
    "staff_owner": lambda: User(id=OWNER_ID, role=Role.STAFF, wards=[District(code=WARD)]),
    "admin": lambda: User(id=5, role=Role.ADMIN, wards=[]),
    "admin_owner": lambda: User(id=OWNER_ID, role=Role.ADMIN, wards=[]),
}
OWNERS = {"owner", "staff_owner", "admin_owner"}
WARD_STAFF = {"staff_of_ward", "staff_owner", "admin", "admin_owner"}  # admins: every ward
STATUSES = list(PlaceStatus)


def place(status: PlaceStatus) -> Place:
    return Place(id=1, owner_id=OWNER_ID, status=status, district_code=WARD)


def cases(expected):
    """Parametrise over every actor × status with ``expected(actor, status)``."""
    return pytest.mark.parametrize(
        ("actor", "status", "allowed"),
        [(a, s, expected(a, s)) for a, s in product(ACTORS, STATUSES)],
        ids=[f"{a}-{s.value}" for a, s in product(ACTORS, STATUSES)],
    )


@cases(lambda a, s: s == PlaceStatus.APPROVED or a in OWNERS | WARD_STAFF)
def test_can_view_place(actor, status, allowed):
    assert p.can_view_place(ACTORS[actor](), place(status)) is allowed


@cases(lambda a, s: a in OWNERS | WARD_STAFF)
def test_can_see_exact_location(actor, status, allowed):
    """The exact point of a home: owner and the ward's staff, whatever the status."""
    assert p.can_see_exact_location(ACTORS[actor](), place(status)) is allowed


EDITABLE = {PlaceStatus.DRAFT, PlaceStatus.CHANGES_REQUESTED, PlaceStatus.APPROVED}


@cases(lambda a, s: a in OWNERS and s in EDITABLE)
def test_can_edit_place(actor, status, allowed):
    """Only the owner edits, and not while under review, rejected or archived."""
    assert p.can_edit_place(ACTORS[actor](), place(status)) is allowed


@cases(
    lambda a, s: (
        s in {PlaceStatus.APPROVED, PlaceStatus.DORMANT} and (a in OWNERS or a in WARD_STAFF)
    )
)
def test_can_confirm_place(actor, status, allowed):
    """ "Still accurate": a published or hidden listing, by its owner or the ward's staff."""
    assert p.can_confirm_place(ACTORS[actor](), place(status)) is allowed


@cases(lambda a, s: a in WARD_STAFF and a not in OWNERS)
def test_can_review_place(actor, status, allowed):
    """Staff of the ward or admins, never the place's own owner."""
    assert p.can_review_place(ACTORS[actor](), place(status)) is allowed


@cases(lambda a, s: a in OWNERS | WARD_STAFF)
def test_can_view_history(actor, status, allowed):
    assert p.can_view_history(ACTORS[actor](), place(status)) is allowed


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [(a, a in {"staff_of_ward", "staff_elsewhere", "staff_owner", "admin", "admin_owner"})
     for a in ACTORS],
)  # fmt: skip
def test_can_use_staff_pages(actor, allowed):
    """Staff need at least one ward; residents and anonymous visitors never get in."""
    assert p.can_use_staff_pages(ACTORS[actor]()) is allowed


@pytest.mark.parametrize(("actor", "allowed"), [(a, a.startswith("admin")) for a in ACTORS])
def test_can_manage_users(actor, allowed):
    assert p.can_manage_users(ACTORS[actor]()) is allowed


@pytest.mark.parametrize(
    ("actor", "ward", "allowed"),
    [(a, w, a in WARD_STAFF if w == WARD else a in {"staff_elsewhere", "admin", "admin_owner"})
     for a, w in product(ACTORS, (WARD, OTHER_WARD))],
)  # fmt: skip
def test_can_register_on_behalf(actor, ward, allowed):
    """代理登録 only in one's own wards (admins everywhere)."""
    assert p.can_register_on_behalf(ACTORS[actor](), ward) is allowed


@pytest.mark.parametrize(
    ("actor", "ward", "allowed"),
    [(a, w, a in WARD_STAFF if w == WARD else a in {"staff_elsewhere", "admin", "admin_owner"})
     for a, w in product(ACTORS, (WARD, OTHER_WARD))],
)  # fmt: skip
def test_can_view_coverage(actor, ward, allowed):
    """A ward's coverage: its staff and admins; owning a place there gives no access."""
    assert p.can_view_coverage(ACTORS[actor](), ward) is allowed


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("status", STATUSES)
def test_coverage_viewers_may_see_every_exact_location_of_the_ward(actor, status):
    """The gaps are drawn around exact points: whoever sees them may see those points."""
    user = ACTORS[actor]()
    if p.can_view_coverage(user, WARD):
        assert p.can_see_exact_location(user, place(status))


@pytest.mark.parametrize(
    ("actor", "proposer", "allowed"),
    [
        (a, proposer, a in WARD_STAFF and a not in OWNERS and proposer != "reviewer")
        for a, proposer in product(ACTORS, ("owner", "reviewer"))
    ],
)
def test_can_decide_revision(actor, proposer, allowed):
    """Reviewers of the place decide on its revisions, never on changes they proposed."""
    user = ACTORS[actor]()
    proposer_id = getattr(user, "id", None) if proposer == "reviewer" else OWNER_ID
    revision = PlaceRevision(place=place(PlaceStatus.APPROVED), proposed_by_id=proposer_id)
    if proposer == "reviewer" and proposer_id is None:
        allowed = False  # anonymous visitors propose nothing and decide nothing
    assert p.can_decide_revision(user, revision) is allowed


@pytest.mark.parametrize("in_revision", [False, True])
@cases(lambda a, s: (s == PlaceStatus.APPROVED) or a in OWNERS | WARD_STAFF)
def test_can_view_photo(actor, status, allowed, in_revision):
    """Public only when the place is published and the photo is not waiting for review."""
    photo = PlacePhoto(place=place(status), revision_id=7 if in_revision else None)
    if in_revision and actor not in OWNERS | WARD_STAFF:
        allowed = False
    assert p.can_view_photo(ACTORS[actor](), photo) is allowed


# --- usage requests (利用相談) ------------------------------------------------------------------

REQUESTER_ID = 1  # the "resident" actor asked
COORDINATORS = OWNERS | WARD_STAFF  # the owner's side: owners, and staff of the ward (mediators)


def usage_request(status: UsageStatus, place_status: PlaceStatus = PlaceStatus.APPROVED):
    return UsageRequest(place=place(place_status), requester_id=REQUESTER_ID, status=status)


@cases(lambda a, s: s == PlaceStatus.APPROVED and a not in OWNERS and a != "anonymous")
def test_can_ask_to_use(actor, status, allowed):
    """Logged-in people ask to use published places, never their own."""
    assert p.can_ask_to_use(ACTORS[actor](), place(status)) is allowed


@pytest.mark.parametrize(
    ("actor", "allowed"), [(a, a == "resident" or a in COORDINATORS) for a in ACTORS]
)
def test_can_view_usage_request(actor, allowed):
    """The requester and the owner's side; other residents and other wards' staff never (IDOR)."""
    request = usage_request(UsageStatus.REQUESTED)
    assert p.can_view_usage_request(ACTORS[actor](), request) is allowed


def expected_change(actor: str, old: UsageStatus, new: UsageStatus) -> bool:
    """Written out from the issue's rules, not read from the workflow table."""
    owner_side = actor in COORDINATORS
    requester = actor == "resident"
    if old == UsageStatus.REQUESTED:
        if new in (UsageStatus.ACCEPTED, UsageStatus.DECLINED, UsageStatus.PROPOSED):
            return owner_side
        return new == UsageStatus.WITHDRAWN and requester
    if old == UsageStatus.PROPOSED:
        return new in (UsageStatus.ACCEPTED, UsageStatus.WITHDRAWN) and requester
    if old == UsageStatus.ACCEPTED:
        return new == UsageStatus.CANCELLED and (owner_side or requester)
    return False  # declined, withdrawn, cancelled and closed are final; hiroba alone closes


@pytest.mark.parametrize(("actor", "old", "new"), list(product(ACTORS, UsageStatus, UsageStatus)))
def test_can_change_usage(actor, old, new):
    allowed = expected_change(actor, old, new)
    assert p.can_change_usage(ACTORS[actor](), usage_request(old), new) is allowed


@pytest.mark.parametrize(("actor", "status"), list(product(ACTORS, UsageStatus)))
def test_can_see_usage_contacts(actor, status):
    """Contacts are exchanged only once a request is accepted, and only between its sides."""
    allowed = status == UsageStatus.ACCEPTED and (actor == "resident" or actor in COORDINATORS)
    assert p.can_see_usage_contacts(ACTORS[actor](), usage_request(status)) is allowed


@cases(lambda a, s: a in COORDINATORS)
def test_can_manage_usage_calendar(actor, status, allowed):
    assert p.can_manage_usage_calendar(ACTORS[actor](), place(status)) is allowed


# --- looking for a place: the poster is the "owner" actors (same id) ---------------------------


def need(status: NeedStatus = NeedStatus.OPEN) -> Need:
    return Need(poster_id=OWNER_ID, district_code=WARD, status=status)


@pytest.mark.parametrize(("actor", "allowed"), [(a, a != "anonymous") for a in ACTORS])
def test_can_post_need(actor, allowed):
    assert p.can_post_need(ACTORS[actor]()) is allowed


@pytest.mark.parametrize(("actor", "status"), list(product(ACTORS, NeedStatus)))
def test_can_view_need(actor, status):
    """Its poster and the ward's staff, whatever its status; other residents and other wards'
    staff never (the need's point is the poster's data)."""
    allowed = actor in OWNERS | WARD_STAFF
    assert p.can_view_need(ACTORS[actor](), need(status)) is allowed


@pytest.mark.parametrize(("actor", "old", "new"), list(product(ACTORS, NeedStatus, NeedStatus)))
def test_can_close_need(actor, old, new):
    """An open need is solved by its poster or the ward's staff, withdrawn by its poster only."""
    allowed = old == NeedStatus.OPEN and (
        (new == NeedStatus.SOLVED and actor in OWNERS | WARD_STAFF)
        or (new == NeedStatus.WITHDRAWN and actor in OWNERS)
    )
    assert p.can_close_need(ACTORS[actor](), need(old), new) is allowed


@pytest.mark.parametrize(("actor", "status"), list(product(ACTORS, NeedStatus)))
def test_can_coordinate_need(actor, status):
    """Suggesting places and writing to owners: the ward's staff, while the need is open."""
    allowed = status == NeedStatus.OPEN and actor in WARD_STAFF
    assert p.can_coordinate_need(ACTORS[actor](), need(status)) is allowed


# --- activities at places -------------------------------------------------------------------


@cases(lambda a, s: s == PlaceStatus.APPROVED and a in OWNERS | WARD_STAFF)
def test_can_manage_activities(actor, status, allowed):
    """The owner and the ward's staff, while the place is published (never other wards')."""
    assert p.can_manage_activities(ACTORS[actor](), place(status)) is allowed


@cases(lambda a, s: s == PlaceStatus.APPROVED)
def test_can_view_activities(actor, status, allowed):
    """Everyone, exactly while the place is published (its owner too sees none otherwise)."""
    assert p.can_view_activities(ACTORS[actor](), place(status)) is allowed


def test_every_predicate_has_a_truth_table():
    """A new predicate without a table here fails this test."""
    tested = {name[len("test_") :] for name in globals() if name.startswith("test_can_")}
    untested = {name for name in p.PREDICATES if name.startswith("can_")} - tested
    assert untested <= {"can_transition_place"}, untested  # tabled in tests/test_review.py
