"""The workbooks a tenant syncs, and each one's merge base: its key results as of its last sync.

A workbook id is reserved before its first sync (its snapshot stays empty until then); each
sync stores the merged state as the next base, which ``revisions`` also keeps per revision.
The snapshot is compact JSON, ``{"fields": [...], "rows": {kr_id: [value per field]}}``,
quick to read back for 100,000 key results; "fields" keeps a snapshot written by another
version of the code readable.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Sequence
from operator import attrgetter
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from addin.okr.merge import MERGED_FIELDS, SyncPlan
from addin.okr.model import KeyResult, Location
from addin.store.rows import as_date, as_kind
from addin.store.tables import WorkbookRow


def workbook_known(s: Session, tenant: str, workbook_id: str) -> bool:
    """Whether this tenant has synced a workbook with this id before."""
    query = select(WorkbookRow.id).where(
        WorkbookRow.tenant_id == tenant, WorkbookRow.workbook_id == workbook_id, WorkbookRow.snapshot.is_not(None)
    )
    return s.scalar(query) is not None


def new_workbook_id(s: Session, tenant: str) -> str:
    """Reserve a new workbook id for this tenant (its snapshot stays empty until a sync)."""
    while True:
        workbook_id = f"WB-{uuid.uuid4().hex.upper()}"
        taken = s.scalar(
            select(WorkbookRow.id).where(WorkbookRow.tenant_id == tenant, WorkbookRow.workbook_id == workbook_id)
        )
        if taken is None:
            break
    s.execute(
        insert(WorkbookRow.__table__).values(
            tenant_id=tenant, workbook_id=workbook_id, snapshot=None, created_at=dt.datetime.now(dt.UTC)
        )
    )
    return workbook_id


def load_snapshot(s: Session, tenant: str, workbook_id: str) -> dict[str, KeyResult] | None:
    """The key results of this workbook as of its last sync (the merge base), or None."""
    snapshot = s.scalar(
        select(WorkbookRow.snapshot).where(WorkbookRow.tenant_id == tenant, WorkbookRow.workbook_id == workbook_id)
    )
    if snapshot is None:
        return None
    names = tuple(snapshot.get("fields") or SNAPSHOT_FIELDS)
    standard = names == SNAPSHOT_FIELDS
    rows = snapshot_rows(snapshot)
    return {kr_id: kr_from_snapshot(kr_id, names, values, standard) for kr_id, values in rows.items()}


def save_snapshot(s: Session, tenant: str, workbook_id: str, plan: SyncPlan, now: dt.datetime) -> None:
    """The merged state becomes the next base; ids on duplicate rows keep their old base entry."""
    where = (WorkbookRow.tenant_id == tenant, WorkbookRow.workbook_id == workbook_id)
    row_id = s.scalar(select(WorkbookRow.id).where(*where))
    rows = {kr.id: _snapshot_values(kr) for kr in plan.merged if kr.id}
    duplicated = {
        p.location.key_result
        for p in plan.problems
        if p.rule == "sync.duplicate-id" and p.location.key_result is not None
    }
    if duplicated and row_id is not None:
        previous = s.scalar(select(WorkbookRow.snapshot).where(*where)) or {}
        if list(previous.get("fields") or ()) == list(SNAPSHOT_FIELDS):
            old_rows = snapshot_rows(previous)
            for kr_id in duplicated & old_rows.keys():
                rows.setdefault(kr_id, old_rows[kr_id])
    snapshot = {"fields": list(SNAPSHOT_FIELDS), "rows": rows}
    if row_id is None:
        s.execute(
            insert(WorkbookRow.__table__).values(
                tenant_id=tenant, workbook_id=workbook_id, snapshot=snapshot, created_at=now, synced_at=now
            )
        )
    else:
        s.execute(
            update(WorkbookRow.__table__)
            .where(WorkbookRow.id == row_id, WorkbookRow.tenant_id == tenant)
            .values(snapshot=snapshot, synced_at=now)
        )


# The snapshot format (see the module's docstring): a row's values in this order.
SNAPSHOT_FIELDS = MERGED_FIELDS
_snapshot_get = attrgetter(*SNAPSHOT_FIELDS)
_DUE, _KIND, _DEPENDS = (SNAPSHOT_FIELDS.index(n) for n in ("due", "kind", "depends_on"))
_KR_FIELD_NAMES = frozenset(f.name for f in dataclasses.fields(KeyResult)) - {"id", "location"}


def _snapshot_values(kr: KeyResult) -> list[Any]:
    values = list(_snapshot_get(kr))
    due, kind, depends = values[_DUE], values[_KIND], values[_DEPENDS]
    values[_DUE] = due.isoformat() if due else None
    values[_KIND] = str(kind) if kind is not None else None
    values[_DEPENDS] = list(depends) if depends else []
    return values


def snapshot_rows(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A stored snapshot's rows: key result id -> its values in the order of its "fields"."""
    return snapshot.get("rows") or {}


def kr_from_snapshot(kr_id: str, names: Sequence[str], values: Sequence[Any], standard: bool) -> KeyResult:
    """One snapshot row as a key result; ``standard``: ``names`` are this version's SNAPSHOT_FIELDS."""
    fields = dict(zip(names, values, strict=False))
    if not standard:  # written by another version: keep what this one knows
        fields = {k: v for k, v in fields.items() if k in _KR_FIELD_NAMES}
    fields["due"] = as_date(fields.get("due"))
    fields["kind"] = as_kind(fields.get("kind"))
    fields["depends_on"] = tuple(fields.get("depends_on") or ())
    fields["unit"] = fields.get("unit") or ""
    fields["notes"] = fields.get("notes") or ""
    return KeyResult(id=kr_id, location=Location(key_result=kr_id), **fields)
