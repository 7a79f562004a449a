"""Every pitfall slug and every rule id the linter can report, with severity and purpose."""

from __future__ import annotations

from typing import NamedTuple

from ..model import Severity

PITFALLS: tuple[str, ...] = (
    "too-many-objectives",
    "too-many-krs",
    "too-few-krs",
    "activity-not-result",
    "no-measurable-target",
    "kpi-not-okr",
    "objective-is-metric",
    "unrealistic-target",
    "trivial-target",
    "no-owner",
    "owner-overloaded",
    "stale",
    "not-aligned",
    "unacknowledged-dependency",
    "conflicting-krs",
    "wrong-cadence",
    "duplicate-kr",
    "low-confidence-unaddressed",
)


class Rule(NamedTuple):
    pitfall: str
    severity: Severity
    description: str


_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO

RULES: dict[str, Rule] = {
    "objectives-over-limit": Rule("too-many-objectives", _W, "A team has more objectives than max_objectives."),
    "krs-over-limit": Rule("too-many-krs", _W, "An objective has more key results than max_krs_per_objective."),
    "objective-without-krs": Rule(
        "too-few-krs", _E, "An objective has no key result, so nothing says when it is achieved."
    ),
    "krs-under-limit": Rule("too-few-krs", _W, "An objective has fewer key results than min_krs_per_objective."),
    "activity-verb": Rule(
        "activity-not-result",
        _W,
        "A KR starts with an activity verb (launch, build, lanzar, lançar...) and states no number.",
    ),
    "missing-target": Rule("no-measurable-target", _E, "A KR that is not a milestone has no target value."),
    "missing-baseline": Rule(
        "no-measurable-target",
        _W,
        "An increase/decrease KR has a target but no baseline, so progress cannot be computed.",
    ),
    "maintain-wording": Rule(
        "kpi-not-okr", _W, "A KR says to maintain/keep a number, or is a stay-above/stay-below band: a health metric."
    ),
    "flat-target": Rule("kpi-not-okr", _W, "A KR's target equals its baseline: nothing is meant to change."),
    "objective-metric": Rule(
        "objective-is-metric", _W, "An objective's title is a number or a metric name instead of a qualitative goal."
    ),
    "pace-far-behind": Rule(
        "unrealistic-target",
        _W,
        "The pace needed to reach the target is more than unrealistic_pace_factor times the pace "
        "of the check-ins so far.",
    ),
    "baseline-meets-target": Rule(
        "trivial-target", _W, "The baseline already meets the target of an increase/decrease KR."
    ),
    "met-at-start": Rule("trivial-target", _W, "The KR already met its target in the first 14 days of the quarter."),
    "missing-owner": Rule("no-owner", _E, "A KR has no owner."),
    "owner-not-email": Rule(
        "no-owner", _I, "A KR's owner is not an e-mail address, so invites and check-ins cannot reach them."
    ),
    "owner-over-limit": Rule(
        "owner-overloaded", _W, "One person owns more than max_krs_per_owner KRs across all teams."
    ),
    "no-recent-checkin": Rule(
        "stale", _W, "No check-in for more than stale_days (stored check-ins and the workbook's Check-ins)."
    ),
    "objective-not-aligned": Rule(
        "not-aligned", _W, "A team with a parent team has an objective that aligns to nothing (neither it nor its KRs)."
    ),
    "alignment-unknown": Rule("not-aligned", _W, "An 'Aligns to' value names no known objective or KR."),
    "parent-team-unknown": Rule("not-aligned", _I, "A team's parent team is not one of the known teams."),
    "dependency-unacknowledged": Rule(
        "unacknowledged-dependency",
        _W,
        "A KR depends on another team whose lead has not accepted it and that has no KR naming this team or this KR back.",
    ),
    "dependency-declined": Rule(
        "unacknowledged-dependency", _W, "The team a KR depends on declined the dependency (its lead's note says why)."
    ),
    "dependency-unknown": Rule("unacknowledged-dependency", _W, "A 'Depends on' value names no known team or KR."),
    "opposite-directions": Rule(
        "conflicting-krs", _W, "Two teams' KRs move the same metric (same words and unit) in opposite directions."
    ),
    "due-after-quarter": Rule("wrong-cadence", _W, "A KR is due after the quarter ends."),
    "due-before-quarter": Rule("wrong-cadence", _W, "A KR is due before the quarter starts."),
    "quarter-unreadable": Rule(
        "wrong-cadence", _E, "The Settings quarter cannot be read; the quarter containing today is used."
    ),
    "duplicate-title": Rule(
        "duplicate-kr", _W, "Two KRs of one team have the same title (ignoring case, spacing, Unicode form)."
    ),
    "low-confidence-no-plan": Rule(
        "low-confidence-unaddressed",
        _W,
        "Confidence below low_confidence for low_confidence_checkins check-ins in a row, "
        "with no note saying what will change.",
    ),
}
