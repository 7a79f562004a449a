"""What every rule needs, computed once per lint run: indexes by team, objective, owner, KR."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from ..model import CheckIn, Finding, KeyResult, KrKind, Location, Objective, OkrSet, Thresholds
from ..quarters import Quarter
from .catalogue import RULES
from .text import TitleFacts, same_text_key


@dataclass(slots=True)
class ObjectiveInfo:
    """An objective as the linter sees it: declared on its own row, or only named by KRs."""

    team: str
    title: str
    declared: Objective | None
    krs: list[KeyResult] = field(default_factory=list)

    @property
    def aligns_to(self) -> str | None:
        return self.declared.aligns_to if self.declared else None


@dataclass(slots=True)
class Context:
    okrs: OkrSet
    today: dt.date
    quarter: Quarter
    thresholds: Thresholds
    kinds: list[KrKind]  # parallel to okrs.key_results, as are facts and the keys below
    facts: list[TitleFacts]
    team_keys: list[str]  # same_text_key of each KR's team
    title_keys: list[str]  # same_text_key of each KR's title
    objectives: dict[tuple[str, str], ObjectiveInfo]  # (team key, title key) -> info
    team_objectives: dict[str, list[ObjectiveInfo]]  # team key -> objectives in order
    team_names: dict[str, str]  # team key -> name as written
    checkins: dict[int, list[CheckIn]]  # index of KR -> its check-ins, oldest first
    findings: list[Finding] = field(default_factory=list)
    q_start: dt.date = dt.date.min  # the quarter's first and last day, computed once
    q_end: dt.date = dt.date.max

    def add(self, rule: str, where: Location, message: str, suggestion: str) -> None:
        """Record one finding of ``rule``; pitfall and severity come from the catalogue."""
        info = RULES[rule]
        self.findings.append(Finding(rule, info.pitfall, info.severity, where, message, suggestion))


def kr_location(kr: KeyResult, column: str | None = None) -> Location:
    """The KR's own location, naming its team, objective and id (and column when no cell)."""
    loc = kr.location
    col = loc.column if loc.cell or column is None else column
    # Built directly: dataclasses.replace costs several times more, and this runs per finding.
    return Location(loc.sheet, loc.row, loc.cell, col, kr.team, kr.objective, kr.id or loc.key_result)


def objective_location(info: ObjectiveInfo) -> Location:
    """The objective's row, or its first KR's row when it was only named by KRs."""
    if info.declared is not None:
        loc = info.declared.location
    elif info.krs:
        loc = replace(info.krs[0].location, key_result=None, cell=None, column=None)
    else:
        loc = Location()
    return replace(loc, team=info.team, objective=info.title)


def build(
    okrs: OkrSet,
    today: dt.date,
    quarter: Quarter,
    kinds: list[KrKind],
    facts: list[TitleFacts],
    stored: Sequence[CheckIn],
    extra: Sequence[CheckIn] = (),
) -> Context:
    """Index the OKR set for the rules; check-ins (stored, then the workbook's) are matched to KRs
    by id, or by outline number where only one KR has it."""
    team_names: dict[str, str] = {}
    for team in okrs.teams:
        team_names.setdefault(same_text_key(team.name), team.name)
    objectives: dict[tuple[str, str], ObjectiveInfo] = {}
    team_objectives: dict[str, list[ObjectiveInfo]] = {}

    def objective(team: str, title: str, declared: Objective | None) -> ObjectiveInfo:
        tkey = same_text_key(team)
        team_names.setdefault(tkey, team)
        key = (tkey, same_text_key(title))
        info = objectives.get(key)
        if info is None:
            info = objectives[key] = ObjectiveInfo(team, title, declared)
            team_objectives.setdefault(tkey, []).append(info)
        elif declared is not None and info.declared is None:
            info.declared = declared
        return info

    for obj in okrs.objectives:
        objective(obj.team, obj.title, obj)
    team_keys: list[str] = []
    # KRs of one objective repeat its team and title as written: normalise each pair once.
    seen: dict[tuple[str, str], tuple[ObjectiveInfo, str]] = {}
    for kr in okrs.key_results:
        pair = (kr.team, kr.objective)
        found = seen.get(pair)
        if found is None:
            found = seen[pair] = (objective(kr.team, kr.objective, None), same_text_key(kr.team))
        found[0].krs.append(kr)
        team_keys.append(found[1])

    text_key = same_text_key.__wrapped__  # titles are mostly distinct: skip the cache
    title_keys = [text_key(kr.title) for kr in okrs.key_results]
    return Context(
        okrs,
        today,
        quarter,
        okrs.settings.thresholds,
        kinds,
        facts,
        team_keys,
        title_keys,
        objectives,
        team_objectives,
        team_names,
        _checkins_by_kr(okrs.key_results, stored, extra),
        q_start=quarter.start,
        q_end=quarter.end,
    )


def _checkins_by_kr(
    krs: Sequence[KeyResult], stored: Sequence[CheckIn], extra: Sequence[CheckIn]
) -> dict[int, list[CheckIn]]:
    by_id: dict[str, int] = {}
    refs: dict[str, int | None] = {}
    for index, kr in enumerate(krs):
        if kr.id:
            by_id[kr.id] = index
        if kr.ref:
            # A ref like "1.2" only identifies a KR when no other KR uses it.
            refs[kr.ref] = None if kr.ref in refs else index
    if extra:
        # The workbook's Check-ins sheet repeats check-ins the store already has: count them once.
        ids = {c.kr_id for c in extra}
        seen = {(c.kr_id, c.at, c.value) for c in stored if c.kr_id in ids}
        fresh = []
        for c in extra:
            mark = (c.kr_id, c.at, c.value)
            if mark not in seen:
                seen.add(mark)
                fresh.append(c)
        extra = fresh
    grouped: dict[int, list[CheckIn]] = {}
    for checkin in itertools.chain(stored, extra):
        found = by_id.get(checkin.kr_id)
        if found is None:
            found = refs.get(checkin.kr_id)
        if found is not None:
            grouped.setdefault(found, []).append(checkin)
    for items in grouped.values():
        if len(items) > 1:
            items.sort(key=_when)
    return grouped


def _when(checkin: CheckIn) -> dt.datetime:
    return aware(checkin.at)


def aware(at: dt.datetime) -> dt.datetime:
    """``at`` with a time zone: naive times are taken as UTC (so they sort with the rest)."""
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)
