"""One sync at a time per tenant: a second one is refused at once (429), not queued.

A queued sync holds a worker and its upload in memory while it waits, and on SQLite it waits
on the one write lock every tenant shares; refusing it with Retry-After costs nothing.

Within a process a non-blocking lock per tenant decides; on PostgreSQL a session-level
advisory lock (``pg_try_advisory_lock``) on its own connection extends that to every worker.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from addin.errors import TooBusy
from addin.store.db import Database, lock_key

RETRY_AFTER_SECONDS = 10

_guard = threading.Lock()
_local: dict[tuple[str, str], threading.Lock] = {}


@contextmanager
def sync_slot(db: Database, tenant: str) -> Iterator[None]:
    """Hold the tenant's sync slot for the block; TooBusy (429) when another sync holds it."""
    with _guard:
        lock = _local.setdefault((str(db.url), tenant), threading.Lock())
    if not lock.acquire(blocking=False):
        raise _busy()
    try:
        if db.engine.dialect.name == "postgresql":
            with _pg_slot(db, tenant):
                yield
        else:
            yield
    finally:
        lock.release()


@contextmanager
def _pg_slot(db: Database, tenant: str) -> Iterator[None]:
    key = lock_key("okr-sync-slot", tenant)
    with db.engine.connect() as connection:
        if not connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            connection.rollback()
            raise _busy()
        connection.commit()  # the lock is the session's, not the transaction's
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            connection.commit()


def _busy() -> TooBusy:
    return TooBusy("Another sync for your organisation is running; try again in a few seconds.",
                   code="sync_in_progress", retry_after=RETRY_AFTER_SECONDS)
