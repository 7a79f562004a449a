"""``okr serve``: the app under gunicorn, a production WSGI server.

Each worker builds its own app (nothing is loaded before the fork, so no database
connection or thread is shared between processes). Requests have a time limit: a sync
worker busy longer than ``timeout`` seconds on one request is killed and replaced, and its
client gets an error instead of waiting forever. Uploads are limited by the app itself
(``OKR_MAX_UPLOAD_MB``: 413 before the body is parsed); gunicorn limits the request line and
headers.

Workers are threaded (gthread, ``threads`` 16 by default): with one request at a time per process
(gunicorn's sync workers), a team page that takes milliseconds waits in the queue behind whatever
syncs came first, and under load every request takes as long as the queue (bench/load_bench.py:
16 clients on 2 workers, reads p50 1.1-1.3 s with 1 thread against 0.2 s with 8, on the same busy
machine). With threads, requests share the CPU and each takes time in proportion to its own work,
as long as every request in progress has a thread: a keep-alive connection stays with the worker
that accepted it, so one worker can hold more than half of the clients, and with 8 threads the
ninth request waited for a thread behind syncs (p95 read 241 ms with 8, 178 ms with 16, one series).
Sharing the CPU evenly is still unkind to a quick read when many syncs run at once: each worker
therefore reads at most two workbooks at a time and queues the rest (``addin/api/workbook_turns``).
The price: ``timeout`` then only catches a worker that hangs as a whole, not one slow request
(a sync is bounded by OKR_MAX_KR_ROWS instead). ``threads=1`` gives the sync workers back. The access log
never holds a calendar feed's secret (``redact_feed_urls``).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from addin.config import DEFAULT_REQUEST_TIMEOUT, DEFAULT_THREADS

if TYPE_CHECKING:
    from flask import Flask

_FEED_SECRET = re.compile(r"(/feeds/)[^/\s?#\"]+?(\.ics)")


@dataclass(frozen=True, slots=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 5000
    workers: int = 2
    threads: int = DEFAULT_THREADS
    timeout: int = DEFAULT_REQUEST_TIMEOUT  # OKR_REQUEST_TIMEOUT, or okr serve --timeout
    certfile: str | None = None
    keyfile: str | None = None
    # addresses of the TLS proxy whose X-Forwarded-* headers are believed
    forwarded_allow_ips: str = "127.0.0.1,::1"
    access_log: bool = True

    def gunicorn_settings(self) -> dict[str, Any]:
        """The gunicorn settings these options stand for."""
        settings: dict[str, Any] = {
            "bind": [f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"],
            "workers": self.workers,
            "threads": self.threads,
            "worker_class": "gthread" if self.threads > 1 else "sync",
            "timeout": self.timeout,
            "graceful_timeout": 30,
            "keepalive": 5,
            # request line and headers: gunicorn's own limits, stated (bodies: OKR_MAX_UPLOAD_MB)
            "limit_request_line": 8190,
            "limit_request_fields": 100,
            "limit_request_field_size": 16384,
            "forwarded_allow_ips": self.forwarded_allow_ips,
            "accesslog": "-" if self.access_log else None,
            "logger_class": AccessLogWithoutSecrets,
            "errorlog": "-",
            "proc_name": "okr-serve",
            "post_worker_init": _post_worker_init,
            "worker_exit": _worker_exit,
            # gunicorn 25.1+ opens a control socket at one path per user ($HOME/.gunicorn/gunicorn.ctl):
            # two servers of one user would take it from each other, and okr serve has no use for it
            "control_socket_disable": True,
        }
        if self.certfile:
            settings["certfile"] = self.certfile
            settings["keyfile"] = self.keyfile
        return settings


_NEWER_GUNICORN_ONLY = frozenset({"control_socket_disable"})  # 25.1+: left out where the installed one lacks it


class _Server(BaseApplication):
    def __init__(self, options: ServeOptions) -> None:
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self._options.gunicorn_settings().items():
            if value is None or (name in _NEWER_GUNICORN_ONLY and name not in self.cfg.settings):
                continue
            self.cfg.set(name, value)

    def load(self) -> Flask:
        # in the worker, after the fork: each process has its own app and engine
        from addin.wsgi import app

        return app


def redact_feed_urls(text: str) -> str:
    """``text`` with every calendar feed URL's secret blanked out: logs are copied to files and
    log services, and a working feed URL must not travel with them."""
    return _FEED_SECRET.sub(r"\1(secret)\2", text)


class AccessLogWithoutSecrets(Logger):
    """gunicorn's logger, its access lines (request line, path, referrer, any header) redacted."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        return {k: redact_feed_urls(v) if isinstance(v, str) else v for k, v in atoms.items()}


def run(options: ServeOptions) -> None:
    """Serve until stopped (SIGTERM / Ctrl-C: the workers finish their requests first)."""
    _Server(options).run()


# How long a thread holding the GIL runs before a waiting one may take it (Python's default: 5 ms).
# A team page makes about ten database round trips; after each, its thread waits for the GIL
# while a sync's thread computes, up to the whole interval: with 5 ms a page under load waited
# ~50 ms for the GIL alone. 1 ms shares the worker between short and long requests more finely.
GIL_SWITCH_SECONDS = 0.001


def _post_worker_init(worker: Any) -> None:
    """Share the GIL finely between a worker's threads; start its in-process jobs when no broker is configured."""
    from addin.jobs.inprocess import start_in_worker

    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    start_in_worker()


def _worker_exit(server: Any, worker: Any) -> None:
    from addin.jobs.inprocess import stop_in_worker

    stop_in_worker()
