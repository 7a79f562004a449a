"""Rules about one KR or objective on its own: wording, numbers and dates."""

from __future__ import annotations

import re

from addin.okr.numbers import readable

from ..model import KeyResult, KrKind
from .context import Context, kr_location, objective_location
from .rewrite import outcome_rewrite
from .text import TitleFacts, has_quantity, strip_prefix, words

_MOVING = (KrKind.INCREASE, KrKind.DECREASE)
_FIRST_NUMBER = re.compile(r"[-+]?\d[\d,.]*\s*[%kKmM]?")
_METRIC_NAMES = {
    "revenue",
    "mrr",
    "arr",
    "nps",
    "csat",
    "churn",
    "kpi",
    "kpis",
    "metric",
    "metrics",
    "margin",
    "ebitda",
    "profit",
    "sales",
    "leads",
    "conversion",
    "retention",
    "uptime",
    "latency",
    "cac",
    "ltv",
    "gmv",
    "dau",
    "mau",
    "wau",
    "ingresos",
    "ventas",
    "receita",
    "vendas",
    "margen",
    "margem",
    "beneficio",
    "lucro",
}


def check_key_results(ctx: Context) -> None:
    """activity-not-result, no-measurable-target, kpi-not-okr and wrong-cadence for each KR."""
    quarter = ctx.quarter
    milestone, bands = KrKind.MILESTONE, (KrKind.STAY_ABOVE, KrKind.STAY_BELOW)
    for kr, kind, facts in zip(ctx.okrs.key_results, ctx.kinds, ctx.facts):
        # The tests in front of each call are cheap exits: most KRs need none of the helpers.
        target = kr.target
        if (kind is milestone or target is None) and facts.verb is not None and not facts.number:
            _activity(ctx, kr)
        if kind is not milestone and (target is None or (kr.baseline is None and kind in _MOVING)):
            _target(ctx, kr, kind, facts)
        if kind is not milestone and (
            facts.maintain or kind in bands or kr.kind in bands or (kr.baseline is not None and kr.baseline == target)
        ):
            _kpi(ctx, kr, kind, facts)
        if kr.due is None:
            continue
        if kr.due > ctx.q_end:
            ctx.add(
                "due-after-quarter",
                kr_location(kr, "Due"),
                f"{kr.title!r} is due {kr.due.isoformat()}, after {quarter.label} ends "
                f"({ctx.q_end.isoformat()}). Key results are set and graded per quarter; one that "
                "runs longer is never graded.",
                f"Set a due date on or before {ctx.q_end.isoformat()} and make the target what can "
                "be reached by then; carry the rest into next quarter's OKRs.",
            )
        elif kr.due < ctx.q_start:
            ctx.add(
                "due-before-quarter",
                kr_location(kr, "Due"),
                f"{kr.title!r} is due {kr.due.isoformat()}, before {quarter.label} starts "
                f"({ctx.q_start.isoformat()}). It belongs to an earlier quarter or the date is "
                "wrong.",
                f"Archive it if it is finished, or set a due date within {ctx.q_start.isoformat()} "
                f"to {ctx.q_end.isoformat()}.",
            )


def _activity(ctx: Context, kr: KeyResult) -> None:
    # A verb of work with no number in the title and no quantity to move is a task.
    ctx.add(
        "activity-verb",
        kr_location(kr, "Key Result"),
        f"{kr.title!r} describes work to do, not a result to reach. Doing it can succeed while "
        "nothing improves for customers or the business.",
        f"Say what changes when it is done, with a number, e.g. {outcome_rewrite(kr.title)!r}; "
        "keep the activity as an initiative on the Initiatives sheet.",
    )


def _target(ctx: Context, kr: KeyResult, kind: KrKind, facts: TitleFacts) -> None:
    if kind is KrKind.MILESTONE:
        return
    if kr.target is None:
        number = _FIRST_NUMBER.search(strip_prefix(kr.title)) if facts.number else None
        hint = (
            f" The title mentions {number.group().strip()!r}: if that is the target, put it in the Target column."
            if number
            else ""
        )
        ctx.add(
            "missing-target",
            kr_location(kr, "Target"),
            f"{kr.title!r} has no target, so nobody can tell whether it was achieved or how far along it is.",
            f"Write the number to reach by the end of the quarter in Target (and where it starts in Baseline).{hint}",
        )
    elif kind in _MOVING and kr.baseline is None:
        ctx.add(
            "missing-baseline",
            kr_location(kr, "Baseline"),
            f"{kr.title!r} has a target but no baseline, so progress cannot be worked out and "
            "the status stays 'not started'.",
            "Write the value at the start of the quarter in Baseline (0 if it really starts at 0).",
        )


def _kpi(ctx: Context, kr: KeyResult, kind: KrKind, facts: TitleFacts) -> None:
    if kind is KrKind.MILESTONE:
        return
    bands = (KrKind.STAY_ABOVE, KrKind.STAY_BELOW)
    flat = kr.baseline is not None and kr.baseline == kr.target
    if facts.maintain or kr.kind in bands or (kind in bands and not flat):
        ctx.add(
            "maintain-wording",
            kr_location(kr, "Key Result"),
            f"{kr.title!r} keeps a number where it is: that is a health metric (KPI) to monitor, "
            "not a key result. Key results say what must change this quarter.",
            "Track it on a health dashboard; if it needs to change, write where it goes, e.g. "
            "'Raise uptime from 99.5% to 99.9%'.",
        )
    elif flat and kr.baseline is not None:  # flat implies it; said again for the type checker
        ctx.add(
            "flat-target",
            kr_location(kr, "Target"),
            f"{kr.title!r} has the same baseline and target ({readable(kr.baseline)}): nothing is meant "
            "to change, so it is a health metric (KPI), not a key result.",
            "Set the target to where the number should be at quarter end, or track it as a health metric instead.",
        )


def check_objectives(ctx: Context) -> None:
    """objective-is-metric: an objective titled with a number or a bare metric name."""
    for info in ctx.objectives.values():
        title = info.title or ""
        title_words = words(title)
        bare_metric = len(title_words) <= 3 and bool(set(title_words) & _METRIC_NAMES)
        if not (has_quantity(title) or bare_metric):
            continue
        ctx.add(
            "objective-metric",
            objective_location(info),
            f"Objective {title!r} is a number or a metric. An objective says what to achieve and "
            "why it matters, in words that motivate; the numbers belong in its key results.",
            "Write the goal behind the number, e.g. 'Become the obvious choice for mid-size "
            "teams', and move the number into a key result (baseline, target).",
        )
