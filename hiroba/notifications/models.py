"""Notifications: what a user is told in the app, and (as an outbox) by email.

A notification is written in the same transaction as the decision it reports, so it can never
be lost; the email is sent after the commit, and a failed send leaves ``emailed_at`` empty for
``flask --app hiroba send-notifications`` to retry.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Index, Integer, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hiroba.accounts.models import User
from hiroba.columns import enum_column
from hiroba.extensions import db
from hiroba.needs.models import Need
from hiroba.places.models import Place
from hiroba.usage.models import UsageRequest


class NotificationKind(StrEnum):
    PLACE_SUBMITTED = "place_submitted"  # to staff of the ward
    REVISION_SUBMITTED = "revision_submitted"  # to staff of the ward
    PLACE_APPROVED = "place_approved"  # to the owner, and so on
    CHANGES_REQUESTED = "changes_requested"
    PLACE_REJECTED = "place_rejected"
    PLACE_ARCHIVED = "place_archived"
    REVISION_APPROVED = "revision_approved"
    REVISION_REJECTED = "revision_rejected"
    # Usage requests (利用相談): to the owner and the ward's staff, or to the requester.
    USAGE_REQUESTED = "usage_requested"
    USAGE_ACCEPTED = "usage_accepted"
    USAGE_DECLINED = "usage_declined"
    USAGE_PROPOSED = "usage_proposed"
    USAGE_WITHDRAWN = "usage_withdrawn"
    USAGE_CANCELLED = "usage_cancelled"
    USAGE_CLOSED = "usage_closed"
    # Keeping listings fresh: a reminder to the owner; the listing hidden, to owner and staff.
    FRESHNESS_REMINDER = "freshness_reminder"
    LISTING_HIDDEN = "listing_hidden"
    # Looking for a place (hiroba.needs): a new need to the ward's staff; a place suggested,
    # or the need expired, to its poster; staff tell a place's owner about a need.
    NEED_POSTED = "need_posted"
    NEED_PLACE_SUGGESTED = "need_place_suggested"
    NEED_EXPIRED = "need_expired"
    NEED_OWNER_CONTACTED = "need_owner_contacted"


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_unsent", "id", postgresql_where=text("emailed_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(
        enum_column(NotificationKind, "notification_kind")
    )
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"))
    usage_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("usage_requests.id"), index=True
    )
    need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    place: Mapped[Place | None] = relationship()
    usage_request: Mapped[UsageRequest | None] = relationship()
    need: Mapped[Need | None] = relationship()
