"""Benchmark: schedule a quarter for 500 teams against the local Graph with 50 ms latency.

Runs, in the same process and against fresh local Graph servers:

- the product path: ``schedule`` with JSON ``$batch`` (<= 20 per batch, <= 4 per mailbox);
- the naive baseline: the same meetings, one HTTP request per event, no batching;

and then ``refresh_invites`` (status on each next occurrence) the product way. Reports
HTTP requests, wall time, requests per team, and the peak requests in flight per mailbox
as the server saw them. Run: ``.venv/bin/python bench/schedule_bench.py [--teams 500]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from addin.graph import GraphCalendar, GraphSettings  # noqa: E402
from addin.okr.model import KeyResult  # noqa: E402
from addin.outlook.schedule import refresh_invites, schedule  # noqa: E402
from addin.store import repo  # noqa: E402
from addin.store.db import Database  # noqa: E402
from tests.outlook.conftest import NOW, make_okrs  # noqa: E402
from tests.outlook.graph_server import Faults, GraphServer  # noqa: E402


def _store(db: Database, tenant: str, teams: int) -> None:
    okrs = make_okrs(teams)
    krs: list[KeyResult] = [dataclasses.replace(kr, id=None) for kr in okrs.key_results]
    with db.transaction() as s:
        repo.sync_okrs(s, tenant, repo.new_workbook_id(s, tenant), dataclasses.replace(okrs, key_results=krs),
                       now=NOW)


def _run(db: Database, tenant: str, *, latency: float, batch: bool, refresh: bool) -> dict[str, float]:
    with GraphServer(Faults(latency=latency)) as server:
        settings = GraphSettings(token_provider=lambda: "bench-token", base_url=server.base_url,
                                 batch_size=20 if batch else None)
        cal = GraphCalendar(settings)
        started = time.perf_counter()
        report = schedule(db, tenant, calendar=cal, now=NOW)
        wall = time.perf_counter() - started
        out = {"requests": server.state.http_requests, "wall": wall,
               "meetings": len(report.meetings), "failed": len(report.failures),
               "events": len(server.state.all_events()),
               "peak_per_mailbox": server.state.max_concurrency(),
               "violations": len(server.state.violations)}
        if refresh:
            before = server.state.http_requests
            started = time.perf_counter()
            soon = NOW + dt.timedelta(days=7) - dt.timedelta(hours=1)
            rr = refresh_invites(db, tenant, now=soon, calendar=cal, within=dt.timedelta(days=7))
            out["refresh_wall"] = time.perf_counter() - started
            out["refresh_requests"] = server.state.http_requests - before
            out["refreshed"] = len(rr.updated)
            out["refresh_failed"] = len(rr.failures)
            out["peak_per_mailbox"] = max(out["peak_per_mailbox"], server.state.max_concurrency())
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        db.create_schema()
        _store(db, "batched", args.teams)
        _store(db, "naive", args.teams)
        product = _run(db, "batched", latency=args.latency, batch=True, refresh=True)
        naive = _run(db, "naive", latency=args.latency, batch=False, refresh=False)
        db.engine.dispose()
    t = args.teams
    print(f"{t} teams, {args.latency * 1000:.0f} ms latency per request, "
          f"{product['meetings']:.0f} meetings (3 series per team)")
    print(f"{'':24}{'requests':>10}{'per team':>10}{'wall s':>9}{'peak/mailbox':>14}{'failed':>8}")
    for name, r in (("batched ($batch)", product), ("naive (1 per event)", naive)):
        print(f"{name:24}{r['requests']:>10.0f}{r['requests'] / t:>10.2f}{r['wall']:>9.2f}"
              f"{r['peak_per_mailbox']:>14.0f}{r['failed']:>8.0f}")
    print(f"request reduction: {naive['requests'] / max(1, product['requests']):.1f}x "
          f"(goal >= 5x); batched wall {product['wall']:.1f} s (goal < 60 s)")
    print(f"refresh-invites (next occurrence of {product['refreshed']:.0f} meetings): "
          f"{product['refresh_requests']:.0f} requests, {product['refresh_wall']:.2f} s, "
          f"{product['refresh_failed']:.0f} failed")
    ok = (product["events"] == product["meetings"] == naive["events"] and not product["failed"]
          and not product["violations"] and not naive["violations"]
          and product["peak_per_mailbox"] <= 4 and naive["peak_per_mailbox"] <= 4)
    print("all meetings created exactly once, no schema violations, <= 4 per mailbox:", ok)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
