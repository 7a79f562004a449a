"""A sync at the row cap, and what other tenants see meanwhile, on SQLite and PostgreSQL.

For each database it measures, in a fresh process (so peak memory is that run's own):

  sync        tenant A syncs a workbook of OKR_MAX_KR_ROWS (20,000) key result rows:
              seconds and peak RSS; how long its write transaction held the database (on
              SQLite the one writer every tenant waits for), and how long the write-back
              took and whether it ran inside that transaction
  refused     the same workbook with one row over the cap: seconds to the 413
  busy        a second sync of tenant A while the first runs: seconds to the 429
  others      tenant B, in another process (another worker), reads its teams and records a
              check-in in a loop while A's sync runs: p50 / p95 / max latency in ms, against
              the same loop measured with nothing else running (the baseline), and the ratio

    python bench/trust_bench.py [--rows 20000] [--no-postgres]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/"


def _probe(url: str, tenant: str, kr_id: str, ready, stop, out) -> None:  # type: ignore[no-untyped-def]
    """Tenant B's loop in its own process: read its teams, record a check-in; latencies in ms."""
    from addin.status import okr_status
    from addin.store import checkins
    from addin.store.db import Database

    db = Database(url)
    samples, errors = [], 0
    value = 0.0
    while not stop.is_set():
        start = time.perf_counter()
        try:
            okr_status(db, tenant, today=NOW.date())
            with db.transaction() as session:
                value += 1
                checkins.record_checkin(
                    session,
                    tenant,
                    kr_id,
                    value=value,
                    confidence=None,
                    at=NOW + dt.timedelta(seconds=value),
                    source="api",
                )
        except Exception:  # noqa: BLE001 - a failed request is what the bench reports
            errors += 1
        samples.append((time.perf_counter() - start) * 1000)
        ready.set()
        if len(samples) >= 5000:
            break
    out.put({"samples": samples, "errors": errors})
    db.dispose()


def _latency(url: str, tenant: str, kr_id: str, during) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Run the probe while ``during()`` runs (or for 2 s when it is None)."""
    ctx = mp.get_context("spawn")
    ready, stop, out = ctx.Event(), ctx.Event(), ctx.Queue()
    probe = ctx.Process(target=_probe, args=(url, tenant, kr_id, ready, stop, out))
    probe.start()
    if not ready.wait(120):  # the probe process has imported, connected and answered once
        raise RuntimeError("the other tenant's probe did not start")
    result = during() if during else time.sleep(2.0)
    stop.set()
    got = out.get(timeout=120)
    probe.join(30)
    samples = sorted(got["samples"]) or [0.0]
    return {
        "p50_ms": statistics.median(samples),
        "p95_ms": samples[int(len(samples) * 0.95) - 1],
        "max_ms": samples[-1],
        "requests": len(samples),
        "errors": got["errors"],
        "result": result,
    }


def run(url: str, rows: int, folder: Path) -> dict[str, object]:
    """Everything for one database; runs in its own process (peak RSS is this run's own)."""
    from addin.errors import TooBusy, WorkbookTooLarge
    from addin.excel.sync import sync_workbook
    from addin.excel.template import write_template
    from addin.status import okr_status
    from addin.store.db import Database

    at_cap, over_cap = folder / "cap.xlsx", folder / "over.xlsx"  # written by the parent
    db = Database(url)
    db.create_schema()
    sync_workbook(db, "tenant-b", write_template(sample=True, today=NOW.date()), now=NOW)
    kr_b = okr_status(db, "tenant-b", today=NOW.date())[0].objectives[0].key_results[0].kr.id
    idle = _latency(url, "tenant-b", kr_b, None)

    start = time.perf_counter()
    try:
        sync_workbook(db, "tenant-a", over_cap.read_bytes(), now=NOW, max_rows=rows)
    except WorkbookTooLarge:
        refused = time.perf_counter() - start

    data = at_cap.read_bytes()
    timings: dict[str, float] = {}
    _time_write_lock(db, timings)

    def sync_a() -> None:
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        busy: list[float] = []

        def second() -> None:
            time.sleep(0.5)
            t0 = time.perf_counter()
            try:
                sync_workbook(db, "tenant-a", data, now=NOW, max_rows=rows)
            except TooBusy:
                busy.append(time.perf_counter() - t0)

        other = threading.Thread(target=second)
        other.start()
        t0 = time.perf_counter()
        sync_workbook(db, "tenant-a", data, now=NOW, max_rows=rows)
        timings["sync_s"] = time.perf_counter() - t0
        other.join()
        timings["busy_s"] = busy[0] if busy else float("nan")
        timings["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        timings["rss_before_mb"] = rss_before / 1024

    during = _latency(url, "tenant-b", kr_b, sync_a)
    db.dispose()
    return {
        "url": url.split("://")[0],
        "rows": rows,
        "refused_s": refused,
        **timings,
        "idle": {k: v for k, v in idle.items() if k != "result"},
        "during": {k: v for k, v in during.items() if k != "result"},
    }


def _time_write_lock(db, timings: dict[str, float]) -> None:  # type: ignore[no-untyped-def]
    """Time the sync's write transaction and its write-back, and whether one ran inside the other."""
    import contextlib

    from addin.excel import sync as sync_module

    transaction, patch = db.transaction, sync_module.patch_workbook
    state = {"open": False}

    @contextlib.contextmanager
    def timed_transaction():  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        state["open"] = True
        try:
            with transaction() as session:
                yield session
        finally:
            state["open"] = False
            timings["write_lock_s"] = timings.get("write_lock_s", 0.0) + time.perf_counter() - t0

    def timed_patch(*args, **kwargs):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        try:
            return patch(*args, **kwargs)
        finally:
            timings["write_back_s"] = time.perf_counter() - t0
            timings["write_back_inside"] = float(state["open"])

    db.transaction = timed_transaction
    sync_module.patch_workbook = timed_patch


def _postgres_database() -> str | None:
    try:
        import psycopg

        name = f"okr_bench_{secrets.token_hex(4)}"
        with psycopg.connect(
            host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True, connect_timeout=3
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name
    except Exception as exc:  # noqa: BLE001
        print(f"PostgreSQL skipped: {exc}")
        return None


def _drop_postgres(name: str) -> None:
    import psycopg

    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _print(result: dict[str, object]) -> None:
    idle, during = result["idle"], result["during"]
    print(f"\n== {result['url']}: sync of {result['rows']:,} KR rows (the cap)")
    print(
        f"  sync            {result['sync_s']:8.2f} s   peak RSS {result['peak_mb']:7.0f} MB "
        f"(before the sync {result['rss_before_mb']:.0f} MB)"
    )
    where = "inside" if result["write_back_inside"] else "after"
    print(
        f"  write lock      {result['write_lock_s']:8.2f} s held by the sync's transaction; the write-back "
        f"({result['write_back_s']:.2f} s) ran {where} it"
    )
    print(f"  over the cap    {result['refused_s']:8.2f} s to the 413")
    print(f"  second sync     {result['busy_s']:8.3f} s to the 429")
    print(f"  other tenant    {'':8}   {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'requests':>9} {'errors':>7}")
    for label, row in (("idle", idle), ("during sync", during)):
        print(
            f"    {label:<12}{'':10}{row['p50_ms']:8.1f} {row['p95_ms']:8.1f} {row['max_ms']:8.1f} "
            f"{row['requests']:9d} {row['errors']:7d}"
        )
    print(
        f"    ratio during/idle: p50 {during['p50_ms'] / max(idle['p50_ms'], 1e-9):.1f}x, "
        f"p95 {during['p95_ms'] / max(idle['p95_ms'], 1e-9):.1f}x, "
        f"max {during['max_ms'] / max(idle['max_ms'], 1e-9):.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--one", nargs=2, metavar=("URL", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:  # the child: one database, JSON on stdout
        print(json.dumps(run(args.one[0], args.rows, Path(args.one[1]))))
        return
    from sync_bench import generate

    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp) / "cap.xlsx", args.rows)
        generate(Path(tmp) / "over.xlsx", args.rows + 1)
        urls = [f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"]
        pg = None if args.no_postgres else _postgres_database()
        if pg:
            urls.append(PG + pg)
        try:
            for url in urls:
                child = subprocess.run(
                    [sys.executable, __file__, "--rows", str(args.rows), "--one", url, tmp],
                    capture_output=True,
                    text=True,
                    check=False,
                    env={**os.environ, "PYTHONPATH": str(ROOT)},
                )
                if child.returncode != 0:
                    print(child.stderr[-3000:])
                    raise SystemExit(f"bench run on {url.split('://')[0]} failed")
                _print(json.loads(child.stdout.strip().splitlines()[-1]))
        finally:
            if pg:
                _drop_postgres(pg)


if __name__ == "__main__":
    main()
