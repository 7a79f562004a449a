"""Tenants onboarded through admin consent (the allowed list lives in the database).

Revision ID: 0007_tenants
Revises: 0006_trust
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_tenants"
down_revision = "0006_trust"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("tenant_id", sa.String(100), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("onboarded_at", sa.DateTime(), nullable=False),
        sa.Column("onboarded_by", sa.String(320), nullable=True),
        sa.Column("offboarded_at", sa.DateTime(), nullable=True),
        sa.Column("offboarded_by", sa.String(320), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_tenants"),
    )


def downgrade() -> None:
    op.drop_table("tenants")
