"""Keep the note about a proxy-registered place's owner apart from the consent note

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("places", sa.Column("proxy_owner_note", sa.String(length=300), nullable=True))


def downgrade():
    op.drop_column("places", "proxy_owner_note")
