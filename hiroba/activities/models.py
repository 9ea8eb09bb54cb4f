"""Activities at places (サロン, 子ども食堂, 体操教室…): what meets at a published place, and when.

The recurrence rule is stored in structured columns (``hiroba.activities.recurrence`` explains
each kind), never as free text to parse again; the database checks each column's range and
that a rule has what its kind needs, so no code path can store a rule that means nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hiroba.activities.recurrence import Recurrence, Rule
from hiroba.columns import enum_column, vocabulary_array, vocabulary_array_check
from hiroba.extensions import db
from hiroba.places.models import Place
from hiroba.places.vocabulary import Fee

MAX_DATES = 100  # listed dates, and cancelled dates, per activity (also checked by the database)


class ActivityAudience(StrEnum):
    """Whom an activity is for (any of them)."""

    ANYONE = "anyone"
    CHILDREN = "children"
    PARENTS_AND_CHILDREN = "parents_and_children"
    STUDENTS = "students"
    ADULTS = "adults"
    SENIORS = "seniors"
    PEOPLE_WITH_DISABILITIES = "people_with_disabilities"
    FOREIGN_RESIDENTS = "foreign_residents"


AUDIENCE_LABELS = {
    ActivityAudience.ANYONE: _l("Anyone"),
    ActivityAudience.CHILDREN: _l("Children"),
    ActivityAudience.PARENTS_AND_CHILDREN: _l("Parents and children"),
    ActivityAudience.STUDENTS: _l("Students"),
    ActivityAudience.ADULTS: _l("Adults"),
    ActivityAudience.SENIORS: _l("Older people"),
    ActivityAudience.PEOPLE_WITH_DISABILITIES: _l("People with disabilities"),
    ActivityAudience.FOREIGN_RESIDENTS: _l("Residents from abroad"),
}
RECURRENCE_LABELS = {
    Recurrence.WEEKLY: _l("Every week or every few weeks"),
    Recurrence.MONTHLY_WEEKDAY: _l("Monthly, on a weekday (2nd Tuesday, last Friday…)"),
    Recurrence.MONTHLY_DAY: _l("Monthly, on a day of the month (the 15th…)"),
    Recurrence.DATES: _l("On particular dates only"),
}


def _shape_check() -> CheckConstraint:
    """Each kind has what it needs (weekdays, weeks, a day of the month, dates)."""
    return CheckConstraint(
        "CASE recurrence"
        " WHEN 'weekly' THEN cardinality(weekdays) > 0"
        " WHEN 'monthly_weekday' THEN cardinality(weekdays) > 0"
        "  AND cardinality(weeks_of_month) > 0"
        " WHEN 'monthly_day' THEN day_of_month IS NOT NULL"
        " ELSE cardinality(dates) > 0 END",
        name="rule_complete",
    )


class Activity(db.Model):
    __tablename__ = "activities"
    __table_args__ = (
        CheckConstraint("length(btrim(title)) > 0", name="title_not_blank"),
        CheckConstraint("start_minute >= 0 AND start_minute < end_minute", name="starts_first"),
        CheckConstraint("end_minute <= 1440", name="ends_same_day"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
        CheckConstraint("weekdays <@ ARRAY[1,2,3,4,5,6,7]::smallint[]", name="weekdays_iso"),
        CheckConstraint(
            "weeks_of_month <@ ARRAY[1,2,3,4,-1]::smallint[]", name="weeks_of_month_known"
        ),
        CheckConstraint("interval_weeks BETWEEN 1 AND 8", name="interval_weeks_range"),
        CheckConstraint("day_of_month BETWEEN 1 AND 31", name="day_of_month_range"),
        CheckConstraint(f"cardinality(dates) <= {MAX_DATES}", name="dates_bounded"),
        CheckConstraint(
            f"cardinality(cancelled_dates) <= {MAX_DATES}", name="cancelled_dates_bounded"
        ),
        _shape_check(),
        vocabulary_array_check("audiences", ActivityAudience),
        Index("ix_activities_place", "place_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    audiences: Mapped[list[str]] = mapped_column(
        vocabulary_array(), default=list, server_default=text("'{}'")
    )
    fee: Mapped[Fee] = mapped_column(enum_column(Fee, "activity_fee"), default=Fee.FREE)
    fee_details: Mapped[str | None] = mapped_column(String(200))
    # Who runs it and how to reach them: public, as the organiser asks (a group's desk phone).
    organiser: Mapped[str | None] = mapped_column(String(120))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_email: Mapped[str | None] = mapped_column(String(254))

    recurrence: Mapped[Recurrence] = mapped_column(enum_column(Recurrence, "recurrence"))
    weekdays: Mapped[list[int]] = mapped_column(
        ARRAY(SmallInteger), default=list, server_default=text("'{}'")
    )
    interval_weeks: Mapped[int] = mapped_column(SmallInteger, default=1, server_default="1")
    weeks_of_month: Mapped[list[int]] = mapped_column(
        ARRAY(SmallInteger), default=list, server_default=text("'{}'")
    )
    day_of_month: Mapped[int | None] = mapped_column(SmallInteger)
    dates: Mapped[list[date]] = mapped_column(
        ARRAY(Date), default=list, server_default=text("'{}'")
    )
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    start_minute: Mapped[int] = mapped_column(SmallInteger)  # Japan time
    end_minute: Mapped[int] = mapped_column(SmallInteger)  # 1440 = midnight at the day's end
    cancelled_dates: Mapped[list[date]] = mapped_column(
        ARRAY(Date), default=list, server_default=text("'{}'")
    )
    skip_holidays: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")

    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    place: Mapped[Place] = relationship()

    @property
    def rule(self) -> Rule:
        return rule_of(self)

    def __repr__(self) -> str:
        return f"<Activity {self.id} {self.title!r}>"


def rule_of(row) -> Rule:
    """The recurrence rule of an activity (or of any row with the same column names)."""
    return Rule(
        kind=Recurrence(row.recurrence),
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        start_minute=row.start_minute,
        end_minute=row.end_minute,
        weekdays=frozenset(row.weekdays or ()),
        interval_weeks=row.interval_weeks or 1,
        weeks_of_month=frozenset(row.weeks_of_month or ()),
        day_of_month=row.day_of_month,
        dates=frozenset(row.dates or ()),
        cancelled=frozenset(row.cancelled_dates or ()),
        skip_holidays=bool(row.skip_holidays),
    )
