"""An honest sync report: the first line, exit 1 for rows held back or nothing stored, first-sync history,
write-back drops said, a Viva Goals CSV export synced directly."""

from __future__ import annotations

import datetime as dt
import json

from addin.excel.sync import sync_workbook
from addin.okr.model import Severity
from tests.conftest import FIXED_NOW
from tests.excel.corpus.tables import own_kr_ids
from tests.excel.corpus.vendor import viva_csv_bytes
from tests.excel.hostile_files import macro_workbook

TENANT = "tenant-a"


def test_first_line_says_what_was_read_and_stored(okr, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "mine.xlsx"
    path.write_bytes(own_kr_ids().data)
    result = okr("sync", str(path))
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first == (
        "Read 2 objectives and 3 key results (layout: flat-table); stored 3 (created 3, updated 0, unchanged 0)."
    )


def test_a_row_held_back_makes_sync_exit_1(okr, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(own_kr_ids().data))
    wb["Tracker"]["G3"] = "lots"  # an unreadable target
    path = tmp_path / "mine.xlsx"
    wb.save(path)
    result = okr("sync", "--json", str(path))
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["held_back"] == 1 and "1 row held back" in report["summary"]


def test_a_workbook_whose_rows_all_fail_never_exits_0(okr, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(own_kr_ids().data))
    for row in (2, 3, 4):
        wb["Tracker"].cell(row, 1).value = f"KR-00000{row}"  # this product's form, never given here
    path = tmp_path / "mine.xlsx"
    wb.save(path)
    result = okr("sync", str(path))
    assert result.exit_code == 1
    assert result.output.splitlines()[0].startswith(
        "Read 2 objectives and 3 key results (layout: flat-table); stored 0 (created 0"
    )


def _without_current(data: bytes) -> bytes:
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data))
    wb["Tracker"]["H2"] = None  # never measured: "not checked in since the quarter started"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_first_sync_has_no_stale_findings_but_says_history_starts(app_database) -> None:  # type: ignore[no-untyped-def]
    late_in_q1 = dt.datetime(2026, 3, 20, 9, tzinfo=dt.UTC)
    data = _without_current(own_kr_ids().data)
    report = sync_workbook(app_database, TENANT, data, now=late_in_q1)
    rules = [f.rule for f in report.findings]
    assert "no-recent-checkin" not in rules and "pace-far-behind" not in rules
    assert rules.count("sync.history-starts") == 1
    # from the next sync on, the history exists and a key result nobody checks in is stale again
    later = sync_workbook(app_database, TENANT, report.workbook, now=late_in_q1 + dt.timedelta(days=1))
    assert "no-recent-checkin" in [f.rule for f in later.findings]


def test_what_the_write_back_drops_is_reported(app_database) -> None:  # type: ignore[no-untyped-def]
    report = sync_workbook(app_database, TENANT, macro_workbook(), now=FIXED_NOW)
    dropped = [f for f in report.findings if f.rule == "sync.writeback-dropped"]
    assert len(dropped) == 1 and dropped[0].severity is Severity.INFO and "VBA" in dropped[0].message


def test_a_viva_goals_csv_export_is_synced_directly(okr, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "export.csv"
    original = viva_csv_bytes()
    path.write_bytes(original)
    result = okr("sync", "--json", str(path))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["created"] == 4 and report["layout"] == "viva-goals"
    assert "sync.not-written-back" in {f["rule"] for f in report["findings"]}
    assert path.read_bytes() == original
