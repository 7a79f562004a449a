"""Calendar feeds: one per team, found by the SHA-256 of its secret token (never the token).

Revision ID: 0009_calendar_feeds
Revises: 0008_dependency_answers
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_calendar_feeds"
down_revision = "0008_dependency_answers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), autoincrement=True),
        sa.Column("tenant_id", sa.String(100), nullable=False),
        sa.Column("team", sa.Text(), nullable=False),
        sa.Column("team_key", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_calendar_feeds"),
        sa.UniqueConstraint("tenant_id", "team_key", name="uq_calendar_feeds_tenant_id_team_key"),
        sa.UniqueConstraint("token_hash", name="uq_calendar_feeds_token_hash"),
    )


def downgrade() -> None:
    op.drop_table("calendar_feeds")
