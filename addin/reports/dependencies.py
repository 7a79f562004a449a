"""Dependencies and alignment: what the team leaned on, whether it was acknowledged, how it ended.

A dependency is written in a KR's "Depends on" as a team name or a KR id. It counts as
acknowledged when the other team holds a KR that aligns to the dependent KR (by id or
title) — the other team put work for it into its own OKRs — or when the linter's
``unacknowledged-dependency`` finding for it was resolved during the quarter. A finding
still open at quarter end means it was not acknowledged, whatever else is true.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from addin.okr import scoring
from addin.okr.model import KeyResult, ObjectiveType

from .facts import KrFacts, QuarterFacts

UNACKNOWLEDGED = "unacknowledged-dependency"


@dataclass(frozen=True, slots=True)
class Dependency:
    kr: KrFacts
    on: str  # as written in "Depends on"
    other_team: str | None  # None: names nothing the tenant's OKRs hold
    supporting: tuple[KeyResult, ...]  # the other team's KRs that answer it
    acknowledged: bool
    acknowledged_at: dt.datetime | None  # when the linter saw it resolved, where known
    ended: str  # one line: how the other side finished


@dataclass(frozen=True, slots=True)
class IncomingDependency:
    kr: KeyResult  # another team's KR that depends on this team


def _fold(text: str | None) -> str:
    return (text or "").strip().casefold()


def _grade_of(kr: KeyResult, facts: QuarterFacts) -> float | None:
    objective = next((o for o in facts.data.okrs.objectives if o.team == kr.team and o.title == kr.objective), None)
    return scoring.grade(kr, objective.type if objective else ObjectiveType.COMMITTED)


def team_dependencies(facts: QuarterFacts) -> list[Dependency]:
    """Every "Depends on" entry of the team's KRs, resolved against all teams' OKRs."""
    okrs = facts.data.okrs
    team = facts.data.team.name
    by_id = {_fold(kr.id): kr for kr in okrs.key_results if kr.id}
    team_names = {_fold(t.name): t.name for t in okrs.teams} | {_fold(kr.team): kr.team for kr in okrs.key_results}
    findings = {}
    for record in facts.findings:
        f = record.finding
        if f.pitfall == UNACKNOWLEDGED or f.rule == UNACKNOWLEDGED:
            findings.setdefault(_fold(f.location.key_result), []).append(record)
    out: list[Dependency] = []
    for k in facts.krs:
        for entry in k.kr.depends_on:
            target = by_id.get(_fold(entry))
            other_team = target.team if target else team_names.get(_fold(entry))
            keys = {_fold(k.kr.id), _fold(k.kr.title), _fold(k.kr.ref)} - {""}
            supporting = tuple(
                kr
                for kr in okrs.key_results
                if other_team and kr.team == other_team and kr.team != team and _fold(kr.aligns_to) in keys
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
            out.append(
                Dependency(
                    kr=k,
                    on=entry,
                    other_team=other_team,
                    supporting=supporting,
                    acknowledged=acknowledged,
                    acknowledged_at=acknowledged_at,
                    ended=_ending(target, supporting, other_team, facts),
                )
            )
    return out


def _ending(target: KeyResult | None, supporting: tuple[KeyResult, ...], other_team: str | None, facts: QuarterFacts) -> str:
    if other_team is None:
        return "names no team or KR in the OKRs: the dependency was never placed"
    answers = ([target] if target else []) + [kr for kr in supporting if kr is not target]
    if not answers:
        return f"{other_team} had no KR for it"
    parts = []
    for kr in answers[:3]:
        g = _grade_of(kr, facts)
        parts.append(f"{kr.ref or kr.id or kr.title[:40]}: " + ("not measurable" if g is None else f"graded {g:.2f}"))
    return "; ".join(parts)


def incoming_dependencies(facts: QuarterFacts) -> list[IncomingDependency]:
    """Other teams' KRs that named this team (or one of its KRs) in "Depends on"."""
    team = facts.data.team.name
    names = {_fold(team)} | {_fold(k.kr.id) for k in facts.krs if k.kr.id}
    return [
        IncomingDependency(kr)
        for kr in facts.data.okrs.key_results
        if kr.team != team and any(_fold(d) in names for d in kr.depends_on)
    ]
