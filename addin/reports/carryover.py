"""Carry-over: the KRs to look at again next quarter, with a suggested wording."""

from __future__ import annotations

from dataclasses import dataclass

from addin.okr import scoring
from addin.okr.model import KeyResult, KrKind

from . import fmt
from .facts import KrFacts, QuarterFacts
from .sanitize import one_line

LOW_GRADE = 0.4


@dataclass(frozen=True, slots=True)
class CarryOver:
    kr: KrFacts
    reason: str
    wording: str


def _unfinished(k: KrFacts) -> bool:
    if k.grade is None:
        return True
    return k.grade < 1.0


def carry_over(facts: QuarterFacts) -> list[CarryOver]:
    """KRs graded below 0.4 or left unfinished, lowest grade first."""
    nxt = facts.quarter.next()
    out: list[CarryOver] = []
    for k in facts.krs:
        if not _unfinished(k):
            continue
        if k.grade is None:
            reason = "could not be graded (no usable numbers)"
        elif k.grade < LOW_GRADE:
            reason = f"graded {k.grade:.2f}, below {LOW_GRADE}"
        else:
            reason = f"unfinished: graded {k.grade:.2f}"
        out.append(CarryOver(k, reason, suggest_wording(k, nxt.label, fmt.day(nxt.end))))
    out.sort(key=lambda c: (c.kr.grade is not None, c.kr.grade or 0.0))
    return out


def suggest_wording(k: KrFacts, next_label: str, next_end: str) -> str:
    """A next-quarter KR sentence that starts from where this one ended."""
    kr = k.kr
    title = one_line(kr.title, 160)
    kind = kr.kind or scoring.infer_kind(kr)
    unit = kr.unit
    if kind == KrKind.MILESTONE or kr.target is None:
        return f"{title}: done by {next_end} ({next_label}), with a check-in every week."
    start = kr.current if kr.current is not None else kr.baseline
    if kind in (KrKind.STAY_ABOVE, KrKind.STAY_BELOW):
        side = "at or above" if kind == KrKind.STAY_ABOVE else "at or below"
        return f"{title}: hold {side} {fmt.number(kr.target, unit)} every week of {next_label}."
    target = kr.target
    if k.grade is not None and k.grade < LOW_GRADE and start is not None:
        # A KR that ended far short is more credible next quarter as a step, not the same leap.
        target = start + (kr.target - start) / 2
        if float(kr.target).is_integer():
            target = round(target)
    # No verb of our own: titles usually start with one ("Raise ...", "Cut ...").
    return f"{title}: from {fmt.number(start, unit)} to {fmt.number(target, unit)} by {next_end} ({next_label})."


def carried_key_results(facts: QuarterFacts) -> list[KeyResult]:
    """The carry-over table's key results as they stood at quarter end (current = last value)."""
    return [c.kr.kr for c in carry_over(facts)]
