"""Add revocable sessions, place revisions, photos and notifications

- users: a rotating session token (what sessions and remember-me cookies carry), a language for
  emails, the last login time;
- places: who registered a place on an owner's behalf (代理登録) and the consent note, and when it
  was last submitted for review;
- place_revisions: proposed edits of approved places, at most one pending per place;
- review_events: what each event records (a transition or a revision step) and its revision;
- place_photos and notifications (the notifications also serve as the email outbox).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def enum(*values, name):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def created_at():
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade():
    # Existing accounts get a random token each, then the column is required.
    op.add_column("users", sa.Column("session_token", sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE users SET session_token = "
        "replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')"
    )
    op.alter_column("users", "session_token", nullable=False)
    op.create_unique_constraint(op.f("uq_users_session_token"), "users", ["session_token"])
    op.add_column(
        "users", sa.Column("locale", sa.String(length=5), server_default="ja", nullable=False)
    )
    op.alter_column("users", "locale", server_default=None)
    op.add_column("users", sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "place_revisions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("place_id", sa.BigInteger(), nullable=False),
        sa.Column("proposed_by_id", sa.BigInteger(), nullable=False),
        sa.Column("values", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "status",
            enum("pending", "approved", "rejected", "withdrawn", name="revision_status"),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.BigInteger(), nullable=True),
        created_at(),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_place_revisions_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["places.id"], name=op.f("fk_place_revisions_place_id_places")
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"], ["users.id"], name=op.f("fk_place_revisions_proposed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place_revisions")),
    )
    op.create_index(op.f("ix_place_revisions_place_id"), "place_revisions", ["place_id"])
    op.create_index(
        "uq_place_revisions_one_pending", "place_revisions", ["place_id"], unique=True,
        postgresql_where=sa.text("status = 'pending'"),
    )  # fmt: skip

    op.add_column("places", sa.Column("registered_by_id", sa.BigInteger(), nullable=True))
    op.add_column("places", sa.Column("proxy_consent_note", sa.String(length=500), nullable=True))
    op.add_column("places", sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_foreign_key(
        op.f("fk_places_registered_by_id_users"), "places", "users", ["registered_by_id"], ["id"]
    )
    op.execute(
        "UPDATE places SET submitted_at = (SELECT max(e.created_at) FROM review_events e "
        "WHERE e.place_id = places.id AND e.to_status = 'pending')"
    )

    # Every event so far was a status change; the default only fills the existing rows.
    op.add_column(
        "review_events",
        sa.Column(
            "action",
            enum(
                "transition", "revision_proposed", "revision_approved", "revision_rejected",
                "revision_withdrawn", name="review_action",
            ),
            server_default="transition",
            nullable=False,
        ),
    )  # fmt: skip
    op.alter_column("review_events", "action", server_default=None)
    op.add_column("review_events", sa.Column("revision_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_review_events_revision_id_place_revisions"),
        "review_events", "place_revisions", ["revision_id"], ["id"],
    )  # fmt: skip

    op.create_table(
        "place_photos",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("place_id", sa.BigInteger(), nullable=False),
        sa.Column("revision_id", sa.BigInteger(), nullable=True),
        sa.Column("uploaded_by_id", sa.BigInteger(), nullable=False),
        sa.Column("storage_key", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=False),
        sa.Column("caption", sa.String(length=200), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        created_at(),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["places.id"],
            name=op.f("fk_place_photos_place_id_places"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["place_revisions.id"],
            name=op.f("fk_place_photos_revision_id_place_revisions"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_place_photos_uploaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place_photos")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_place_photos_storage_key")),
    )
    op.create_index(op.f("ix_place_photos_place_id"), "place_photos", ["place_id"])

    op.create_table(
        "notifications",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "kind",
            enum(
                "place_submitted",
                "revision_submitted",
                "place_approved",
                "changes_requested",
                "place_rejected",
                "place_archived",
                "revision_approved",
                "revision_rejected",
                name="notification_kind",
            ),
            nullable=False,
        ),
        sa.Column("place_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        created_at(),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("email_attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_notifications_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["places.id"], name=op.f("fk_notifications_place_id_places")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(
        "ix_notifications_unsent", "notifications", ["id"],
        postgresql_where=sa.text("emailed_at IS NULL"),
    )  # fmt: skip
    op.create_index(op.f("ix_notifications_user_id"), "notifications", ["user_id"])


def downgrade():
    op.drop_table("notifications")
    op.drop_table("place_photos")
    op.drop_constraint(
        op.f("fk_review_events_revision_id_place_revisions"), "review_events", type_="foreignkey"
    )
    op.drop_column("review_events", "revision_id")
    op.drop_column("review_events", "action")
    op.drop_constraint(op.f("fk_places_registered_by_id_users"), "places", type_="foreignkey")
    op.drop_column("places", "submitted_at")
    op.drop_column("places", "proxy_consent_note")
    op.drop_column("places", "registered_by_id")
    op.drop_table("place_revisions")
    op.drop_column("users", "last_login_at")
    op.drop_column("users", "locale")
    op.drop_constraint(op.f("uq_users_session_token"), "users", type_="unique")
    op.drop_column("users", "session_token")
