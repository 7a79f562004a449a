"""Which tenants may sign in: OKR_ALLOWED_TENANTS (a static list) and the tenants onboarded
through admin consent (the ``tenants`` table), less those an admin offboarded there."""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any

from auth import AuthConfig

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
