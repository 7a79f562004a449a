"""Trust inside a tenant: addresses bound to object ids (people), the audit trail, and the merge
base of each workbook revision (no lost updates between copies).

Revision ID: 0006_trust
Revises: 0005_mappings
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_trust"
down_revision = "0005_mappings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), autoincrement=True),
        sa.Column("tenant_id", sa.String(100), nullable=False),
        sa.Column("email_key", sa.String(320), nullable=False),
        sa.Column("object_id", sa.String(64), nullable=False),
        sa.Column("bound_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_people"),
        sa.UniqueConstraint("tenant_id", "email_key", name="uq_people_tenant_id_email_key"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True),
        sa.Column("tenant_id", sa.String(100), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_oid", sa.String(64), nullable=False),
        sa.Column("actor_name", sa.Text(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_tenant_id_id", "audit_log", ["tenant_id", "id"])
    op.create_table(
        "workbook_revisions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True),
        sa.Column("tenant_id", sa.String(100), nullable=False),
        sa.Column("workbook_id", sa.String(64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_workbook_revisions"),
        sa.UniqueConstraint(
            "tenant_id", "workbook_id", "revision", name="uq_workbook_revisions_tenant_id_workbook_id_revision"
        ),
    )


def downgrade() -> None:
    op.drop_table("workbook_revisions")
    op.drop_index("ix_audit_log_tenant_id_id", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("people")
