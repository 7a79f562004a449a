"""One at a time per tenant: a sync (a second one is refused at once, 429), a periodic job.

A queued sync holds a worker and its upload in memory while it waits, and on SQLite it waits
on the one write lock every tenant shares; refusing it with Retry-After costs nothing. A
periodic job (invite refresh, retro packs) that finds its slot taken skips: the run holding
it does the same work, and two at once would both upload the same pack.

Within a process a non-blocking lock per (purpose, tenant) decides; across processes and
workers, a session-level advisory lock (``pg_try_advisory_lock``) on PostgreSQL, and an
exclusive ``flock`` on a file beside the database on SQLite (one machine by nature).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from addin.errors import TooBusy
from addin.store.db import Database, lock_key

RETRY_AFTER_SECONDS = 10

_guard = threading.Lock()
_local: dict[tuple[str, str, str], threading.Lock] = {}  # (database, purpose, tenant)


@contextmanager
def sync_slot(db: Database, tenant: str) -> Iterator[None]:
    """Hold the tenant's sync slot for the block; TooBusy (429) when another sync holds it."""
    with tenant_slot(db, tenant, "sync") as held:
        if not held:
            raise _busy()
        yield


@contextmanager
def tenant_slot(db: Database, tenant: str, purpose: str) -> Iterator[bool]:
    """Hold (purpose, tenant)'s slot for the block: True, or False when someone else holds it."""
    with _guard:
        lock = _local.setdefault((str(db.url), purpose, tenant), threading.Lock())
    if not lock.acquire(blocking=False):
        yield False
        return
    try:
        if db.engine.dialect.name == "postgresql":
            with _pg_slot(db, f"okr-{purpose}-slot", tenant) as held:
                yield held
        elif db.url.database not in (None, "", ":memory:"):
            with _file_slot(Path(db.url.database), purpose, tenant) as held:
                yield held
        else:
            yield True
    finally:
        lock.release()


@contextmanager
def _pg_slot(db: Database, name: str, tenant: str) -> Iterator[bool]:
    key = lock_key(name, tenant)
    with db.engine.connect() as connection:
        if not connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            connection.rollback()
            yield False
            return
        connection.commit()  # the lock is the session's, not the transaction's
        try:
            yield True
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            connection.commit()


@contextmanager
def _file_slot(database: Path, purpose: str, tenant: str) -> Iterator[bool]:
    digest = hashlib.sha256(f"{purpose}\x1f{tenant}".encode()).hexdigest()[:16]
    path = database.with_name(f".{database.name}.{purpose}-{digest}.lock")  # kept: removing one races
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _busy() -> TooBusy:
    return TooBusy(
        "Another sync for your organisation is running; try again in a few seconds.",
        code="sync_in_progress",
        retry_after=RETRY_AFTER_SECONDS,
    )
