"""Load on `okr serve --workers 2` over PostgreSQL: 16 clients mixing syncs, check-ins and reads.

Over 500 lines: one benchmark from end to end (server, identity platform, clients, CPU accounting, report), read and run as one script.

Each client is one person (its own address and object id) with a 50-KR workbook (2 teams x 5
objectives x 5 KRs) in one of ``--tenants`` organisations (16: each client its own; 1: all in
one, where syncs of one tenant queue behind its lock and each reads the whole tenant), signed in
with a token of the local identity platform (tests/auth/identity_server.py, over HTTPS). For
``--seconds`` each client, never pausing, picks at random: sync its workbook (20 %), record a
check-in on one of its key results (30 %) or read its team's page (50 %), over keep-alive HTTP
(no If-None-Match: every read gets the whole page), waiting Retry-After and trying again after a
429 as the panes do. A sync is the Excel pane's: the server answers the status cells and the
revision, and the client puts the revision into its copy (as the pane's document property does;
its first sync asks for the file, for the KR ids); ``--file`` asks for the updated file every time (one sync per tenant at a time: matters with ``--tenants 1``). First 1 client runs the same mix alone for
``--baseline-seconds`` in a tenant of its own (the uncontended baseline).

Prints p50/p95 per kind, 5xx and other errors (each refusal named by its error code), the
throughput, the baseline's p50/p95 and the p95 ratios, the CPU per request used by okr serve,
by PostgreSQL (the backends of the bench's throwaway database) and by this process (the clients
and the identity platform), and the load average before and after: the machine's other work
shows there. Goal on 2 cores: no 5xx, p95 sync < 1 s, p95 read < 200 ms.

    python bench/load_bench.py                        # the measurement: 60 s, okr serve's defaults
    python bench/load_bench.py --seconds 20           # a quick look
    python bench/load_bench.py --threads 1            # gunicorn's sync workers, for comparison
    python bench/load_bench.py --tenants 1            # everyone in one organisation
    python bench/load_bench.py --file                 # every sync builds and returns the updated file

Needs a PostgreSQL server that the user ``postgres`` reaches without a password at
127.0.0.1:5432 (``--database`` to change); a throwaway database is made there and dropped.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
from sync_bench import HEADER, METRICS  # noqa: E402

from addin.config import DEFAULT_THREADS  # noqa: E402

OKR = Path(sys.executable).with_name("okr")
MIX = (("sync", 0.2), ("checkin", 0.3), ("read", 0.5))
BASELINE = 1000  # client number of the 1-client run (clients of the load are 0, 1, ...)


def workbook(client: int) -> bytes:
    """A template-shaped 50-KR workbook of two teams of this client's own."""
    import io

    import openpyxl

    wb = openpyxl.Workbook()
    okrs = wb.active
    okrs.title = "OKRs"
    okrs.append(HEADER)
    teams = wb.create_sheet("Teams")
    teams.append(
        [
            "Team",
            "Lead (email)",
            "Members (emails, separated by ;)",
            "Check-in weekday",
            "Check-in time",
            "Time zone",
            "Meeting minutes",
            "Parent team",
        ]
    )
    for t in range(2):
        name = f"Client {client:02d} team {t}"
        teams.append(
            [
                name,
                f"lead{client}-{t}@example.com",
                f"m{client}-{t}@example.com",
                "Tuesday",
                "10:00",
                "Europe/Madrid",
                30,
                None,
            ]
        )
        for i in range(25):
            objective, kr = i // 5, i % 5
            title, baseline, target, unit = METRICS[kr]
            okrs.append(
                [
                    name,
                    f"Objective {objective + 1} of {name}",
                    "committed",
                    f"{title} in area {i}",
                    None,
                    f"owner{client}-{i}@example.com",
                    baseline,
                    target,
                    round(baseline + (target - baseline) * (i % 7) / 10, 2),
                    unit,
                    0.7,
                    None,
                    None,
                    None,
                    "",
                    None,
                    None,
                    None,
                    None,
                    None,
                ]
            )
    settings = wb.create_sheet("Settings")
    settings.append(["Setting", "Value"])
    settings.append(["Quarter", "2026-Q4"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def with_revision(book: bytes, revision: str) -> bytes:
    """The workbook with its OKRCadenceWorkbookId property set to ``revision`` ("WB-…#r7"), as the
    Excel pane sets it after a sync (the cells it writes do not change what the server reads next)."""
    import io
    import re
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(book)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "docProps/custom.xml":
                data = re.sub(rb"WB-[^<]*", revision.encode(), data, count=1)
            target.writestr(info, data)
    return out.getvalue()


class Client:
    file = False  # every sync asks for the updated file (--file), not only the first

    def __init__(self, port: int, index: int, token: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.auth = {"Authorization": f"Bearer {token}"}
        self.index = index
        self.book = workbook(index)
        self.team = f"Client {index:02d} team 0"
        self.krs: list[str] = []
        self.synced = False
        self.errors: list[str] = []  # "403 not_your_key_result": what each refused request was told

    def call(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        """One request as the panes' backend helper makes it: after 429/503 it waits Retry-After and
        tries again, twice at most (the wait counts in the request's time)."""
        for attempt in range(3):
            status, data, retry_after = self._send(method, path, body, headers)
            if status not in (429, 503) or attempt == 2:
                break
            time.sleep(min(30.0, retry_after or 2.0**attempt))
        if status >= 400:
            self.errors.append(_error_code(status, data))
        return status, data

    def _send(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str] | None
    ) -> tuple[int, bytes, float | None]:
        for attempt in range(2):  # a keep-alive connection the server closed: reconnect once
            try:
                self.conn.request(method, path, body=body, headers={**self.auth, **(headers or {})})
                answer = self.conn.getresponse()
                retry_after = answer.getheader("Retry-After")
                return answer.status, answer.read(), float(retry_after) if retry_after else None
            except (http.client.HTTPException, OSError):
                self.conn.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def sync(self) -> int:
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="workbook"; filename="okrs.xlsx"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + self.book
            + f"\r\n--{boundary}--\r\n".encode()
        )
        first = not self.synced
        path = "/api/sync?include=workbook" if first or self.file else "/api/sync"
        status, data = self.call("POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        if status == 200:
            answer = json.loads(data)
            if first or self.file:
                self.book = base64.b64decode(answer["workbook"]["base64"])  # carries its id and the KR ids
            else:
                self.book = with_revision(self.book, answer["workbook_revision"])
            self.synced = True
        return status

    def read(self) -> int:
        status, data = self.call("GET", f"/api/teams/{self.team.replace(' ', '%20')}")
        if status == 200 and not self.krs:
            view = json.loads(data)
            self.krs = [k["id"] for o in view["objectives"] for k in o["key_results"] if k.get("id")]
        return status

    def checkin(self) -> int:
        if not self.krs:
            return self.read()
        body = json.dumps({"value": random.uniform(0, 100), "confidence": 0.6, "note": "load"}).encode()
        return self.call(
            "POST", f"/api/key-results/{random.choice(self.krs)}/checkins", body, {"Content-Type": "application/json"}
        )[0]


def _error_code(status: int, data: bytes) -> str:
    try:
        return f"{status} {json.loads(data)['error']['code']}"
    except (ValueError, KeyError, TypeError):
        return str(status)


def run_mix(port: int, clients: int, seconds: float, first: int, token, probe) -> Run:  # type: ignore[no-untyped-def]
    """Every client runs the mix for ``seconds``; (latency, status) per kind, errors and CPU used."""
    results: dict[str, list[tuple[float, int]]] = {k: [] for k, _ in MIX}
    errors: dict[tuple[str, str], int] = {}
    lock = threading.Lock()
    ready = [Client(port, first + i, token(first + i)) for i in range(clients)]
    for c in ready:  # the first sync and read are set-up, not measured
        c.sync()
        c.read()
        c.errors.clear()
    stop = time.monotonic() + seconds

    def loop(c: Client) -> None:
        rng = random.Random(c.index)
        while time.monotonic() < stop:
            kind = rng.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
            seen = len(c.errors)
            began = time.perf_counter()
            try:
                status = getattr(c, kind)()
            except Exception as exc:  # noqa: BLE001  (a dropped connection counts as an error)
                status = 0
                c.errors.append(f"no answer: {type(exc).__name__}")
            with lock:
                results[kind].append((time.perf_counter() - began, status))
                for code in c.errors[seen:]:
                    errors[(kind, code)] = errors.get((kind, code), 0) + 1

    threads = [threading.Thread(target=loop, args=(c,)) for c in ready]
    cpu_before = probe()
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):  # sample the backends while they live (the pool closes some)
        time.sleep(1)
        probe()
    for t in threads:
        t.join()
    cpu_after = probe()
    return Run(results, errors, {k: cpu_after[k] - cpu_before.get(k, 0.0) for k in cpu_after})


@dataclass
class Run:
    results: dict[str, list[tuple[float, int]]]
    errors: dict[tuple[str, str], int]  # (kind, "403 not_your_key_result") -> count
    cpu: dict[str, float]  # CPU seconds used during the run, by part


class Autovacuum(threading.Thread):
    """ANALYZE the bench's database every ``every`` seconds while the clients run, as PostgreSQL's
    autovacuum does on a production server (it analyses a table a minute or so after a tenth of it
    changed). Started only where the server runs without it (``SHOW autovacuum``: off, as on this
    project's test machines): without statistics the planner takes every table for empty and
    joins check-ins to key results by scanning them all, for every key result."""

    def __init__(self, url: str, every: float) -> None:
        super().__init__(daemon=True)
        self.url, self.every, self.runs = url, every, 0
        self.stopped = threading.Event()

    @staticmethod
    def needed(admin_url: str) -> bool:
        import psycopg

        with psycopg.connect(admin_url, autocommit=True) as conn:
            return conn.execute("SHOW autovacuum").fetchone()[0] == "off"  # type: ignore[index]

    def analyze(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("ANALYZE")
        self.runs += 1

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            self.analyze()


class CpuProbe:
    """CPU seconds used so far by okr serve (master and workers), the PostgreSQL backends of the
    bench's database, and this process (the clients and the identity platform), from /proc."""

    def __init__(self, server_pid: int, admin_url: str, database: str) -> None:
        self.server_pid, self.admin_url, self.database = server_pid, admin_url, database
        self.tick = os.sysconf("SC_CLK_TCK")
        self.seen: dict[int, float] = {}  # a backend that closed keeps counting with its last figure

    def __call__(self) -> dict[str, float]:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            backends = [
                row[0]
                for row in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                    (self.database,),
                )
            ]
        for pid in backends:
            self.seen[pid] = self._cpu(pid) or self.seen.get(pid, 0.0)
        serve = [self.server_pid, *self._children(self.server_pid)]
        return {
            "okr serve": sum(self._cpu(pid) for pid in serve),
            "PostgreSQL": sum(self.seen.values()),
            "clients": time.process_time(),
        }

    def _cpu(self, pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / self.tick  # utime + stime

    @staticmethod
    def _children(pid: int) -> list[int]:
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(stat.parent.name))
            except (OSError, ValueError, IndexError):
                continue
        return found


def summary(results: dict[str, list[tuple[float, int]]], seconds: float) -> dict[str, dict[str, float]]:
    out = {}
    for kind, rows in results.items():
        times = sorted(t for t, s in rows if s and s < 500)
        out[kind] = {
            "n": len(rows),
            "p50": statistics.median(times) if times else float("nan"),
            "p95": times[int(0.95 * (len(times) - 1))] if times else float("nan"),
            "5xx": sum(1 for _, s in rows if s >= 500),
            "other_errors": sum(1 for _, s in rows if s == 0 or 400 <= s < 500),
            "per_s": len(rows) / seconds,
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16, help="Clients running the mix at once, never pausing.")
    parser.add_argument("--seconds", type=float, default=60, help="How long the clients run the mix.")
    parser.add_argument("--baseline-seconds", type=float, default=20, help="How long 1 client runs it first.")
    parser.add_argument("--tenants", type=int, default=16, help="Organisations the clients belong to.")
    parser.add_argument("--workers", type=int, default=2, help="okr serve --workers")
    parser.add_argument(
        "--threads",
        type=int,
        default=DEFAULT_THREADS,
        help=f"okr serve --threads (its default: {DEFAULT_THREADS}; 1: sync workers)",
    )
    parser.add_argument(
        "--analyze-every",
        type=float,
        default=30,
        help="Where the server's autovacuum is off: ANALYZE this often, as autovacuum would (0: never).",
    )
    parser.add_argument("--file", action="store_true", help="Every sync asks for the updated file (?include=workbook).")
    parser.add_argument(
        "--database",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="A PostgreSQL server where a throwaway database is made (and dropped).",
    )
    args = parser.parse_args()
    Client.file = args.file

    import psycopg

    admin_url = args.database.replace("+psycopg", "")
    name = f"okr_load_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        from tests.auth.identity_server import IdentityServer

        identity = IdentityServer(Path(tmp)).start()
        client_id, secret = identity.register_client()
        tenants = [str(uuid.uuid4()) for _ in range(args.tenants)]
        baseline_tenant = str(uuid.uuid4())  # the 1-client run shares no tenant (nor its people) with the load

        def token(client: int) -> str:
            # one person per client: an address is bound to the first object id that used it in a
            # tenant, so two clients signed in as one address with two ids would be refused as impostors
            where = baseline_tenant if client >= BASELINE else tenants[client % len(tenants)]
            return identity.user_token(
                where, str(uuid.uuid4()), client_id, preferred_username=f"user{client}@example.com"
            )

        env = {k: v for k, v in os.environ.items() if not k.startswith(("OKR_", "DATABASE_URL"))}
        env.update(
            {
                "OKR_CLIENT_ID": client_id,
                "OKR_CLIENT_SECRET": secret,
                "OKR_AUTHORITY": identity.base_url,
                "OKR_CA_BUNDLE": str(identity.ca_path),
                "OKR_ALLOWED_TENANTS": ",".join([*tenants, baseline_tenant]),
            }
        )
        env.update(
            {
                "DATABASE_URL": args.database.rsplit("/", 1)[0] + f"/{name}",
                "OKR_INSTANCE_PATH": tmp,
                "OKR_RATE_LIMIT_UPLOADS": "1000000 per minute",
                "OKR_RATE_LIMIT_DEFAULT": "1000000 per minute",
                "OKR_RATE_LIMIT_UPLOAD_MB": "1000000 per hour",
            }
        )
        log = open(Path(tmp) / "serve.log", "wb")
        server = subprocess.Popen(
            [str(OKR), "serve", "--port", str(port), "--workers", str(args.workers), "--threads", str(args.threads)],
            env=env,
            cwd=tmp,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_listening(port, server)
            probe = CpuProbe(server.pid, admin_url, name)
            vacuum = None
            if args.analyze_every > 0 and Autovacuum.needed(admin_url):
                vacuum = Autovacuum(admin_url.rsplit("/", 1)[0] + f"/{name}", args.analyze_every)
                vacuum.start()
            load_before = os.getloadavg()
            base_run = run_mix(port, 1, args.baseline_seconds, BASELINE, token, probe)
            load_run = run_mix(port, args.clients, args.seconds, 0, token, probe)
            load_after = os.getloadavg()
            args.analyzed = vacuum.runs if vacuum else None
            if vacuum:
                vacuum.stopped.set()
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
            log.close()
            identity.stop()
            errors = log_errors((Path(tmp) / "serve.log").read_text(errors="replace"))
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    report(args, base_run, load_run, errors, (load_before, load_after))


def log_errors(log: str) -> list[str]:
    """The server log's ERROR lines, each traceback as its exception line (what went wrong, not where)."""
    lines, found = log.splitlines(), []
    for i, line in enumerate(lines):
        if "ERROR" in line:
            found.append(line)
        elif line.startswith("Traceback"):
            found.append(next((x for x in lines[i + 1 :] if x and not x[0].isspace()), line))
    return found


def report(args: argparse.Namespace, base_run: Run, load_run: Run, log_errors: list[str], loadavg: tuple) -> None:  # type: ignore[type-arg]
    base, load = summary(base_run.results, args.baseline_seconds), summary(load_run.results, args.seconds)
    print(
        f"okr serve --workers {args.workers} --threads {args.threads} on PostgreSQL; {args.clients} clients "
        f"in {args.tenants} tenant(s) for {args.seconds:.0f} s (baseline: 1 client, {args.baseline_seconds:.0f} s); "
        f"each workbook 50 KRs; syncs {'return the file' if args.file else 'as the pane'}; "
        f"{_statistics(args)}; load average {loadavg[0][0]:.1f} before, {loadavg[1][0]:.1f} after "
        f"({os.cpu_count()} CPUs)"
    )
    print(
        f"{'kind':<8} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'5xx':>4} {'4xx/err':>7} {'req/s':>6} | "
        f"{'1-client p50':>12} {'p95':>6} | {'p95 x':>6}"
    )
    for kind, _ in MIX:
        r, b = load[kind], base[kind]
        print(
            f"{kind:<8} {r['n']:>6} {r['p50'] * 1000:>8.0f} {r['p95'] * 1000:>8.0f} {r['5xx']:>4} "
            f"{r['other_errors']:>7} {r['per_s']:>6.1f} | {b['p50'] * 1000:>12.0f} {b['p95'] * 1000:>6.0f} | "
            f"{r['p95'] / b['p95']:>6.1f}"
        )
    total = sum(r["n"] for r in load.values())
    for label, run in (("load", load_run), ("1 client", base_run)):
        for (kind, code), count in sorted(run.errors.items()):
            print(f"  {label}: {kind}: {count} x {code}")
    print(f"total {total} requests, {total / args.seconds:.1f}/s; server log errors: {len(log_errors)}")
    for line in log_errors[:5]:  # enough to tell a crash from a worker stopped at the end
        print(f"  server log: {line[:300]}")
    for label, run in (("load", load_run), ("1 client", base_run)):
        n = sum(len(rows) for rows in run.results.values()) or 1
        parts = ", ".join(f"{part} {seconds / n * 1000:.1f}" for part, seconds in run.cpu.items())
        print(f"CPU ms per request ({label}): {parts}")
    goals = (all(r["5xx"] == 0 for r in load.values()), load["sync"]["p95"] < 1.0, load["read"]["p95"] < 0.2)
    print(
        f"goals: no 5xx {'met' if goals[0] else 'MISSED'}; p95 sync < 1 s {'met' if goals[1] else 'MISSED'}; "
        f"p95 read < 200 ms {'met' if goals[2] else 'MISSED'}"
    )


def _statistics(args: argparse.Namespace) -> str:
    """Who kept the planner's statistics during the run."""
    if args.analyzed is not None:
        return f"ANALYZE every {args.analyze_every:.0f} s ({args.analyzed} runs)"
    return "no ANALYZE (--analyze-every 0)" if args.analyze_every <= 0 else "the server's autovacuum"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_listening(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("okr serve stopped")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("okr serve did not listen")


if __name__ == "__main__":
    main()
