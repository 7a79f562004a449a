"""Rules about shape: how many objectives and KRs, who owns them, and duplicates."""

from __future__ import annotations

import re

from .context import Context, kr_location, objective_location

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_counts(ctx: Context) -> None:
    """too-many-objectives, too-many-krs and too-few-krs."""
    limits = ctx.thresholds
    # Limits below zero from a mistyped Settings sheet count as zero.
    max_objectives = max(0, limits.max_objectives)
    max_krs = max(0, limits.max_krs_per_objective)
    for team_key, objectives in ctx.team_objectives.items():
        if len(objectives) > max_objectives:
            extra = objectives[max_objectives]
            ctx.add(
                "objectives-over-limit",
                objective_location(extra),
                f"Team {ctx.team_names[team_key]!r} has {len(objectives)} objectives (the limit is "
                f"{limits.max_objectives}). With this many, focus is lost and none gets the attention "
                "it needs.",
                f"Keep the {limits.max_objectives} that matter most this quarter; move the rest to a "
                "backlog or fold them into another objective as key results.",
            )
        for info in objectives:
            count = len(info.krs)
            if count == 0:
                ctx.add(
                    "objective-without-krs",
                    objective_location(info),
                    f"Objective {info.title!r} has no key results, so nothing says when it is "
                    "achieved or how far along it is.",
                    f"Add {limits.min_krs_per_objective} to {limits.max_krs_per_objective} measurable "
                    "key results (baseline, target, owner) under this objective.",
                )
            elif count < limits.min_krs_per_objective:
                ctx.add(
                    "krs-under-limit",
                    objective_location(info),
                    f"Objective {info.title!r} has {count} key result (at least "
                    f"{limits.min_krs_per_objective} expected). One number rarely captures an "
                    "objective and is easy to hit while missing the point.",
                    "Add a key result that measures the objective from another side (quality as "
                    "well as quantity, or a leading indicator).",
                )
            elif count > max_krs:
                ctx.add(
                    "krs-over-limit",
                    kr_location(info.krs[max_krs]),
                    f"Objective {info.title!r} has {count} key results (the limit is "
                    f"{limits.max_krs_per_objective}). Long lists are usually task lists and dilute "
                    "what success means.",
                    f"Keep the {limits.max_krs_per_objective} key results that best show the objective "
                    "is met; turn the others into initiatives on the Initiatives sheet.",
                )


def check_owners(ctx: Context) -> None:
    """no-owner and owner-overloaded (owners counted across all teams)."""
    limit = max(0, ctx.thresholds.max_krs_per_owner)
    owned: dict[str, list[int]] = {}
    seen: dict[str, tuple[bool, str]] = {}  # an owner usually owns several KRs: check once
    for index, kr in enumerate(ctx.okrs.key_results):
        owner = (kr.owner or "").strip()
        if not owner:
            ctx.add(
                "missing-owner",
                kr_location(kr, "Owner"),
                f"Key result {kr.title!r} has no owner. A KR nobody owns is nobody's job to move or to report on.",
                "Write the e-mail address of the one person who will update this KR each week.",
            )
            continue
        known = seen.get(owner)
        if known is None:
            known = seen[owner] = (_EMAIL.match(owner) is not None, owner.casefold())
        ok, key = known
        if not ok:
            ctx.add(
                "owner-not-email",
                kr_location(kr, "Owner"),
                f"The owner {owner!r} of {kr.title!r} is not an e-mail address, so check-in invites "
                "and reminders cannot reach them.",
                f"Write the owner's e-mail address, e.g. {_example_email(owner)}.",
            )
        owned.setdefault(key, []).append(index)
    for indexes in owned.values():
        if len(indexes) <= limit:
            continue
        krs = ctx.okrs.key_results
        teams = sorted({krs[i].team for i in indexes})
        first = krs[indexes[limit]]
        ctx.add(
            "owner-over-limit",
            kr_location(first, "Owner"),
            f"{first.owner} owns {len(indexes)} key results across {len(teams)} team(s) "
            f"({', '.join(teams[:5])}{', ...' if len(teams) > 5 else ''}); the limit is {limit}. "
            "Nobody can move that many numbers at once, so some will be quietly dropped.",
            "Hand some of these KRs to other team members, or cut the ones that matter least.",
        )


def _example_email(owner: str) -> str:
    name = ".".join(part for part in re.split(r"\W+", owner.casefold()) if part) or "name"
    return f"{name}@example.com"


def check_duplicates(ctx: Context) -> None:
    """duplicate-kr: the same title twice in one team, after Unicode/case/space folding."""
    first_seen: dict[tuple[str, str], int] = {}
    krs = ctx.okrs.key_results
    for index, kr in enumerate(krs):
        key = (ctx.team_keys[index], ctx.title_keys[index])
        if not key[1]:
            continue
        earlier = first_seen.setdefault(key, index)
        if earlier == index:
            continue
        other = krs[earlier]
        where = f"row {other.location.row}" if other.location.row else f"objective {other.objective!r}"
        ctx.add(
            "duplicate-title",
            kr_location(kr, "Key Result"),
            f"Key result {kr.title!r} appears twice in team {kr.team!r} (also {where}). Duplicates "
            "split check-ins between two rows and count the same result twice.",
            "Delete one of the two rows, or reword it if they measure different things.",
        )
