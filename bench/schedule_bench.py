"""Benchmark: schedule a quarter for 500 teams against the local Graph with 50 ms latency.

Runs, in the same process and against fresh local Graph servers:

- the product path: ``schedule`` with JSON ``$batch`` (<= 20 per batch, <= 4 per mailbox);
- the naive baseline: the same meetings, one HTTP request per event, no batching;

and then a week of daily ``refresh_invites`` runs (status on each next occurrence within
48 hours) the product way. Reports HTTP requests, wall time, requests per team, the peak
requests in flight per mailbox as the server saw them, the notices Exchange would send per
attendee in that week (goal <= 1) and the writes of an idle refresh (goal 0).
Run: ``.venv/bin/python bench/schedule_bench.py [--teams 500]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from addin.graph import GraphCalendar, GraphSettings  # noqa: E402
from addin.okr.model import KeyResult  # noqa: E402
from addin.outlook.schedule import refresh_invites, schedule  # noqa: E402
from addin.store import sync_writes, workbooks  # noqa: E402
from addin.store.db import Database  # noqa: E402
from tests.outlook.conftest import NOW, make_okrs  # noqa: E402
from tests.outlook.graph_server import Faults, GraphServer  # noqa: E402


def _store(db: Database, tenant: str, teams: int) -> None:
    okrs = make_okrs(teams)
    krs: list[KeyResult] = [dataclasses.replace(kr, id=None) for kr in okrs.key_results]
    with db.transaction() as s:
        sync_writes.sync_okrs(
            s, tenant, workbooks.new_workbook_id(s, tenant), dataclasses.replace(okrs, key_results=krs), now=NOW
        )


def _run(db: Database, tenant: str, *, latency: float, batch: bool, refresh: bool) -> dict[str, float]:
    with GraphServer(Faults(latency=latency)) as server:
        settings = GraphSettings(
            token_provider=lambda: "bench-token", base_url=server.base_url, batch_size=20 if batch else None
        )
        cal = GraphCalendar(settings)
        started = time.perf_counter()
        report = schedule(db, tenant, calendar=cal, now=NOW)
        wall = time.perf_counter() - started
        out = {
            "requests": server.state.http_requests,
            "wall": wall,
            "meetings": len(report.meetings),
            "failed": len(report.failures),
            "events": len(server.state.all_events()),
            "peak_per_mailbox": server.state.max_concurrency(),
            "violations": len(server.state.violations),
        }
        if refresh:
            state = server.state
            once = Counter(n.what for n in state.notices)
            out["schedule_invitations"] = once["invitation"]
            out["schedule_cancellations"] = once["cancellation"]
            notices_before = len(state.notices)
            before = state.http_requests
            started = time.perf_counter()
            rr = refresh_invites(db, tenant, now=NOW, calendar=cal)
            out["refresh_wall"] = time.perf_counter() - started
            out["refresh_requests"] = state.http_requests - before
            out["refreshed"] = len(rr.updated)
            out["refresh_failed"] = len(rr.failures)
            # the rest of the week, as cron would run it: once a day
            for day in range(1, 7):
                rr = refresh_invites(db, tenant, now=NOW + dt.timedelta(days=day), calendar=cal)
                out["refresh_failed"] += len(rr.failures)
            week = state.notices[notices_before:]
            people = {a["emailAddress"]["address"] for e in state.all_events() for a in e.get("attendees") or []}
            per = Counter(n.attendee for n in week)
            out["notices_mean"] = len(week) / max(1, len(people))
            out["notices_max"] = max(per.values(), default=0)
            out["notices_max_occurrence"] = max(state.notices_per_occurrence().values(), default=0)
            # an idle refresh: nothing changed since the last one
            writes, before = _writes(state), state.http_requests
            refresh_invites(db, tenant, now=NOW + dt.timedelta(days=6, minutes=5), calendar=cal)
            out["idle_writes"] = _writes(state) - writes
            out["idle_requests"] = state.http_requests - before
            out["peak_per_mailbox"] = max(out["peak_per_mailbox"], state.max_concurrency())
    return out


def _writes(state) -> int:  # type: ignore[no-untyped-def]
    """Requests that change a mailbox (each may notify attendees)."""
    return sum(
        n
        for op, n in state.operations.items()
        if op.startswith(("POST", "PATCH", "DELETE")) and "deduplicated" not in op
    )


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
    print(
        f"{t} teams, {args.latency * 1000:.0f} ms latency per request, "
        f"{product['meetings']:.0f} meetings (3 series per team)"
    )
    print(f"{'':24}{'requests':>10}{'per team':>10}{'wall s':>9}{'peak/mailbox':>14}{'failed':>8}")
    for name, r in (("batched ($batch)", product), ("naive (1 per event)", naive)):
        print(
            f"{name:24}{r['requests']:>10.0f}{r['requests'] / t:>10.2f}{r['wall']:>9.2f}"
            f"{r['peak_per_mailbox']:>14.0f}{r['failed']:>8.0f}"
        )
    print(
        f"request reduction: {naive['requests'] / max(1, product['requests']):.1f}x "
        f"(goal >= 5x); batched wall {product['wall']:.1f} s (goal < 60 s)"
    )
    print(
        f"refresh-invites (next occurrence of {product['refreshed']:.0f} meetings): "
        f"{product['refresh_requests']:.0f} requests, {product['refresh_wall']:.2f} s, "
        f"{product['refresh_failed']:.0f} failed"
    )
    print(
        f"schedule (once a quarter): {product['schedule_invitations']:.0f} invitations, "
        f"{product['schedule_cancellations']:.0f} occurrence cancellations (check-ins on review days)"
    )
    print(
        f"notices per attendee in a week of daily refreshes: mean {product['notices_mean']:.2f}, "
        f"max {product['notices_max']:.0f} (goal <= 1 per occurrence: max "
        f"{product['notices_max_occurrence']:.0f} per attendee per occurrence)"
    )
    print(f"idle refresh: {product['idle_writes']:.0f} writes, {product['idle_requests']:.0f} requests (goal 0)")
    reduction = naive["requests"] / max(1, product["requests"])
    ok = (
        product["events"] == product["meetings"] == naive["events"]
        and not product["failed"]
        and reduction >= 5
        and product["idle_writes"] == 0
        and product["notices_max_occurrence"] <= 1
        and not product["violations"]
        and not naive["violations"]
        and product["peak_per_mailbox"] <= 4
        and naive["peak_per_mailbox"] <= 4
    )
    print("all meetings created exactly once, no schema violations, <= 4 per mailbox:", ok)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
