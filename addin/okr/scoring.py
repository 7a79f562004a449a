"""Progress, expected pace, status and grades of key results, and their roll-ups.

Progress is **not clamped**: a KR past its target reports more than 1.0 and one that
went the wrong way reports less than 0; callers clamp for display. Grades are clamped
to 0..1. Status rules (``kr_status``), in order:

1. ``not-started`` - the quarter has not begun, or nothing was ever measured (no
   Current value and no check-in with a value), or progress cannot be computed
   (no target, no baseline for an increase/decrease, target equal to baseline).
2. ``done`` - increase/decrease with progress >= 1; a milestone that is done; a health
   band that is inside its bound once the KR's period (quarter or due date) is over.
3. By kind: increase/decrease compare progress with the expected pace (share of the
   period gone): ratio = progress / expected; ``on-track`` when ratio >=
   ``Thresholds.on_track_ratio``, ``at-risk`` when ratio >= ``Thresholds.at_risk_ratio``,
   ``off-track`` below. For aspirational objectives the expected pace is scaled by 0.7.
   Milestones not done are ``on-track`` until their period is over, then ``off-track``.
   Bands are ``on-track`` inside and ``off-track`` outside.
4. Confidence: when the latest confidence (last check-in, else the workbook's) is below
   ``Thresholds.low_confidence``, ``on-track`` becomes ``at-risk``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from .model import CheckIn, KeyResult, KrKind, Objective, ObjectiveType, Status, Thresholds
from .quarters import Quarter
from .rules import text

ASPIRATIONAL_BAR = 0.7  # Google-style: 0.7 on an aspirational KR is full marks


def infer_kind(kr: KeyResult) -> KrKind:
    """The KR's kind: its own when set, otherwise read from its numbers and wording.

    In order: a done/not-done unit, or target 1 from baseline 0 (or none) with
    deliverable wording ("launch", "ship", "signed"), or no target with an activity verb
    -> milestone; "maintain/keep/stay" wording, a bound ("at least", "no more than") the
    baseline already meets, or target equal to baseline -> stay-above or stay-below
    (below when the wording says so or the metric is lower-is-better, e.g. churn);
    target below baseline (or, without a baseline, a title that starts with "cut", "reduce" ...)
    -> decrease; otherwise increase.
    """
    if kr.kind is not None:
        return kr.kind
    return infer_kind_from(kr, text.analyse(kr.title or ""))


def infer_kind_from(kr: KeyResult, facts: text.TitleFacts) -> KrKind:
    """:func:`infer_kind` from the title's already analysed wording (the linter's fast path)."""
    if kr.kind is not None:
        return kr.kind
    base, target = kr.baseline, kr.target
    unit_says_done = text.is_milestone_unit(kr.unit)
    if unit_says_done and (target is None or target <= 1):
        return KrKind.MILESTONE
    if target == 1 and base in (None, 0) and (unit_says_done or not kr.unit.strip()) and facts.milestone:
        return KrKind.MILESTONE
    if target is None and facts.verb is not None and not facts.number:
        return KrKind.MILESTONE
    if (
        facts.maintain
        or _bound_already_met(facts, base, target)
        or (base is not None and target is not None and base == target)
    ):
        return _band_kind(facts, base, target)
    if base is not None and target is not None and target < base:
        return KrKind.DECREASE
    if base is None and text.says_decrease(kr.title or ""):  # no baseline yet: the wording gives the way
        return KrKind.DECREASE
    return KrKind.INCREASE


def _bound_already_met(facts: text.TitleFacts, base: float | None, target: float | None) -> bool:
    # "Uptime at least 99.9%" from 99.95: a bound to hold, not a number to decrease to.
    if not facts.band:
        return False
    if base is None or target is None:
        return True
    side = text.facts_direction(facts)
    return base <= target if side == "below" else base >= target


def _band_kind(facts: text.TitleFacts, base: float | None, target: float | None) -> KrKind:
    side = text.facts_direction(facts)
    if side is None and base is not None and target is not None and base > target:
        side = "below"
    return KrKind.STAY_BELOW if side == "below" else KrKind.STAY_ABOVE


def progress(kr: KeyResult) -> float | None:
    """Share of the way from baseline to target, unclamped; None when it can't be measured.

    increase/decrease: (current - baseline) / (target - baseline); None without current,
    baseline or target, or when target equals baseline. stay-above/stay-below: 1.0 inside
    the bound (the target itself counts as inside), 0.0 outside, None without current or
    target. milestone: 1.0 when current reaches the target (1 when none), else 0.0.
    """
    return progress_for(kr, infer_kind(kr))


def progress_for(kr: KeyResult, kind: KrKind) -> float | None:
    """:func:`progress` for a KR whose kind is already known (saves inferring it again)."""
    return progress_at(kr, kind, kr.current)


def progress_at(kr: KeyResult, kind: KrKind, current: float | None) -> float | None:
    """:func:`progress_for` had the KR stood at ``current`` (a past check-in's value), without copying the KR."""
    target = kr.target
    if kind is KrKind.MILESTONE:
        goal = target if target is not None and target > 0 else 1.0
        return 1.0 if current is not None and current >= goal else 0.0
    if current is None or target is None:
        return None
    if kind is KrKind.STAY_ABOVE:
        return 1.0 if current >= target else 0.0
    if kind is KrKind.STAY_BELOW:
        return 1.0 if current <= target else 0.0
    if kr.baseline is None and _reached(kind, current, target):
        return 1.0  # past its target: done, whatever the missing baseline would have said
    if kr.baseline is None or target == kr.baseline:
        return None
    return (current - kr.baseline) / (target - kr.baseline)


def _reached(kind: KrKind, current: float, target: float) -> bool:
    if kind is KrKind.INCREASE:
        return current >= target
    if kind is KrKind.DECREASE:
        return current <= target
    return False


def expected_progress(quarter: Quarter, today: dt.date, due: dt.date | None = None) -> float:
    """Share of the KR's period gone by the end of ``today``, 0..1.

    The period runs from the quarter's first day to its last, or to ``due`` when that is
    earlier. A due date before the quarter starts makes the period empty: 0 before it,
    1 from it on.
    """
    start = quarter.start
    end = quarter.end if due is None or due > quarter.end else due
    if end < start:
        return 1.0 if today >= end else 0.0
    total = (end - start).days + 1
    gone = (today - start).days + 1
    return min(1.0, max(0.0, gone / total))


def grade(kr: KeyResult, objective_type: ObjectiveType) -> float | None:
    """End-of-quarter grade 0..1: progress clamped; aspirational progress 0.7 scores 1.0."""
    kind = infer_kind(kr)
    return _grade(kind, progress_for(kr, kind), objective_type)


def _grade(kind: KrKind, value: float | None, objective_type: ObjectiveType) -> float | None:
    if value is None:
        return None
    value = min(1.0, max(0.0, value))
    if objective_type is ObjectiveType.ASPIRATIONAL and kind in (KrKind.INCREASE, KrKind.DECREASE):
        value = min(1.0, value / ASPIRATIONAL_BAR)
    return value


@dataclass(frozen=True)
class KrStatus:
    """Everything a status column, invite or scorecard shows for one KR."""

    progress: float | None
    expected: float
    status: Status
    grade: float | None
    last_checkin: dt.datetime | None


def kr_status(
    kr: KeyResult,
    *,
    quarter: Quarter,
    today: dt.date,
    thresholds: Thresholds,
    checkins: Sequence[CheckIn] = (),
    objective_type: ObjectiveType = ObjectiveType.COMMITTED,
) -> KrStatus:
    """The KR's progress, expected pace, status (rules in the module docstring) and grade.

    ``checkins`` are this KR's check-ins; those naming another KR id are ignored.
    """
    own = [c for c in checkins if kr.id is None or c.kr_id == kr.id]
    last = max(own, key=lambda c: c.at) if own else None
    kind = infer_kind(kr)
    value = progress_for(kr, kind)
    expected = expected_progress(quarter, today, kr.due)
    confidence = kr.confidence
    for checkin in sorted(own, key=lambda c: c.at, reverse=True):
        if checkin.confidence is not None:
            confidence = checkin.confidence
            break
    measured = kr.current is not None or any(c.value is not None for c in own)
    status = _status(kind, value, expected, measured, confidence, today, quarter, thresholds, objective_type)
    return KrStatus(value, expected, status, _grade(kind, value, objective_type), last.at if last is not None else None)


def _status(
    kind: KrKind,
    value: float | None,
    expected: float,
    measured: bool,
    confidence: float | None,
    today: dt.date,
    quarter: Quarter,
    thresholds: Thresholds,
    objective_type: ObjectiveType,
) -> Status:
    if today < quarter.start or not measured or value is None:
        return Status.NOT_STARTED
    period_over = expected >= 1.0
    if kind in (KrKind.INCREASE, KrKind.DECREASE):
        if value >= 1.0:
            return Status.DONE
        pace = expected * (ASPIRATIONAL_BAR if objective_type is ObjectiveType.ASPIRATIONAL else 1.0)
        ratio = value / pace if pace > 0 else 1.0
        if ratio >= thresholds.on_track_ratio:
            status = Status.ON_TRACK
        elif ratio >= thresholds.at_risk_ratio:
            status = Status.AT_RISK
        else:
            status = Status.OFF_TRACK
    elif kind is KrKind.MILESTONE:
        if value >= 1.0:
            return Status.DONE
        status = Status.OFF_TRACK if period_over else Status.ON_TRACK
    else:  # health band
        if value >= 1.0 and period_over:
            return Status.DONE
        status = Status.ON_TRACK if value >= 1.0 else Status.OFF_TRACK
    if status is Status.ON_TRACK and confidence is not None and confidence < thresholds.low_confidence:
        status = Status.AT_RISK
    return status


def _weighted_mean(pairs: Sequence[tuple[float | None, float | None]]) -> float | None:
    # Missing weight counts as 1; zero or negative weights leave the item out.
    total = weight_sum = 0.0
    for score, weight in pairs:
        if score is None:
            continue
        w = 1.0 if weight is None else float(weight)
        if w <= 0:
            continue
        total += score * w
        weight_sum += w
    return total / weight_sum if weight_sum > 0 else None


def objective_score(graded: Sequence[tuple[KeyResult, float | None]]) -> float | None:
    """Weighted mean of the KRs' grades (KeyResult.weight, default 1); None when none graded."""
    return _weighted_mean([(g, kr.weight) for kr, g in graded])


def team_score(objective_scores: Sequence[tuple[Objective, float | None]]) -> float | None:
    """Weighted mean of objective scores (Objective.weight, default 1); None when none scored."""
    return _weighted_mean([(s, obj.weight) for obj, s in objective_scores])
