"""Rules across teams: alignment to parents, acknowledged dependencies, conflicting KRs.

Acknowledgement (``addin/okr/dependencies.py``): a dependency of team A's KR on team B (named
as the team, one of B's KR ids, or "B:1.2") is acknowledged when B's lead accepted it, or --
while B has not answered -- when some KR of team B has an "Aligns to" or "Depends on" that names
team A, A's KR id, or A's KR as "A:<ref>" (or its bare ref when no other KR uses that ref). A
dependency B declined is reported with B's note.
"""

from __future__ import annotations

from dataclasses import replace

from ..dependencies import DependencyLink, DependencyNames, answers_by_link, find_links, split_link
from ..model import AnswerState, DependencyAnswer, KrKind, Location
from .context import Context, kr_location, objective_location
from .text import fold, same_text_key


class Names(DependencyNames):
    """Every name an "Aligns to" or "Depends on" may use, mapped to what it names."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx.okrs.key_results, ctx.team_keys, ctx.team_names)
        # What "Aligns to" may name: team names, objective and KR titles, KR ids, numbers.
        self.targets: set[str] = set(self.teams)
        self.targets.update(ctx.title_keys)
        for (team_key, title_key), info in ctx.objectives.items():
            self.targets.add(title_key)
            if info.declared is not None and info.declared.ref:
                ref = same_text_key(info.declared.ref)
                self.targets.add(ref)
                self.kr_by_team_ref.setdefault((team_key, ref), -1)  # -1: an objective
        self.targets.update(self.kr_by_id)
        self.targets.update(self.unique_ref)

    def aligned_target_known(self, value: str) -> bool:
        key = same_text_key(value)
        if key in self.targets:
            return True
        split = split_link(value)
        if split is None:
            return False
        team, rest = same_text_key(split[0]), same_text_key(split[1])
        return (team, rest) in self.kr_by_team_ref or rest in self.targets


def check_alignment(ctx: Context, names: Names | None = None) -> None:
    """not-aligned: objectives of child teams aligned to nothing; links that name nothing."""
    names = names or Names(ctx)
    parents = {same_text_key(t.name): t for t in ctx.okrs.teams if (t.parent or "").strip()}
    for team in parents.values():
        if same_text_key(team.parent or "") not in ctx.team_names:
            ctx.add(
                "parent-team-unknown",
                replace(team.location, team=team.name),
                f"Team {team.name!r} names {team.parent!r} as its parent team, but no team has that "
                "name, so its alignment cannot be checked.",
                "Fix the spelling of the parent team on the Teams sheet, or add that team.",
            )
    for (team_key, _), info in ctx.objectives.items():
        child = parents.get(team_key)
        links = [info.aligns_to] + [kr.aligns_to for kr in info.krs]
        if child is not None and not any((link or "").strip() for link in links):
            ctx.add(
                "objective-not-aligned",
                objective_location(info),
                f"Objective {info.title!r} of team {info.team!r} does not say which objective of "
                f"{child.parent!r} it supports. Unaligned objectives pull teams in different "
                "directions.",
                f"Fill 'Aligns to' with the {child.parent} objective or KR this work moves, or "
                "question whether the objective belongs in this quarter.",
            )
        if info.aligns_to and info.aligns_to.strip() and not names.aligned_target_known(info.aligns_to):
            _unknown_alignment(ctx, objective_location(info), info.title, info.aligns_to)
    for kr in ctx.okrs.key_results:
        if kr.aligns_to and kr.aligns_to.strip() and not names.aligned_target_known(kr.aligns_to):
            _unknown_alignment(ctx, kr_location(kr, "Aligns to"), kr.title, kr.aligns_to)


def _unknown_alignment(ctx: Context, where: Location, title: str, value: str) -> None:
    ctx.add(
        "alignment-unknown",
        where,
        f"{title!r} aligns to {value!r}, but no objective or key result in these OKRs has that "
        "title, id or number, so the link leads nowhere.",
        "Copy the exact title, KR id (e.g. KR-7F3A2C) or 'Team: number' of the parent objective or "
        "KR, or sync the parent team's OKRs too.",
    )


def check_dependencies(ctx: Context, names: Names | None = None) -> None:
    """unacknowledged-dependency: links to unknown things, dependencies nobody acknowledged or
    the other team declined."""
    names = names or Names(ctx)
    answers = answers_by_link(ctx.okrs.dependency_answers)
    for link in find_links(ctx.okrs.key_results, ctx.team_keys, names, answers):
        if link.team is None:
            ctx.add(
                "dependency-unknown",
                kr_location(link.kr, "Depends on"),
                f"{link.kr.title!r} depends on {link.entry!r}, but no team or key result has that name or "
                "id, so the other side will never hear about it.",
                "Write the other team's exact name (as on the Teams sheet) or the KR id of the key result you rely on.",
            )
        elif link.answer is not None and link.answer.state is AnswerState.DECLINED:
            _declined(ctx, link, link.answer)
        elif not link.acknowledged:
            kr, other = link.kr, link.team
            ctx.add(
                "dependency-unacknowledged",
                kr_location(kr, "Depends on"),
                f"{kr.title!r} depends on team {other!r}, but none of {other}'s key results "
                f"mentions team {kr.team!r} or this KR, and {other}'s lead has not accepted it. "
                "An unacknowledged dependency is a hope, not a plan.",
                f"Agree it with {other} at the monthly review: their lead accepts it in the Outlook "
                f"pane, or they add a KR (or an 'Aligns to'/'Depends on' entry) naming {kr.team!r} "
                "or this KR's id.",
            )


def _declined(ctx: Context, link: DependencyLink, answer: DependencyAnswer) -> None:
    kr, other = link.kr, link.team
    note = " ".join(answer.note.split())
    ctx.add(
        "dependency-declined",
        kr_location(kr, "Depends on"),
        f"{kr.title!r} depends on team {other!r}, but {other} declined it on "
        f"{answer.answered_at.date().isoformat()} ({answer.answered_by}): \u201c{note}\u201d. "
        "A dependency the other team will not carry puts this key result at risk.",
        f"Settle it with {other} at the monthly review: change this KR's plan or target, find "
        "another way to get what you need, or agree what would make them accept it.",
    )


def check_conflicts(ctx: Context) -> None:
    """conflicting-krs: one metric (same words and unit) pushed up by one team, down by another."""
    groups: dict[tuple[frozenset[str], str], list[tuple[int, str, int]]] = {}
    krs = ctx.okrs.key_results
    for index, (kr, kind, facts) in enumerate(zip(krs, ctx.kinds, ctx.facts)):
        if (kind is not KrKind.INCREASE and kind is not KrKind.DECREASE) or not facts.metric:
            continue
        key = (facts.metric, fold(kr.unit))
        direction = 1 if kind is KrKind.INCREASE else -1
        groups.setdefault(key, []).append((index, ctx.team_keys[index], direction))
    for members in groups.values():
        if len(members) < 2:
            continue
        teams_by_direction: dict[int, dict[str, str]] = {1: {}, -1: {}}
        for index, team_key, direction in members:
            teams_by_direction[direction].setdefault(team_key, krs[index].team)
        if not teams_by_direction[1] or not teams_by_direction[-1]:
            continue
        # The first few names per direction are enough for the message (and keep this linear).
        shortlist = {d: list(teams.items())[:6] for d, teams in teams_by_direction.items()}
        for index, team_key, direction in members:
            others_all = teams_by_direction[-direction]
            if len(others_all) == 1 and team_key in others_all:
                continue
            opposing = [name for key, name in shortlist[-direction] if key != team_key]
            more = len(others_all) - (team_key in others_all) - len(opposing[:5])
            kr = krs[index]
            ways = "raise" if direction == 1 else "lower"
            others = ", ".join(sorted(opposing[:5])) + (f" and {more} more team(s)" if more > 0 else "")
            ctx.add(
                "opposite-directions",
                kr_location(kr, "Key Result"),
                f"{kr.title!r} aims to {ways} the same metric that {others} aim(s) to move the "
                "other way. Both cannot succeed; teams working against each other waste the "
                "quarter.",
                f"Settle the direction with {others} at the monthly review: agree one target, or "
                "make one KR a guard-rail (stay above/below) instead of a goal.",
            )
