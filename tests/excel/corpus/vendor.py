"""Vendor exports with one row per item, an item-type column and a parent link (invented content)."""

from __future__ import annotations

import csv
import io

from tests.excel.corpus import Case, case
from tests.excel.corpus.build import book, save, sheet

VIVA_HEADER = [
    "Id", "Title", "Type", "Aligned To", "Owner", "Team", "Time Period", "Start Date", "End Date",
    "Start Value", "Target Value", "Current Value", "Metric", "Progress", "Status",
]  # fmt: skip


def viva_rows() -> list[list[object]]:
    """Objectives, key results under them (Aligned To = parent id), initiatives and projects under KRs."""
    return [
        [5101, "Grow the partner channel", "Objective", None, "Priya Raman", "Partnerships", "Q1 2026",
         "2026-01-01", "2026-03-31", None, None, None, None, 0.45, "On Track"],
        [5102, "Sign 12 new reseller partners", "Key Result", 5101, "Priya Raman", "Partnerships", "Q1 2026",
         "2026-01-01", "2026-03-31", 3, 12, 7, "#", 0.44, "On Track"],
        [5103, "Partner-sourced revenue reaches 400000 USD", "Key Result", 5101, "Jonas Eck", "Partnerships",
         "Q1 2026", "2026-01-01", "2026-03-31", 150000, 400000, 230000, "$", 0.32, "At Risk"],
        [5104, "Run a monthly partner webinar", "Initiative", 5102, "Jonas Eck", "Partnerships", "Q1 2026",
         "2026-01-01", "2026-03-31", None, None, None, None, 0.66, "On Track"],
        [5105, "Partner portal with deal registration", "Project", 5103, "Priya Raman", "Partnerships", "Q1 2026",
         "2026-01-01", "2026-03-31", None, None, None, None, 0.2, "Behind"],
        [5201, "Make the platform boringly reliable", "Objective", None, "Kai Lund", "Platform", "Q1 2026",
         "2026-01-01", "2026-03-31", None, None, None, None, 0.5, "On Track"],
        [5202, "Availability of the public API at 99.95%", "Key Result", 5201, "Kai Lund", "Platform", "Q1 2026",
         "2026-01-01", "2026-03-31", 99.7, 99.95, 99.9, "%", 0.8, "On Track"],
        [5203, "Mean time to restore under 30 minutes", "Key Result", 5201, "Ada Ferreira", "Platform", "Q1 2026",
         "2026-01-01", "2026-03-31", 95, 30, 55, "#", 0.62, "On Track"],
    ]  # fmt: skip


def _expected() -> dict[str, object]:
    o1, o2 = "Grow the partner channel", "Make the platform boringly reliable"
    return {
        "objectives": [("Partnerships", o1), ("Platform", o2)],
        "key_results": [
            {"objective": o1, "team": "Partnerships", "title": "Sign 12 new reseller partners", "owner": "Priya Raman",
             "baseline": 3, "target": 12, "current": 7, "quarter": "2026-Q1"},
            {"objective": o1, "team": "Partnerships", "title": "Partner-sourced revenue reaches 400000 USD",
             "owner": "Jonas Eck", "baseline": 150000, "target": 400000, "current": 230000, "quarter": "2026-Q1"},
            {"objective": o2, "team": "Platform", "title": "Availability of the public API at 99.95%",
             "baseline": 99.7, "target": 99.95, "current": 99.9, "unit": "%", "quarter": "2026-Q1"},
            {"objective": o2, "team": "Platform", "title": "Mean time to restore under 30 minutes", "owner": "Ada Ferreira",
             "baseline": 95, "target": 30, "current": 55, "quarter": "2026-Q1"},
        ],
        "initiatives": [("5102", "Run a monthly partner webinar"), ("5103", "Partner portal with deal registration")],
    }  # fmt: skip


@case
def viva_goals_xlsx() -> Case:
    wb = book()
    sheet(wb, "OKRs", [VIVA_HEADER, *viva_rows()])
    return Case(
        "viva-goals-xlsx",
        save(wb),
        layout="viva-goals",
        synced_quarter="2026-Q1",
        note_contains=("Viva Goals",),
        **_expected(),
    )  # type: ignore[arg-type]


def viva_csv_bytes() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(VIVA_HEADER)
    writer.writerows(viva_rows())
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@case
def viva_goals_csv() -> Case:
    return Case(
        "viva-goals-csv",
        viva_csv_bytes(),
        filename="export.csv",
        layout="viva-goals",
        synced_quarter="2026-Q1",
        **_expected(),
    )  # type: ignore[arg-type]
