"""Rollover: a closed quarter's carry-over becomes next quarter's workbook (CLI and API share it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from addin.errors import NotFound
from addin.excel.template import write_next_quarter
from addin.okr.model import Settings
from addin.okr.periods import view_quarter
from addin.okr.quarters import Quarter
from addin.reports.carryover import carried_key_results
from addin.reports.facts import compute_facts
from addin.reports.gather import gather_retro_input
from addin.store import key_results, okr_sets
from addin.store.db import Database, Session


@dataclass(frozen=True, slots=True)
class NextQuarter:
    closing: Quarter
    opening: Quarter
    carried: int  # key results carried over
    workbook: bytes


def next_quarter_workbook(
    db: Database, tenant: str, team: str, *, quarter: str | None, now: dt.datetime
) -> NextQuarter:
    """Next quarter's workbook of ``team``, pre-filled from the retro's carry-over of ``quarter``.

    Without ``quarter``, the quarter closed is the team's newest quarter that has
    started (at a retro in late December that is Q4; in early January still Q4 when
    Q1 has no key results yet).
    """
    with db.read() as session:
        settings = okr_sets.load_settings(session, tenant)
        closing = (
            view_quarter(quarter, settings, now.date())
            if quarter
            else _last_quarter(session, tenant, team, settings, now)
        )
        data = gather_retro_input(session, tenant, team, closing, now=now)
    carried = carried_key_results(compute_facts(data))
    objectives = [o for o in data.okrs.objectives if o.team == data.team.name]
    opening = closing.next()
    workbook = write_next_quarter(opening, data.team, carried, objectives, settings)
    return NextQuarter(closing, opening, len(carried), workbook)


def _last_quarter(session: Session, tenant: str, team: str, settings: Settings, now: dt.datetime) -> Quarter:
    today = view_quarter(None, settings, now.date())
    held = [
        label
        for label in key_results.team_quarters(session, tenant, team)
        if view_quarter(label, settings, now.date()).start <= today.start
    ]
    if not held:
        raise NotFound(f"Team {team!r} has no key results to carry over.", code="team_not_found", team=team)
    return view_quarter(held[-1], settings, now.date())
