"""What a retro pack is made from: plain domain values, gathered once from the store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from addin.okr.model import CheckIn, Finding, OkrSet, Team
from addin.okr.quarters import Quarter


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
    extra: dict[str, Any] = field(default_factory=dict)  # room for the edges (e.g. links); unused here


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
    okrs = repo.load_okrs(session, tenant, include_archived=False)
    kr_ids = [kr.id for kr in okrs.key_results if kr.team == team.name and kr.id]
    since = dt.datetime.combine(quarter.start, dt.time.min, tzinfo=dt.UTC)
    until = dt.datetime.combine(quarter.end, dt.time.max, tzinfo=dt.UTC)
    checkins = repo.list_checkins(session, tenant, kr_ids=kr_ids, since=since, until=until) if kr_ids else []
    findings = repo.finding_history(session, tenant, team=team.name, since=since, until=until)
    return RetroInput(
        team=team,
        quarter=quarter,
        okrs=okrs,
        checkins=list(checkins),
        findings=list(findings),
        generated_at=now,
        author=author,
    )


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
    keys = {_fold(team)} | {_fold(v) for kr in ours for v in (kr.id, kr.title, kr.ref) if v}
    wanted = {_fold(d) for kr in ours for d in kr.depends_on}
    others = [
        kr
        for kr in okrs.key_results
        if kr.team != team
        and (
            _fold(kr.id) in wanted
            or _fold(kr.aligns_to) in keys
            or any(_fold(d) in keys for d in kr.depends_on)
        )
    ]
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
