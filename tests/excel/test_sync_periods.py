"""Syncing workbooks that speak for their periods: quarter blocks, due dates, several quarters side by side."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from addin.excel.sync import sync_workbook
from addin.store import okr_sets
from tests.excel.factories import make_quarter_blocks_workbook

TENANT = "tenant-periods"
NOW = dt.datetime(2026, 8, 14, 9, 0, tzinfo=dt.UTC)  # Q3 of 2026
QUARTERS = ["Q1-2026", "Q2-2026", "Q3-2026", "Q4-2026"]
FIELDS = ("Baseline", "Current", "Target", "Progress", "Confidence")
# Team, Objective, Key result, Owner, then Baseline/Current/Target/Progress/Confidence per quarter.
# Q4 is not planned yet for the second key result: its block is empty.
ROWS = [
    ["Sales", "Grow the pipeline", "Raise qualified leads a month", "ana@example.com",
     100, 130, 150, None, 0.7, 130, 160, 180, None, 0.6, 160, 170, 210, None, 0.5, 170, None, 240, None, 0.5],
    ["Sales", "Grow the pipeline", "Cut the sales cycle (days)", "bo@example.com",
     60, 55, 45, None, 0.6, 55, 50, 40, None, 0.6, 50, 49, 35, None, 0.4, None, None, None, None, None],
]  # fmt: skip


@pytest.fixture
def blocks() -> bytes:
    return make_quarter_blocks_workbook(QUARTERS, ROWS, fields=FIELDS)


def _sheet(data: bytes) -> list[list[object]]:
    ws = openpyxl.load_workbook(io.BytesIO(data))["OKRs"]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_every_filled_block_syncs_into_its_own_quarter(database, blocks) -> None:
    report = sync_workbook(database, TENANT, blocks, now=NOW)
    assert report.quarters == ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4")
    assert report.created == 7  # 4 + 3 filled blocks: one record per quarter of the same row
    with database.read() as s:
        per_quarter = {q: okr_sets.load_okrs(s, TENANT, quarter=q).key_results for q in report.quarters}
    assert [len(per_quarter[q]) for q in report.quarters] == [2, 2, 2, 1]
    leads = [next(k for k in per_quarter[q] if k.title.startswith("Raise")) for q in report.quarters]
    assert [(k.baseline, k.current, k.target) for k in leads] == [
        (100, 130, 150),
        (130, 160, 180),
        (160, 170, 210),
        (170, None, 240),
    ]
    # the row is one chain: each quarter continues the one before
    assert [k.continues for k in leads] == [None, leads[0].id, leads[1].id, leads[2].id]
    with database.read() as s:
        objectives = okr_sets.load_okrs(s, TENANT, quarter="2026-Q2").objectives
    assert [(o.title, o.period) for o in objectives] == [("Grow the pipeline", "FY2026")]  # spans the year


def test_each_block_gets_its_status_and_a_resync_creates_nothing(database, blocks) -> None:
    first = sync_workbook(database, TENANT, blocks, now=NOW)
    rows = _sheet(first.workbook)
    header = rows[1]
    progress_cols = [i for i, name in enumerate(header) if name == "Progress"]
    assert len(progress_cols) >= 4  # one per block (plus the row's own, added right of the blocks)
    lead_row = rows[2]
    block_progress = [lead_row[i] for i in progress_cols[:4]]
    assert block_progress[0] == pytest.approx(0.6)  # Q1: 100 -> 130 of 150
    assert block_progress[1] == pytest.approx(0.6)  # Q2: 130 -> 160 of 180
    assert block_progress[2] == pytest.approx(0.2)  # Q3: 160 -> 170 of 210
    assert rows[3][progress_cols[3]] is None  # an empty block stays empty
    ids = {r[header.index("ID")] for r in rows[2:]}
    assert all(str(i).startswith("KR-") for i in ids)

    again = sync_workbook(database, TENANT, first.workbook, now=NOW + dt.timedelta(days=1))
    assert (again.created, again.archived) == (0, 0)
    with database.read() as s:
        assert sum(len(okr_sets.load_okrs(s, TENANT, quarter=q).key_results) for q in again.quarters) == 7


def test_a_later_quarter_block_filled_in_joins_the_rows_chain(database, blocks) -> None:
    first = sync_workbook(database, TENANT, blocks, now=NOW)
    wb = openpyxl.load_workbook(io.BytesIO(first.workbook))
    ws = wb["OKRs"]
    header = [c.value for c in ws[2]]
    q4_baseline = [i for i, name in enumerate(header, start=1) if name == "Baseline"][3]
    ws.cell(row=4, column=q4_baseline).value = 49
    ws.cell(row=4, column=q4_baseline + 2).value = 30  # Target
    buffer = io.BytesIO()
    wb.save(buffer)
    second = sync_workbook(database, TENANT, buffer.getvalue(), now=NOW + dt.timedelta(days=1))
    assert second.created == 1
    with database.read() as s:
        q3 = next(k for k in okr_sets.load_okrs(s, TENANT, quarter="2026-Q3").key_results if k.title.startswith("Cut"))
        q4 = next(k for k in okr_sets.load_okrs(s, TENANT, quarter="2026-Q4").key_results if k.title.startswith("Cut"))
    assert (q4.baseline, q4.target, q4.continues) == (49, 30, q3.id)


def test_a_workbook_without_a_quarter_is_placed_by_its_due_dates(database) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Plan"
    ws.append(["Team", "Objective", "Key result", "Baseline", "Target", "Due"])
    ws.append(["Ops", "Faster support", "Cut first reply time", 30, 10, dt.date(2027, 3, 31)])
    ws.append(["Ops", "Faster support", "Raise CSAT", 80, 90, dt.date(2027, 3, 15)])
    buffer = io.BytesIO()
    wb.save(buffer)
    report = sync_workbook(database, TENANT, buffer.getvalue(), now=NOW)
    assert report.quarters == ("2027-Q1",)  # not today's quarter (2026-Q3): the plan says when it is due
    with database.read() as s:
        assert len(okr_sets.load_okrs(s, TENANT, quarter="2027-Q1").key_results) == 2
        assert okr_sets.load_okrs(s, TENANT, quarter="2026-Q3").key_results == []
