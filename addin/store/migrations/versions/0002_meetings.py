"""Meetings the cadence created (Graph ids, .ics UIDs, sequence, state).

Revision ID: 0002_meetings
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_meetings"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), autoincrement=True),
        sa.Column("tenant_id", sa.String(100), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("team", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("quarter", sa.String(16), nullable=False),
        sa.Column("organizer", sa.String(320), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("series_start", sa.Date(), nullable=True),
        sa.Column("transaction_id", sa.String(64), nullable=True),
        sa.Column("graph_id", sa.String(512), nullable=True),
        sa.Column("ical_uid", sa.String(512), nullable=True),
        sa.Column("change_key", sa.String(128), nullable=True),
        sa.Column("ics_uid", sa.String(200), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("body_hash", sa.String(64), nullable=True),
        sa.Column("body_start", sa.DateTime(), nullable=True),
        sa.Column("snapshot", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_meetings"),
        sa.UniqueConstraint("tenant_id", "key", name="uq_meetings_tenant_id_key"),
    )


def downgrade() -> None:
    op.drop_table("meetings")
