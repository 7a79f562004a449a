"""A team across quarters: its score and check-in discipline per quarter, and each carried-over KR's path.

Plain values; ``reports.gather`` reads them from the store.
"""

from __future__ import annotations

from dataclasses import dataclass

from addin.okr.model import KeyResult
from addin.okr.periods import paths_of
from addin.okr.quarters import Quarter

QUARTERS_SHOWN = 4


@dataclass(frozen=True, slots=True)
class QuarterTrend:
    quarter: str  # "2026-Q4"
    key_results: int
    score: float | None  # the team score at quarter end (or today, for the running quarter)
    discipline: float | None  # share of the quarter's weeks (so far) with at least one check-in

    def as_dict(self) -> dict[str, object]:
        return {
            "quarter": self.quarter,
            "key_results": self.key_results,
            "score": self.score,
            "checkin_discipline": self.discipline,
        }


@dataclass(frozen=True, slots=True)
class PathStep:
    quarter: str
    kr_id: str
    baseline: float | None
    target: float | None
    current: float | None

    def as_dict(self) -> dict[str, object]:
        return {
            "quarter": self.quarter,
            "id": self.kr_id,
            "baseline": self.baseline,
            "target": self.target,
            "current": self.current,
        }


def kr_paths(stored: dict[str, KeyResult], key_results: list[KeyResult]) -> dict[str, list[PathStep]]:
    """The path of every key result that continues an earlier one (by KR id), oldest quarter first."""
    carried = {kr.id: kr for kr in key_results if kr.id and kr.continues}
    paths = {}
    for kr_id, members in paths_of(carried, stored).items():
        up_to = carried[kr_id].quarter or ""
        steps = [
            PathStep(k.quarter or "", k.id or "", k.baseline, k.target, k.current)
            for k in members
            if (k.quarter or "") <= up_to
        ]
        if len(steps) > 1:
            paths[kr_id] = steps
    return paths


def quarters_up_to(quarter: Quarter, count: int) -> list[Quarter]:
    quarters = [quarter]
    while len(quarters) < count:
        quarters.insert(0, quarters[0].previous())
    return quarters
