"""Rules across teams: alignment to parents, acknowledged dependencies, conflicting KRs.

Acknowledgement: a dependency of team A's KR on team B (named as the team, one of B's KR
ids, or "B:1.2") is acknowledged when some KR of team B has an "Aligns to" or "Depends on"
that names team A, A's KR id, or A's KR as "A:<ref>" (or its bare ref when no other KR
uses that ref).
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..model import KeyResult, KrKind, Location
from .context import Context, kr_location, objective_location
from .text import fold, same_text_key

_SPLIT = re.compile(r"\s*[:/#>\u2192]\s*|\s+-\s+")


def id_key(kr_id: str) -> str:
    """same_text_key for a KR id, fast for the usual clean ASCII ids ("KR-7F3A2C")."""
    if kr_id.isascii() and kr_id.isprintable() and " " not in kr_id and kr_id[-1:] not in ".;:!":
        return kr_id.lower()
    return same_text_key.__wrapped__(kr_id)


def _split(value: str) -> tuple[str, str] | None:
    """("Team", "1.2") from "Team: 1.2", "Team / 1.2", "Team - Objective"; None when unsplit."""
    parts = _SPLIT.split(value.strip(), maxsplit=1)
    if len(parts) == 2 and parts[0] and parts[1]:
        return parts[0], parts[1]
    return None


class Names:
    """Every name an "Aligns to" or "Depends on" may use, mapped to what it names."""

    def __init__(self, ctx: Context) -> None:
        self.teams = ctx.team_names  # team key -> name
        self.kr_by_id: dict[str, int] = {}
        self.kr_by_team_ref: dict[tuple[str, str], int] = {}
        ref_count: dict[str, int] = {}
        ref_index: dict[str, int] = {}
        # What "Aligns to" may name: team names, objective and KR titles, KR ids, numbers.
        self.targets: set[str] = set(self.teams)
        self.targets.update(ctx.title_keys)
        for (team_key, title_key), info in ctx.objectives.items():
            self.targets.add(title_key)
            if info.declared is not None and info.declared.ref:
                ref = same_text_key(info.declared.ref)
                self.targets.add(ref)
                self.kr_by_team_ref.setdefault((team_key, ref), -1)  # -1: an objective
        for index, kr in enumerate(ctx.okrs.key_results):
            if kr.id:
                self.kr_by_id[id_key(kr.id)] = index
            if kr.ref:
                ref = same_text_key(kr.ref)
                self.kr_by_team_ref[(ctx.team_keys[index], ref)] = index
                ref_count[ref] = ref_count.get(ref, 0) + 1
                ref_index[ref] = index
        self.targets.update(self.kr_by_id)
        self.unique_ref = {ref: ref_index[ref] for ref, n in ref_count.items() if n == 1}
        self.targets.update(self.unique_ref)

    def aligned_target_known(self, value: str) -> bool:
        key = same_text_key(value)
        if key in self.targets:
            return True
        split = _split(value)
        if split is None:
            return False
        team, rest = same_text_key(split[0]), same_text_key(split[1])
        return (team, rest) in self.kr_by_team_ref or rest in self.targets

    def resolve_dependency(self, value: str) -> tuple[str, int | None] | None:
        """(team key, KR index or None) that ``value`` names; None when it names nothing known."""
        key = same_text_key(value)
        if key in self.teams:
            return key, None
        if key in self.kr_by_id:
            return "", self.kr_by_id[key]
        split = _split(value)
        if split is not None:
            team, rest = same_text_key(split[0]), same_text_key(split[1])
            if team in self.teams:
                index = self.kr_by_team_ref.get((team, rest), -1)
                return team, index if index >= 0 else None
        if key in self.unique_ref:
            return "", self.unique_ref[key]
        return None


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
    """unacknowledged-dependency: links to unknown things, and dependencies nobody answered."""
    names = names or Names(ctx)
    krs = ctx.okrs.key_results
    mentions: dict[str, set[str]] = {}  # team key -> names its KRs link to (aligns/depends)
    for index, kr in enumerate(krs):
        if not kr.aligns_to and not kr.depends_on:
            continue
        bucket = mentions.setdefault(ctx.team_keys[index], set())
        for link in (kr.aligns_to, *kr.depends_on):
            if not link or not link.strip():
                continue
            bucket.add(same_text_key(link))
            split = _split(link)
            if split is not None:
                bucket.add(same_text_key(split[0]))
                bucket.add(f"{same_text_key(split[0])}:{same_text_key(split[1])}")
    for position, kr in enumerate(krs):
        if not kr.depends_on:
            continue
        own_team = ctx.team_keys[position]
        for link in kr.depends_on:
            if not link or not link.strip():
                continue
            resolved = names.resolve_dependency(link)
            if resolved is None:
                ctx.add(
                    "dependency-unknown",
                    kr_location(kr, "Depends on"),
                    f"{kr.title!r} depends on {link!r}, but no team or key result has that name or "
                    "id, so the other side will never hear about it.",
                    "Write the other team's exact name (as on the Teams sheet) or the KR id of the "
                    "key result you rely on.",
                )
                continue
            team_key, kr_index = resolved
            if kr_index is not None and not team_key:
                team_key = same_text_key(krs[kr_index].team)
            if team_key == own_team:
                continue
            heard = mentions.get(team_key, set())
            if own_team in heard or _names_kr(kr, own_team, heard, names):
                continue
            other = ctx.team_names.get(team_key, link)
            ctx.add(
                "dependency-unacknowledged",
                kr_location(kr, "Depends on"),
                f"{kr.title!r} depends on team {other!r}, but none of {other}'s key results "
                f"mentions team {kr.team!r} or this KR. An unacknowledged dependency is a hope, "
                "not a plan.",
                f"Agree it with {other} at the monthly review and ask them to add a KR (or an "
                f"'Aligns to'/'Depends on' entry) naming {kr.team!r} or this KR's id.",
            )


def _names_kr(kr: KeyResult, team_key: str, heard: set[str], names: Names) -> bool:
    if kr.id and same_text_key(kr.id) in heard:
        return True
    if kr.ref:
        ref = same_text_key(kr.ref)
        if f"{team_key}:{ref}" in heard or (ref in heard and ref in names.unique_ref):
            return True
    return False


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
