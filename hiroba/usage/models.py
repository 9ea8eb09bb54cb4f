"""Usage requests (利用相談): a resident asks to use a place for a time range.

The database guarantees what matters most: two accepted uses of one place never overlap (an
exclusion constraint over the place and the time range), a request always ends after it starts
and lasts at most a day, and the history of a request is append-only (a trigger, migration 0007).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hiroba.accounts.models import User
from hiroba.columns import enum_column
from hiroba.extensions import db
from hiroba.places.models import Place

MAX_HOURS = 12  # the longest use one request may ask for (also checked by the database)


class UsageStatus(StrEnum):
    REQUESTED = "requested"  # waiting for the owner
    PROPOSED = "proposed"  # the owner proposed another time: waiting for the requester
    ACCEPTED = "accepted"  # agreed: the time is the requester's, contacts are shared
    DECLINED = "declined"  # the owner said no (with a reason)
    WITHDRAWN = "withdrawn"  # the requester took back a request not yet accepted
    CANCELLED = "cancelled"  # an accepted use called off by either side (with a reason)
    CLOSED = "closed"  # closed by hiroba: the place was archived, or the time passed unanswered


OPEN = frozenset({UsageStatus.REQUESTED, UsageStatus.PROPOSED})  # waiting for an answer


class UsageRequest(db.Model):
    __tablename__ = "usage_requests"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="ends_after_start"),
        CheckConstraint(f"ends_at - starts_at <= interval '{MAX_HOURS} hours'", name="bounded"),
        CheckConstraint("headcount BETWEEN 1 AND 100000", name="headcount_range"),
        CheckConstraint("length(btrim(purpose)) > 0", name="purpose_not_blank"),
        # No double booking, whatever the application does: accepted uses of a place never
        # overlap ('[)': one use may start when another ends).
        ExcludeConstraint(
            ("place_id", "="),
            (text("tstzrange(starts_at, ends_at, '[)')"), "&&"),
            name="no_double_booking",
            using="gist",
            where=text("status = 'accepted'"),
        ),
        Index("ix_usage_requests_place_time", "place_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id"))
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[UsageStatus] = mapped_column(
        enum_column(UsageStatus, "usage_status"), default=UsageStatus.REQUESTED, index=True
    )
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    headcount: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text, default="")
    # The requester's phone, for the owner once the request is accepted (optional).
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    version: Mapped[int] = mapped_column(Integer)

    place: Mapped[Place] = relationship()
    requester: Mapped[User] = relationship()
    events: Mapped[list[UsageEvent]] = relationship(
        order_by="UsageEvent.id", back_populates="request", viewonly=True
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<UsageRequest {self.id} {self.status}>"


class UsageEvent(db.Model):
    """One step in a request's life: who moved it from which status to which, and why.

    A proposal of another time keeps the time proposed (``starts_at``/``ends_at``).
    """

    __tablename__ = "usage_events"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("usage_requests.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: hiroba itself
    from_status: Mapped[UsageStatus | None] = mapped_column(
        enum_column(UsageStatus, "usage_from_status")
    )
    to_status: Mapped[UsageStatus] = mapped_column(enum_column(UsageStatus, "usage_to_status"))
    reason: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    request: Mapped[UsageRequest] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class PlaceBlock(db.Model):
    """A time the owner closed the place for requests (holidays, closures, their own events)."""

    __tablename__ = "place_blocks"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="ends_after_start"),
        Index("ix_place_blocks_place_time", "place_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(String(200), default="")  # the owner's own words
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    place: Mapped[Place] = relationship()


class CalendarFeed(db.Model):
    """A place's secret calendar address for its owner: only a hash of the token is stored,
    and replacing or deleting the row revokes every copy of the old address."""

    __tablename__ = "calendar_feeds"

    place_id: Mapped[int] = mapped_column(
        ForeignKey("places.id", ondelete="CASCADE"), primary_key=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    place: Mapped[Place] = relationship()
