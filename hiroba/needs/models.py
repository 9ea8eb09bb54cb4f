"""Looking for a place (場所を探しています): a resident's or group's need, and its history.

A need is private to its poster and to staff of the ward its area falls in: the point (when the
area is a circle) is the poster's data. ``district_code`` is decided from the point by the
database's own point-in-polygon function (or chosen as the ward), never typed for a point.

The database keeps the rules that matter whatever the code does: an area is either a ward or a
point with a radius; a need asks for weekdays or for dates (one of the two); its time window
lies within a day; an open need has no closing time and a closed one has; and the history
(``need_events``) is append-only (a trigger, migration 0010).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hiroba.accounts.models import User
from hiroba.columns import enum_column, vocabulary_array, vocabulary_array_check
from hiroba.districts.models import District
from hiroba.extensions import db
from hiroba.places.models import Place
from hiroba.places.vocabulary import Accessibility, Condition

RADIUS_RANGE = (100, 10_000)  # metres: a short walk to a bus ride
HEADCOUNT_RANGE = (1, 1000)
MAX_TITLE = 100
MAX_DETAILS = 2000
MAX_DATES = 5


class NeedStatus(StrEnum):
    OPEN = "open"  # coordinators and the poster are looking
    SOLVED = "solved"  # a place was found: the figure the ward centre reports
    WITHDRAWN = "withdrawn"  # the poster no longer needs it
    EXPIRED = "expired"  # closed by hiroba when its time ran out


class NeedEventKind(StrEnum):
    POSTED = "posted"
    SOLVED = "solved"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    SUGGESTED = "suggested"  # staff suggested a place to the poster
    OWNER_CONTACTED = "owner_contacted"  # staff told a place's owner about the need


class Need(db.Model):
    __tablename__ = "needs"
    __table_args__ = (
        CheckConstraint("length(btrim(title)) > 0", name="title_not_blank"),
        CheckConstraint(
            f"headcount BETWEEN {HEADCOUNT_RANGE[0]} AND {HEADCOUNT_RANGE[1]}",
            name="headcount_range",
        ),
        CheckConstraint(
            "(location IS NULL AND radius_m IS NULL) OR (location IS NOT NULL AND radius_m "
            f"BETWEEN {RADIUS_RANGE[0]} AND {RADIUS_RANGE[1]})",
            name="area_is_ward_or_circle",
        ),
        CheckConstraint(
            "(cardinality(weekdays) > 0) <> (cardinality(dates) > 0)", name="weekdays_or_dates"
        ),
        CheckConstraint("weekdays <@ ARRAY[1,2,3,4,5,6,7]::smallint[]", name="iso_weekdays"),
        CheckConstraint(f"cardinality(dates) <= {MAX_DATES}", name="few_dates"),
        CheckConstraint(
            "starts_minute >= 0 AND ends_minute <= 1440 AND starts_minute < ends_minute",
            name="window_within_day",
        ),
        CheckConstraint("(status = 'open') = (closed_at IS NULL)", name="closed_when_not_open"),
        vocabulary_array_check("accessibility", Accessibility),
        vocabulary_array_check("conditions", Condition),
        Index("ix_needs_open_by_ward", "district_code", "created_at",
              postgresql_where=text("status = 'open'")),
        Index("ix_needs_solved_by_ward", "district_code", "closed_at",
              postgresql_where=text("status = 'solved'")),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    poster_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[NeedStatus] = mapped_column(
        enum_column(NeedStatus, "need_status"), default=NeedStatus.OPEN
    )
    title: Mapped[str] = mapped_column(String(MAX_TITLE))
    details: Mapped[str] = mapped_column(Text, default="")
    # The ward whose staff see the need: chosen, or the ward of the circle's centre.
    district_code: Mapped[str] = mapped_column(ForeignKey("districts.code"))
    location = mapped_column(Geometry("POINT", srid=4326), nullable=True)
    radius_m: Mapped[int | None] = mapped_column(Integer)
    weekdays: Mapped[list[int]] = mapped_column(
        ARRAY(SmallInteger), default=list, server_default=text("'{}'")
    )
    dates: Mapped[list[date]] = mapped_column(
        ARRAY(Date), default=list, server_default=text("'{}'")
    )
    starts_minute: Mapped[int] = mapped_column(SmallInteger)  # Japan time, minutes after 0:00
    ends_minute: Mapped[int] = mapped_column(SmallInteger)  # 1440 is midnight at the end
    headcount: Mapped[int] = mapped_column(Integer)
    free_only: Mapped[bool] = mapped_column(Boolean, default=False)
    accessibility: Mapped[list[str]] = mapped_column(
        vocabulary_array(), default=list, server_default=text("'{}'")
    )
    conditions: Mapped[list[str]] = mapped_column(
        vocabulary_array(), default=list, server_default=text("'{}'")
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)

    poster: Mapped[User] = relationship()
    district: Mapped[District] = relationship()
    events: Mapped[list[NeedEvent]] = relationship(
        order_by="NeedEvent.id", back_populates="need", viewonly=True
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def asked_weekdays(self) -> list[int]:
        """The ISO weekdays the need asks for: its weekdays, or those of its dates."""
        if self.weekdays:
            return sorted(set(self.weekdays))
        return sorted({day.isoweekday() for day in self.dates})

    def __repr__(self) -> str:
        return f"<Need {self.id} {self.status}>"


class NeedEvent(db.Model):
    """One step in a need's life: posted, closed, a place suggested, an owner contacted."""

    __tablename__ = "need_events"
    __table_args__ = (
        # A place is suggested for a need once: a second click tells the poster nothing new.
        Index("uq_need_events_one_suggestion", "need_id", "place_id", unique=True,
              postgresql_where=text("kind = 'suggested'")),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: hiroba itself
    kind: Mapped[NeedEventKind] = mapped_column(enum_column(NeedEventKind, "need_event_kind"))
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    need: Mapped[Need] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
    place: Mapped[Place | None] = relationship()
