"""Meetings remember the retro pack attached to them and the replaced events still to cancel.

Revision ID: 0003_retro_attachment
Revises: 0002_meetings
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_retro_attachment"
down_revision = "0002_meetings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot drop columns in place (downgrade), and it costs nothing here
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("attachment", sa.Text(), nullable=True))
        batch.add_column(sa.Column("retired", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.drop_column("retired")
        batch.drop_column("attachment")
