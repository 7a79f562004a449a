"""Retrospective questions built from the quarter's data, grouped by theme.

Every theme always has at least one question: where the data shows nothing, a plain
question stands in, so the team still talks about it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .dependencies import Dependency
from .facts import KrFacts, QuarterFacts
from .rhythm import Rhythm
from .sanitize import one_line

THEMES = (
    "Where did assumptions break?",
    "Where were we stretched too thin?",
    "Where was clarity missing?",
    "What do we stop?",
    "What do we start?",
    "What do we keep?",
)
HIGH_CONFIDENCE = 0.7
LOW_GRADE = 0.4
GOOD_GRADE = 0.7
PER_THEME = 4
CLARITY_PITFALLS = {
    "activity-not-result",
    "no-measurable-target",
    "kpi-not-okr",
    "objective-is-metric",
    "not-aligned",
    "conflicting-krs",
    "duplicate-kr",
    "no-owner",
}
LOAD_PITFALLS = {"too-many-objectives", "too-many-krs", "owner-overloaded"}


@dataclass(frozen=True, slots=True)
class Question:
    theme: str
    text: str


def _name(k: KrFacts) -> str:
    return one_line(f"{k.label} {k.kr.title}".strip(), 90)


def retro_questions(facts: QuarterFacts, rhythm: Rhythm, dependencies: list[Dependency]) -> list[Question]:
    """Questions for each theme in THEMES order, the most telling first."""
    by_theme: dict[str, list[str]] = {t: [] for t in THEMES}
    assumptions, stretched, clarity, stop, start, keep = THEMES
    thresholds = facts.data.okrs.settings.thresholds

    for k in facts.krs:
        confs = [p.confidence for p in k.points if p.confidence is not None]
        if confs and confs[0] >= HIGH_CONFIDENCE and k.grade is not None and k.grade < LOW_GRADE:
            by_theme[assumptions].append(
                f"{_name(k)} started at confidence {confs[0]:.1f} and ended graded {k.grade:.2f}. "
                "Which assumption behind that confidence did not hold, and when could we have known?"
            )
    for s in rhythm.swings:
        if s.after < s.before:
            by_theme[assumptions].append(
                f"Confidence in {_name(s.kr)} fell from {s.before:.1f} to {s.after:.1f}. What did we learn that week?"
            )

    owners = Counter(k.kr.owner for k in facts.krs if k.kr.owner)
    for owner, count in owners.most_common():
        if count > thresholds.max_krs_per_owner:
            by_theme[stretched].append(
                f"{one_line(owner, 80)} owned {count} KRs. Which of them got the least attention?"
            )
    if len(facts.objectives) > thresholds.max_objectives:
        by_theme[stretched].append(
            f"We ran {len(facts.objectives)} objectives (more than {thresholds.max_objectives}). Which one would we drop first?"
        )
    for r in rhythm.stale:
        by_theme[stretched].append(
            f"{_name(r.kr)} went {r.gap_days} days without a check-in. What pulled us away from it?"
        )
    load_flags = [r for r in facts.findings if r.finding.pitfall in LOAD_PITFALLS]
    if load_flags:
        by_theme[stretched].append(
            f"The linter flagged overload {len(load_flags)} time(s) this quarter. Did we act on it?"
        )

    for record in facts.findings:
        if record.finding.pitfall in CLARITY_PITFALLS:
            where = record.finding.location.key_result or record.finding.location.objective or "our OKRs"
            by_theme[clarity].append(
                f"{one_line(where, 60)} was flagged as {record.finding.pitfall}. Did everyone agree what done looked like?"
            )
    for d in dependencies:
        if d.answer is not None and not d.acknowledged:
            by_theme[clarity].append(
                f"{_name(d.kr)} depended on {one_line(d.on, 60)}, which declined it"
                + (f" (\u201c{one_line(d.answer.note, 120)}\u201d)" if d.answer.note else "")
                + ". What did we do instead, and should we have asked earlier?"
            )
        elif not d.acknowledged:
            by_theme[clarity].append(
                f"{_name(d.kr)} depended on {one_line(d.on, 60)}, which never acknowledged it. How did we ask?"
            )

    for k in rhythm.never_moved:
        by_theme[stop].append(
            f"{_name(k)} never moved in any check-in. Do we stop carrying it, or stop ticking the box?"
        )
    for k in facts.krs:
        if not k.points:
            by_theme[stop].append(f"{_name(k)} had no check-in at all. Should it have been a KR?")

    missed = [w.number for w in rhythm.weeks if not w.checkins]
    if missed:
        by_theme[start].append(
            f"{len(missed)} of {len(rhythm.weeks)} weeks had no check-in (weeks {', '.join(map(str, missed))}). "
            "What would make the weekly check-in happen?"
        )
    for k in facts.krs:
        if k.grade is not None and k.grade < LOW_GRADE and k.points:
            by_theme[start].append(
                f"{_name(k)} ended graded {k.grade:.2f}. What would we start doing earlier next time?"
            )

    for k in sorted(facts.krs, key=lambda k: -(k.grade or 0)):
        if k.grade is not None and k.grade >= GOOD_GRADE:
            by_theme[keep].append(f"{_name(k)} was graded {k.grade:.2f}. What made it work that we should keep?")

    fallback = {
        assumptions: "Which assumption behind our plan was the riskiest, and how did we test it?",
        stretched: "Where did we spend time that did not move a KR?",
        clarity: "Was every KR's definition of done clear to everyone on the team?",
        stop: "What did we do this quarter that did not move any KR?",
        start: "What one habit would most improve next quarter?",
        keep: "What worked well in how we ran this quarter?",
    }
    questions: list[Question] = []
    for theme in THEMES:
        texts = list(dict.fromkeys(by_theme[theme]))[:PER_THEME] or [fallback[theme]]
        questions.extend(Question(theme, t) for t in texts)
    return questions
