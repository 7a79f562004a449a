"""Each tenant's data version (addin/store/versions.py): cached team pages last until the next write.

Revision ID: 0010_data_versions
Revises: 0009_calendar_feeds
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_data_versions"
down_revision = "0009_calendar_feeds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_versions",
        sa.Column("tenant_id", sa.String(100), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_data_versions"),
    )


def downgrade() -> None:
    op.drop_table("data_versions")
