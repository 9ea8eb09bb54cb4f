"""Which published places fit a need, and how well: a score anyone can check by hand.

A place is a match when nothing its listing says rules it out (the database filters):
it is published; it lies in the need's ward, or its public point within the radius; it is free
of charge if only free places will do; it has every accessibility feature and condition asked
for; it is not for members only; its capacity, if stated, holds the headcount; and its opening
hours, if registered, cover the time window on at least one of the days asked for.

Matches are then ranked by points (out of 100, as a share of the points possible):

- distance (circle areas only), 40: 40 × (1 − distance ÷ radius), rounded down;
- capacity, 30: full marks when the group fills at least half the room (capacity ≤ 2 ×
  headcount); less in a room far too big for it (60 × headcount ÷ capacity, rounded down,
  at least 1); 10 when the capacity is not stated;
- hours, 20: 20 × the share of the days asked for on which the window is within opening
  hours (rounded down); 5 when no hours are registered;
- who may use it, 10: anyone 10; residents of the ward 7; registered groups 5.

Ties go to the nearer place, then by reading. Everything is on the public point, never the
true one, so a match's distance says no more about a home than the public map does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, null, or_
from sqlalchemy.orm import selectinload

from hiroba import geo
from hiroba.extensions import db
from hiroba.i18n import hhmm
from hiroba.needs.models import Need
from hiroba.needs.presentation import day_names
from hiroba.places.models import OpeningPeriod, Place
from hiroba.places.search import PlaceSearch, distance_m, search_places
from hiroba.places.vocabulary import Audience

WEIGHTS = {"distance": 40, "capacity": 30, "hours": 20, "who": 10}
CAPACITY_NOT_STATED = 10
HOURS_NOT_REGISTERED = 5
WHO_POINTS = {Audience.ANYONE: 10, Audience.WARD_RESIDENTS: 7, Audience.REGISTERED_GROUPS: 5}
# Candidates read before scoring: far more than a ward's matching places; a need in a
# registry of a whole city finds its nearest (circle) or first (ward) this many.
CANDIDATES = 2000


@dataclass(frozen=True)
class Factor:
    """One reason a place fits: its points out of the most possible, and why."""

    key: str  # distance, capacity, hours, who
    points: int
    of: int
    stated: bool  # False: the listing does not say; ask the owner
    reason: Any  # a lazily translated sentence


@dataclass(frozen=True)
class Match:
    place: Place
    distance_m: float | None
    factors: tuple[Factor, ...]

    @property
    def score(self) -> int:
        """Points as a share of those possible, 0–100."""
        return 100 * sum(f.points for f in self.factors) // sum(f.of for f in self.factors)

    @property
    def unknowns(self) -> list[str]:
        """Keys of the factors the listing does not state."""
        return [f.key for f in self.factors if not f.stated]

    @property
    def fits_as_stated(self) -> bool:
        """The listing states a capacity (which holds the group: else it is no match) and
        hours covering every day asked for (who may use it is always stated)."""
        hours = next(f for f in self.factors if f.key == "hours")
        return not self.unknowns and hours.points == hours.of


def _search(need: Need) -> PlaceSearch:
    conditions = (*need.conditions, "free") if need.free_only else tuple(need.conditions)
    audiences = tuple(a.value for a in WHO_POINTS)
    if need.location is None:
        return PlaceSearch(districts=(need.district_code,), accessibility=tuple(need.accessibility),
                           conditions=conditions, audiences=audiences)  # fmt: skip
    point = geo.from_db(need.location)
    return PlaceSearch(near=(point.x, point.y), radius_m=float(need.radius_m),
                       accessibility=tuple(need.accessibility), conditions=conditions,
                       audiences=audiences)  # fmt: skip


def candidates(need: Need) -> Select:
    """(place, metres from the need's point or None) of the places nothing rules out."""
    search = _search(need)
    has_hours = exists().where(OpeningPeriod.place_id == Place.id)
    covers = exists().where(
        OpeningPeriod.place_id == Place.id,
        OpeningPeriod.weekday.in_(need.asked_weekdays),
        OpeningPeriod.opens_minute <= need.starts_minute,
        OpeningPeriod.closes_minute >= need.ends_minute,
    )
    distance = distance_m(search)
    stmt = search_places(search).where(
        or_(Place.capacity.is_(None), Place.capacity >= need.headcount),
        or_(~has_hours, covers),
    )
    order = [distance] if distance is not None else []
    return (
        stmt.order_by(None)
        .order_by(*order, Place.id)
        .add_columns((distance if distance is not None else null()).label("distance"))
        .options(selectinload(Place.opening_hours))
        .limit(CANDIDATES)
    )


def _distance(need: Need, metres: float | None) -> Factor | None:
    if need.radius_m is None or metres is None:
        return None
    points = int(WEIGHTS["distance"] * max(0.0, 1 - metres / need.radius_m))
    reason = _l("%(m)d m from the point given (within %(r)d m).", m=round(metres), r=need.radius_m)
    return Factor("distance", points, WEIGHTS["distance"], True, reason)


def _capacity(need: Need, place: Place) -> Factor:
    of = WEIGHTS["capacity"]
    if place.capacity is None:
        reason = _l("Capacity not stated: ask whether %(n)d people fit.", n=need.headcount)
        return Factor("capacity", CAPACITY_NOT_STATED, of, False, reason)
    if place.capacity <= 2 * need.headcount:
        points = of
        reason = _l(
            "Takes up to %(c)d people: right for %(n)d.", c=place.capacity, n=need.headcount
        )
    else:
        points = max(1, 2 * of * need.headcount // place.capacity)
        reason = _l(
            "Takes up to %(c)d people: roomy for %(n)d.", c=place.capacity, n=need.headcount
        )
    return Factor("capacity", points, of, True, reason)


def _hours(need: Need, place: Place) -> Factor:
    of = WEIGHTS["hours"]
    window = {"start": hhmm(need.starts_minute), "end": hhmm(need.ends_minute)}
    if not place.opening_hours:
        reason = _l("No opening hours registered: ask about %(start)s–%(end)s.", **window)
        return Factor("hours", HOURS_NOT_REGISTERED, of, False, reason)
    asked = need.asked_weekdays
    open_on = [
        day for day in asked
        if any(p.weekday == day and p.opens_minute <= need.starts_minute
               and p.closes_minute >= need.ends_minute for p in place.opening_hours)
    ]  # fmt: skip
    days = day_names(open_on)
    if len(open_on) == len(asked):
        reason = _l("Open %(start)s–%(end)s on %(days)s.", days=days, **window)
    else:
        reason = _l("Open %(start)s–%(end)s on %(days)s only.", days=days, **window)
    return Factor("hours", of * len(open_on) // len(asked), of, True, reason)


WHO_REASONS = {
    Audience.ANYONE: _l("Open to anyone."),
    Audience.WARD_RESIDENTS: _l("For residents of the ward."),
    Audience.REGISTERED_GROUPS: _l("For registered groups: ask how to register."),
}


def _who(place: Place) -> Factor:
    audience = Audience(place.who_may_use)
    return Factor("who", WHO_POINTS[audience], WEIGHTS["who"], True, WHO_REASONS[audience])


def score(need: Need, place: Place, metres: float | None) -> Match:
    """The match of ``place`` for ``need``, with the points of each factor."""
    factors = [_distance(need, metres), _capacity(need, place), _hours(need, place),
               _who(place)]  # fmt: skip
    return Match(place, metres, tuple(f for f in factors if f is not None))


def _reading(place: Place) -> str:
    return place.name_kana or place.name


def matches(need: Need, limit: int | None = None) -> list[Match]:
    """The places that fit ``need``, best first (score, then nearer, then by reading)."""
    rows = db.session.execute(candidates(need)).all()
    found = [score(need, place, metres) for place, metres in rows]
    far = float("inf")
    found.sort(key=lambda m: (-m.score, m.distance_m if m.distance_m is not None else far,
                              _reading(m.place), m.place.id))  # fmt: skip
    return found[:limit] if limit is not None else found
