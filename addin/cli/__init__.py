"""The `okr` command: template, lint, sync, map, import viva-goals, checkin, status, audit, tenants list, tenants add, tenants offboard, schedule,
refresh-invites, attach-retro, feed, retro, next-quarter, serve, manifest, worker (README: "The `okr` command").

Exit codes: 0 success; 1 when what the command checked is not all right: findings of severity
error (lint), conflicts, rows held back or nothing stored (sync), no table found (map), a
meeting that could not be written (schedule, refresh-invites, attach-retro); 2 unreadable or
invalid input, with a one-line reason on stderr and never a traceback.
"""

from __future__ import annotations

# each module registers its commands on the one `okr` group
from addin.cli import meetings, okrs, quarter_end, serving, tenants, workbooks  # noqa: F401
from addin.cli.base import main

__all__ = ["main"]
