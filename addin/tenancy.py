"""Which tenants may sign in: OKR_ALLOWED_TENANTS (a static list) and the tenants onboarded
through admin consent (the ``tenants`` table), less those an admin offboarded there.

Onboarding and offboarding are done here once, for every way in: the admin-consent callback
and ``DELETE /api/tenant`` (addin/api/onboard.py) and ``okr tenants add|offboard``. Each is
recorded in the tenant's audit trail, in the same transaction as the change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from typing import TYPE_CHECKING, Any

from auth import AuthConfig

if TYPE_CHECKING:
    from addin.okr.authority import Actor
    from addin.store.db import Database
    from addin.store.tenants import TenantRecord

CACHE_SECONDS = 5.0  # an onboarding or offboarding is seen by every worker within this
_cache: dict[str, tuple[float, frozenset[str], frozenset[str]]] = {}
_lock = threading.Lock()


def onboarded(db: Any) -> tuple[frozenset[str], frozenset[str]]:
    """(active, offboarded) tenant ids recorded in the database (cached a few seconds)."""
    from addin.store.tenants import ACTIVE, list_tenants

    key = str(db.url)
    with _lock:
        hit = _cache.get(key)
        if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1], hit[2]
    with db.read() as s:
        records = list_tenants(s)
    active = frozenset(r.tenant_id for r in records if r.state == ACTIVE)
    gone = frozenset(r.tenant_id for r in records if r.state != ACTIVE)
    with _lock:
        _cache[key] = (time.monotonic(), active, gone)
    return active, gone


def forget() -> None:
    """Drop the cache (after this process onboarded or offboarded a tenant)."""
    with _lock:
        _cache.clear()


def auth_config(db: Any, base: AuthConfig | None = None) -> AuthConfig:
    """``base`` (default: from the environment) allowing the tenants onboarded in ``db`` too.

    A tenant an admin offboarded is refused even if OKR_ALLOWED_TENANTS lists it: offboarding
    must work without a restart."""
    base = base or AuthConfig.from_env()
    if not base.enabled:
        return base
    active, gone = onboarded(db)
    return dataclasses.replace(base, allowed_tenants=(base.allowed_tenants | active) - gone)


def onboard_tenant(db: Database, tenant_id: str, *, actor: Actor, by: str, now: dt.datetime) -> TenantRecord:
    """Record (or bring back) a tenant: its users may sign in from now on (``by``: how it consented)."""
    from addin.store import audit
    from addin.store.tenants import onboard

    with db.transaction() as s:
        record = onboard(s, tenant_id, now=now, by=by)
        audit.record(s, record.tenant_id, actor, "tenant-onboard", at=now, target=record.tenant_id, details={"by": by})
    forget()
    return record


def offboard_tenant(db: Database, tenant_id: str, *, actor: Actor, now: dt.datetime) -> TenantRecord:
    """Stop a tenant's sign-ins, even if OKR_ALLOWED_TENANTS lists it; its data stays and consenting again
    brings it back."""
    from addin.store import audit
    from addin.store.tenants import offboard, onboard

    with db.transaction() as s:
        record = offboard(s, tenant_id, now=now, by=actor.object_id)
        if record is None:  # listed in OKR_ALLOWED_TENANTS only: a row is what stops it, so write one
            onboard(s, tenant_id, now=now, by="OKR_ALLOWED_TENANTS")
            record = offboard(s, tenant_id, now=now, by=actor.object_id)
        assert record is not None  # the row was just written
        audit.record(s, record.tenant_id, actor, "tenant-offboard", at=now, target=record.tenant_id)
    forget()
    return record
