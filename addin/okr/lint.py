"""The OKR linter: every known OKR pitfall, checked over a whole OKR set at once.

``lint`` returns findings sorted by where they are (sheet, row) and then by rule. Each
rule id, its pitfall and severity are listed in ``RULES`` and in docs/lint-rules.md;
thresholds come from ``okrs.settings.thresholds`` (the Settings sheet). Rules that need
history read the stored check-ins passed in plus the workbook's own (``okrs.checkins``).
Runs in time linear in KRs plus check-ins: everything is grouped with dicts.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from .model import CheckIn, Finding, Location, OkrSet
from .quarters import Quarter, parse_quarter, quarter_of
from .rules import context, history, network, structure, wording
from .rules.catalogue import PITFALLS, RULES, Rule
from .rules.text import analyse_many
from .scoring import infer_kind_from

__all__ = ["DEPENDENCY_RULES", "PITFALLS", "RULES", "Rule", "lint", "lint_dependencies"]

# the rules a dependency answer changes (lint_dependencies reports these only)
DEPENDENCY_RULES = ("dependency-unacknowledged", "dependency-declined", "dependency-unknown")


def lint(
    okrs: OkrSet,
    *,
    today: dt.date,
    checkins: Sequence[CheckIn] = (),
    quarter: Quarter | None = None,
) -> list[Finding]:
    """Check ``okrs`` against every pitfall as of ``today``; the quarter defaults to Settings'."""
    with _gc_paused():
        return _lint(okrs, today, checkins, quarter)


@contextmanager
def _gc_paused() -> Iterator[None]:
    # A lint allocates hundreds of thousands of small objects and creates no reference cycles;
    # the cyclic collector's repeated passes over the whole OKR set would cost a third of the time.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _lint(okrs: OkrSet, today: dt.date, checkins: Sequence[CheckIn], quarter: Quarter | None) -> list[Finding]:
    early: list[Finding] = []
    if quarter is None:
        quarter = _settings_quarter(okrs, today, early)
    stored = checkins if isinstance(checkins, (list, tuple)) else list(checkins)
    facts = analyse_many([kr.title or "" for kr in okrs.key_results])
    kinds = [infer_kind_from(kr, f) for kr, f in zip(okrs.key_results, facts)]
    ctx = context.build(okrs, today, quarter, kinds, facts, stored, okrs.checkins)
    ctx.findings.extend(early)
    structure.check_counts(ctx)
    structure.check_owners(ctx)
    structure.check_duplicates(ctx)
    wording.check_key_results(ctx)
    wording.check_objectives(ctx)
    history.check_history(ctx)
    names = network.Names(ctx)
    network.check_alignment(ctx, names)
    network.check_dependencies(ctx, names)
    network.check_conflicts(ctx)
    ctx.findings.sort(key=_order)
    return ctx.findings


def lint_dependencies(okrs: OkrSet, *, today: dt.date, quarter: Quarter) -> list[Finding]:
    """Only the dependency rules, with ``okrs.dependency_answers`` (what an answer changes), at a
    fraction of a whole lint's cost: no title is analysed and no check-in read."""
    ctx = context.build(okrs, today, quarter, [], [], ())
    network.check_dependencies(ctx)
    ctx.findings.sort(key=_order)
    return ctx.findings


def _order(finding: Finding) -> tuple[str, int, str, str]:
    loc = finding.location
    return (loc.sheet or "", loc.row or 0, finding.rule, loc.key_result or "")


def _settings_quarter(okrs: OkrSet, today: dt.date, findings: list[Finding]) -> Quarter:
    settings = okrs.settings
    fy_start = settings.fiscal_year_start_month if 1 <= settings.fiscal_year_start_month <= 12 else 1
    if settings.quarter and settings.quarter.strip():
        try:
            return parse_quarter(settings.quarter, fy_start)
        except ValueError:
            fallback = quarter_of(today, fy_start)
            rule = RULES["quarter-unreadable"]
            findings.append(
                Finding(
                    "quarter-unreadable",
                    rule.pitfall,
                    rule.severity,
                    Location(sheet="Settings", column="Quarter"),
                    f"The quarter {settings.quarter!r} on the Settings sheet cannot be read, so dates "
                    f"and pace were checked against {fallback.label}, the quarter containing today.",
                    f"Write the quarter like {fallback.label} (or Q{fallback.number} {fallback.fiscal_year}).",
                )
            )
            return fallback
    return quarter_of(today, fy_start)
