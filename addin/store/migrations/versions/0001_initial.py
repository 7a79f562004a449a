"""The OKR store: teams, objectives, key results, check-ins, initiatives, settings,
workbook snapshots and finding history -- every row belongs to a tenant.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain types on purpose: a migration must not change when the application's column
# types do. The application's types (tables.py) wrap exactly these.
PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TENANT = sa.String(100)
KEY = sa.String(64)


def _pk() -> sa.Column[int]:
    return sa.Column("id", PK, primary_key=True, autoincrement=True)


def _tenant() -> sa.Column[str]:
    return sa.Column("tenant_id", TENANT, nullable=False)


def upgrade() -> None:
    op.create_table(
        "teams",
        _pk(),
        _tenant(),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_key", KEY, nullable=False),
        sa.Column("lead", sa.Text(), nullable=True),
        sa.Column("members", sa.Text(), nullable=False),
        sa.Column("checkin_weekday", sa.Integer(), nullable=False),
        sa.Column("checkin_time", sa.Time(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("meeting_minutes", sa.Integer(), nullable=False),
        sa.Column("parent", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_teams"),
        sa.UniqueConstraint("tenant_id", "name_key", name="uq_teams_tenant_id_name_key"),
    )
    op.create_table(
        "objectives",
        _pk(),
        _tenant(),
        sa.Column("team_id", PK, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("title_key", KEY, nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("ref", sa.Text(), nullable=True),
        sa.Column("aligns_to", sa.Text(), nullable=True),
        sa.Column("weight", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_objectives"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name="fk_objectives_team_id_teams", ondelete="RESTRICT"),
        sa.UniqueConstraint("tenant_id", "team_id", "title_key", name="uq_objectives_tenant_id_team_id_title_key"),
    )
    op.create_index("ix_objectives_team_id", "objectives", ["team_id"])
    op.create_table(
        "key_results",
        _pk(),
        _tenant(),
        sa.Column("public_id", sa.String(16), nullable=False),
        sa.Column("objective_id", PK, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("ref", sa.Text(), nullable=True),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("current", sa.Float(), nullable=True),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("kind", sa.String(20), nullable=True),
        sa.Column("aligns_to", sa.Text(), nullable=True),
        sa.Column("depends_on", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=True),
        sa.Column("workbook_id", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_key_results"),
        sa.ForeignKeyConstraint(
            ["objective_id"], ["objectives.id"], name="fk_key_results_objective_id_objectives", ondelete="RESTRICT"
        ),
        sa.UniqueConstraint("tenant_id", "public_id", name="uq_key_results_tenant_id_public_id"),
    )
    op.create_index("ix_key_results_objective_id", "key_results", ["objective_id"])
    op.create_table(
        "check_ins",
        _pk(),
        _tenant(),
        sa.Column("key_result_id", PK, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_check_ins"),
        sa.ForeignKeyConstraint(
            ["key_result_id"], ["key_results.id"], name="fk_check_ins_key_result_id_key_results", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_check_ins_tenant_id_key_result_id_at", "check_ins", ["tenant_id", "key_result_id", "at"])
    op.create_table(
        "initiatives",
        _pk(),
        _tenant(),
        sa.Column("workbook_id", sa.String(64), nullable=True),
        sa.Column("kr_ref", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_initiatives"),
    )
    op.create_index("ix_initiatives_tenant_id_workbook_id", "initiatives", ["tenant_id", "workbook_id"])
    op.create_table(
        "settings",
        sa.Column("tenant_id", TENANT, nullable=False),
        sa.Column("quarter", sa.String(20), nullable=True),
        sa.Column("fiscal_year_start_month", sa.Integer(), nullable=False),
        sa.Column("thresholds", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_settings"),
    )
    op.create_table(
        "workbooks",
        _pk(),
        _tenant(),
        sa.Column("workbook_id", sa.String(64), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("synced_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_workbooks"),
        sa.UniqueConstraint("tenant_id", "workbook_id", name="uq_workbooks_tenant_id_workbook_id"),
    )
    op.create_table(
        "findings",
        _pk(),
        _tenant(),
        sa.Column("key", KEY, nullable=False),
        sa.Column("team_key", KEY, nullable=True),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("pitfall", sa.Text(), nullable=True),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("suggestion", sa.Text(), nullable=False),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_findings"),
        sa.UniqueConstraint("tenant_id", "key", name="uq_findings_tenant_id_key"),
    )
    op.create_index("ix_findings_tenant_id_team_key", "findings", ["tenant_id", "team_key"])


def downgrade() -> None:
    for index, table in (
        ("ix_findings_tenant_id_team_key", "findings"),
        ("ix_initiatives_tenant_id_workbook_id", "initiatives"),
        ("ix_check_ins_tenant_id_key_result_id_at", "check_ins"),
        ("ix_key_results_objective_id", "key_results"),
        ("ix_objectives_team_id", "objectives"),
    ):
        op.drop_index(index, table_name=table)
    for table in (
        "findings",
        "workbooks",
        "settings",
        "initiatives",
        "check_ins",
        "key_results",
        "objectives",
        "teams",
    ):
        op.drop_table(table)
