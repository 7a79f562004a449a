"""Workbook uploads take turns: a worker process reads, lints and stores at most a few at once.

Reading, linting and storing a workbook is CPU work in Python (a 50-KR sync is about 45 ms of it),
and a worker process runs Python on one core at a time (the GIL). Ten syncs running at once in a
worker do not end sooner than ten in a row: they slice that core ten ways, and every team page and
check-in the worker serves meanwhile gets a tenth of it. So each worker runs at most
``OKR_WORKBOOK_SLOTS`` uploads (POST /api/sync, /api/lint and /api/map; default 2, one computing
while the other waits for the database) and the others wait their turn, first come first served,
using no CPU. One whose turn has not come within ``OKR_WORKBOOK_WAIT`` seconds (default 30) is
answered 503 with Retry-After, which the panes honour. bench/load_bench.py measures the effect
(README, "Sizing").

Turns are handed over, not raced for: the upload that ends gives its slot straight to the one
that has waited longest, so a newcomer never overtakes the queue.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app

from addin.errors import ServiceUnavailable

RETRY_AFTER_SECONDS = 5
_EXTENSION = "okr_workbook_turns"


class Turns:
    """At most ``slots`` holders at once; the rest queue in arrival order (``wait``: the app's OKR_WORKBOOK_WAIT)."""

    def __init__(self, slots: int, wait: float = 30.0) -> None:
        if slots < 1:
            raise ValueError(f"a turn needs at least one slot, got {slots}")
        self.wait = wait
        self._free = slots
        self._lock = threading.Lock()
        self._queue: deque[threading.Event] = deque()

    @property
    def waiting(self) -> int:
        """How many are queued for a turn now."""
        with self._lock:
            return len(self._queue)

    @contextmanager
    def turn(self, wait: float) -> Iterator[None]:
        """Hold a slot for the block, queueing for up to ``wait`` seconds; ServiceUnavailable if none came."""
        if not self._take_or_queue(wait):
            raise ServiceUnavailable(
                "The server is busy with other workbooks; try again in a few seconds.",
                code="server_busy",
                retry_after=RETRY_AFTER_SECONDS,
            )
        try:
            yield
        finally:
            self._hand_over()

    def _take_or_queue(self, wait: float) -> bool:
        with self._lock:
            if self._free and not self._queue:
                self._free -= 1
                return True
            mine = threading.Event()
            self._queue.append(mine)
        if mine.wait(wait):
            return True
        with self._lock:
            if mine.is_set():  # handed a slot just as the wait ran out: it is ours
                return True
            self._queue.remove(mine)
            return False

    def _hand_over(self) -> None:
        with self._lock:
            if self._queue:
                self._queue.popleft().set()  # the slot passes on without being freed
            else:
                self._free += 1


def init_workbook_turns(app: Flask) -> None:
    """One queue per app (per worker process), sized from OKR_WORKBOOK_SLOTS; a bad value refuses to start."""
    app.extensions[_EXTENSION] = Turns(_positive(app, "OKR_WORKBOOK_SLOTS"), _positive(app, "OKR_WORKBOOK_WAIT"))


@contextmanager
def workbook_turn() -> Iterator[None]:
    """This request's turn to read a workbook (see the module's docstring)."""
    turns: Turns = current_app.extensions[_EXTENSION]
    with turns.turn(turns.wait):  # read once, at start-up
        yield


def _positive(app: Flask, name: str) -> int:
    raw = str(app.config[name]).strip()
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{name} must be a positive whole number, got {raw!r}")
    return int(raw)
