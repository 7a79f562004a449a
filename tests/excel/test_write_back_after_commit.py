"""The write-back is built after the sync commits: when it fails, the sync stays stored and whole,
the report, the API and the CLI say so, and syncing the same workbook again loses, reverts and
duplicates nothing (the workbook is a stale copy of the revision it was made from).

The write-back is made to fail by replacing it for the test (a server running short of memory,
or a workbook it cannot patch): nothing the reader accepts makes the real one fail.
"""

from __future__ import annotations

import base64
import datetime as dt
import gc
import io
import json
from pathlib import Path

import openpyxl
import pytest

from addin.errors import UnsupportedFormat, WorkbookError
from addin.excel import sync as sync_module
from addin.excel.reader import ReadResult
from addin.excel.sync import sync_workbook
from addin.excel.writeback import patch_workbook
from addin.okr.merge import SyncPlan
from addin.okr.model import KeyResult, OkrSet, Severity
from addin.store import audit, checkins, key_results
from addin.store.db import Database
from tests.api.conftest import upload
from tests.conftest import FIXED_NOW
from tests.excel import hostile_files as h
from tests.excel.test_sync import ROWS, _header, edit, make_workbook, rows_of

TENANT = "tenant-a"
LATER = FIXED_NOW + dt.timedelta(days=1)
LATEST = FIXED_NOW + dt.timedelta(days=2)
NEW_ROW = {
    "Team": "Growth",
    "Objective": "Customers love onboarding",
    "Key Result": "Halve onboarding support tickets",
    "Owner (email)": "di@example.com",
    "Baseline": 120,
    "Target": 60,
    "Current": 110,
    "Unit": "tickets",
    "Confidence (0–1)": 0.5,
}


def _raise_memory_error(*args: object, **kwargs: object) -> object:
    raise MemoryError


def _raise_sheet_full(*args: object, **kwargs: object) -> object:
    raise WorkbookError("Sheet 'Check-ins' has no room for 4 more rows.", code="sheet_full", sheet="Check-ins")


@pytest.fixture
def write_back(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """fail() makes the next write-backs fail (the server runs short of memory); work() mends it."""

    class WriteBack:
        @staticmethod
        def fail(how=_raise_memory_error) -> None:  # type: ignore[no-untyped-def]
            monkeypatch.setattr(sync_module, "patch_workbook", how)

        @staticmethod
        def work() -> None:
            monkeypatch.setattr(sync_module, "patch_workbook", patch_workbook)

    return WriteBack


def _stored(database: Database) -> dict[str, KeyResult]:
    with database.read() as s:
        return key_results.load_key_results(s, TENANT, include_archived=False)


def _checkin(database: Database, kr_id: str, value: float, at: dt.datetime) -> None:
    with database.transaction() as s:
        checkins.record_checkin(s, TENANT, kr_id, value=value, confidence=0.9, note="", at=at, source="outlook")


def _add_row(data: bytes, row: dict[str, object]) -> bytes:
    """The workbook with one more key result row, typed without an ID, inside the OKR table."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["OKRs"]
    header_row, columns = _header(ws)
    last = max(r for r in range(header_row, ws.max_row + 1) if ws.cell(r, columns["Key Result"]).value)
    for name, value in row.items():
        ws.cell(last + 1, columns[name], value)
    table = next(iter(ws.tables.values()))
    start, end = table.ref.split(":")
    table.ref = f"{start}:{''.join(ch for ch in end if ch.isalpha())}{last + 1}"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _by_title(stored: dict[str, KeyResult]) -> dict[str, KeyResult]:
    return {kr.title: kr for kr in stored.values()}


# ---------------------------------------------------------------- the report


def test_a_failed_write_back_keeps_the_sync_stored_and_says_so(database: Database, write_back) -> None:
    write_back.fail()
    report = sync_workbook(database, TENANT, make_workbook(ROWS), now=FIXED_NOW)

    assert (report.created, report.written_back, report.workbook) == (3, False, b"")
    assert report.write_back_failed and "memory" in (report.write_back_error or "")
    first = report.findings[0]
    assert (first.rule, first.severity) == ("sync.write-back-failed", Severity.ERROR)
    assert "is stored" in first.message and "memory" in first.message
    assert "Sync this workbook again" in (first.suggestion or "")
    assert report.as_dict()["written_back"] is False and report.as_dict()["write_back_error"]
    assert report.cells  # a task pane still gets the cells to write in place
    assert sorted(kr.title for kr in _stored(database).values()) == sorted(r["Key Result"] for r in ROWS)
    with database.read() as s:
        history = checkins.list_checkins(s, TENANT)
        entries = audit.entries(s, TENANT, action="sync")
    assert len(history) == 3  # each new key result's first check-in, as in any first sync
    assert [(e.target, e.details["created"]) for e in entries] == [(report.workbook_id, 3)]


def test_a_workbook_error_in_the_write_back_is_said_in_its_own_words(database: Database, write_back) -> None:
    write_back.fail(_raise_sheet_full)
    report = sync_workbook(database, TENANT, make_workbook(ROWS), now=FIXED_NOW)
    assert report.created == 3 and not report.written_back
    assert "Sheet 'Check-ins' has no room for 4 more rows." in report.findings[0].message


def test_a_failure_working_out_the_status_cells_after_the_commit_is_said_the_same_way(
    database: Database, monkeypatch
) -> None:
    monkeypatch.setattr(sync_module, "_status_cells", _raise_memory_error)
    report = sync_workbook(database, TENANT, make_workbook(ROWS), now=FIXED_NOW)
    assert (report.created, report.written_back, report.findings[0].rule) == (3, False, "sync.write-back-failed")
    assert len(_stored(database)) == 3


def test_a_workbook_the_write_back_can_never_patch_is_refused_before_anything_is_stored(database: Database) -> None:
    with pytest.raises(UnsupportedFormat) as refused:
        sync_workbook(database, TENANT, h.macro_sheet_workbook(), now=FIXED_NOW)
    assert refused.value.code == "macro_sheets"
    with database.read() as s:
        assert key_results.load_key_results(s, TENANT) == {}
        assert audit.entries(s, TENANT) == []


def test_nothing_read_or_merged_is_held_while_the_write_back_runs(database: Database, monkeypatch) -> None:
    alive: list[int] = []

    def counting(data: bytes, **edits: object) -> object:
        gc.collect()
        kinds = (ReadResult, SyncPlan, OkrSet, KeyResult)
        alive.append(sum(isinstance(o, kinds) for o in gc.get_objects()))
        return patch_workbook(data, **edits)  # type: ignore[arg-type]

    workbook = make_workbook(ROWS)
    monkeypatch.setattr(sync_module, "patch_workbook", counting)
    first = sync_workbook(database, TENANT, workbook, now=FIXED_NOW)
    again = sync_workbook(
        database, TENANT, edit(first.workbook, rows_of(first.workbook)[0]["ID"], "Target", 45), now=LATER
    )
    assert again.updated == 1 and again.written_back
    assert alive == [0, 0]


# ---------------------------------------------------------------- syncing the same workbook again


def test_a_first_sync_s_workbook_synced_again_creates_nothing_and_keeps_a_checkin_made_since(
    database: Database, write_back
) -> None:
    original = make_workbook(ROWS)
    write_back.fail()
    failed = sync_workbook(database, TENANT, original, now=FIXED_NOW)
    assert failed.created == 3 and not failed.written_back
    ids = {kr.title: kr.id for kr in _stored(database).values()}
    activation = ids["Raise week-1 activation"]
    _checkin(database, activation, 31, LATER)  # from Outlook, before the manager syncs again

    write_back.work()
    again = sync_workbook(database, TENANT, original, now=LATEST)

    assert (again.created, again.updated, again.archived) == (0, 0, 0)
    assert again.written_back
    stored = _stored(database)
    assert {kr.title: kr.id for kr in stored.values()} == ids  # matched by team + objective + title, not duplicated
    assert stored[activation].current == 31  # the check-in survives: the workbook's older 25 is not written over it
    # said, not silently settled: the workbook's values differ from a check-in it never saw
    assert {(c.kr_id, c.field, c.stored) for c in again.conflicts} == {
        (activation, "current", 31),
        (activation, "confidence", 0.9),
    }
    assert {r["Key Result"]: r["ID"] for r in rows_of(again.workbook)} == ids


def test_a_synced_workbook_synced_again_after_a_failed_write_back_loses_reverts_and_duplicates_nothing(
    database: Database, write_back
) -> None:
    first = sync_workbook(database, TENANT, make_workbook(ROWS), now=FIXED_NOW)
    ids = {r["Key Result"]: r["ID"] for r in rows_of(first.workbook)}
    activation, report_time = ids["Raise week-1 activation"], ids["Cut time to first report"]
    edited = _add_row(edit(first.workbook, report_time, "Target", 8), NEW_ROW)  # an edit and a new row

    write_back.fail()
    failed = sync_workbook(database, TENANT, edited, now=LATER)
    assert (failed.created, failed.updated, failed.written_back) == (1, 1, False)
    write_back.work()
    after_failed = _stored(database)
    _checkin(database, activation, 31, LATER + dt.timedelta(hours=1))  # a check-in in between

    again = sync_workbook(database, TENANT, edited, now=LATEST)  # the very bytes whose write-back failed

    assert (again.created, again.updated, again.archived, again.conflicts) == (0, 0, 0, [])
    stored = _stored(database)
    assert stored.keys() == after_failed.keys() and len(stored) == 4
    assert stored[activation].current == 31  # the check-in survives
    assert stored[report_time].target == 8  # the edit the failed sync stored is kept
    returned = {r["Key Result"]: r for r in rows_of(again.workbook)}
    assert returned[NEW_ROW["Key Result"]]["ID"] in stored  # the new row gets the id the failed sync gave it
    assert returned["Raise week-1 activation"]["Current"] == 31  # and the check-in is written into the workbook


def test_a_checkin_on_a_value_the_failed_sync_changed_is_a_conflict_never_overwritten(
    database: Database, write_back
) -> None:
    first = sync_workbook(database, TENANT, make_workbook(ROWS), now=FIXED_NOW)
    activation = rows_of(first.workbook)[0]["ID"]
    edited = edit(first.workbook, activation, "Current", 28)
    write_back.fail()
    sync_workbook(database, TENANT, edited, now=LATER)
    write_back.work()
    _checkin(database, activation, 31, LATER + dt.timedelta(hours=1))

    again = sync_workbook(database, TENANT, edited, now=LATEST)

    # the workbook's 28 reached the store with the failed sync; the copy still says 25 was its base,
    # so 28 against 31 looks like two edits: the stored check-in is kept and the row flagged
    assert [(c.kr_id, c.field, c.workbook, c.stored) for c in again.conflicts] == [(activation, "current", 28, 31)]
    assert _stored(database)[activation].current == 31


# ---------------------------------------------------------------- the API and the CLI


def test_the_api_answers_200_with_the_sync_stored_and_no_workbook(client, write_back) -> None:
    write_back.fail()
    response = upload(client, "/api/sync?include=workbook", make_workbook(ROWS))
    assert response.status_code == 200
    body = response.get_json()
    assert (body["created"], body["written_back"], body["workbook"]) == (3, False, None)
    assert "memory" in body["write_back_error"]
    assert body["findings"][0]["rule"] == "sync.write-back-failed" and body["findings"][0]["severity"] == "error"
    assert body["cells"]  # the task pane writes the status in place from these
    entries = client.get("/api/audit").get_json()["entries"]
    assert [e["target"] for e in entries if e["action"] == "sync"] == [body["workbook_id"]]

    write_back.work()
    again = upload(client, "/api/sync?include=workbook", make_workbook(ROWS)).get_json()
    assert (again["created"], again["unchanged"], again["written_back"]) == (0, 3, True)
    assert base64.b64decode(again["workbook"]["base64"])


def test_the_panes_sync_answers_its_cells_and_builds_no_file(client, write_back) -> None:
    write_back.fail()  # were the file built, this sync would say its write-back failed
    body = upload(client, "/api/sync", make_workbook(ROWS)).get_json()
    assert (body["created"], body["written_back"], body["write_back_error"]) == (3, False, None)
    assert "workbook" not in body and body["cells"] and body["workbook_revision"].endswith("#r1")
    assert all(f["rule"] != "sync.write-back-failed" for f in body["findings"])


def test_the_cli_exits_1_leaves_the_file_alone_and_says_to_sync_again(okr, instance, write_back) -> None:
    path = Path("okrs.xlsx")
    original = make_workbook(ROWS)
    path.write_bytes(original)
    write_back.fail()

    result = okr("sync", str(path))
    assert result.exit_code == 1
    assert "NOT written back" in result.output and "okr sync" in result.output
    assert "sync.write-back-failed" in result.output and "Wrote" not in result.output
    assert path.read_bytes() == original

    as_json = json.loads(okr("sync", str(path), "--json").output)
    assert (as_json["created"], as_json["unchanged"], as_json["written_back"]) == (0, 3, False)

    write_back.work()
    done = okr("sync", str(path))
    assert done.exit_code == 0, done.output
    assert sorted(r["ID"] for r in rows_of(path.read_bytes())) == sorted(_ids_in(instance))  # 3, not 6


def _ids_in(instance: Path) -> set[str]:
    from addin.store.db import default_database_url

    database = Database(default_database_url(str(instance)))
    try:
        with database.read() as s:
            return set(key_results.load_key_results(s, "local"))
    finally:
        database.dispose()
