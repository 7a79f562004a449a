"""Check-ins: listed by time and key result, the newest per key result, and recorded one by one.

``record_checkin`` is how a check-in made outside the workbook (CLI, API, Outlook) is
stored: it moves its key result's current value and confidence unless it is back-dated, and
its value, confidence and source are checked here, where every such writer comes through.
A sync inserts its workbook's check-ins in bulk (``sync_writes``) with the same columns
(``checkin_values``); the newest check-in times feed its merge.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from addin.errors import Conflict, NotFound, RequestError
from addin.okr.merge import normalise_id
from addin.okr.model import CheckIn
from addin.store import versions
from addin.store.bulk import CHUNK, chunks
from addin.store.rows import aware, naive
from addin.store.tables import CheckInRow, KeyResultRow, text_for_store

_K = KeyResultRow.__table__
_C = CheckInRow.__table__
SOURCES = frozenset({"workbook", "cli", "api", "outlook"})  # where a check-in may come from


def list_checkins(
    s: Session,
    tenant: str,
    *,
    kr_ids: Collection[str] | None = None,
    since: dt.datetime | dt.date | None = None,
    until: dt.datetime | dt.date | None = None,
) -> list[CheckIn]:
    """Check-ins, oldest first; ``since``/``until`` are inclusive (a date means that whole day)."""
    query = (
        select(_K.c.public_id, _C.c.at, _C.c.value, _C.c.confidence, _C.c.note, _C.c.source, _C.c.id)
        .join(_K, _K.c.id == _C.c.key_result_id)
        .where(_C.c.tenant_id == tenant, _K.c.tenant_id == tenant)
    )
    if since is not None:
        query = query.where(_C.c.at >= naive(_start_of(since)))
    if isinstance(until, dt.datetime):
        query = query.where(_C.c.at <= naive(until))
    elif until is not None:  # a date: up to the end of that day
        query = query.where(_C.c.at < naive(_start_of(until) + dt.timedelta(days=1)))
    rows: list[Any] = []
    if kr_ids is None:
        rows = list(s.execute(query).all())
    else:
        wanted = sorted({i for i in map(normalise_id, kr_ids) if i})
        for chunk in chunks(wanted, CHUNK):
            rows.extend(s.execute(query.where(_K.c.public_id.in_(chunk))).all())
    rows.sort(key=lambda r: (r.at, r.id))
    return [
        CheckIn(kr_id=r.public_id, at=aware(r.at), value=r.value, confidence=r.confidence, note=r.note, source=r.source)
        for r in rows
    ]


def last_checkin_times(s: Session, tenant: str) -> dict[str, dt.datetime]:
    """Time of the newest stored check-in per key result id."""
    query = (
        select(_K.c.public_id, func.max(_C.c.at))
        .join(_K, _K.c.id == _C.c.key_result_id)
        .where(_C.c.tenant_id == tenant, _K.c.tenant_id == tenant)
        .group_by(_K.c.public_id)
    )
    return {kr_id: aware(at) for kr_id, at in s.execute(query).all()}


def record_checkin(
    s: Session,
    tenant: str,
    kr_id: str,
    *,
    value: float | None,
    confidence: float | None,
    note: str = "",
    at: dt.datetime,
    source: str,
) -> CheckIn:
    """Record a check-in; the key result's current value and confidence follow the newest one.

    A back-dated check-in (older than the newest stored one) goes into the history
    without changing the key result. Unknown ids and other tenants' ids: NotFound.
    """
    nid = normalise_id(kr_id)
    row = s.execute(
        select(_K.c.id, _K.c.archived_at).where(_K.c.tenant_id == tenant, _K.c.public_id == nid).with_for_update()
    ).first()
    if row is None:
        raise NotFound(f"Key result {kr_id} was not found.", code="kr_not_found", key_result=kr_id)
    if row.archived_at is not None:
        raise Conflict(
            f"Key result {nid} is archived (it was removed from its workbook); check-ins are closed.",
            code="kr_archived",
            key_result=nid,
        )
    _check_checkin(value, confidence, source)
    at = aware(at)
    newest = s.scalar(select(func.max(_C.c.at)).where(_C.c.tenant_id == tenant, _C.c.key_result_id == row.id))
    if newest is None or at >= aware(newest):
        changes: dict[str, Any] = {"updated_at": at}
        if value is not None:
            changes["current"] = value
        if confidence is not None:
            changes["confidence"] = confidence
        s.execute(update(_K).where(_K.c.id == row.id, _K.c.tenant_id == tenant).values(**changes))
    checkin = CheckIn(
        kr_id=nid or "", at=at, value=value, confidence=confidence, note=text_for_store(note or ""), source=source
    )
    s.execute(insert(_C).values(tenant_id=tenant, **checkin_values(row.id, checkin)))
    versions.touch(s, tenant)
    return checkin


def checkin_values(kr_pk: int, checkin: CheckIn) -> dict[str, Any]:
    """A check-in's columns (without the tenant), as recorded here and inserted in bulk by a sync."""
    return {
        "key_result_id": kr_pk,
        "at": aware(checkin.at),
        "value": checkin.value,
        "confidence": checkin.confidence,
        "note": checkin.note or "",
        "source": checkin.source,
    }


def _check_checkin(value: float | None, confidence: float | None, source: str) -> None:
    if value is not None and (isinstance(value, bool) or not math.isfinite(value)):
        raise RequestError(f"The check-in value {value!r} is not a number.", code="bad_value", field="value")
    if confidence is not None and (not math.isfinite(confidence) or not 0.0 <= confidence <= 1.0):
        raise RequestError(
            f"Confidence must be between 0 and 1, not {confidence!r}.", code="bad_confidence", field="confidence"
        )
    if source not in SOURCES:
        raise RequestError(
            f"Unknown check-in source {source!r}; use one of {', '.join(sorted(SOURCES))}.",
            code="bad_source",
            field="source",
        )


def _start_of(value: dt.datetime | dt.date) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
