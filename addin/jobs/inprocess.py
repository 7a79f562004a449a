"""The jobs without a broker: a thread of the ``okr serve`` worker runs them one by one.

Each web worker process has one job thread fed by a queue (a job already waiting is not
queued twice). The periodic jobs (invite refresh, retro packs) run in one worker only: the
one holding an exclusive lock on ``<instance>/jobs.lock``; if it dies the lock is released
and another worker takes over. Outside a server (the CLI, tests) ``run_soon`` runs the job
at once, in the caller's thread.
"""

from __future__ import annotations

import fcntl
import logging
import queue
import threading
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_jobs: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue()
_pending: set[tuple[str, tuple[tuple[str, Any], ...]]] = set()
_pending_lock = threading.Lock()
_threads: list[threading.Thread] = []
_stop = threading.Event()


def run_soon(job: str, kwargs: dict[str, Any]) -> None:
    """Queue ``job`` on this process's job thread (run it now if there is none)."""
    if not _threads:
        _run(job, kwargs)
        return
    key = (job, tuple(sorted(kwargs.items())))
    with _pending_lock:
        if key in _pending:
            return
        _pending.add(key)
    _jobs.put((job, kwargs))


def start_in_worker() -> None:
    """Start the job thread and the periodic scheduler (no-op with a broker: Celery has them)."""
    from addin.config import broker_url

    if broker_url() or _threads:
        return
    _stop.clear()
    for target, name in ((_consume, "okr-jobs"), (_periodic, "okr-jobs-periodic")):
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        _threads.append(thread)


def stop_in_worker() -> None:
    _stop.set()
    if _threads:
        _jobs.put(None)


def _run(job: str, kwargs: dict[str, Any]) -> None:
    from addin.jobs.registry import JOBS

    try:
        result = JOBS[job](**kwargs)
        log.info("job %s %s: %s", job, kwargs, result)
    except Exception:  # logged; the periodic run (or the next sync) tries again
        log.exception("job %s %s failed", job, kwargs)


def _consume() -> None:
    while not _stop.is_set():
        item = _jobs.get()
        if item is None:
            return
        job, kwargs = item
        with _pending_lock:
            _pending.discard((job, tuple(sorted(kwargs.items()))))
        _run(job, kwargs)


def _periodic() -> None:
    from addin.config import job_periods
    from addin.jobs import work

    periods = job_periods()
    refresh, attach = 60.0 * periods.refresh_minutes, 60.0 * periods.attach_minutes
    lock_path = Path(work.config().instance_path) / "jobs.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+b") as handle:
        while not _stop.is_set():  # wait for the lock: one worker runs the periodic jobs
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                _stop.wait(5)
        due = {"refresh_invites": time.monotonic(), "attach_retros": time.monotonic()}
        every = {"refresh_invites": refresh, "attach_retros": attach}
        while not _stop.is_set():
            for job, when in due.items():
                if time.monotonic() >= when:
                    due[job] = time.monotonic() + every[job]
                    try:
                        tenants = work.tenants_to_serve()
                    except Exception:
                        log.exception("cannot list the tenants to serve")
                        tenants = []
                    for tenant in tenants:
                        run_soon(job, {"tenant": tenant})
            _stop.wait(min(every.values()) / 10 or 1)
