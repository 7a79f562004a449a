"""Gathering a retro pack's input from the store: one team's quarter, or every team's.

Each quarter is judged from that quarter's own key results and check-ins (the same facts
its retro pack is built from), so a closed quarter's pack and figures never change when
the next quarter is synced.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from addin.okr.model import CheckIn, OkrSet, Team
from addin.okr.quarters import Quarter

from .data import RetroInput
from .facts import compute_facts
from .rhythm import checkin_weeks
from .trends import QUARTERS_SHOWN, PathStep, QuarterTrend, kr_paths, quarters_up_to


def gather_retro_input(
    session: Any,
    tenant: str,
    team: Team | str,
    quarter: Quarter,
    *,
    now: dt.datetime,
    author: str = "OKR Cadence",
) -> RetroInput:
    """Read one team's quarter from the store into a :class:`RetroInput`."""
    from addin.errors import NotFound
    from addin.store.checkins import list_checkins  # imported here: the pack itself never needs a database
    from addin.store.findings import finding_history
    from addin.store.okr_sets import list_teams, load_okrs

    if isinstance(team, str):
        teams = {t.name.casefold(): t for t in list_teams(session, tenant)}
        found = teams.get(team.casefold())
        if found is None:
            raise NotFound(f"There is no team called {team!r}.", code="team_not_found", field="team")
        team = found
    from addin.store.dependencies import load_answers

    okrs = load_okrs(session, tenant, include_archived=False, quarter=quarter.label)
    okrs.checkins = []  # the pack reads RetroInput.checkins
    okrs.dependency_answers = load_answers(session, tenant, quarter=quarter.label)
    kr_ids = [kr.id for kr in okrs.key_results if kr.team == team.name and kr.id]
    since = dt.datetime.combine(quarter.start, dt.time.min, tzinfo=dt.UTC)
    until = dt.datetime.combine(quarter.end, dt.time.max, tzinfo=dt.UTC)
    checkins = list_checkins(session, tenant, kr_ids=kr_ids, since=since, until=until) if kr_ids else []
    findings = finding_history(session, tenant, team=team.name, since=since, until=until, quarter=quarter.label)
    return RetroInput(
        team=team,
        quarter=quarter,
        okrs=okrs,
        checkins=list(checkins),
        findings=list(findings),
        generated_at=now,
        author=author,
        trend=team_trend(session, tenant, team, quarter, now=now),
        paths=_paths(session, tenant, okrs, team.name),
    )


def team_trend(
    session: Any,
    tenant: str,
    team: Team,
    quarter: Quarter,
    *,
    now: dt.datetime,
    count: int = QUARTERS_SHOWN,
    loaded: Mapping[str, OkrSet] | None = None,
) -> list[QuarterTrend]:
    """The team's last ``count`` quarters up to ``quarter`` that hold key results, oldest first.

    ``loaded``: the team's OkrSets of some quarters (by label) the caller read in this session, not read again.
    """
    from addin.store.key_results import team_quarters
    from addin.store.okr_sets import load_okrs

    held = set(team_quarters(session, tenant, team.name))
    trend = []
    for q in quarters_up_to(quarter, count):
        if q.label not in held:
            continue
        okrs = (loaded or {}).get(q.label) or load_okrs(
            session, tenant, team=team.name, quarter=q.label
        )  # checked-in values included
        data = RetroInput(team=team, quarter=q, okrs=okrs, checkins=okrs.checkins, findings=(), generated_at=now)
        facts = compute_facts(data)
        weeks = checkin_weeks(facts)
        discipline = sum(1 for w in weeks if w.checkins) / len(weeks) if weeks else None
        trend.append(QuarterTrend(q.label, sum(len(o.krs) for o in facts.objectives), facts.team_score, discipline))
    return trend


def _paths(session: Any, tenant: str, okrs: OkrSet, team: str) -> dict[str, list[PathStep]]:
    """Paths of this team's carried-over key results (the team's key results are read only when there are some)."""
    from addin.store.key_results import load_key_results

    carried = [kr for kr in okrs.key_results if kr.team == team and kr.continues]
    return kr_paths(load_key_results(session, tenant, team=team), carried) if carried else {}


def gather_retro_inputs(
    session: Any,
    tenant: str,
    quarter: Quarter,
    *,
    now: dt.datetime,
    author: str = "OKR Cadence",
) -> list[RetroInput]:
    """Every team's RetroInput (``okr retro --all``), reading the tenant's OKRs and check-ins once."""
    from addin.store.checkins import list_checkins
    from addin.store.dependencies import load_answers
    from addin.store.findings import finding_history
    from addin.store.okr_sets import list_teams, load_okrs

    okrs = load_okrs(session, tenant, include_archived=False, quarter=quarter.label)
    since = dt.datetime.combine(quarter.start, dt.time.min, tzinfo=dt.UTC)
    until = dt.datetime.combine(quarter.end, dt.time.max, tzinfo=dt.UTC)
    team_of = {kr.id: kr.team for kr in okrs.key_results if kr.id}
    by_team: dict[str, list[CheckIn]] = {}
    if team_of:
        for c in list_checkins(session, tenant, kr_ids=list(team_of), since=since, until=until):
            by_team.setdefault(team_of.get(c.kr_id, ""), []).append(c)
    okrs.checkins = []  # the packs read check-ins from RetroInput.checkins; no second copy per team
    okrs.dependency_answers = load_answers(session, tenant, quarter=quarter.label)
    return [
        RetroInput(
            team=team,
            quarter=quarter,
            okrs=okrs,
            checkins=by_team.get(team.name, []),
            findings=list(
                finding_history(session, tenant, team=team.name, since=since, until=until, quarter=quarter.label)
            ),
            generated_at=now,
            author=author,
            trend=team_trend(session, tenant, team, quarter, now=now),
            paths=_paths(session, tenant, okrs, team.name),
        )
        for team in list_teams(session, tenant)
    ]
