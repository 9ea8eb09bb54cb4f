"""Add usage requests (利用相談), their history, owners' blocked times and calendar feeds

- usage_requests: who asks to use which place, when, for how many and why; accepted uses of a
  place never overlap (an exclusion constraint, hence the btree_gist extension);
- usage_events: the append-only history of each request (a trigger refuses changes, as for
  review_events);
- place_blocks: times an owner closed a place for requests; calendar_feeds: the hash of each
  place's secret calendar address;
- notifications: the request a notification is about, and the usage notification kinds.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
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
]
USAGE_KINDS = [
    "usage_requested",
    "usage_accepted",
    "usage_declined",
    "usage_proposed",
    "usage_withdrawn",
    "usage_cancelled",
    "usage_closed",
]

APPEND_ONLY = """
CREATE FUNCTION usage_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'usage_events is append-only' USING ERRCODE = 'HB002';
END $$;
CREATE TRIGGER usage_events_append_only BEFORE UPDATE OR DELETE ON usage_events
    FOR EACH ROW EXECUTE FUNCTION usage_events_append_only();
CREATE TRIGGER usage_events_no_truncate BEFORE TRUNCATE ON usage_events
    FOR EACH STATEMENT EXECUTE FUNCTION usage_events_append_only();
"""


def kinds_check(kinds):
    listed = ", ".join(f"'{kind}'" for kind in kinds)
    op.drop_constraint(op.f("ck_notifications_notification_kind"), "notifications", type_="check")
    op.create_check_constraint(
        op.f("ck_notifications_notification_kind"), "notifications", f"kind IN ({listed})"
    )


def upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.create_table(
        "calendar_feeds",
        sa.Column("place_id", sa.BigInteger(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["places.id"],
            name=op.f("fk_calendar_feeds_place_id_places"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("place_id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
    )
    op.create_table(
        "place_blocks",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("place_id", sa.BigInteger(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("starts_at < ends_at", name=op.f("ck_place_blocks_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_place_blocks_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["places.id"],
            name=op.f("fk_place_blocks_place_id_places"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place_blocks")),
    )
    op.create_index(
        "ix_place_blocks_place_time", "place_blocks", ["place_id", "starts_at"], unique=False
    )
    op.create_table(
        "usage_requests",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("place_id", sa.BigInteger(), nullable=False),
        sa.Column("requester_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "proposed",
                "accepted",
                "declined",
                "withdrawn",
                "cancelled",
                "closed",
                name="usage_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("headcount", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("contact_phone", sa.String(length=40), nullable=True),
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
        sa.Column("version", sa.Integer(), nullable=False),
        postgresql.ExcludeConstraint(
            (sa.column("place_id"), "="),
            (sa.text("tstzrange(starts_at, ends_at, '[)')"), "&&"),
            where=sa.text("status = 'accepted'"),
            using="gist",
            name="no_double_booking",
        ),
        sa.CheckConstraint(
            "ends_at - starts_at <= interval '12 hours'", name=op.f("ck_usage_requests_bounded")
        ),
        sa.CheckConstraint(
            "headcount BETWEEN 1 AND 100000", name=op.f("ck_usage_requests_headcount_range")
        ),
        sa.CheckConstraint(
            "length(btrim(purpose)) > 0", name=op.f("ck_usage_requests_purpose_not_blank")
        ),
        sa.CheckConstraint("starts_at < ends_at", name=op.f("ck_usage_requests_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["place_id"], ["places.id"], name=op.f("fk_usage_requests_place_id_places")
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"], ["users.id"], name=op.f("fk_usage_requests_requester_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_requests")),
    )
    op.create_index(
        "ix_usage_requests_place_time", "usage_requests", ["place_id", "starts_at"], unique=False
    )
    op.create_index(
        op.f("ix_usage_requests_requester_id"), "usage_requests", ["requester_id"], unique=False
    )
    op.create_index(op.f("ix_usage_requests_status"), "usage_requests", ["status"], unique=False)
    op.create_table(
        "usage_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("request_id", sa.BigInteger(), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "from_status",
            sa.Enum(
                "requested",
                "proposed",
                "accepted",
                "declined",
                "withdrawn",
                "cancelled",
                "closed",
                name="usage_from_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "requested",
                "proposed",
                "accepted",
                "declined",
                "withdrawn",
                "cancelled",
                "closed",
                name="usage_to_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_usage_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["usage_requests.id"],
            name=op.f("fk_usage_events_request_id_usage_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_events")),
    )
    op.create_index(
        op.f("ix_usage_events_request_id"), "usage_events", ["request_id"], unique=False
    )
    op.add_column("notifications", sa.Column("usage_request_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_notifications_usage_request_id_usage_requests"),
        "notifications",
        "usage_requests",
        ["usage_request_id"],
        ["id"],
    )
    op.create_index(
        op.f("ix_notifications_usage_request_id"), "notifications", ["usage_request_id"]
    )
    kinds_check(OLD_KINDS + USAGE_KINDS)
    op.execute(APPEND_ONLY)


def downgrade():
    op.execute("DELETE FROM notifications WHERE usage_request_id IS NOT NULL")
    kinds_check(OLD_KINDS)
    op.drop_index(op.f("ix_notifications_usage_request_id"), table_name="notifications")
    op.drop_constraint(
        op.f("fk_notifications_usage_request_id_usage_requests"),
        "notifications",
        type_="foreignkey",
    )
    op.drop_column("notifications", "usage_request_id")
    op.drop_index(op.f("ix_usage_events_request_id"), table_name="usage_events")
    op.drop_table("usage_events")
    op.execute("DROP FUNCTION usage_events_append_only()")
    op.drop_index(op.f("ix_usage_requests_status"), table_name="usage_requests")
    op.drop_index(op.f("ix_usage_requests_requester_id"), table_name="usage_requests")
    op.drop_index("ix_usage_requests_place_time", table_name="usage_requests")
    op.drop_table("usage_requests")
    op.drop_index("ix_place_blocks_place_time", table_name="place_blocks")
    op.drop_table("place_blocks")
    op.drop_table("calendar_feeds")
