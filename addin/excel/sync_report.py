"""What a sync tells the manager: an honest first line, rows held back, first-sync history, write-back drops.

Kept apart from ``sync`` (which runs the sync) so the wording of the report has one home.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from addin.errors import OkrError
from addin.okr.model import CheckIn, Finding, KeyResult, Location, Severity

# Lint rules that judge a key result by its check-in history: meaningless before there is one.
HISTORY_RULES = frozenset({"no-recent-checkin", "pace-far-behind"})


def held_back_rows(problems: Iterable[Finding]) -> set[tuple[str | None, int | None]]:
    """Rows a sync did not apply: every row with an error, from the reader or the merge."""
    return {
        (p.location.sheet, p.location.row)
        for p in problems
        if p.severity is Severity.ERROR
        and p.location.row is not None
        and (p.rule.startswith("input.") or p.rule.startswith("sync."))
    }


def summary_line(
    *,
    objectives: int,
    key_results: int,
    layout: str,
    stored: int,
    created: int,
    updated: int,
    unchanged: int,
    held_back: int,
) -> str:
    """The report's first line: read, stored, held back, and the layout."""
    line = (
        f"Read {objectives} objective{'s' * (objectives != 1)} and {key_results} key result"
        f"{'s' * (key_results != 1)} (layout: {layout}); stored {stored} (created {created}, updated {updated}, "
        f"unchanged {unchanged})"
    )
    if held_back:
        line += f"; {held_back} row{'s' * (held_back != 1)} held back (see the errors below)"
    elif key_results and not stored:
        line += "; NOTHING was stored"
    return line + "."


def first_sync_history(
    findings: Sequence[Finding], created: Sequence[KeyResult], checkins: Sequence[CheckIn], now: dt.datetime
) -> list[Finding]:
    """Drop staleness and pace findings of key results first stored by this sync; say so once.

    A key result stored just now has no history unless the workbook brought one (a
    Check-ins sheet with earlier rows); from the next sync on it is judged as any other.
    """
    before = {c.kr_id for c in checkins if _aware(c.at) < _aware(now)}
    fresh = {kr.id for kr in created if kr.id and kr.id not in before}
    if not fresh:
        return list(findings)
    kept = [f for f in findings if not (f.rule in HISTORY_RULES and f.location.key_result in fresh)]
    note = Finding(
        rule="sync.history-starts",
        pitfall=None,
        severity=Severity.INFO,
        location=Location(),
        message=(
            f"{len(fresh)} key result{'s have' if len(fresh) != 1 else ' has'} no check-in history yet: their "
            "history starts with this sync, so staleness and pace are judged from the next check-ins on."
        ),
    )
    return [note, *kept]


def writeback_findings(dropped_parts: Sequence[str], frozen_formulas: int) -> list[Finding]:
    """What the write-back could not keep (VBA, external links, calcChain), said rather than dropped silently."""
    if not dropped_parts and not frozen_formulas:
        return []
    kinds = []
    lowered = [p.lower() for p in dropped_parts]
    if any("vba" in p for p in lowered):
        kinds.append("the VBA macros (the workbook is saved as a plain .xlsx)")
    if any("externallink" in p for p in lowered):
        kinds.append("the links to other workbooks and the names that point into them")
    if any("calcchain" in p for p in lowered):
        kinds.append("the calculation chain (Excel rebuilds it when the file is opened)")
    if frozen_formulas:
        kinds.append(f"{frozen_formulas} formula(s) into linked workbooks, replaced by their last values")
    return [
        Finding(
            rule="sync.writeback-dropped",
            pitfall=None,
            severity=Severity.INFO,
            location=Location(),
            message="The updated workbook does not keep " + "; ".join(kinds or dropped_parts) + ".",
            suggestion="Keep the original file if you need them.",
        )
    ]


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def not_written_back() -> Finding:
    return Finding(
        rule="sync.not-written-back",
        pitfall=None,
        severity=Severity.INFO,
        location=Location(),
        message="The export was read from a CSV file, so no status was written back into it.",
        suggestion="`okr import viva-goals EXPORT -o okrs.xlsx` turns the export into a workbook to keep.",
    )


def write_back_reason(exc: Exception) -> str:
    """Why the write-back failed, in words for the manager (an unexpected error is logged, not shown)."""
    if isinstance(exc, OkrError):
        return exc.message
    if isinstance(exc, MemoryError):
        return "the server ran short of memory while building the updated workbook."
    return "an unexpected error on the server (it is logged there)."


def write_back_failed(reason: str) -> Finding:
    """The sync is stored, but its status did not reach the workbook."""
    return Finding(
        rule="sync.write-back-failed",
        pitfall=None,
        severity=Severity.ERROR,
        location=Location(),
        message=(
            f"This sync is stored, but the updated workbook (its status written back) could not be built: {reason}"
        ),
        suggestion=(
            "Sync this workbook again (after fixing what the message names in it, if anything): "
            "it is merged with what this sync stored, so nothing is lost, reverted or duplicated."
        ),
    )
