"""The jobs by name, and whether a broker carries them (the dispatcher and the in-process runner share these)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from addin.jobs import work

JOBS: dict[str, Callable[..., dict[str, Any]]] = {
    "replan_team": work.replan_team,
    "refresh_invites": work.refresh_invites,
    "attach_retros": work.attach_retros,
}


def broker_url() -> str | None:
    return (os.environ.get("OKR_BROKER_URL") or "").strip() or None
