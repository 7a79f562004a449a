"""Meetings the cadence put into a calendar: what exists where, so re-runs never duplicate.

One row per (tenant, meeting key). A row is written *before* a Graph create is sent
(state "pending", with the transactionId), so a run that dies half-way leaves the store
knowing which meetings may exist; the next run finds them by key and completes the job.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Date, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from addin.store.db import Database
from addin.store.tables import Base, CleanString, CleanText, JsonText, UtcDateTime

PENDING = "pending"  # create sent (or about to be); Graph may or may not have it
CREATED = "created"  # exists in Graph with the ids below
WRITTEN = "written"  # written to an .ics file
FAILED = "failed"  # the last attempt failed; see the next run
CANCELLED = "cancelled"  # its team is gone: cancelled in the calendar (kept so it is not re-sent)


@dataclass(frozen=True, slots=True)
class MeetingRecord:
    """What the store knows about one meeting we created."""

    key: str
    team: str
    kind: str
    quarter: str
    organizer: str
    state: str = PENDING
    fingerprint: str = ""  # PlannedMeeting.fingerprint() last sent
    series_start: dt.date | None = None  # first day the series was given (kept on re-runs)
    transaction_id: str | None = None
    graph_id: str | None = None
    ical_uid: str | None = None
    change_key: str | None = None
    ics_uid: str | None = None
    sequence: int = 0
    body_hash: str | None = None  # hash of the last occurrence body sent
    body_start: dt.datetime | None = None  # which occurrence carries that body (UTC)
    snapshot: dict[str, object] | None = None  # the meeting as last sent, to report changes
    # the retro pack on this meeting: {"id", "sha256", "name", "size", "how"} (None: none)
    attachment: dict[str, object] | None = None
    # events this meeting replaced that still have to be cancelled (a new organiser's series
    # is created first; the old one in the former lead's mailbox goes after): [{"organizer",
    # "graph_id"}]
    retired: list[dict[str, str]] | None = None
    updated_at: dt.datetime | None = None

    def but(self, **changes: Any) -> MeetingRecord:
        """A copy with some fields changed (dataclasses.replace checks the names)."""
        return replace(self, **changes)


class MeetingRow(Base):
    __tablename__ = "meetings"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(64))
    team: Mapped[str] = mapped_column(CleanText())
    kind: Mapped[str] = mapped_column(String(16))
    quarter: Mapped[str] = mapped_column(String(16))
    organizer: Mapped[str] = mapped_column(CleanString(320))
    state: Mapped[str] = mapped_column(String(16))
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    series_start: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    transaction_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    graph_id: Mapped[str | None] = mapped_column(String(512), nullable=True)
    ical_uid: Mapped[str | None] = mapped_column(String(512), nullable=True)
    change_key: Mapped[str | None] = mapped_column(String(128), nullable=True)
    ics_uid: Mapped[str | None] = mapped_column(String(200), nullable=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    body_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    body_start: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    snapshot: Mapped[dict[str, object] | None] = mapped_column(JsonText(), nullable=True)
    attachment: Mapped[dict[str, object] | None] = mapped_column(JsonText(), nullable=True)
    retired: Mapped[list[dict[str, str]] | None] = mapped_column(JsonText(), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


_FIELDS = tuple(f for f in MeetingRecord.__slots__)


def list_meetings(
    s: Session, tenant: str, *, team: str | None = None, quarter: str | None = None
) -> list[MeetingRecord]:
    """The tenant's meetings (optionally one team's / one quarter's), by team then kind."""
    q = select(MeetingRow).where(MeetingRow.tenant_id == tenant)
    if team is not None:
        q = q.where(MeetingRow.team == team)
    if quarter is not None:
        q = q.where(MeetingRow.quarter == quarter)
    rows = s.scalars(q.order_by(MeetingRow.team, MeetingRow.quarter, MeetingRow.kind)).all()
    return [_record(r) for r in rows]


def get_meeting(s: Session, tenant: str, key: str) -> MeetingRecord | None:
    """One meeting by our key, or None (never another tenant's)."""
    row = _row(s, tenant, key)
    return _record(row) if row else None


def upsert_meeting(s: Session, tenant: str, record: MeetingRecord, *, now: dt.datetime) -> MeetingRecord:
    """Insert or update the row for ``record.key``; returns the record as stored."""
    row = _row(s, tenant, record.key)
    if row is None:
        row = MeetingRow(tenant_id=tenant, key=record.key)
        s.add(row)
    for name in _FIELDS:
        if name in ("key", "updated_at"):
            continue
        setattr(row, name, getattr(record, name))
    row.updated_at = now.astimezone(dt.UTC)
    s.flush()
    return _record(row)


def recorder(
    db: Database, tenant: str, now: dt.datetime, fields: Sequence[str] | None = None
) -> Callable[[Sequence[MeetingRecord]], None]:
    """What a calendar calls with each meeting's new state (``record``), as soon as it is known.

    It stores each record as it is or, given ``fields``, only those fields onto the row as
    stored now: jobs that run side by side (refresh, retro packs) never undo each other's
    writes with what they read before. A sequence only grows.
    """

    def record(records: Sequence[MeetingRecord]) -> None:
        if not records:
            return
        with db.transaction() as s:
            for r in records:
                stored = get_meeting(s, tenant, r.key) if fields is not None else None
                if stored is not None:
                    values: dict[str, object] = {f: getattr(r, f) for f in fields or ()}
                    values["sequence"] = max(stored.sequence, r.sequence)
                    r = stored.but(**values)
                upsert_meeting(s, tenant, r, now=now)

    return record


def _row(s: Session, tenant: str, key: str) -> MeetingRow | None:
    return s.scalars(select(MeetingRow).where(MeetingRow.tenant_id == tenant, MeetingRow.key == key)).first()


def _record(row: MeetingRow) -> MeetingRecord:
    return MeetingRecord(**{name: getattr(row, name) for name in _FIELDS})
