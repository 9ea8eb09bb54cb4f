"""Add activities at places: recurring activities, their rules and cancelled dates

- activities: what meets at a place (title, audiences, fee, organiser and contact) and when, as
  a structured recurrence rule (weekly / monthly on a weekday / monthly on a day / dates), a
  period, Japan-time clock minutes, cancelled dates and "skip national holidays"; the checks
  make sure each kind of rule has what it needs. Deleted with their place.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

AUDIENCES = [
    "anyone",
    "children",
    "parents_and_children",
    "students",
    "adults",
    "seniors",
    "people_with_disabilities",
    "foreign_residents",
]
RULE_COMPLETE = (
    "CASE recurrence"
    " WHEN 'weekly' THEN cardinality(weekdays) > 0"
    " WHEN 'monthly_weekday' THEN cardinality(weekdays) > 0"
    "  AND cardinality(weeks_of_month) > 0"
    " WHEN 'monthly_day' THEN day_of_month IS NOT NULL"
    " ELSE cardinality(dates) > 0 END"
)


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _checks():
    listed = ", ".join(f"'{key}'" for key in AUDIENCES)
    checks = {
        "title_not_blank": "length(btrim(title)) > 0",
        "starts_first": "start_minute >= 0 AND start_minute < end_minute",
        "ends_same_day": "end_minute <= 1440",
        "ends_after_start": "ends_on IS NULL OR ends_on >= starts_on",
        "weekdays_iso": "weekdays <@ ARRAY[1,2,3,4,5,6,7]::smallint[]",
        "weeks_of_month_known": "weeks_of_month <@ ARRAY[1,2,3,4,-1]::smallint[]",
        "interval_weeks_range": "interval_weeks BETWEEN 1 AND 8",
        "day_of_month_range": "day_of_month BETWEEN 1 AND 31",
        "dates_bounded": "cardinality(dates) <= 100",
        "cancelled_dates_bounded": "cardinality(cancelled_dates) <= 100",
        "rule_complete": RULE_COMPLETE,
        "audiences_vocabulary": f"audiences <@ ARRAY[{listed}]::varchar[]",
    }
    return [
        sa.CheckConstraint(sql, name=op.f(f"ck_activities_{name}")) for name, sql in checks.items()
    ]


def _array(name, item):
    return sa.Column(name, postgresql.ARRAY(item), server_default=sa.text("'{}'"), nullable=False)


def upgrade():
    op.create_table(
        "activities",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("place_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        _array("audiences", sa.String(length=32)),
        sa.Column("fee", _enum("activity_fee", "free", "paid"), nullable=False),
        sa.Column("fee_details", sa.String(length=200), nullable=True),
        sa.Column("organiser", sa.String(length=120), nullable=True),
        sa.Column("contact_phone", sa.String(length=40), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column(
            "recurrence",
            _enum("recurrence", "weekly", "monthly_weekday", "monthly_day", "dates"),
            nullable=False,
        ),
        _array("weekdays", sa.SmallInteger()),
        sa.Column("interval_weeks", sa.SmallInteger(), server_default="1", nullable=False),
        _array("weeks_of_month", sa.SmallInteger()),
        sa.Column("day_of_month", sa.SmallInteger(), nullable=True),
        _array("dates", sa.Date()),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("start_minute", sa.SmallInteger(), nullable=False),
        sa.Column("end_minute", sa.SmallInteger(), nullable=False),
        _array("cancelled_dates", sa.Date()),
        sa.Column("skip_holidays", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("created_by_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        *_checks(),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_activities_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["places.id"],
            name=op.f("fk_activities_place_id_places"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    op.create_index("ix_activities_place", "activities", ["place_id", "id"], unique=False)


def downgrade():
    op.drop_index("ix_activities_place", table_name="activities")
    op.drop_table("activities")
