"""Calendar export (iCalendar, RFC 5545): a secret feed of each place for its owner, and one
agreed use as a file for either side.

The feed's address carries a random token; only its SHA-256 is stored, so the database never
holds a working address. Replacing the row's hash or deleting the row revokes every copy of the
old address at once. Calendar apps cannot log in, so the token is the only key: whoever has the
address reads the place's agreed uses (purpose, requester's display name, headcount, message),
never anyone's phone or email.

What the owner's feed holds: agreed uses from 30 days ago to a year ahead; the owner's closed
days as all-day, transparent (free) events; and uses that were agreed and then called off
(cancelled, or closed because the place left hiroba), as STATUS:CANCELLED for 30 days after the
change, so that calendar apps which keep a copy of each event remove it rather than keep a
ghost. After those 30 days they leave the feed.

Times are written in UTC; X-WR-TIMEZONE asks apps to show them in Japan time.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event, vDuration, vText
from sqlalchemy import Select, and_, delete, exists, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import joinedload

from hiroba.accounts.models import User
from hiroba.errors import PermissionDenied
from hiroba.extensions import db
from hiroba.i18n import localized
from hiroba.permissions import can_manage_usage_calendar
from hiroba.places.models import Place
from hiroba.places.search import TOKYO
from hiroba.usage.models import CalendarFeed, PlaceBlock, UsageEvent, UsageRequest, UsageStatus
from hiroba.usage.queries import blocks_overlapping

PRODID = "-//hiroba//usage calendar//JA"
TOKEN_BYTES = 32  # 256 random bits: 43 characters in the address
MAX_TOKEN_LENGTH = 64  # anything longer was never ours: not even hashed
FEED_PAST = timedelta(days=30)
FEED_AHEAD = timedelta(days=366)
CANCELLED_KEPT = timedelta(days=30)  # how long a called-off use stays as STATUS:CANCELLED
REFRESH = timedelta(hours=1)  # how often we ask apps to fetch the feed again


def now_utc() -> datetime:
    return datetime.now(UTC)


# --- the secret address -------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_feed(place: Place, actor: User) -> str:
    """A new secret token for ``place``'s feed, replacing (so revoking) any earlier one.

    The token is returned once, to be shown once: only its hash is kept."""
    if not can_manage_usage_calendar(actor, place):
        raise PermissionDenied()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    values = {"token_hash": token_hash(token), "created_at": now_utc()}
    # An upsert, so that two clicks at once leave exactly one working address.
    db.session.scalars(
        insert(CalendarFeed)
        .values(place_id=place.id, **values)
        .on_conflict_do_update(index_elements=[CalendarFeed.place_id], set_=values)
        .returning(CalendarFeed),
        execution_options={"populate_existing": True},
    ).one()
    return token


def revoke_feed(place: Place, actor: User) -> bool:
    """Turn off ``place``'s feed; False if it had none."""
    if not can_manage_usage_calendar(actor, place):
        raise PermissionDenied()
    result = db.session.execute(delete(CalendarFeed).where(CalendarFeed.place_id == place.id))
    return result.rowcount > 0


def feed_of(place: Place) -> CalendarFeed | None:
    """The place's feed (when it was made), if it has one; never its address."""
    return db.session.get(CalendarFeed, place.id)


def place_for_token(token: str) -> Place | None:
    """The place whose feed address holds ``token``, or None.

    The lookup compares SHA-256 hashes, never the token itself: what a guesser sends cannot
    steer the stored value compared against, so response times tell nothing about a real
    token. Malformed tokens are refused before any lookup."""
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        return None
    return db.session.scalar(
        select(Place)
        .join(CalendarFeed, CalendarFeed.place_id == Place.id)
        .where(CalendarFeed.token_hash == token_hash(token))
    )


# --- what the feed shows ------------------------------------------------------------------------


def feed_uses(place_id: int, now: datetime) -> Select:
    """The uses in the owner's feed: agreed ones in its window, and recently called-off ones."""
    was_agreed = exists().where(
        UsageEvent.request_id == UsageRequest.id,
        UsageEvent.from_status == UsageStatus.ACCEPTED,
    )
    called_off = and_(
        UsageRequest.status.in_((UsageStatus.CANCELLED, UsageStatus.CLOSED)),
        UsageRequest.updated_at >= now - CANCELLED_KEPT,
        was_agreed,
    )
    return (
        select(UsageRequest)
        .options(joinedload(UsageRequest.requester), joinedload(UsageRequest.place))
        .where(
            UsageRequest.place_id == place_id,
            UsageRequest.starts_at < now + FEED_AHEAD,
            UsageRequest.ends_at > now - FEED_PAST,
            or_(UsageRequest.status == UsageStatus.ACCEPTED, called_off),
        )
        .order_by(UsageRequest.starts_at, UsageRequest.id)
    )


def _host() -> str:
    """The domain in event UIDs: the public site's, so that UIDs never change with the
    address a calendar app happened to use."""
    return urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "hiroba"


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)  # RFC 7986; X-WR-CALNAME for the apps that predate it
    # X- properties have no known type: without vText a comma or a newline would go unescaped.
    calendar.add("x-wr-calname", vText(name))
    calendar.add("x-wr-timezone", "Asia/Tokyo")
    return calendar


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _use_event(use: UsageRequest, *, for_owner: bool, now: datetime) -> Event:
    """One use as a VEVENT: the owner reads what and who; the requester reads where."""
    place_name = localized(use.place.name, use.place.name_en)
    people = _("%(n)d people", n=use.headcount)
    if for_owner:
        summary = _("%(purpose)s (%(name)s)", purpose=use.purpose, name=use.requester.display_name)
        lines = [_("Asked by %(name)s", name=use.requester.display_name), people, use.message]
    else:
        summary = place_name
        lines = [use.purpose, people]
    agreed = use.status == UsageStatus.ACCEPTED
    if not agreed:
        summary = _("Cancelled: %(summary)s", summary=summary)
    event = Event()
    event.add("uid", f"usage-{use.id}@{_host()}")
    event.add("dtstamp", _utc(now))
    event.add("dtstart", _utc(use.starts_at))
    event.add("dtend", _utc(use.ends_at))
    event.add("summary", summary)
    event.add("description", "\n".join(line for line in lines if line))
    if use.place.address:  # the owner's own; the requester's once the use is agreed
        event.add("location", use.place.address)
    event.add("status", "CONFIRMED" if agreed else "CANCELLED")
    event.add("transp", "OPAQUE")
    event.add("sequence", use.version)
    event.add("created", _utc(use.created_at))
    event.add("last-modified", _utc(use.updated_at))
    return event


def _local_days(block: PlaceBlock) -> tuple[date, date]:
    """First day and the day after the last, in Japan time (DTEND of an all-day event)."""
    first = block.starts_at.astimezone(TOKYO).date()
    end = block.ends_at.astimezone(TOKYO)
    after_last = end.date() if end.time() == time(0) else end.date() + timedelta(days=1)
    return first, after_last


def _block_event(block: PlaceBlock, now: datetime) -> Event:
    """Closed days: all-day and transparent, so they never show the owner as busy."""
    first, after_last = _local_days(block)
    summary = _("Closed for requests")
    if block.note:
        summary = f"{summary}: {block.note}"
    event = Event()
    event.add("uid", f"block-{block.id}@{_host()}")
    event.add("dtstamp", _utc(now))
    event.add("dtstart", first)
    event.add("dtend", after_last)
    event.add("summary", summary)
    event.add("transp", "TRANSPARENT")
    event.add("created", _utc(block.created_at))
    event.add("last-modified", _utc(block.created_at))
    return event


def place_feed(place: Place, now: datetime | None = None) -> bytes:
    """The owner's feed of ``place``, in the owner's language (apps send none we could use)."""
    now = now or now_utc()
    with force_locale(place.owner.locale or "ja"):
        calendar = _calendar(localized(place.name, place.name_en))
        calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(REFRESH))
        for use in db.session.scalars(feed_uses(place.id, now)):
            calendar.add_component(_use_event(use, for_owner=True, now=now))
        blocks = blocks_overlapping(place.id, now - FEED_PAST, now + FEED_AHEAD)
        for block in db.session.scalars(blocks):
            calendar.add_component(_block_event(block, now))
        return calendar.to_ical()


def use_file(use: UsageRequest, *, for_owner: bool, now: datetime | None = None) -> bytes:
    """One agreed use as an .ics file, in the reader's language."""
    now = now or now_utc()
    calendar = _calendar(localized(use.place.name, use.place.name_en))
    calendar.add_component(_use_event(use, for_owner=for_owner, now=now))
    return calendar.to_ical()
