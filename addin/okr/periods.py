"""Periods: which quarter each key result belongs to, and how quarters follow each other.

Every key result belongs to one quarter of a (fiscal) year; an objective belongs to a
quarter, or to a fiscal year when its key results span the year's quarters (the
quarter-blocks layout). Quarters live side by side: a sync of one quarter's workbook
never changes another quarter's key results.

A key result carried into the next quarter is a new key result that *continues* the old
one (``KeyResult.continues``); the chain of ``continues`` links is the KR's whole path.
A workbook row whose ID names a key result of another quarter (a copy of last quarter's
workbook, or one row of a quarter-blocks sheet) therefore stands for the chain's member
in the row's quarter, created on first sync.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from addin.okr.model import KeyResult, Objective, Settings
from addin.okr.quarters import Quarter, parse_quarter, quarter_of, resolve_quarter


def fiscal_year_of(quarter_label: str) -> str:
    """The annual period a quarter belongs to: "2026-Q3" -> "FY2026" (a label's year is its fiscal year)."""
    return f"FY{quarter_label[:4]}"


def period_contains(period: str, quarter_label: str) -> bool:
    """True when an objective's period ("2026-Q4" or "FY2026") covers the quarter ``quarter_label``."""
    return period in (quarter_label, fiscal_year_of(quarter_label))


def view_quarter(label: str | Quarter | None, settings: Settings, today: dt.date) -> Quarter:
    """The quarter a view shows (status, retro, API, panes, invites): the one named, else today's.

    Today's quarter is fiscal-year aware. The Settings quarter is a workbook's period,
    not the tenant's: after next quarter's workbook is synced, views still follow the date.
    """
    if isinstance(label, Quarter):
        return label
    return resolve_quarter(label, today=today, fy_start_month=settings.fiscal_year_start_month)


def quarter_from_due_dates(key_results: Iterable[KeyResult], fy_start_month: int = 1) -> Quarter | None:
    """The quarter most due dates fall in (the latest on a tie), or None without due dates."""
    counts = Counter(quarter_of(kr.due, fy_start_month) for kr in key_results if kr.due is not None)
    if not counts:
        return None
    return max(counts, key=lambda q: (counts[q], q.start))


@dataclass(frozen=True, slots=True)
class Placement:
    """A workbook's key results placed in their quarters, ready for the merge."""

    key_results: list[KeyResult]
    quarters: tuple[str, ...]  # the quarters this workbook speaks for, sorted


def place_in_quarters(workbook: Sequence[KeyResult], stored: Mapping[str, KeyResult], default: Quarter) -> Placement:
    """Give every key result its quarter and the id of its record in that quarter.

    A row without a quarter belongs to ``default`` (the workbook's period). A row whose
    ID names a stored key result of another quarter is that KR's chain member in the
    row's quarter; where the chain has none yet, the row is a new key result that
    continues the chain's newest earlier member.
    """
    chains = _Chains(stored)
    placed: list[KeyResult] = []
    for kr in workbook:
        quarter = kr.quarter or default.label
        kr = replace(kr, quarter=quarter) if kr.quarter != quarter else kr
        if kr.continues and (kr.continues.strip().upper() not in stored):
            kr = replace(kr, continues=None)  # only this tenant's own key results can be continued
        elif kr.continues:
            kr = replace(kr, continues=kr.continues.strip().upper())
        known = stored.get((kr.id or "").strip().upper()) if kr.id else None
        if known is not None and known.quarter not in (None, quarter):
            member = chains.member(known.id or "", quarter)
            if member is not None:
                kr = replace(kr, id=member)
            else:
                kr = replace(kr, id=None, continues=chains.latest_before(known.id or "", quarter, default))
        placed.append(kr)
    quarters = tuple(sorted({kr.quarter for kr in placed if kr.quarter} | {default.label}))
    return Placement(placed, quarters)


def link_rows(key_results: Sequence[KeyResult], created: Collection[str]) -> None:
    """New key results read from one row (a quarter-blocks row) continue the row's previous quarter.

    Sets ``continues`` in place on the ``created`` ids that have no link yet, so that the
    row's quarters are one chain, found again from any of its ids at the next sync.
    """
    rows: dict[tuple[str | None, int], list[KeyResult]] = {}
    for kr in key_results:
        if kr.location.row is not None and kr.quarter:
            rows.setdefault((kr.location.sheet, kr.location.row), []).append(kr)
    for members in rows.values():
        members.sort(key=lambda kr: kr.quarter or "")
        for previous, kr in zip(members, members[1:], strict=False):
            if kr.id in created and kr.continues is None and previous.id and kr.id != previous.id:
                kr.continues = previous.id


def annual_objectives(
    objectives: Iterable[Objective], key_results: Iterable[KeyResult], fy_start_month: int = 1
) -> list[Objective]:
    """Objectives whose key results span several quarters of one fiscal year become annual."""
    quarters: dict[tuple[str, str], set[str]] = {}
    for kr in key_results:
        if kr.quarter:
            quarters.setdefault((kr.team, kr.objective), set()).add(kr.quarter)
    result = []
    for o in objectives:
        spans = quarters.get((o.team, o.title), set())
        if o.period is None and len(spans) > 1:
            years = {parse_quarter(q, fy_start_month).fiscal_year for q in spans}
            if len(years) == 1:
                o = replace(o, period=f"FY{years.pop()}")
        result.append(o)
    return result


def paths_of(kr_ids: Iterable[str], stored: Mapping[str, KeyResult]) -> dict[str, list[KeyResult]]:
    """The whole path of each carried-over key result: every member of its chain, oldest first."""
    chains = _Chains(stored)  # built once: a tenant's chains for every key result asked about
    return {kr_id: [stored[i] for i in chains.chain(kr_id) if i in stored] for kr_id in kr_ids}


class _Chains:
    """The ``continues`` links of the stored key results, walked both ways."""

    def __init__(self, stored: Mapping[str, KeyResult]) -> None:
        self.stored = stored
        self.next: dict[str, list[str]] = {}
        for kr in stored.values():
            if kr.continues and kr.id:
                self.next.setdefault(kr.continues, []).append(kr.id)

    def chain(self, kr_id: str) -> list[str]:
        first = kr_id
        seen = {first}
        while (prev := self.stored.get(first)) is not None and prev.continues and prev.continues not in seen:
            first = prev.continues
            seen.add(first)
        ordered, todo = [], [first]
        while todo:
            current = todo.pop(0)
            ordered.append(current)
            todo.extend(i for i in self.next.get(current, ()) if i not in ordered and i not in todo)
        return ordered

    def member(self, kr_id: str, quarter: str) -> str | None:
        for i in self.chain(kr_id):
            kr = self.stored.get(i)
            if kr is not None and kr.quarter == quarter:
                return i
        return None

    def latest_before(self, kr_id: str, quarter: str, default: Quarter) -> str:
        fy = default.fy_start_month
        target = _start(quarter, fy)
        earlier = [
            (_start(self.stored[i].quarter, fy), i)
            for i in self.chain(kr_id)
            if i in self.stored and _start(self.stored[i].quarter, fy) < target
        ]
        return max(earlier)[1] if earlier else kr_id


def _start(label: str | None, fy_start_month: int) -> dt.date:
    if not label:
        return dt.date.min
    try:
        return parse_quarter(label, fy_start_month).start
    except ValueError:
        return dt.date.min
