"""The audit trail: every write records who (object id), when and what changed. Admins read it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Index, String, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from addin.okr.authority import Actor
from addin.store.tables import TENANT_LEN, Base, CleanString, CleanText, JsonText, PrimaryKey, UtcDateTime

ACTIONS = (
    "sync",
    "checkin",
    "lead-change",
    "settings-change",
    "meeting-change",
    "dependency-answer",
    "feed-change",
    "tenant-onboard",
    "tenant-offboard",
)
MAX_PAGE = 500


class AuditRow(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_tenant_id_id", "tenant_id", "id"),)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(TENANT_LEN))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    actor_oid: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(CleanText(), default="")
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(CleanString(200), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JsonText(), default=dict)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: dt.datetime
    actor: str  # object id
    actor_name: str
    action: str
    target: str
    details: dict[str, Any]

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "actor_name": self.actor_name,
            "action": self.action,
            "target": self.target,
            "details": self.details,
        }


def record(
    s: Session,
    tenant: str,
    actor: Actor,
    action: str,
    *,
    at: dt.datetime,
    target: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    """Add one entry in the caller's transaction (so it commits, or not, with the write itself)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    s.execute(
        insert(AuditRow.__table__).values(
            tenant_id=tenant,
            at=at,
            actor_oid=actor.object_id,
            actor_name=actor.name or "",
            action=action,
            target=target[:200],
            details=details or {},
        )
    )


def entries(
    s: Session, tenant: str, *, limit: int = 100, before: int | None = None, action: str | None = None
) -> list[AuditEntry]:
    """The newest entries first; ``before`` (an entry id) pages back through older ones."""
    query = select(AuditRow).where(AuditRow.tenant_id == tenant)
    if before is not None:
        query = query.where(AuditRow.id < before)
    if action is not None:
        query = query.where(AuditRow.action == action)
    rows = s.scalars(query.order_by(AuditRow.id.desc()).limit(max(1, min(limit, MAX_PAGE))))
    return [AuditEntry(r.id, r.at, r.actor_oid, r.actor_name, r.action, r.target, r.details or {}) for r in rows]
