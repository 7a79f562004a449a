"""Where a request's time goes: the team read, the check-in and the sync routes, in-process.

The app runs in this process (Flask's test client, sign-in through the local identity platform
as in load_bench.py) on a throwaway PostgreSQL database, or SQLite with ``--database sqlite``.
One tenant holds ``--clients`` clients' 50-KR workbooks (the load benchmark's), with
``--checkins`` check-ins recorded. Each route is timed ``--repeat`` times; printed per route:
mean and p95 ms, SQL statements and database connections per request, and with ``--profile``
the functions taking the most CPU time (cProfile with a CPU clock: waiting for the database is not counted).

    python bench/route_profile.py [--repeat 50] [--checkins 200] [--profile] [--database sqlite]
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import io
import json
import pstats
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
from load_bench import with_revision, workbook  # noqa: E402

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


class Counter:
    """SQL statements and pool check-outs seen on an engine."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.statements = 0
        self.checkouts = 0
        self.seconds: dict[str, float] = {}  # statement (first line) -> wall time spent in it
        self._began = 0.0
        self.slowest: tuple[float, str, Any] = (0.0, "", None)  # seconds, statement, parameters
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "after_cursor_execute", self._done)
        event.listen(engine.pool, "checkout", self._checkout)

    def _statement(self, *_: Any) -> None:
        self.statements += 1
        self._began = time.perf_counter()

    def _done(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        key = " ".join(statement.split())[:110]
        spent = time.perf_counter() - self._began
        self.seconds[key] = self.seconds.get(key, 0.0) + spent
        if spent > self.slowest[0]:
            self.slowest = (spent, statement, parameters)

    def _checkout(self, *_: Any) -> None:
        self.checkouts += 1


@contextmanager
def database(kind: str, tmp: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite+pysqlite:///{tmp / 'okr.sqlite3'}"
        return
    sys.path.insert(0, str(ROOT))
    from tests.conftest import throwaway_postgres

    with throwaway_postgres("okr_profile") as url:
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50, help="Requests timed per route.")
    parser.add_argument("--checkins", type=int, default=200, help="Check-ins stored before timing.")
    parser.add_argument("--clients", type=int, default=4, help="Workbooks (2 teams each) in the tenant.")
    parser.add_argument("--profile", action="store_true", help="Print cProfile's top functions per route.")
    parser.add_argument("--sort", default="cumulative", help="cProfile sort key (cumulative, tottime).")
    parser.add_argument("--only", help="Only these routes (comma-separated: read,read-new,checkin,sync,sync-file).")
    parser.add_argument("--filter", default="", help="Show only profile lines matching this (e.g. addin/).")
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument(
        "--no-analyze", action="store_true", help="Measure without the planner statistics autovacuum would have made."
    )
    parser.add_argument("--dump", help="With --profile: write each route's cProfile stats to DUMP.<route>.")
    parser.add_argument(
        "--statements", action="store_true", help="Print the statements taking the most time per route."
    )
    args = parser.parse_args()

    import os

    with tempfile.TemporaryDirectory() as folder, database(args.database, Path(folder)) as url:
        tmp = Path(folder)
        from tests.auth.identity_server import IdentityServer

        identity = IdentityServer(tmp).start()
        try:
            client_id, secret = identity.register_client()
            tenant = str(uuid.uuid4())
            for name in [n for n in os.environ if n.startswith("OKR_")]:
                del os.environ[name]
            os.environ.update(
                {
                    "OKR_CLIENT_ID": client_id,
                    "OKR_CLIENT_SECRET": secret,
                    "OKR_AUTHORITY": identity.base_url,
                    "OKR_CA_BUNDLE": str(identity.ca_path),
                    "OKR_ALLOWED_TENANTS": tenant,
                    "OKR_INSTANCE_PATH": str(tmp),
                    "OKR_RATE_LIMIT_UPLOADS": "1000000 per minute",
                    "OKR_RATE_LIMIT_DEFAULT": "1000000 per minute",
                    "OKR_RATE_LIMIT_UPLOAD_MB": "1000000 per hour",
                    "DATABASE_URL": url,
                }
            )
            from addin import create_app

            app = create_app()
            http = app.test_client()
            counter = Counter(app.extensions["okr_db"].engine)
            token = identity.user_token(tenant, str(uuid.uuid4()), client_id, preferred_username="p@example.test")
            auth = {"Authorization": f"Bearer {token}"}
            books = [workbook(c) for c in range(args.clients)]
            for i, book in enumerate(books):
                books[i] = _sync(http, auth, book)
            team = "Client 00 team 0"
            view = http.get(f"/api/teams/{team}", headers=auth).get_json()
            krs = [k["id"] for o in view["objectives"] for k in o["key_results"]]
            for _ in range(args.checkins):
                _checkin(http, auth, random.choice(krs))
            if not args.no_analyze:
                analyze(app.extensions["okr_db"].engine)

            def read() -> None:
                _ok(http.get(f"/api/teams/{team}", headers=auth))

            def checkin() -> None:
                _checkin(http, auth, random.choice(krs))

            # route: (what runs untimed before each request, the request)
            routes: dict[str, tuple[Callable[[], Any] | None, Callable[[], Any]]] = {
                "read": (None, read),  # the page of the tenant's current data version: built once, then kept
                "read-new": (checkin, read),  # the first read after a write: built again
                "checkin": (None, checkin),
                "sync": (None, lambda: books.__setitem__(0, _pane_sync(http, auth, books[0]))),
                "sync-file": (None, lambda: books.__setitem__(0, _sync(http, auth, books[0]))),
            }
            print(
                f"{args.database}: 1 tenant, {args.clients} workbooks of 50 KRs ({args.clients * 2} teams), "
                f"{args.checkins} check-ins stored; {args.repeat} requests per route"
            )
            print(f"{'route':<8} {'mean ms':>8} {'p95 ms':>8} {'CPU ms':>8} {'SQL/req':>8} {'conn/req':>8}")
            for name, (before, call) in routes.items():
                if args.only and name not in args.only.split(","):
                    continue
                call()  # warm
                counter.seconds.clear()
                times = []
                # CPU time, not wall time: waiting for PostgreSQL is not this process's work
                profiler = cProfile.Profile(time.thread_time)
                statements = checkouts = 0
                cpu = 0.0  # this thread's CPU: the app's Python, not PostgreSQL's
                for _ in range(args.repeat):
                    if before is not None:
                        before()
                    statements -= counter.statements
                    checkouts -= counter.checkouts
                    cpu -= time.thread_time()
                    began = time.perf_counter()
                    if args.profile:
                        profiler.runcall(call)
                    else:
                        call()
                    times.append(time.perf_counter() - began)
                    cpu += time.thread_time()
                    statements += counter.statements
                    checkouts += counter.checkouts
                times.sort()
                print(
                    f"{name:<8} {statistics.mean(times) * 1000:>8.1f} {times[int(0.95 * (len(times) - 1))] * 1000:>8.1f} "
                    f"{cpu / args.repeat * 1000:>8.1f} {statements / args.repeat:>8.1f} {checkouts / args.repeat:>8.1f}"
                )
                if args.statements:
                    for statement, spent in sorted(counter.seconds.items(), key=lambda x: -x[1])[:8]:
                        print(f"    {spent / args.repeat * 1000:7.2f} ms/req  {statement}")
                    counter.seconds.clear()
                    _explain(app.extensions["okr_db"].engine, counter.slowest)
                    counter.slowest = (0.0, "", None)
                if args.profile and args.dump:
                    profiler.dump_stats(f"{args.dump}.{name}")
                if args.profile:
                    out = io.StringIO()
                    pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.filter, 40)
                    print(out.getvalue())
        finally:
            identity.stop()
            app.extensions["okr_db"].dispose()


def analyze(engine: Any) -> None:
    """ANALYZE the database, as PostgreSQL's autovacuum does on its own a minute after tables
    change. Some servers run without it (this project's test machines: ``SHOW autovacuum`` says
    off); there the planner believes every table empty and picks nested loops over whole tables."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as conn:
        conn.connection.driver_connection.autocommit = True
        conn.connection.cursor().execute("ANALYZE")


def _explain(engine: Any, slowest: tuple[float, str, Any]) -> None:
    """PostgreSQL's plan of the slowest statement run, as it ran (EXPLAIN ANALYZE)."""
    spent, statement, parameters = slowest
    if not statement or engine.dialect.name != "postgresql" or isinstance(parameters, list):
        return  # nothing ran, or a batch (executemany): no one plan to show
    print(f"    slowest: {spent * 1000:.1f} ms")
    with engine.connect() as conn:
        cursor = conn.connection.cursor()
        cursor.execute("EXPLAIN ANALYZE " + statement, parameters)
        for (line,) in cursor.fetchall():
            print(f"      {line}")
        conn.rollback()


def _ok(response: Any) -> Any:
    if response.status_code >= 400:
        raise SystemExit(f"{response.status_code}: {response.get_data(as_text=True)[:300]}")
    return response


def _sync(http: Any, auth: dict[str, str], book: bytes) -> bytes:
    answer = _ok(
        http.post("/api/sync?include=workbook", headers=auth, data={"workbook": (io.BytesIO(book), "okrs.xlsx")})
    ).get_json()
    return base64.b64decode(answer["workbook"]["base64"])


def _pane_sync(http: Any, auth: dict[str, str], book: bytes) -> bytes:
    """The Excel pane's sync: the status cells come back, the pane writes them and the revision in place."""
    answer = _ok(http.post("/api/sync", headers=auth, data={"workbook": (io.BytesIO(book), "okrs.xlsx")})).get_json()
    return with_revision(book, answer["workbook_revision"])


def _checkin(http: Any, auth: dict[str, str], kr: str) -> None:
    body = json.dumps({"value": random.uniform(0, 100), "confidence": 0.6, "note": "profile"})
    _ok(http.post(f"/api/key-results/{kr}/checkins", data=body, headers={**auth, "Content-Type": "application/json"}))


if __name__ == "__main__":
    main()
