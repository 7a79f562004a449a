"""The quarter's facts for one team, computed once from a RetroInput with the domain's scoring."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from addin.okr import scoring
from addin.okr.model import CheckIn, KeyResult, Objective, Status
from addin.okr.quarters import Quarter

from .data import FindingRecordLike, RetroInput


@dataclass(frozen=True, slots=True)
class Point:
    """One check-in as the charts and the timeline read it."""

    at: dt.datetime
    value: float | None
    progress: float | None
    confidence: float | None
    note: str


@dataclass(frozen=True, slots=True)
class KrFacts:
    kr: KeyResult  # as it stood at quarter end: current = last value checked in during the quarter
    objective: Objective
    points: tuple[Point, ...]  # the quarter's check-ins, oldest first
    status: Status
    progress: float | None
    grade: float | None

    @property
    def label(self) -> str:
        return self.kr.ref or self.kr.id or ""


@dataclass(frozen=True, slots=True)
class ObjectiveFacts:
    objective: Objective
    krs: tuple[KrFacts, ...]
    score: float | None


@dataclass(frozen=True, slots=True)
class QuarterFacts:
    data: RetroInput
    as_of: dt.date  # the day the quarter is judged on: its last day, or today if earlier
    objectives: tuple[ObjectiveFacts, ...]
    team_score: float | None
    findings: tuple[FindingRecordLike, ...]  # flagged during the quarter, oldest first

    @property
    def quarter(self) -> Quarter:
        return self.data.quarter

    @property
    def krs(self) -> list[KrFacts]:
        return [k for o in self.objectives for k in o.krs]


def _utc_day(at: dt.datetime) -> dt.date:
    return (at.astimezone(dt.UTC) if at.tzinfo else at).date()


def _in_quarter(checkins: Sequence[CheckIn], quarter: Quarter, as_of: dt.date) -> dict[str, list[CheckIn]]:
    by_kr: dict[str, list[CheckIn]] = {}
    for c in checkins:
        if quarter.start <= _utc_day(c.at) <= as_of:
            by_kr.setdefault(c.kr_id, []).append(c)
    for items in by_kr.values():
        items.sort(key=lambda c: _aware(c.at))
    return by_kr


def _kr_facts(
    kr: KeyResult, objective: Objective, checkins: list[CheckIn], data: RetroInput, as_of: dt.date
) -> KrFacts:
    last_value = next((c.value for c in reversed(checkins) if c.value is not None), None)
    last_conf = next((c.confidence for c in reversed(checkins) if c.confidence is not None), None)
    final = kr
    if last_value is not None or last_conf is not None:  # one copy, not two: every team page runs this per KR
        final = replace(
            kr,
            current=kr.current if last_value is None else last_value,
            confidence=kr.confidence if last_conf is None else last_conf,
        )
    kind = scoring.infer_kind(kr)
    points = tuple(
        Point(
            at=_aware(c.at),  # the contract says UTC-aware; a naive one is read as UTC, never compared raw
            value=c.value,
            progress=scoring.progress_at(kr, kind, c.value) if c.value is not None else None,
            confidence=c.confidence,
            note=c.note or "",
        )
        for c in checkins
    )
    st = scoring.kr_status(
        final,
        quarter=data.quarter,
        today=as_of,
        thresholds=data.okrs.settings.thresholds,
        checkins=checkins,
        objective_type=objective.type,
    )
    return KrFacts(kr=final, objective=objective, points=points, status=st.status, progress=st.progress, grade=st.grade)


def compute_facts(data: RetroInput) -> QuarterFacts:
    """Grade every KR of the team at quarter end and roll the scores up."""
    quarter = data.quarter
    as_of = min(quarter.end, _utc_day(data.generated_at))
    if as_of < quarter.start:
        as_of = quarter.start
    by_kr = _in_quarter(data.checkins, quarter, as_of)
    team = data.team.name
    objectives: list[ObjectiveFacts] = []
    known = {o.title for o in data.okrs.objectives if o.team == team}
    team_objectives = [o for o in data.okrs.objectives if o.team == team]
    # KRs whose objective row is missing still belong in the pack, under their objective's title.
    for title in dict.fromkeys(kr.objective for kr in data.okrs.key_results if kr.team == team):
        if title not in known:
            team_objectives.append(Objective(team=team, title=title))
            known.add(title)
    for objective in team_objectives:
        krs = tuple(
            _kr_facts(kr, objective, by_kr.get(kr.id or "", []), data, as_of)
            for kr in data.okrs.key_results
            if kr.team == team and kr.objective == objective.title
        )
        score = scoring.objective_score([(k.kr, k.grade) for k in krs])
        objectives.append(ObjectiveFacts(objective=objective, krs=krs, score=score))
    team_score = scoring.team_score([(o.objective, o.score) for o in objectives])
    start = dt.datetime.combine(quarter.start, dt.time.min, tzinfo=dt.UTC)
    end = dt.datetime.combine(as_of, dt.time.max, tzinfo=dt.UTC)
    findings = tuple(
        sorted(
            (
                r
                for r in data.findings
                if _aware(r.first_seen) <= end and (r.resolved_at is None or _aware(r.resolved_at) >= start)
            ),
            key=lambda r: _aware(r.first_seen),
        )
    )
    return QuarterFacts(data=data, as_of=as_of, objectives=tuple(objectives), team_score=team_score, findings=findings)


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def week_starts(quarter: Quarter, as_of: dt.date) -> list[dt.date]:
    """First days of the quarter's weeks (7-day windows from its first day) up to ``as_of``."""
    starts = []
    day = quarter.start
    while day <= quarter.end and day <= as_of:
        starts.append(day)
        day += dt.timedelta(days=7)
    if len(starts) > 1 and (quarter.end - starts[-1]).days + 1 < 4:
        # e.g. a 92-day quarter is 13 weeks and one day: that day counts in week 13.
        starts.pop()
    return starts
