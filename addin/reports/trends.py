"""A team across quarters: its score and check-in discipline per quarter, and each carried-over KR's path.

Each quarter is judged from that quarter's own key results and check-ins (the same
facts its retro pack is built from), so a closed quarter's figures never change when
the next quarter is synced.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from addin.okr.model import KeyResult, Team
from addin.okr.quarters import Quarter

QUARTERS_SHOWN = 4


@dataclass(frozen=True, slots=True)
class QuarterTrend:
    quarter: str  # "2026-Q4"
    key_results: int
    score: float | None  # the team score at quarter end (or today, for the running quarter)
    discipline: float | None  # share of the quarter's weeks (so far) with at least one check-in

    def as_dict(self) -> dict[str, object]:
        return {"quarter": self.quarter, "key_results": self.key_results, "score": self.score,
                "checkin_discipline": self.discipline}


@dataclass(frozen=True, slots=True)
class PathStep:
    quarter: str
    kr_id: str
    baseline: float | None
    target: float | None
    current: float | None

    def as_dict(self) -> dict[str, object]:
        return {"quarter": self.quarter, "id": self.kr_id, "baseline": self.baseline, "target": self.target,
                "current": self.current}


def team_trend(session: Any, tenant: str, team: Team, quarter: Quarter, *, now: dt.datetime,
               count: int = QUARTERS_SHOWN) -> list[QuarterTrend]:
    """The team's last ``count`` quarters up to ``quarter`` that hold key results, oldest first."""
    from addin.reports.data import RetroInput
    from addin.reports.facts import compute_facts
    from addin.reports.rhythm import rhythm_health
    from addin.store import repo

    held = set(repo.team_quarters(session, tenant, team.name))
    trend = []
    for q in _quarters_up_to(quarter, count):
        if q.label not in held:
            continue
        okrs = repo.load_okrs(session, tenant, team=team.name, quarter=q.label)  # checked-in values included
        data = RetroInput(team=team, quarter=q, okrs=okrs, checkins=okrs.checkins, findings=(), generated_at=now)
        facts = compute_facts(data)
        weeks = rhythm_health(facts).weeks
        discipline = sum(1 for w in weeks if w.checkins) / len(weeks) if weeks else None
        trend.append(QuarterTrend(q.label, sum(len(o.krs) for o in facts.objectives), facts.team_score, discipline))
    return trend


def kr_paths(stored: dict[str, KeyResult], key_results: list[KeyResult]) -> dict[str, list[PathStep]]:
    """The path of every key result that continues an earlier one (by KR id), oldest quarter first."""
    from addin.okr.periods import path_of

    paths = {}
    for kr in key_results:
        if kr.id and kr.continues:
            steps = [PathStep(k.quarter or "", k.id or "", k.baseline, k.target, k.current)
                     for k in path_of(kr.id, stored) if (k.quarter or "") <= (kr.quarter or "")]
            if len(steps) > 1:
                paths[kr.id] = steps
    return paths


def _quarters_up_to(quarter: Quarter, count: int) -> list[Quarter]:
    quarters = [quarter]
    while len(quarters) < count:
        quarters.insert(0, quarters[0].previous())
    return quarters
