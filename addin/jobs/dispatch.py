"""The one door to the jobs: a Celery queue with OKR_BROKER_URL, else this process."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from addin.config import broker_url
from addin.jobs.changes import changed_teams
from addin.jobs.registry import JOBS

log = logging.getLogger(__name__)


def submit(job: str, **kwargs: Any) -> None:
    """Run ``job`` in the background: on the queue, or on this process's job thread."""
    if job not in JOBS:
        raise ValueError(f"unknown job {job!r}")
    if broker_url():
        from addin.jobs.celery_app import celery

        celery.send_task(f"okr.{job}", kwargs=kwargs)
        return
    from addin.jobs import inprocess

    inprocess.run_soon(job, kwargs)


def teams_before(db: Any, tenant: str) -> list[Any]:
    """The tenant's teams as stored before a sync (to see what the sync changed)."""
    from addin.store import okr_sets

    with db.read() as s:
        return okr_sets.list_teams(s, tenant)


def after_sync(db: Any, tenant: str, before: list[Any], quarters: Sequence[str] = ()) -> list[str]:
    """Re-plan the meetings of the teams a sync changed (cadence, lead, members, added or
    removed), and plan a new quarter's meetings for the teams the sync started it for
    (``quarters``: the quarters it stored), when the tenant's meetings are in a calendar;
    returns those teams."""
    from addin.store import key_results, okr_sets
    from addin.store.meetings import list_meetings
    from addin.store.tenants import has_meetings

    with db.read() as s:
        if not has_meetings(s, tenant):
            return []  # nothing scheduled yet: `okr schedule` (or an admin) starts the rhythm
        after = okr_sets.list_teams(s, tenant)
        planned = {(m.team.casefold(), m.quarter) for m in list_meetings(s, tenant)}
        starting = [
            (team, q)
            for q in quarters
            for team in key_results.teams_in_quarter(s, tenant, q)
            if (team.casefold(), q) not in planned
        ]
    teams = changed_teams(before, after)
    jobs = [{"team": team} for team in teams] + [{"team": team, "quarter": q} for team, q in starting]
    for job in jobs:
        try:
            submit("replan_team", tenant=tenant, **job)
        except Exception:  # the sync itself is stored: a queue outage must not undo its answer
            log.exception("could not queue the planning of team %s", job["team"])
    return sorted({*teams, *(team for team, _q in starting)}, key=str.casefold)
