"""Saved workbook mappings: how a workbook's sheets and columns were placed, kept per workbook id.

A manager corrects a mapping once (``okr sync --mapping`` or the task pane); it is saved
with the workbook's id and every later sync of that workbook reads by it. The mapping
is stored as the JSON document of ``addin.excel.mapping`` (this layer does not read it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from addin.store.tables import WORKBOOK_ID_LEN, Base, CleanString, JsonText, UtcDateTime


class MappingRow(Base):
    __tablename__ = "workbook_mappings"
    __table_args__ = (UniqueConstraint("tenant_id", "workbook_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(100))
    workbook_id: Mapped[str] = mapped_column(CleanString(WORKBOOK_ID_LEN))
    mapping: Mapped[dict[str, Any]] = mapped_column(JsonText())
    saved_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    saved_by: Mapped[str | None] = mapped_column(CleanString(320), nullable=True)


def save_mapping(
    s: Session, tenant: str, workbook_id: str, mapping: dict[str, Any], *, now: dt.datetime, actor: str | None = None
) -> None:
    """Keep ``mapping`` as the workbook's mapping (replacing the one saved before)."""
    where = (MappingRow.tenant_id == tenant, MappingRow.workbook_id == workbook_id)
    row_id = s.scalar(select(MappingRow.id).where(*where))
    values = {"mapping": mapping, "saved_at": now, "saved_by": actor}
    if row_id is None:
        s.execute(insert(MappingRow.__table__).values(tenant_id=tenant, workbook_id=workbook_id, **values))
    else:
        s.execute(update(MappingRow.__table__).where(MappingRow.id == row_id).values(**values))


def load_mapping(s: Session, tenant: str, workbook_id: str) -> dict[str, Any] | None:
    """The workbook's saved mapping, or None."""
    return s.scalar(
        select(MappingRow.mapping).where(MappingRow.tenant_id == tenant, MappingRow.workbook_id == workbook_id)
    )
