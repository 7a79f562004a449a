"""Operating rhythm health: did the team keep its weekly check-ins, and did the KRs move?"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .facts import KrFacts, QuarterFacts, week_starts

SWING = 0.3  # a confidence change of 0.3 or more between two check-ins is a swing


@dataclass(frozen=True, slots=True)
class Week:
    number: int  # 1-based
    start: dt.date
    checkins: int


@dataclass(frozen=True, slots=True)
class StaleKr:
    kr: KrFacts
    gap_days: int  # the longest stretch without a check-in
    since: dt.date  # when that stretch began


@dataclass(frozen=True, slots=True)
class Swing:
    kr: KrFacts
    at: dt.datetime
    before: float
    after: float


@dataclass(slots=True)
class Rhythm:
    weeks: list[Week] = field(default_factory=list)
    stale: list[StaleKr] = field(default_factory=list)
    never_moved: list[KrFacts] = field(default_factory=list)
    swings: list[Swing] = field(default_factory=list)

    @property
    def weeks_with(self) -> int:
        return sum(1 for w in self.weeks if w.checkins)


def _day(at: dt.datetime) -> dt.date:
    return (at.astimezone(dt.UTC) if at.tzinfo else at).date()


def checkin_weeks(facts: QuarterFacts) -> list[Week]:
    """The quarter's weeks up to the facts' day, each with its number of check-ins (all the trend needs)."""
    quarter, as_of = facts.quarter, facts.as_of
    starts = week_starts(quarter, as_of)
    counts = [0] * len(starts)
    for k in facts.krs:
        for p in k.points:
            index = min(len(starts) - 1, (_day(p.at) - quarter.start).days // 7)
            if 0 <= index < len(counts):
                counts[index] += 1
    return [Week(i + 1, s, c) for i, (s, c) in enumerate(zip(starts, counts))]


def rhythm_health(facts: QuarterFacts) -> Rhythm:
    """Weeks with and without check-ins, stale and unmoving KRs, confidence swings."""
    quarter, as_of = facts.quarter, facts.as_of
    stale_days = facts.data.okrs.settings.thresholds.stale_days
    out = Rhythm(weeks=checkin_weeks(facts))
    for k in facts.krs:
        touches = [quarter.start] + [_day(p.at) for p in k.points] + [as_of]
        gap, since = max(((b - a).days, a) for a, b in zip(touches, touches[1:]))
        if gap > stale_days:
            out.stale.append(StaleKr(k, gap, since))
        values = {p.value for p in k.points if p.value is not None}
        if len([p for p in k.points if p.value is not None]) >= 2 and len(values) == 1:
            out.never_moved.append(k)
        for prev, p in zip(k.points, k.points[1:]):
            if (
                prev.confidence is not None
                and p.confidence is not None
                and abs(p.confidence - prev.confidence) >= SWING
            ):
                out.swings.append(Swing(k, p.at, prev.confidence, p.confidence))
    out.swings.sort(key=lambda s: s.at)
    return out
