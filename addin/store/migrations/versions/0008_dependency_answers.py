"""Dependency answers: the depended-on team's lead accepts or declines (with a note) another
team's key result's dependency on it, per quarter.

Revision ID: 0008_dependency_answers
Revises: 0007_tenants
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_dependency_answers"
down_revision = "0007_tenants"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite: a rowid alias


def upgrade() -> None:
    op.create_table(
        "dependency_answers",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(100), nullable=False),
        sa.Column("quarter", sa.String(20), nullable=False),
        sa.Column("kr_id", sa.String(16), nullable=False),
        sa.Column("team", sa.Text(), nullable=False),
        sa.Column("team_key", sa.String(64), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("answered_by", sa.Text(), nullable=False),
        sa.Column("answered_by_oid", sa.String(64), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_dependency_answers"),
        sa.UniqueConstraint(
            "tenant_id", "quarter", "kr_id", "team_key", name="uq_dependency_answers_tenant_id_quarter_kr_id_team_key"
        ),
    )
    op.create_index("ix_dependency_answers_tenant_id_quarter", "dependency_answers", ["tenant_id", "quarter"])


def downgrade() -> None:
    op.drop_index("ix_dependency_answers_tenant_id_quarter", table_name="dependency_answers")
    op.drop_table("dependency_answers")
