"""Fixtures for the jobs tests: Redis (skipped when none answers), a Celery worker as a subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.auth.conftest import identity, identity_server  # noqa: F401  (the local identity platform)
from tests.outlook.conftest import (  # noqa: F401
    graph_calendar,
    graph_server,
    make_okrs,
    sleeps,
    store_okrs,
)

REDIS_URL = os.environ.get("OKR_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
OKR = Path(sys.executable).with_name("okr")


@pytest.fixture
def redis_url() -> str:
    """The local Redis, or the test is skipped with the reason."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis answers at {REDIS_URL} ({exc}); start redis-server to run the queue tests")
    return REDIS_URL


@pytest.fixture
def queue_name(redis_url: str) -> Iterator[str]:
    """A queue of this test's own (other processes may share the Redis); emptied afterwards."""
    import redis

    name = f"okr-test-{uuid.uuid4().hex[:12]}"
    yield name
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"*{name}*"):
        client.delete(key)
    client.close()


class Workers:
    """``okr worker`` subprocesses (each its own process group, so a kill takes its pool too)."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.env, self.folder = env, folder
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        log = open(self.folder / f"worker-{len(self.processes)}.log", "wb")
        process = subprocess.Popen(
            [str(OKR), "worker", *args],
            env=self.env,
            cwd=self.folder,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """SIGKILL the worker and its pool: no warm shutdown, no chance to hand tasks back."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.folder.glob("worker-*.log")))

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.kill(process)


@pytest.fixture
def workers(tmp_path: Path) -> Iterator:
    made: list[Workers] = []

    def make(env: dict[str, str]) -> Workers:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("OKR_", "DATABASE_URL"))}
        w = Workers({**base, **env}, tmp_path)
        made.append(w)
        return w

    yield make
    for w in made:
        w.stop_all()
