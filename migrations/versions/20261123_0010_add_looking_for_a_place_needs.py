"""Looking for a place: residents' needs and coordinators' suggestions

- needs: what a resident or group looks for (a ward or a circle, weekdays or dates and a time
  window, headcount, budget, accessibility and conditions), open until solved, withdrawn or
  expired;
- need_events: the append-only history of each need (a trigger refuses changes, as for
  usage_events), including the places staff suggested and the owners they contacted;
- notifications: the need a notification is about, and the need notification kinds.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

OLD_KINDS = [
    "place_submitted",
    "revision_submitted",
    "place_approved",
    "changes_requested",
    "place_rejected",
    "place_archived",
    "revision_approved",
    "revision_rejected",
    "usage_requested",
    "usage_accepted",
    "usage_declined",
    "usage_proposed",
    "usage_withdrawn",
    "usage_cancelled",
    "usage_closed",
    "freshness_reminder",
    "listing_hidden",
]
NEED_KINDS = ["need_posted", "need_place_suggested", "need_expired", "need_owner_contacted"]
ACCESSIBILITY = [
    "step_free_entrance",
    "wheelchair_toilet",
    "elevator",
    "nursing_room",
    "diaper_changing",
    "assistance_dogs",
    "hearing_loop",
    "written_communication",
    "accessible_parking",
    "braille",
]
CONDITIONS = [
    "food_ok",
    "alcohol_ok",
    "fire_ok",
    "music_ok",
    "commercial_ok",
    "children_welcome",
    "pets_ok",
    "overnight_ok",
]

APPEND_ONLY = """
CREATE FUNCTION need_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'need_events is append-only' USING ERRCODE = 'HB003';
END $$;
CREATE TRIGGER need_events_append_only BEFORE UPDATE OR DELETE ON need_events
    FOR EACH ROW EXECUTE FUNCTION need_events_append_only();
CREATE TRIGGER need_events_no_truncate BEFORE TRUNCATE ON need_events
    FOR EACH STATEMENT EXECUTE FUNCTION need_events_append_only();
"""


def listed(values):
    return ", ".join(f"'{value}'" for value in values)


def kinds_check(kinds):
    constraint = op.f("ck_notifications_notification_kind")
    op.drop_constraint(constraint, "notifications", type_="check")
    op.create_check_constraint(constraint, "notifications", f"kind IN ({listed(kinds)})")


def enum(name, values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def timestamp(name):
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def create_needs():
    point = Geometry(geometry_type="POINT", srid=4326, spatial_index=False)
    op.create_geospatial_table(
        "needs",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("poster_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "status",
            enum("need_status", ["open", "solved", "withdrawn", "expired"]),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("location", point, nullable=True),
        sa.Column("radius_m", sa.Integer(), nullable=True),
        sa.Column(
            "weekdays",
            postgresql.ARRAY(sa.SmallInteger()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column(
            "dates", postgresql.ARRAY(sa.Date()), server_default=sa.text("'{}'"), nullable=False
        ),
        sa.Column("starts_minute", sa.SmallInteger(), nullable=False),
        sa.Column("ends_minute", sa.SmallInteger(), nullable=False),
        sa.Column("headcount", sa.Integer(), nullable=False),
        sa.Column("free_only", sa.Boolean(), nullable=False),
        sa.Column(
            "accessibility",
            postgresql.ARRAY(sa.String(length=32)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column(
            "conditions",
            postgresql.ARRAY(sa.String(length=32)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        timestamp("created_at"),
        timestamp("updated_at"),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(status = 'open') = (closed_at IS NULL)", name=op.f("ck_needs_closed_when_not_open")
        ),
        sa.CheckConstraint(
            f"accessibility <@ ARRAY[{listed(ACCESSIBILITY)}]::varchar[]",
            name=op.f("ck_needs_accessibility_vocabulary"),
        ),
        sa.CheckConstraint(
            f"conditions <@ ARRAY[{listed(CONDITIONS)}]::varchar[]",
            name=op.f("ck_needs_conditions_vocabulary"),
        ),
        sa.CheckConstraint(
            "(cardinality(weekdays) > 0) <> (cardinality(dates) > 0)",
            name=op.f("ck_needs_weekdays_or_dates"),
        ),
        sa.CheckConstraint(
            "(location IS NULL AND radius_m IS NULL) OR (location IS NOT NULL AND radius_m "
            "BETWEEN 100 AND 10000)",
            name=op.f("ck_needs_area_is_ward_or_circle"),
        ),
        sa.CheckConstraint("cardinality(dates) <= 5", name=op.f("ck_needs_few_dates")),
        sa.CheckConstraint("headcount BETWEEN 1 AND 1000", name=op.f("ck_needs_headcount_range")),
        sa.CheckConstraint("length(btrim(title)) > 0", name=op.f("ck_needs_title_not_blank")),
        sa.CheckConstraint(
            "starts_minute >= 0 AND ends_minute <= 1440 AND starts_minute < ends_minute",
            name=op.f("ck_needs_window_within_day"),
        ),
        sa.CheckConstraint(
            "weekdays <@ ARRAY[1,2,3,4,5,6,7]::smallint[]", name=op.f("ck_needs_iso_weekdays")
        ),
        sa.ForeignKeyConstraint(
            ["district_code"], ["districts.code"], name=op.f("fk_needs_district_code_districts")
        ),
        sa.ForeignKeyConstraint(["poster_id"], ["users.id"], name=op.f("fk_needs_poster_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_needs")),
    )
    op.create_geospatial_index(
        "idx_needs_location",
        "needs",
        ["location"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        "ix_needs_open_by_ward",
        "needs",
        ["district_code", "created_at"],
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_index(op.f("ix_needs_poster_id"), "needs", ["poster_id"])
    op.create_index(
        "ix_needs_solved_by_ward",
        "needs",
        ["district_code", "closed_at"],
        postgresql_where=sa.text("status = 'solved'"),
    )


def create_need_events():
    kinds = ["posted", "solved", "withdrawn", "expired", "suggested", "owner_contacted"]
    op.create_table(
        "need_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("need_id", sa.BigInteger(), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", enum("need_event_kind", kinds), nullable=False),
        sa.Column("place_id", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        timestamp("created_at"),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_need_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["need_id"], ["needs.id"], name=op.f("fk_need_events_need_id_needs")
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["places.id"], name=op.f("fk_need_events_place_id_places")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_need_events")),
    )
    op.create_index(op.f("ix_need_events_need_id"), "need_events", ["need_id"])
    op.create_index(
        "uq_need_events_one_suggestion",
        "need_events",
        ["need_id", "place_id"],
        unique=True,
        postgresql_where=sa.text("kind = 'suggested'"),
    )
    op.execute(APPEND_ONLY)


def upgrade():
    create_needs()
    create_need_events()
    op.add_column("notifications", sa.Column("need_id", sa.BigInteger(), nullable=True))
    op.create_index(op.f("ix_notifications_need_id"), "notifications", ["need_id"])
    op.create_foreign_key(
        op.f("fk_notifications_need_id_needs"), "notifications", "needs", ["need_id"], ["id"]
    )
    kinds_check([*OLD_KINDS, *NEED_KINDS])


def downgrade():
    # Notices about needs mean nothing to the older code, and point at rows about to go.
    op.execute(
        f"DELETE FROM notifications WHERE need_id IS NOT NULL OR kind IN ({listed(NEED_KINDS)})"
    )
    kinds_check(OLD_KINDS)
    op.drop_constraint(op.f("fk_notifications_need_id_needs"), "notifications", type_="foreignkey")
    op.drop_index(op.f("ix_notifications_need_id"), table_name="notifications")
    op.drop_column("notifications", "need_id")
    op.execute("DROP TABLE need_events")  # its triggers go with it
    op.execute("DROP FUNCTION need_events_append_only()")
    op.drop_index("ix_needs_solved_by_ward", table_name="needs")
    op.drop_index(op.f("ix_needs_poster_id"), table_name="needs")
    op.drop_index("ix_needs_open_by_ward", table_name="needs")
    op.drop_geospatial_index(
        "idx_needs_location", table_name="needs", postgresql_using="gist", column_name="location"
    )
    op.drop_geospatial_table("needs")
