"""What a retro pack is made from: plain domain values, gathered once from the store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from addin.okr.model import CheckIn, Finding, OkrSet, Team
from addin.okr.quarters import Quarter
from addin.reports.trends import PathStep, QuarterTrend, kr_paths, team_trend


class FindingRecordLike(Protocol):
    """A finding with its history (addin.okr.history.FindingRecord has this shape)."""

    finding: Finding
    first_seen: dt.datetime
    resolved_at: dt.datetime | None


@dataclass(slots=True)
class RetroInput:
    """Everything one team's pack needs; builds without a database.

    ``okrs`` holds every team's objectives and key results (the pack reads the other
    teams' only to say whether a dependency was acknowledged and how it ended);
    ``checkins`` and ``findings`` are this team's.
    """

    team: Team
    quarter: Quarter
    okrs: OkrSet
    checkins: list[CheckIn]
    findings: Sequence[FindingRecordLike]
    generated_at: dt.datetime
    author: str = "OKR Cadence"
    trend: Sequence[QuarterTrend] = ()  # this and the team's earlier quarters, oldest first
    paths: dict[str, list[PathStep]] = field(default_factory=dict)  # carried-over KR id -> its path


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
    from addin.store import repo  # imported here: the pack itself never needs a database

    if isinstance(team, str):
        teams = {t.name.casefold(): t for t in repo.list_teams(session, tenant)}
        found = teams.get(team.casefold())
        if found is None:
            raise NotFound(f"There is no team called {team!r}.", code="team_not_found", field="team")
        team = found
    okrs = repo.load_okrs(session, tenant, include_archived=False, quarter=quarter.label)
    okrs.checkins = []  # the pack reads RetroInput.checkins
    kr_ids = [kr.id for kr in okrs.key_results if kr.team == team.name and kr.id]
    since = dt.datetime.combine(quarter.start, dt.time.min, tzinfo=dt.UTC)
    until = dt.datetime.combine(quarter.end, dt.time.max, tzinfo=dt.UTC)
    checkins = repo.list_checkins(session, tenant, kr_ids=kr_ids, since=since, until=until) if kr_ids else []
    findings = repo.finding_history(session, tenant, team=team.name, since=since, until=until, quarter=quarter.label)
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


def _paths(session: Any, tenant: str, okrs: OkrSet, team: str) -> dict[str, list[PathStep]]:
    """Paths of this team's carried-over key results (the whole store is read only when there are some)."""
    from addin.store import repo

    carried = [kr for kr in okrs.key_results if kr.team == team and kr.continues]
    return kr_paths(repo.load_key_results(session, tenant), carried) if carried else {}


def gather_retro_inputs(
    session: Any,
    tenant: str,
    quarter: Quarter,
    *,
    now: dt.datetime,
    author: str = "OKR Cadence",
) -> list[RetroInput]:
    """Every team's RetroInput (``okr retro --all``), reading the tenant's OKRs and check-ins once."""
    from addin.store import repo

    okrs = repo.load_okrs(session, tenant, include_archived=False, quarter=quarter.label)
    since = dt.datetime.combine(quarter.start, dt.time.min, tzinfo=dt.UTC)
    until = dt.datetime.combine(quarter.end, dt.time.max, tzinfo=dt.UTC)
    team_of = {kr.id: kr.team for kr in okrs.key_results if kr.id}
    by_team: dict[str, list[CheckIn]] = {}
    if team_of:
        for c in repo.list_checkins(session, tenant, kr_ids=list(team_of), since=since, until=until):
            by_team.setdefault(team_of.get(c.kr_id, ""), []).append(c)
    okrs.checkins = []  # the packs read check-ins from RetroInput.checkins; no second copy per team
    return [
        RetroInput(
            team=team,
            quarter=quarter,
            okrs=okrs,
            checkins=by_team.get(team.name, []),
            findings=list(repo.finding_history(session, tenant, team=team.name, since=since, until=until,
                                               quarter=quarter.label)),
            generated_at=now,
            author=author,
            trend=team_trend(session, tenant, team, quarter, now=now),
            paths=_paths(session, tenant, okrs, team.name),
        )
        for team in repo.list_teams(session, tenant)
    ]


def _fold(text: str | None) -> str:
    return (text or "").strip().casefold()


def for_team(data: RetroInput) -> RetroInput:
    """The same input with other teams' OKRs cut to those the pack reads (their dependencies).

    A tenant's whole OkrSet is large; this keeps what a pack for ``data.team`` uses,
    so sending inputs to worker processes stays cheap. The pack built is identical.
    """
    okrs = data.okrs
    team = data.team.name
    ours = [kr for kr in okrs.key_results if kr.team == team]
    # Names that may point at us (team, KR ids) and teams we depend on (by name or "Team: 1.2").
    ours_names = [_fold(team)] + [_fold(kr.id) for kr in ours if kr.id]
    wanted = {_fold(d) for kr in ours for d in kr.depends_on}
    wanted |= {w.split(sep, 1)[0].strip() for w in list(wanted) for sep in ":/#" if sep in w}

    def relevant_kr(kr) -> bool:
        if _fold(kr.id) in wanted or _fold(kr.team) in wanted:
            return True
        links = [_fold(link) for link in (kr.aligns_to, *kr.depends_on) if link]
        # A superset on purpose (substring match): keeping a KR too many costs nothing.
        return any(name and name in link for link in links for name in ours_names)

    others = [kr for kr in okrs.key_results if kr.team != team and relevant_kr(kr)]
    relevant = {(kr.team, kr.objective) for kr in others}
    trimmed = OkrSet(
        settings=okrs.settings,
        teams=list(okrs.teams),
        objectives=[o for o in okrs.objectives if o.team == team or (o.team, o.title) in relevant],
        key_results=ours + others,
        initiatives=[],
        checkins=[],
    )
    return replace(data, okrs=trimmed)
