"""Store benchmark (not collected by pytest): python bench/store_bench.py [N] [DATABASE_URL]

Syncs N new key results into a fresh SQLite file (or the given, empty, migrated database), then syncs the same workbook again
unchanged, then with half the Current values changed; prints wall and CPU seconds.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time

from addin.okr.model import KeyResult, OkrSet
from addin.store import sync_writes, workbooks
from addin.store.db import Database, default_database_url

NOW = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)


def _timed(label: str, db: Database, workbook_id: str, rows: list[KeyResult]) -> list[KeyResult]:
    wall, cpu = time.perf_counter(), time.process_time()
    with db.transaction() as s:
        plan = sync_writes.sync_okrs(s, "bench", workbook_id, OkrSet(key_results=rows), now=NOW)
    print(
        f"{label:<22} wall {time.perf_counter() - wall:6.2f} s  cpu {time.process_time() - cpu:6.2f} s  {plan.counts()}"
    )
    return plan.merged


def main(n: int, url: str | None = None) -> None:
    rows = [
        KeyResult(
            team=f"Team {i % 50}",
            objective=f"Objective {i % 2000}",
            title=f"Key result {i}",
            owner=f"owner{i % 900}@example.com",
            baseline=0.0,
            target=100.0,
            current=float(i % 100),
            unit="%",
            confidence=0.7,
            due=dt.date(2026, 12, 31),
        )
        for i in range(n)
    ]
    with tempfile.TemporaryDirectory() as folder:
        db = Database(url or default_database_url(folder))
        db.create_schema()
        with db.transaction() as s:
            workbook_id = workbooks.new_workbook_id(s, "bench")
        merged = _timed(f"sync {n} new", db, workbook_id, rows)
        merged = _timed("resync unchanged", db, workbook_id, merged)
        for kr in merged[::2]:
            kr.current = (kr.current or 0) + 1
        _timed("resync half changed", db, workbook_id, merged)
        db.dispose()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000, sys.argv[2] if len(sys.argv) > 2 else None)
