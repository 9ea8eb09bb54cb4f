"""Add the contact of each ward's social design centre to districts

Administrators keep it up to date; the place page tells residents to ask there about using a
place. Every column is optional: a ward without a centre shows the ward office instead.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMNS = [
    ("centre_name", 120),
    ("centre_address", 200),
    ("centre_hours", 300),
    ("centre_phone", 40),
    ("centre_email", 254),
    ("centre_url", 500),
    ("centre_note", 500),
]


def upgrade():
    for name, length in COLUMNS:
        op.add_column("districts", sa.Column(name, sa.String(length=length), nullable=True))
    op.create_check_constraint(
        op.f("ck_districts_centre_url_https"), "districts", "centre_url ~ '^https://'"
    )


def downgrade():
    op.drop_constraint(op.f("ck_districts_centre_url_https"), "districts", type_="check")
    for name, _length in reversed(COLUMNS):
        op.drop_column("districts", name)
