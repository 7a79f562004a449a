"""Plans whose period is a year, a fiscal year, a date range or a multi-year horizon (invented content)."""

from __future__ import annotations

import datetime as dt

from tests.excel.corpus import Case, case
from tests.excel.corpus.build import book, save, sheet

_HEADER = ["Objective", "Key Result", "Owner", "Baseline", "Target", "Current"]


def _krs(objective: str, quarter: str | None) -> list[dict[str, object]]:
    krs: list[dict[str, object]] = [
        {"objective": objective, "title": "Close 30 supplier contracts with the new terms", "current": 21},
        {"objective": objective, "title": "Cut invoice disputes from 60 to 20 a quarter", "target": 20},
    ]
    if quarter:
        for kr in krs:
            kr["quarter"] = quarter
    return krs


def _rows(objective: str) -> list[list[object]]:
    return [
        [objective, "Close 30 supplier contracts with the new terms", "Lars Holm", 0, 30, 21],
        [objective, "Cut invoice disputes from 60 to 20 a quarter", "Lars Holm", 60, 20, 33],
    ]


@case
def year_as_period() -> Case:
    """'Period: 2025' above the table, read in February 2026: the plan is over, its last quarter is synced."""
    wb = book()
    objective = "Buy better, not more"
    sheet(wb, "Procurement", [["Team:", "Procurement"], ["Period:", 2025], [], _HEADER, *_rows(objective)])
    return Case(
        "year-as-period",
        save(wb),
        objectives=[("Procurement", objective)],
        key_results=_krs(objective, "2025-Q4"),
        synced_quarter="2025-Q4",
        note_contains=("2025-Q4", "2025"),
    )


@case
def fiscal_year_as_period() -> Case:
    """'Fiscal year: FY2026' with a July start (Settings): FY2026 holds today, its current quarter is synced."""
    wb = book()
    objective = "Buy better, not more"
    sheet(wb, "FY26", [["Team:", "Procurement"], ["Fiscal year:", "FY2026"], [], _HEADER, *_rows(objective)])
    sheet(wb, "Settings", [["Fiscal year start", "July"]])
    return Case(
        "fiscal-year-as-period",
        save(wb),
        objectives=[("Procurement", objective)],
        key_results=_krs(objective, "2026-Q3"),
        synced_quarter="2026-Q3",
        note_contains=("FY2026", "2026-Q3"),
    )


@case
def date_range_as_period() -> Case:
    """'Period: 2025-04-01 to 2025-06-30': exactly one past quarter."""
    wb = book()
    objective = "Buy better, not more"
    sheet(
        wb,
        "Procurement",
        [["Team:", "Procurement"], ["Period:", "2025-04-01 to 2025-06-30"], [], _HEADER, *_rows(objective)],
    )
    return Case(
        "date-range-as-period",
        save(wb),
        objectives=[("Procurement", objective)],
        key_results=_krs(objective, "2025-Q2"),
        synced_quarter="2025-Q2",
        note_contains=("2025-Q2",),
    )


@case
def due_dates_as_period() -> Case:
    """No period written anywhere; every due date falls in 2025-Q3."""
    wb = book()
    objective = "Buy better, not more"
    rows = [r + [dt.date(2025, 9, 30)] for r in _rows(objective)]
    sheet(wb, "Procurement", [["Team:", "Procurement"], [], [*_HEADER, "Due"], *rows])
    return Case(
        "due-dates-as-period",
        save(wb),
        objectives=[("Procurement", objective)],
        key_results=_krs(objective, "2025-Q3"),
        synced_quarter="2025-Q3",
        note_contains=("due",),
    )


@case
def multi_year_horizon() -> Case:
    """'Horizon: 2025-2027': several years that include today; today's quarter is synced."""
    wb = book()
    objective = "Buy better, not more"
    sheet(wb, "Procurement", [["Team:", "Procurement"], ["Horizon:", "2025-2027"], [], _HEADER, *_rows(objective)])
    return Case(
        "multi-year-horizon",
        save(wb),
        objectives=[("Procurement", objective)],
        key_results=_krs(objective, "2026-Q1"),
        synced_quarter="2026-Q1",
        note_contains=("2025-2027",),
    )
