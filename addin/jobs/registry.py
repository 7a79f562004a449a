"""The jobs by name (the dispatcher, the in-process runner and the Celery tasks share them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from addin.jobs import work

JOBS: dict[str, Callable[..., dict[str, Any]]] = {
    "replan_team": work.replan_team,
    "refresh_invites": work.refresh_invites,
    "attach_retros": work.attach_retros,
}
