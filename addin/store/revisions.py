"""Each sync of a workbook is a revision; the workbook carries it, so a copy is merged against
the state it was made from (not against whatever copy synced last).

Two copies of one workbook share its id. With one merge base per id, the second copy to sync
looked like it had undone the first one's edits (its cells still showed the older values) and
reverted them. Keeping the base of each revision fixes that: a stale copy's untouched values
equal its own base, so they never overwrite newer ones, and a field both copies changed is a
conflict, as with any other concurrent edit.

The revision rides in the workbook id's custom property as ``WB-…#r<number>``; the newest
``KEEP`` bases of each workbook are kept (an older copy falls back to the latest base).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint, delete, func, insert, literal, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from addin.okr.model import KeyResult
from addin.store.tables import (
    TENANT_LEN,
    WORKBOOK_ID_LEN,
    Base,
    CleanString,
    JsonText,
    PrimaryKey,
    UtcDateTime,
    WorkbookRow,
)

KEEP = 10
_CARRIED = re.compile(r"^(?P<id>.+)#r(?P<rev>\d{1,9})$")


class RevisionRow(Base):
    __tablename__ = "workbook_revisions"
    __table_args__ = (UniqueConstraint("tenant_id", "workbook_id", "revision"),)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(TENANT_LEN))
    workbook_id: Mapped[str] = mapped_column(CleanString(WORKBOOK_ID_LEN))
    revision: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JsonText())  # JSON, as WorkbookRow's
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


def split(carried: str | None) -> tuple[str | None, int | None]:
    """("WB-…", 7) from "WB-…#r7"; an id without a revision (older workbooks) gives None."""
    if not carried:
        return carried, None
    match = _CARRIED.match(carried)
    return (match["id"], int(match["rev"])) if match else (carried, None)


def carried(workbook_id: str, revision: int) -> str:
    """The value the workbook carries."""
    return f"{workbook_id}#r{revision}"


def base_of(s: Session, tenant: str, workbook_id: str, revision: int | None) -> dict[str, KeyResult] | None:
    """The merge base of that revision, or None (then the latest base is used)."""
    if revision is None:
        return None
    snapshot = s.scalar(
        select(RevisionRow.snapshot).where(
            RevisionRow.tenant_id == tenant, RevisionRow.workbook_id == workbook_id, RevisionRow.revision == revision
        )
    )
    if snapshot is None:
        return None
    from addin.store.workbooks import SNAPSHOT_FIELDS, kr_from_snapshot, snapshot_rows  # the snapshot format

    names = tuple(snapshot.get("fields") or SNAPSHOT_FIELDS)
    standard = names == SNAPSHOT_FIELDS
    return {
        kr_id: kr_from_snapshot(kr_id, names, values, standard) for kr_id, values in snapshot_rows(snapshot).items()
    }


def record(s: Session, tenant: str, workbook_id: str, *, now: dt.datetime) -> int:
    """Keep the base the sync just stored as the workbook's next revision; its number.

    The snapshot is copied inside the database (INSERT ... SELECT): a big workbook's base is
    megabytes of JSON, and reading it back and writing it again held the write lock for longer.
    """
    where = (RevisionRow.tenant_id == tenant, RevisionRow.workbook_id == workbook_id)
    revision = (s.scalar(select(func.max(RevisionRow.revision)).where(*where)) or 0) + 1
    columns = RevisionRow.__table__.c
    latest = select(
        literal(tenant, columns.tenant_id.type),
        literal(workbook_id, columns.workbook_id.type),
        literal(revision, columns.revision.type),
        WorkbookRow.snapshot,
        literal(now, columns.created_at.type),
    ).where(WorkbookRow.tenant_id == tenant, WorkbookRow.workbook_id == workbook_id)
    s.execute(
        insert(RevisionRow.__table__).from_select(
            ["tenant_id", "workbook_id", "revision", "snapshot", "created_at"], latest
        )
    )
    s.execute(delete(RevisionRow.__table__).where(*where, RevisionRow.revision <= revision - KEEP))
    return revision
