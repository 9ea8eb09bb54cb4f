"""Keep listings fresh: the dormant status, owners' reminders and their notifications

- places.status (and the statuses of review events) may be 'dormant': a published listing
  nobody confirmed in time, hidden from the public until its owner confirms it;
- places.reminded_at: when the owner was last asked to confirm the listing;
- notifications: the freshness_reminder and listing_hidden kinds;
- every published listing gets a last_confirmed_at (its last change, where none was recorded),
  so that the public always sees one and the freshness job can measure from it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

OLD_STATUSES = ["draft", "pending", "approved", "changes_requested", "rejected", "archived"]
NEW_STATUSES = [*OLD_STATUSES, "dormant"]
# (table, column, the constraint's name without its table prefix)
STATUS_COLUMNS = [
    ("places", "status", "place_status"),
    ("review_events", "from_status", "review_from_status"),
    ("review_events", "to_status", "review_to_status"),
]
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
]
NEW_KINDS = [*OLD_KINDS, "freshness_reminder", "listing_hidden"]


def listed(values):
    return ", ".join(f"'{value}'" for value in values)


def statuses_check(statuses, keep_history=False):
    for table, column, name in STATUS_COLUMNS:
        constraint = op.f(f"ck_{table}_{name}")
        op.drop_constraint(constraint, table, type_="check")
        # review_events is append-only: going back, its rows that name the dormant status stay
        # as they were, and the narrower check holds for new rows only.
        not_valid = " NOT VALID" if keep_history and table == "review_events" else ""
        op.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {constraint} "
            f"CHECK ({column} IN ({listed(statuses)})){not_valid}"
        )


def kinds_check(kinds):
    constraint = op.f("ck_notifications_notification_kind")
    op.drop_constraint(constraint, "notifications", type_="check")
    op.create_check_constraint(constraint, "notifications", f"kind IN ({listed(kinds)})")


def upgrade():
    statuses_check(NEW_STATUSES)
    kinds_check(NEW_KINDS)
    op.add_column("places", sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE places SET last_confirmed_at = updated_at "
        "WHERE status = 'approved' AND last_confirmed_at IS NULL"
    )


def downgrade():
    # A hidden listing goes back to being published: the older code has no other way to keep
    # it. Reminders and "hidden" notices are messages the older code cannot show.
    op.execute("UPDATE places SET status = 'approved' WHERE status = 'dormant'")
    op.execute("DELETE FROM notifications WHERE kind IN ('freshness_reminder', 'listing_hidden')")
    op.drop_column("places", "reminded_at")
    kinds_check(OLD_KINDS)
    statuses_check(OLD_STATUSES, keep_history=True)
