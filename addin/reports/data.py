"""What a retro pack is made from: plain domain values, gathered once from the store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from addin.okr.model import CheckIn, Finding, OkrSet, Team
from addin.okr.quarters import Quarter
from addin.reports.trends import PathStep, QuarterTrend


class FindingRecordLike(Protocol):
    """A finding with its history (addin.okr.history.FindingRecord has this shape).

    Read-only properties, so a frozen dataclass matches the protocol."""

    @property
    def finding(self) -> Finding: ...
    @property
    def first_seen(self) -> dt.datetime: ...
    @property
    def resolved_at(self) -> dt.datetime | None: ...


@dataclass(slots=True)
class RetroInput:
    """Everything one team's pack needs; builds without a database.

    ``okrs`` holds every team's objectives and key results (the pack reads the other
    teams' only to say whether a dependency was acknowledged and how it ended) and the
    quarter's dependency answers;
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
    kept = {_fold(kr.id) for kr in (*ours, *others) if kr.id}
    trimmed = OkrSet(
        settings=okrs.settings,
        teams=list(okrs.teams),
        objectives=[o for o in okrs.objectives if o.team == team or (o.team, o.title) in relevant],
        key_results=ours + others,
        initiatives=[],
        checkins=[],
        dependency_answers=[a for a in okrs.dependency_answers if _fold(a.kr_id) in kept],
    )
    return replace(data, okrs=trimmed)
