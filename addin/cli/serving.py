"""`okr` commands that run the service: serve, manifest, worker."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from addin.cli.base import _config, _fail, handles_errors, main
from addin.config import DEFAULT_THREADS, broker_url, forwarded_allow_ips, load_dotenv, reloader_child, request_timeout

if TYPE_CHECKING:  # imported when a command runs (a quick `okr --help`)
    from addin.tls import TlsFiles


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
    from addin.server import ServeOptions, run

    run(
        ServeOptions(
            host=host,
            port=port,
            workers=workers,
            threads=threads,
            timeout=timeout or request_timeout(),
            certfile=str(tls.cert) if tls else None,
            keyfile=str(tls.key) if tls else None,
            forwarded_allow_ips=forwarded_allow_ips(),
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
    if reloader_child():  # the reloaded child, not the watcher
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
    if not broker_url():
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
