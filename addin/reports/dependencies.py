"""Dependencies and alignment: what the team leaned on, whether it was acknowledged, how it ended.

A dependency is written in a KR's "Depends on" as a team name, a KR id or "Team: 1.2".
Acknowledged follows the linter's rule (addin/okr/rules/network.py): some KR of the other
team has an "Aligns to" or "Depends on" naming this team, this KR's id, or
"<this team>: <this KR's number>". The finding history then has the last word: an
``unacknowledged-dependency`` finding for the KR still open at quarter end means it was
not acknowledged; one resolved during the quarter means it was, on the day it resolved.
An answer of the other team's lead (accepted or declined, with a note) beats both: it
is what that team said, by whom and when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from addin.okr import scoring
from addin.okr.dependencies import answers_by_link, id_key
from addin.okr.model import AnswerState, DependencyAnswer, KeyResult, ObjectiveType
from addin.okr.rules.text import same_text_key

from .facts import KrFacts, QuarterFacts

UNACKNOWLEDGED = "unacknowledged-dependency"


@dataclass(frozen=True, slots=True)
class Dependency:
    kr: KrFacts
    on: str  # as written in "Depends on"
    other_team: str | None  # None: names nothing the tenant's OKRs hold
    supporting: tuple[KeyResult, ...]  # the other team's KRs that answer it
    acknowledged: bool
    acknowledged_at: dt.datetime | None  # when it was accepted, or the linter saw it resolved, where known
    ended: str  # one line: how the other side finished
    answer: DependencyAnswer | None = None  # the other team's lead's answer, if they gave one


@dataclass(frozen=True, slots=True)
class IncomingDependency:
    kr: KeyResult  # another team's KR that depends on this team
    answer: DependencyAnswer | None = None  # this team's answer to it


def _answer(
    answers: dict[tuple[str, str], DependencyAnswer], kr: KeyResult, team: str | None
) -> DependencyAnswer | None:
    if not kr.id or not team:
        return None
    return answers.get((id_key(kr.id), same_text_key(team)))


def _fold(text: str | None) -> str:
    return (text or "").strip().casefold()


def _grade_of(kr: KeyResult, facts: QuarterFacts) -> float | None:
    objective = next((o for o in facts.data.okrs.objectives if o.team == kr.team and o.title == kr.objective), None)
    return scoring.grade(kr, objective.type if objective else ObjectiveType.COMMITTED)


def _split(link: str) -> tuple[str, str] | None:
    for sep in (":", "/", "#"):
        if sep in link:
            left, right = link.split(sep, 1)
            if left.strip() and right.strip():
                return _fold(left), _fold(right)
    return None


def _answers(other: KeyResult, kr: KeyResult) -> bool:
    """Whether ``other`` (a KR of the depended-on team) names ``kr`` or its team."""
    team = _fold(kr.team)
    for link in (other.aligns_to, *other.depends_on):
        if not link:
            continue
        folded = _fold(link)
        if folded == team or (kr.id and folded == _fold(kr.id)):
            return True
        split = _split(link)
        if split is not None and split[0] == team and kr.ref and split[1] == _fold(kr.ref):
            return True
    return False


def _target(
    entry: str, by_id: dict[str, KeyResult], team_names: dict[str, str], okrs_krs: Sequence[KeyResult]
) -> tuple[str | None, KeyResult | None]:
    """(other team, the KR named) for one "Depends on" entry."""
    target = by_id.get(_fold(entry))
    if target is not None:
        return target.team, target
    if _fold(entry) in team_names:
        return team_names[_fold(entry)], None
    split = _split(entry)
    if split is not None and split[0] in team_names:
        team = team_names[split[0]]
        named = next((kr for kr in okrs_krs if kr.team == team and _fold(kr.ref) == split[1]), None)
        return team, named
    return None, None


def team_dependencies(facts: QuarterFacts) -> list[Dependency]:
    """Every "Depends on" entry of the team's KRs, resolved against all teams' OKRs."""
    okrs = facts.data.okrs
    team = facts.data.team.name
    by_id = {_fold(kr.id): kr for kr in okrs.key_results if kr.id}
    team_names = {_fold(t.name): t.name for t in okrs.teams} | {_fold(kr.team): kr.team for kr in okrs.key_results}
    findings: dict[str, list] = {}
    for record in facts.findings:
        f = record.finding
        if f.pitfall == UNACKNOWLEDGED or f.rule == UNACKNOWLEDGED:
            findings.setdefault(_fold(f.location.key_result), []).append(record)
    answers = answers_by_link(okrs.dependency_answers)
    out: list[Dependency] = []
    for k in facts.krs:
        for entry in k.kr.depends_on:
            if not entry or not entry.strip():
                continue
            other_team, target = _target(entry, by_id, team_names, okrs.key_results)
            supporting = tuple(
                kr
                for kr in okrs.key_results
                if other_team and kr.team == other_team and kr.team != team and _answers(kr, k.kr)
            )
            acknowledged = bool(supporting)
            acknowledged_at = None
            records = findings.get(_fold(k.kr.id), [])
            if records:
                if any(r.resolved_at is None for r in records):
                    acknowledged = False
                else:
                    acknowledged = True
                    acknowledged_at = max(r.resolved_at for r in records if r.resolved_at)
            answer = _answer(answers, k.kr, other_team)
            if answer is not None:  # what the other team's lead said wins over inference
                acknowledged = answer.state is AnswerState.ACCEPTED
                acknowledged_at = answer.answered_at if acknowledged else None
            out.append(
                Dependency(
                    kr=k,
                    on=entry,
                    other_team=other_team,
                    supporting=supporting,
                    acknowledged=acknowledged,
                    acknowledged_at=acknowledged_at,
                    ended=_ending(target, supporting, other_team, facts),
                    answer=answer,
                )
            )
    return out


def _ending(
    target: KeyResult | None, supporting: tuple[KeyResult, ...], other_team: str | None, facts: QuarterFacts
) -> str:
    if other_team is None:
        return "names no team or KR in the OKRs: the dependency was never placed"
    answers = ([target] if target else []) + [kr for kr in supporting if kr is not target]
    if not answers:
        return f"no KR of {other_team} answered it"
    parts = []
    for kr in answers[:3]:
        g = _grade_of(kr, facts)
        parts.append(f"{kr.ref or kr.id or kr.title[:40]}: " + ("not measurable" if g is None else f"graded {g:.2f}"))
    return "; ".join(parts)


def incoming_dependencies(facts: QuarterFacts) -> list[IncomingDependency]:
    """Other teams' KRs that named this team (or one of its KRs) in "Depends on"."""
    team = facts.data.team.name
    names = {_fold(team)} | {_fold(k.kr.id) for k in facts.krs if k.kr.id}
    answers = answers_by_link(facts.data.okrs.dependency_answers)
    return [
        IncomingDependency(kr, _answer(answers, kr, team))
        for kr in facts.data.okrs.key_results
        if kr.team != team and any(_fold(d) in names for d in kr.depends_on)
    ]
