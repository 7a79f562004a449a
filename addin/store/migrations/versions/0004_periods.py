"""Periods: every key result belongs to a quarter, every objective to a quarter or a fiscal year.

Existing rows get the quarter of their tenant's Settings (the one "current quarter" every
row belonged to before); a tenant without one gets the quarter its row was created in.
Objectives become unique per period, so next quarter's "Grow revenue" is a new objective.

Revision ID: 0004_periods
Revises: 0003_retro_attachment
"""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from alembic import op

revision = "0004_periods"
down_revision = "0003_retro_attachment"
branch_labels = None
depends_on = None

_LABEL = re.compile(r"^\s*(?:FY)?(\d{4})\s*[-/ ]?\s*Q([1-4])\s*$|^\s*Q([1-4])\s*[-/ ]?\s*(?:FY)?(\d{4})\s*$", re.I)


def upgrade() -> None:
    with op.batch_alter_table("key_results") as batch:
        batch.add_column(sa.Column("quarter", sa.String(20), nullable=True))
        batch.add_column(sa.Column("continues", sa.String(16), nullable=True))
    with op.batch_alter_table("objectives") as batch:
        batch.add_column(sa.Column("period", sa.String(20), nullable=True))
    with op.batch_alter_table("findings") as batch:
        batch.add_column(sa.Column("quarter", sa.String(20), nullable=True))

    _fill_periods(op.get_bind())

    with op.batch_alter_table("key_results") as batch:
        batch.alter_column("quarter", existing_type=sa.String(20), nullable=False)
        batch.create_index("ix_key_results_tenant_id_quarter", ["tenant_id", "quarter"])
    with op.batch_alter_table("objectives") as batch:
        batch.alter_column("period", existing_type=sa.String(20), nullable=False)
        batch.drop_constraint("uq_objectives_tenant_id_team_id_title_key", type_="unique")
        batch.create_unique_constraint(
            "uq_objectives_tenant_id_team_id_period_title_key", ["tenant_id", "team_id", "period", "title_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("objectives") as batch:
        batch.drop_constraint("uq_objectives_tenant_id_team_id_period_title_key", type_="unique")
        batch.create_unique_constraint(
            "uq_objectives_tenant_id_team_id_title_key", ["tenant_id", "team_id", "title_key"]
        )
        batch.drop_column("period")
    with op.batch_alter_table("key_results") as batch:
        batch.drop_index("ix_key_results_tenant_id_quarter")
        batch.drop_column("continues")
        batch.drop_column("quarter")
    with op.batch_alter_table("findings") as batch:
        batch.drop_column("quarter")


def _fill_periods(bind: sa.engine.Connection) -> None:
    settings = {
        tenant: (quarter, fy or 1)
        for tenant, quarter, fy in bind.execute(
            sa.text("SELECT tenant_id, quarter, fiscal_year_start_month FROM settings")
        )
    }
    for table, column, since in (
        ("key_results", "quarter", "created_at"),
        ("objectives", "period", "created_at"),
        ("findings", "quarter", "first_seen"),
    ):
        rows = bind.execute(sa.text(f"SELECT id, tenant_id, {since} FROM {table} WHERE {column} IS NULL")).all()
        for row_id, tenant, created_at in rows:
            label = _label(*settings.get(tenant, (None, 1)), created_at)
            bind.execute(
                sa.text(f"UPDATE {table} SET {column} = :label WHERE id = :id"), {"label": label, "id": row_id}
            )


def _label(settings_quarter: str | None, fy_start_month: int, created_at: object) -> str:
    """The Settings quarter as "2026-Q4", else the fiscal quarter the row was created in."""
    match = _LABEL.match(settings_quarter or "")
    if match:
        return f"{match[1] or match[4]}-Q{match[2] or match[3]}"
    day = created_at if isinstance(created_at, dt.datetime | dt.date) else dt.datetime.now(dt.UTC)
    if isinstance(created_at, str):
        day = dt.datetime.fromisoformat(created_at)
    number = (day.month - fy_start_month) % 12 // 3 + 1
    year = day.year if fy_start_month == 1 or day.month < fy_start_month else day.year + 1
    return f"{year}-Q{number}"
