"""The `okr` command: template, lint, sync, checkin, status, schedule, refresh-invites, retro, next-quarter,
attach-retro, audit, tenants, serve, manifest, worker.

Exit codes: 0 success; 1 OKR findings of severity error (lint), or conflicts, rows held back or
nothing stored (sync);
2 unreadable or invalid input, with a one-line reason on stderr and never a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from addin.config import Config, cadence_settings, clock, load_dotenv
from addin.errors import OkrError
from addin.files import write_atomically

if TYPE_CHECKING:  # the commands import their modules when they run (a quick `okr --help`)
    from addin.okr.model import Finding
    from addin.outlook.calendar import Calendar
    from addin.store.db import Database, Session
    from addin.tls import TlsFiles

EXIT_FINDINGS = 1
EXIT_INVALID = 2
DEFAULT_THREADS = 8  # addin/server.py says why (a read is not queued behind another request's sync)


def _fail(message: str, code: int = EXIT_INVALID) -> None:
    click.echo(f"okr: {message}", err=True)
    sys.exit(code)


def handles_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the project's errors into one line on stderr and exit code 2."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except OkrError as exc:
            where = ", ".join(f"{k} {v}" for k, v in exc.details.items() if k in ("sheet", "cell", "row", "field"))
            _fail(f"{exc.message}" + (f" ({where})" if where else "") + f" [{exc.code}]")

    return wrapper


def _now() -> dt.datetime:
    return clock()


def _config() -> Config:
    load_dotenv()
    return Config.from_env()


def _database(config: Config) -> Database:
    from addin.store.db import Database

    config.instance_path.mkdir(parents=True, exist_ok=True)
    db = Database(config.database_url)
    db.create_schema()
    return db


def _read_file(path: Path, config: Config) -> bytes:
    size = path.stat().st_size
    if size > config.max_upload_bytes:
        raise OkrError(
            f"{path.name} is {size // (1024 * 1024)} MB, over the {config.max_upload_bytes // (1024 * 1024)} MB limit.",
            code="workbook_too_large",
        )
    return path.read_bytes()


def _print_findings(findings: list[Finding], *, limit: int = 200) -> None:
    for finding in findings[:limit]:
        where = finding.location.describe()
        click.echo(f"{finding.severity:<7} {finding.pitfall or finding.rule:<28} {where}: {finding.message}")
        if finding.suggestion:
            click.echo(f"{'':<37}→ {finding.suggestion}")
    if len(findings) > limit:
        click.echo(f"… and {len(findings) - limit} more (use --json for all)")


existing_file = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group()
@click.version_option(package_name="okr-cadence")
def main() -> None:
    """OKR Cadence: keep OKRs alive in Excel, Outlook and Word."""


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--sample", is_flag=True, help="Fill it with a realistic example organisation.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@handles_errors
def template(path: Path, sample: bool, force: bool) -> None:
    """Write a starter OKR workbook to PATH."""
    from addin.excel.template import write_template

    if path.exists() and not force:
        _fail(f"{path} already exists; choose another name or pass --force.")
    write_atomically(path, write_template(sample=sample, today=_now().date()))
    click.echo(f"Wrote {path}" + (" with a sample organisation" if sample else ""))


@main.command("lint")
@click.argument("path", type=existing_file)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option("--quarter", help="Quarter such as 2026-Q4 (default: the workbook's Settings).")
@handles_errors
def lint_command(path: Path, as_json: bool, quarter: str | None) -> None:
    """Check the OKRs in PATH against the known OKR pitfalls."""
    from addin.excel.sync import lint_workbook
    from addin.store import repo
    from addin.store.db import database_exists

    config = _config()
    history = []  # the history rules (stale, pace) use stored check-ins, where there are any
    if database_exists(config.database_url):
        with _database(config).read() as session:
            history = repo.list_checkins(session, config.tenant)
    report = lint_workbook(_read_file(path, config), today=_now().date(), quarter=quarter, history=history)
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        click.echo(report.layout_note)
        _print_findings(report.findings)
        click.echo(f"{len(report.findings)} finding(s)")
    sys.exit(EXIT_FINDINGS if report.has_errors else 0)


@main.command()
@click.argument("path", type=existing_file)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the updated workbook here instead of updating PATH.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option("--quarter", help="Quarter such as 2026-Q4 (default: the workbook's Settings).")
@click.option(
    "--mapping",
    "mapping_path",
    type=existing_file,
    help="Read the sheets and columns as this mapping says (JSON, see `okr map`); it is saved for "
    "the workbook's later syncs.",
)
@handles_errors
def sync(path: Path, out: Path | None, as_json: bool, quarter: str | None, mapping_path: Path | None) -> None:
    """Validate and store the OKRs in PATH, and write their status back."""
    from addin.excel.mapping import parse_mapping
    from addin.excel.sync import conflict_as_dict, sync_workbook

    config = _config()
    mapping = parse_mapping(_read_file(mapping_path, config)) if mapping_path else None
    report = sync_workbook(
        _database(config), config.tenant, _read_file(path, config), now=_now(), quarter=quarter, mapping=mapping
    )
    if report.written_back:
        write_atomically(out or path, report.workbook)
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, default=str))
    else:
        click.echo(report.summary)
        click.echo(report.layout_note)
        click.echo(
            f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
            f"archived {report.archived}, check-ins {report.checkins}"
        )
        for conflict in report.conflicts:
            c = conflict_as_dict(conflict)
            click.echo(
                f"CONFLICT {c['key_result']} {c['field']}: workbook {c['workbook']!r}, "
                f"stored {c['stored']!r} (both changed since the last sync)"
            )
        _print_findings(report.findings)
        if report.written_back:
            click.echo(f"Wrote {out or path}")
    # 1 when anything the workbook says was not stored: a conflict, a row held back, or nothing at all
    sys.exit(EXIT_FINDINGS if report.conflicts or report.incomplete else 0)


@main.group("import")
def import_group() -> None:
    """Turn another tool's export into an OKR Cadence workbook."""


@import_group.command("viva-goals")
@click.argument("export", type=existing_file)
@click.option(
    "-o", "--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The workbook to write (.xlsx)."
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@handles_errors
def import_viva_goals(export: Path, out: Path, force: bool) -> None:
    """Write EXPORT (a Viva Goals export, .xlsx or .csv) as a workbook: objectives, key results, initiatives,
    owners, values and teams."""
    from addin.excel.viva_import import import_export

    if out.exists() and not force:
        _fail(f"{out} exists; use --force to overwrite it.")
    imported = import_export(_read_file(export, _config()), today=_now().date())
    write_atomically(out, imported.workbook)
    click.echo(
        f"Wrote {out}: {imported.objectives} objectives, {imported.key_results} key results, "
        f"{imported.initiatives} initiatives. Next: okr sync {out}"
    )


@main.command("map")
@click.argument("path", type=existing_file)
@click.option("--json", "as_json", is_flag=True, help="Print the mapping as JSON (the format --mapping reads).")
@click.option("--quarter", help="Quarter such as 2026-Q4 (default: the workbook's Settings).")
@handles_errors
def map_command(path: Path, as_json: bool, quarter: str | None) -> None:
    """Show how PATH's sheets and columns are read: the mapping, with how sure it is."""
    from addin.excel.mapping import describe
    from addin.excel.reader import propose_mapping

    # when no table is found, each sheet's likeliest header row and columns: a mapping to complete
    mapping, refusal = propose_mapping(_read_file(path, _config()), quarter=quarter, today=_now().date())
    if as_json:
        click.echo(mapping.to_json())
    else:
        if refusal:
            click.echo(refusal)
        click.echo(describe(mapping))
    sys.exit(EXIT_FINDINGS if refusal else 0)


@main.command()
@click.argument("kr_id")
@click.argument("value", type=float)
@click.option("--confidence", help="0–1, 0–10, 0–100 %, Low/Medium/High or 🙂 🤔 😟.")
@click.option("--note", default="", help="What moved, or what blocks it.")
@handles_errors
def checkin(kr_id: str, value: float, confidence: str | None, note: str) -> None:
    """Record a check-in: KR_ID now stands at VALUE."""
    import math

    from addin.okr.values import parse_confidence
    from addin.store import repo

    if not math.isfinite(value):
        _fail("VALUE must be a finite number.")
    try:
        conf = parse_confidence(confidence) if confidence is not None else None
    except ValueError as exc:
        _fail(f"--confidence: {exc}")
    config = _config()
    db = _database(config)
    with db.transaction() as session:
        recorded = repo.record_checkin(
            session, config.tenant, kr_id, value=value, confidence=conf, note=note, at=_now(), source="cli"
        )
        _audit(
            session,
            config.tenant,
            "checkin",
            target=recorded.kr_id,
            details={"value": recorded.value, "confidence": recorded.confidence},
        )
    click.echo(
        f"Checked in {recorded.kr_id}: {recorded.value:g}"
        + (f", confidence {recorded.confidence:.0%}" if recorded.confidence is not None else "")
    )


def _audit(session: Session, tenant: str, action: str, **kwargs: Any) -> None:
    """Record a CLI write in the audit trail; the CLI acts as the local admin (whoever runs it)."""
    from addin.okr.authority import LOCAL_ADMIN
    from addin.store import audit

    audit.record(session, tenant, LOCAL_ADMIN, action, at=_now(), **kwargs)


@main.command("audit")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 500))
@click.option(
    "--action",
    type=click.Choice(
        ["sync", "checkin", "lead-change", "settings-change", "meeting-change", "tenant-onboard", "tenant-offboard"]
    ),
    help="Only this kind of write.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@handles_errors
def audit_command(limit: int, action: str | None, as_json: bool) -> None:
    """Show the audit trail: who changed what, when (newest first)."""
    from addin.store import audit

    config = _config()
    with _database(config).read() as session:
        entries = audit.entries(session, config.tenant, limit=limit, action=action)
    if as_json:
        click.echo(json.dumps({"entries": [e.as_dict() for e in entries]}, ensure_ascii=False))
        return
    if not entries:
        click.echo("No writes recorded yet.")
    for e in entries:
        details = ", ".join(f"{k}={v}" for k, v in e.details.items() if not isinstance(v, list | dict))
        click.echo(
            f"{e.at:%Y-%m-%d %H:%M:%S}  {e.action:<15} {e.actor_name or e.actor} ({e.actor})  {e.target}  {details}"
        )


@main.group("tenants")
def tenants_group() -> None:
    """The organisations that may sign in: list them, add one, offboard one (audited in its trail)."""


@tenants_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@handles_errors
def tenants_list(as_json: bool) -> None:
    """Every tenant onboarded or offboarded here, and those OKR_ALLOWED_TENANTS lists."""
    from addin.store.tenants import list_tenants

    with _database(_config()).read() as session:
        records = list_tenants(session)
    rows = [
        {
            "tenant": r.tenant_id,
            "state": r.state,
            "onboarded_at": r.onboarded_at.isoformat(),
            "onboarded_by": r.onboarded_by,
            "offboarded_at": r.offboarded_at.isoformat() if r.offboarded_at else None,
            "offboarded_by": r.offboarded_by,
        }
        for r in records
    ]
    recorded = {r.tenant_id for r in records}
    rows += [{"tenant": t, "state": "listed in OKR_ALLOWED_TENANTS"} for t in sorted(_allowed_tenants() - recorded)]
    if as_json:
        click.echo(json.dumps({"tenants": rows}, ensure_ascii=False))
    elif not rows:
        click.echo("No tenants onboarded yet.")
    else:
        _print_table(
            [["tenant", "state", "since", "by"]]
            + [
                [
                    str(r["tenant"]),
                    str(r["state"]),
                    (r.get("offboarded_at") or r.get("onboarded_at") or "")[:19],
                    r.get("offboarded_by") or r.get("onboarded_by") or "",
                ]
                for r in rows
            ]
        )


@tenants_group.command("add")
@click.argument("tenant_id")
@handles_errors
def tenants_add(tenant_id: str) -> None:
    """Let a tenant's users sign in (as its admin's consent at /onboard does), or bring an offboarded one back."""
    from addin.okr.authority import LOCAL_ADMIN
    from addin.tenancy import onboard_tenant

    record = onboard_tenant(
        _database(_config()), _tenant_id(tenant_id), actor=LOCAL_ADMIN, by="okr tenants add", now=_now()
    )
    click.echo(f"Tenant {record.tenant_id} is {record.state}: its users can sign in.")


@tenants_group.command("offboard")
@click.argument("tenant_id")
@handles_errors
def tenants_offboard(tenant_id: str) -> None:
    """Stop a tenant's sign-ins, as its admin's DELETE /api/tenant does; its data stays."""
    from addin.okr.authority import LOCAL_ADMIN
    from addin.store.tenants import list_tenants
    from addin.tenancy import offboard_tenant

    tenant = _tenant_id(tenant_id)
    db = _database(_config())
    with db.read() as session:
        known = {r.tenant_id for r in list_tenants(session)} | _allowed_tenants()
    if tenant not in known:  # a mistyped id would otherwise "succeed" and stop nobody
        raise OkrError(
            f"No tenant {tenant} was onboarded here or is listed in OKR_ALLOWED_TENANTS (okr tenants list).",
            code="tenant_not_found",
            field="tenant",
        )
    record = offboard_tenant(db, tenant, actor=LOCAL_ADMIN, now=_now())
    click.echo(f"Tenant {record.tenant_id} is {record.state}: its users can no longer sign in; its data is kept.")


def _allowed_tenants() -> frozenset[str]:
    """OKR_ALLOWED_TENANTS, as the server reads it (sign-in settings that do not hold: exit 2)."""
    from auth import AuthConfig

    try:
        return AuthConfig.from_env().allowed_tenants
    except ValueError as exc:
        raise OkrError(str(exc), code="bad_configuration") from exc


def _tenant_id(raw: str) -> str:
    from auth.config import is_guid

    tenant = raw.strip().lower()
    if not is_guid(tenant):
        raise OkrError(
            f"{raw!r} is not a tenant id (a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47).",
            code="bad_tenant_id",
            field="tenant",
        )
    return tenant


@main.command()
@click.option("--team", help="Only this team.")
@click.option("--quarter", help="Quarter such as 2026-Q4.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@handles_errors
def status(team: str | None, quarter: str | None, as_json: bool) -> None:
    """Show every team's OKRs with their status."""
    from addin.status import okr_status

    config = _config()
    views = okr_status(_database(config), config.tenant, today=_now().date(), team=team, quarter=quarter)
    if as_json:
        click.echo(json.dumps({"teams": [v.as_dict() for v in views]}, ensure_ascii=False))
        return
    if not views:
        click.echo("No OKRs stored yet: run `okr sync WORKBOOK` first.")
    for view in views:
        score = f"{view.score:.2f}" if view.score is not None else "–"
        click.echo(f"{view.team} · {view.quarter.label} · score {score}")
        for objective in view.objectives:
            click.echo(f"  {objective.objective.title}")
            for kr in objective.key_results:
                progress = f"{kr.status.progress:.0%}" if kr.status.progress is not None else "–"
                click.echo(f"    [{kr.status.status:<11}] {progress:>5}  {kr.kr.id or '':<10} {kr.kr.title}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="Worker processes (gunicorn)."
)
@click.option(
    "--threads",
    default=DEFAULT_THREADS,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Threads per worker: requests in flight at once per process (1: one at a time, gunicorn's sync workers).",
)
@click.option(
    "--timeout",
    default=None,
    type=click.IntRange(5, 3600),
    help="Seconds a request may take before its worker is replaced (OKR_REQUEST_TIMEOUT, 120).",
)
@click.option(
    "--https",
    "use_https",
    is_flag=True,
    help="Serve HTTPS with a localhost certificate from a local CA made in the instance folder.",
)
@click.option("--dev", is_flag=True, help="Flask's development server with the reloader (one process).")
@handles_errors
def serve(host: str, port: int, workers: int, threads: int, timeout: int | None, use_https: bool, dev: bool) -> None:
    """Run the API and the task panes (gunicorn; --dev: Flask's reloader)."""
    config = _config()
    _refuse_unsafe_serving(host)
    tls = None
    if use_https:
        from addin.tls import ensure_localhost_certificate

        tls = ensure_localhost_certificate(config.instance_path)
        click.echo(f"HTTPS with {tls.cert}; trust the CA {tls.ca_cert} once (README: Sideloading).")
    scheme = "https" if tls else "http"
    shown = "localhost" if use_https and host in ("127.0.0.1", "::1") else host
    click.echo(f"OKR Cadence on {scheme}://{shown}:{port}/  (API description: /api/openapi.json)")
    if dev:
        _serve_dev(host, port, tls)
        return
    from addin.server import DEFAULT_TIMEOUT, ServeOptions, run

    run(
        ServeOptions(
            host=host,
            port=port,
            workers=workers,
            threads=threads,
            timeout=timeout or int(os.environ.get("OKR_REQUEST_TIMEOUT", DEFAULT_TIMEOUT)),
            certfile=str(tls.cert) if tls else None,
            keyfile=str(tls.key) if tls else None,
            forwarded_allow_ips=os.environ.get("OKR_FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
        )
    )


def _refuse_unsafe_serving(host: str) -> None:
    """Fail closed: a broken sign-in configuration, or no sign-in on a non-loopback host, never serves."""
    from addin import create_app
    from addin.api.security import LOOPBACK_HOSTS
    from auth import AuthConfig

    try:
        sign_in = AuthConfig.from_env().enabled
        if not sign_in and host.strip("[]").lower() not in LOOPBACK_HOSTS:
            _fail(
                f"refusing to serve {host} without sign-in: anyone reaching it would act as the local "
                "admin. Use --host 127.0.0.1 or configure sign-in (OKR_CLIENT_ID, OKR_ALLOWED_TENANTS)."
            )
        create_app()  # the app factory refuses a half-configured sign-in with one clear line
    except ValueError as exc:
        _fail(str(exc))


def _serve_dev(host: str, port: int, tls: TlsFiles | None) -> None:
    from addin import create_app

    app = create_app()
    if os.environ.get("WERKZEUG_RUN_MAIN") == "true":  # the reloaded child, not the watcher
        from addin.jobs.inprocess import start_in_worker

        start_in_worker()
    app.run(
        host=host,
        port=port,
        threaded=True,
        debug=True,
        use_reloader=True,
        ssl_context=(str(tls.cert), str(tls.key)) if tls else None,
    )


@main.command("manifest")
@click.option("--base-url", required=True, help="Where the add-ins are served, e.g. https://okr.example.com.")
@click.option("--client-id", required=True, help="The Entra app registration's client id (a GUID).")
@click.option(
    "-o",
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write excel-manifest.xml and outlook-manifest.xml into.",
)
@handles_errors
def manifest_command(base_url: str, client_id: str, out: Path) -> None:
    """Write both add-in manifests for a host and an app registration."""
    from addin.manifests import write_manifests

    for path in write_manifests(base_url, client_id, out):
        click.echo(f"Wrote {path}")


@main.command("worker")
@click.option("--beat", is_flag=True, help="Also keep the schedule (invite refresh, retro packs): run one.")
@click.option("--concurrency", default=2, show_default=True, type=click.IntRange(1, 64), help="Job processes.")
@click.option("--loglevel", default="INFO", show_default=True)
def worker_command(beat: bool, concurrency: int, loglevel: str) -> None:
    """Run background jobs from the queue at OKR_BROKER_URL (Celery)."""
    load_dotenv()
    if not os.environ.get("OKR_BROKER_URL"):
        _fail("OKR_BROKER_URL is not set: without a broker the jobs run inside `okr serve`.")
    from addin.jobs.celery_app import make_celery

    app = make_celery()
    argv = [
        "worker",
        f"--loglevel={loglevel}",
        f"--concurrency={concurrency}",
        "--pool=prefork",
        "--without-gossip",
        "--without-mingle",
    ]
    if beat:
        schedule = _config().instance_path / "celerybeat-schedule"
        schedule.parent.mkdir(parents=True, exist_ok=True)
        argv += ["--beat", f"--schedule={schedule}"]
    app.worker_main(argv)


def _calendar(config: Config, ics: Path | None) -> Calendar:
    """The calendar to write to: Graph with an app registration, else .ics files."""
    from addin.calendars import default_calendar

    def graph_token() -> str:
        from auth import AuthConfig, app_token

        return app_token(AuthConfig.from_env(), config.tenant, ["https://graph.microsoft.com/.default"])

    return default_calendar(config.instance_path, config.tenant, ics_dir=ics, token_provider=graph_token)


def _print_table(rows: list[list[str]]) -> None:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip())


@main.command("schedule")
@click.option("--team", help="Only this team.")
@click.option("--quarter", help="Quarter such as 2026-Q4 (default: today's quarter).")
@click.option("--dry-run", is_flag=True, help="Print the plan; touch no calendar.")
@click.option(
    "--ics",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write .ics files into this folder instead of the configured calendar.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@handles_errors
def schedule_command(team: str | None, quarter: str | None, dry_run: bool, ics: Path | None, as_json: bool) -> None:
    """Plan each team's weekly check-ins, monthly reviews and quarter-end retro."""
    from addin.outlook.schedule import schedule

    config = _config()
    report = schedule(
        _database(config),
        config.tenant,
        team=team,
        quarter=quarter,
        dry_run=dry_run,
        calendar=_calendar(config, ics),
        now=_now(),
        settings=cadence_settings(),
    )
    changed = [m for m in report.meetings if m.action in ("create", "update", "cancelled")]
    if changed and not dry_run:
        with _database(config).transaction() as session:
            _audit(
                session,
                config.tenant,
                "meeting-change",
                target=report.quarter,
                details={
                    "calendar": report.calendar,
                    "meetings": [{"team": m.team, "kind": m.kind, "action": m.action} for m in changed],
                },
            )
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        if report.meetings:
            _print_table(report.rows())
        for skipped in report.skipped:
            click.echo(f"skipped {skipped.team}: {skipped.reason}")
        for failure in report.failures:
            label = "WARNING" if failure.warning else "FAILED"
            click.echo(f"{label} {failure.team} {failure.kind}: {failure.message}", err=True)
        verb = "would create" if dry_run else "created"
        click.echo(
            f"{report.quarter} via {report.calendar}: {verb} {len(report.created)}, "
            f"updated {len(report.updated)}, unchanged {len(report.unchanged)}, "
            f"cancelled {len(report.cancelled)}"
        )
    sys.exit(0 if report.ok else EXIT_FINDINGS)


@main.command("refresh-invites")
@click.option("--within", default="48h", show_default=True, help="Occurrences starting within this (48h, 2d…).")
@click.option("--ics", type=click.Path(file_okay=False, path_type=Path), help="The .ics folder to refresh.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@handles_errors
def refresh_invites_command(within: str, ics: Path | None, as_json: bool) -> None:
    """Put the current KR status into the invites of meetings starting soon (run from cron)."""
    from addin.outlook.schedule import parse_within, refresh_invites

    config = _config()
    report = refresh_invites(
        _database(config),
        config.tenant,
        within=parse_within(within),
        now=_now(),
        calendar=_calendar(config, ics),
        settings=cadence_settings(),
    )
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        for occurrence in report.updated:
            click.echo(f"refreshed {occurrence.team} {occurrence.kind} on {occurrence.start:%Y-%m-%d %H:%M %Z}")
        for failure in report.failures:
            click.echo(f"FAILED {failure.team} {failure.kind}: {failure.message}", err=True)
        click.echo(f"refreshed {len(report.updated)}, unchanged {report.unchanged}")
    sys.exit(0 if report.ok else EXIT_FINDINGS)


@main.command("retro")
@click.option("--team", help="The team whose pack to write.")
@click.option("--all", "all_teams", is_flag=True, help="Every team: -o names a folder.")
@click.option("--quarter", help="Quarter such as 2026-Q4 (default: today's quarter).")
@click.option(
    "-o",
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    help="The .docx to write (a folder with --all).",
)
@click.option("--template", type=existing_file, help="A Word .docx whose styles restyle the pack.")
@click.option("--no-charts", is_flag=True, help="Leave the trend charts out (faster).")
@handles_errors
def retro(
    team: str | None, all_teams: bool, quarter: str | None, out: Path, template: Path | None, no_charts: bool
) -> None:
    """Write the quarter-end Word retro pack of a team (or of every team)."""
    from addin.okr.periods import view_quarter
    from addin.reports.batch import build_retro_packs
    from addin.reports.build import build_retro_pack
    from addin.reports.gather import gather_retro_input, gather_retro_inputs
    from addin.reports.naming import pack_name
    from addin.store import repo

    if bool(team) == all_teams:
        _fail("name one --team, or pass --all.")
    config = _config()
    db = _database(config)
    style = template.read_bytes() if template else None
    with db.read() as session:
        the_quarter = view_quarter(quarter, repo.load_settings(session, config.tenant), _now().date())
        if team:
            inputs = [gather_retro_input(session, config.tenant, team, the_quarter, now=_now())]
        else:
            inputs = gather_retro_inputs(session, config.tenant, the_quarter, now=_now())
    if team:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(out, build_retro_pack(inputs[0], charts=not no_charts, template=style))
        click.echo(f"Wrote {out}")
        return
    out.mkdir(parents=True, exist_ok=True)
    packs = build_retro_packs(inputs, charts=not no_charts, template=style)
    with click.progressbar(zip(inputs, packs), length=len(inputs), label="Retro packs", file=sys.stderr) as bar:
        for data, pack in bar:
            write_atomically(out / pack_name(data.team.name, the_quarter.label), pack)
    click.echo(f"Wrote {len(inputs)} pack(s) into {out}")


@main.command("next-quarter")
@click.option("--team", required=True, help="The team whose next quarter to start.")
@click.option("--quarter", help="The quarter that closes, such as 2026-Q4 (default: the team's latest).")
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The next quarter's workbook (.xlsx) to write.",
)
@handles_errors
def next_quarter(team: str, quarter: str | None, out: Path) -> None:
    """Write next quarter's workbook of a team, pre-filled from its retro's carry-over; sync it to start."""
    from addin.rollover import next_quarter_workbook

    config = _config()
    result = next_quarter_workbook(_database(config), config.tenant, team, quarter=quarter, now=_now())
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(out, result.workbook)
    click.echo(
        f"Wrote {out}: {result.opening.label} for {team}, {result.carried} key result(s) carried over "
        f"from {result.closing.label}. Edit it, then run `okr sync {out}` to start the quarter."
    )


@main.command("attach-retro")
@click.option("--within", default="7d", show_default=True, help="Retro meetings starting within this (7d, 48h…).")
@click.option("--ics", type=click.Path(file_okay=False, path_type=Path), help="The .ics folder to attach to.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@handles_errors
def attach_retro_command(within: str, ics: Path | None, as_json: bool) -> None:
    """Attach each team's retro pack to its quarter-end retro meeting before it starts."""
    from addin.outlook.retro_attach import attach_retro_packs, pack_link
    from addin.outlook.schedule import parse_within

    config = _config()
    # where the server is reachable (OKR_PUBLIC_URL): .ics packs too large to embed become a link
    public = os.environ.get("OKR_PUBLIC_URL", "").strip()
    report = attach_retro_packs(
        _database(config),
        config.tenant,
        within=parse_within(within),
        now=_now(),
        calendar=_calendar(config, ics),
        link=pack_link(public) if public else None,
    )
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        for meeting in report.meetings:
            if meeting.action != "unchanged":
                click.echo(
                    f"{meeting.action} {meeting.team} {meeting.quarter} retro pack "
                    f"({meeting.size:,} bytes) on {meeting.start:%Y-%m-%d %H:%M %Z}"
                )
        for failure in report.failures:
            click.echo(f"FAILED {failure.team} {failure.kind}: {failure.message}", err=True)
        click.echo(
            f"attached {len(report.attached)}, replaced {len(report.replaced)}, unchanged {len(report.unchanged)}"
        )
    sys.exit(0 if report.ok else EXIT_FINDINGS)
