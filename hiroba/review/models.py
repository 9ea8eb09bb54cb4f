"""Review events: the append-only record of every status change of a place.

Append-only in the database itself: a trigger (first migration) refuses UPDATE, DELETE and
TRUNCATE on ``review_events``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hiroba.accounts.models import User
from hiroba.columns import enum_column
from hiroba.extensions import db
from hiroba.places.models import PlaceStatus


class ReviewAction(StrEnum):
    """What an event records: a status change of the listing, or a step of a revision."""

    TRANSITION = "transition"
    REVISION_PROPOSED = "revision_proposed"
    REVISION_APPROVED = "revision_approved"
    REVISION_REJECTED = "revision_rejected"
    REVISION_WITHDRAWN = "revision_withdrawn"


class ReviewEvent(db.Model):
    __tablename__ = "review_events"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the system
    from_status: Mapped[PlaceStatus | None] = mapped_column(
        enum_column(PlaceStatus, "review_from_status")
    )
    to_status: Mapped[PlaceStatus] = mapped_column(enum_column(PlaceStatus, "review_to_status"))
    action: Mapped[ReviewAction] = mapped_column(
        enum_column(ReviewAction, "review_action"), default=ReviewAction.TRANSITION
    )
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("place_revisions.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<ReviewEvent {self.place_id} {self.from_status}->{self.to_status}>"
