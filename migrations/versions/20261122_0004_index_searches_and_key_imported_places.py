"""Index the search filters and key imported places by municipality code and ID

- a GiST index on the public point as geography, for distances and radius searches;
- an index on updated_at, for Last-Modified of the search API;
- external_code / external_id: the 全国地方公共団体コード and ID of a place imported from an
  open-data file, unique together, so that importing the same file again updates, never
  duplicates.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("places", sa.Column("external_code", sa.String(length=6), nullable=True))
    op.add_column("places", sa.Column("external_id", sa.String(length=64), nullable=True))
    op.create_index(
        "uq_places_external_key", "places", ["external_code", "external_id"], unique=True,
        postgresql_where=sa.text("external_id IS NOT NULL"),
    )  # fmt: skip
    op.create_index(
        "ix_places_public_geography", "places", [sa.text("(public_location::geography)")],
        postgresql_using="gist",
    )  # fmt: skip
    op.create_index(op.f("ix_places_updated_at"), "places", ["updated_at"])


def downgrade():
    op.drop_index(op.f("ix_places_updated_at"), table_name="places")
    op.drop_index("ix_places_public_geography", table_name="places")
    op.drop_index("uq_places_external_key", table_name="places")
    op.drop_column("places", "external_id")
    op.drop_column("places", "external_code")
