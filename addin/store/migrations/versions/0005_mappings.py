"""Saved workbook mappings (sheet, header row, column -> field), one per workbook id.

Revision ID: 0005_mappings
Revises: 0004_periods
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_mappings"
down_revision = "0004_periods"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workbook_mappings",
        sa.Column("id", sa.Integer(), autoincrement=True),
        sa.Column("tenant_id", sa.String(100), nullable=False),
        sa.Column("workbook_id", sa.String(64), nullable=False),
        sa.Column("mapping", sa.Text(), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.Column("saved_by", sa.String(320), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_workbook_mappings"),
        sa.UniqueConstraint("tenant_id", "workbook_id", name="uq_workbook_mappings_tenant_id_workbook_id"),
    )


def downgrade() -> None:
    op.drop_table("workbook_mappings")
