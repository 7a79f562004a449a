"""Tenants onboarded by their administrator's consent, and offboarded by an OKR admin.

One row per tenant id (a GUID, lower-case). Offboarding keeps the row (who and when) with
state "offboarded"; consenting again brings the tenant back. Their data is never deleted
here: offboarding only stops sign-ins.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from addin.store.meetings import MeetingRow
from addin.store.tables import Base, CleanString, UtcDateTime

ACTIVE = "active"
OFFBOARDED = "offboarded"


@dataclass(frozen=True, slots=True)
class TenantRecord:
    tenant_id: str
    state: str
    onboarded_at: dt.datetime
    onboarded_by: str | None = None
    offboarded_at: dt.datetime | None = None
    offboarded_by: str | None = None


class TenantRow(Base):
    __tablename__ = "tenants"

    tenant_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    onboarded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    onboarded_by: Mapped[str | None] = mapped_column(CleanString(320), nullable=True)
    offboarded_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    offboarded_by: Mapped[str | None] = mapped_column(CleanString(320), nullable=True)


def onboard(s: Session, tenant_id: str, *, now: dt.datetime, by: str | None = None) -> TenantRecord:
    """Record (or bring back) a tenant whose administrator consented."""
    row = s.get(TenantRow, tenant_id.lower())
    if row is None:
        row = TenantRow(tenant_id=tenant_id.lower(), state=ACTIVE, onboarded_at=now, onboarded_by=by)
        s.add(row)
    elif row.state != ACTIVE:
        row.state, row.onboarded_at, row.onboarded_by = ACTIVE, now, by
        row.offboarded_at = row.offboarded_by = None
    s.flush()
    return _record(row)


def offboard(s: Session, tenant_id: str, *, now: dt.datetime, by: str | None = None) -> TenantRecord | None:
    """Stop a tenant's sign-ins; None when it was never onboarded here."""
    row = s.get(TenantRow, tenant_id.lower())
    if row is None:
        return None
    if row.state != OFFBOARDED:
        row.state, row.offboarded_at, row.offboarded_by = OFFBOARDED, now, by
    s.flush()
    return _record(row)


def active_tenants(s: Session) -> frozenset[str]:
    """The ids of the tenants onboarded and not offboarded."""
    return frozenset(s.scalars(select(TenantRow.tenant_id).where(TenantRow.state == ACTIVE)))


def list_tenants(s: Session) -> list[TenantRecord]:
    return [_record(r) for r in s.scalars(select(TenantRow).order_by(TenantRow.onboarded_at))]


def tenants_with_meetings(s: Session) -> list[str]:
    """Tenants that have meetings in a calendar (the ones background jobs look after)."""
    return sorted(s.scalars(select(MeetingRow.tenant_id).distinct()))


def has_meetings(s: Session, tenant: str) -> bool:
    """True once a tenant's meetings were put in a calendar (scheduling is on)."""
    return s.scalar(select(MeetingRow.id).where(MeetingRow.tenant_id == tenant).limit(1)) is not None


def _record(row: TenantRow) -> TenantRecord:
    return TenantRecord(
        row.tenant_id, row.state, row.onboarded_at, row.onboarded_by, row.offboarded_at, row.offboarded_by
    )
