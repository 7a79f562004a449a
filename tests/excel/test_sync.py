"""A sync end to end: workbook → store → workbook, as a manager sees it over several syncs."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from addin.excel.sync import sync_workbook
from addin.excel.template import write_template
from addin.store import checkins, key_results
from tests.conftest import FIXED_NOW

TENANT = "tenant-a"
LATER = FIXED_NOW + dt.timedelta(days=7)

ROWS = [
    {
        "Team": "Growth",
        "Objective": "Customers love onboarding",
        "Key Result": "Raise week-1 activation",
        "Owner (email)": "ana@example.com",
        "Baseline": 20,
        "Target": 40,
        "Current": 25,
        "Unit": "%",
        "Confidence (0–1)": 0.7,
    },
    {
        "Team": "Growth",
        "Objective": "Customers love onboarding",
        "Key Result": "Cut time to first report",
        "Owner (email)": "bo@example.com",
        "Baseline": 30,
        "Target": 10,
        "Current": 28,
        "Unit": "min",
        "Confidence (0–1)": 0.5,
    },
    {
        "Team": "Growth",
        "Objective": "Customers love onboarding",
        "Key Result": "Grow trial-to-paid conversion",
        "Owner (email)": "cy@example.com",
        "Baseline": 3,
        "Target": 5,
        "Current": 3.2,
        "Unit": "%",
        "Confidence (0–1)": 0.6,
    },
]


def _header(ws) -> tuple[int, dict[str, int]]:
    for row in ws.iter_rows(min_row=1, max_row=20):
        names = {str(c.value).strip(): c.column for c in row if c.value is not None}
        if "Key Result" in names:
            return row[0].row, names
    raise AssertionError("no header row")


def make_workbook(rows: list[dict]) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(write_template(today=FIXED_NOW.date())))
    ws = wb["OKRs"]
    header_row, columns = _header(ws)
    for offset, row in enumerate(rows, start=1):
        for name, value in row.items():
            cell = ws.cell(header_row + offset, columns[name], value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # literal text that merely looks like a formula
    table = next(iter(ws.tables.values()))
    start, end = table.ref.split(":")
    end_col = "".join(ch for ch in end if ch.isalpha())
    table.ref = f"{start}:{end_col}{header_row + max(1, len(rows))}"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rows_of(data: bytes) -> list[dict]:
    ws = openpyxl.load_workbook(io.BytesIO(data))["OKRs"]
    header_row, columns = _header(ws)
    result = []
    for r in range(header_row + 1, ws.max_row + 1):
        values = {name: ws.cell(r, col).value for name, col in columns.items()}
        if values.get("Key Result"):
            values["_row"] = r
            result.append(values)
    return result


def edit(data: bytes, kr_id: str, column: str, value: object) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["OKRs"]
    header_row, columns = _header(ws)
    for r in range(header_row + 1, ws.max_row + 1):
        if ws.cell(r, columns["ID"]).value == kr_id:
            ws.cell(r, columns[column], value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def delete_row(data: bytes, kr_id: str) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["OKRs"]
    header_row, columns = _header(ws)
    for r in range(header_row + 1, ws.max_row + 1):
        if ws.cell(r, columns["ID"]).value == kr_id:
            for col in columns.values():
                ws.cell(r, col).value = None
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def first(app_database):
    report = sync_workbook(app_database, TENANT, make_workbook(ROWS), now=FIXED_NOW)
    return report


def test_first_sync_creates_every_kr_and_writes_ids_and_status(first):
    assert (first.created, first.updated, first.archived) == (3, 0, 0)
    rows = rows_of(first.workbook)
    assert [r["Key Result"] for r in rows] == [r["Key Result"] for r in ROWS]
    assert len({r["ID"] for r in rows}) == 3 and all(r["ID"].startswith("KR-") for r in rows)
    assert all(r["Status"] for r in rows)
    # Progress is (current - baseline) / (target - baseline): 25 from 20 toward 40 is 25 %.
    assert rows[0]["Progress"] == pytest.approx((25 - 20) / (40 - 20))
    # A decreasing metric: 28 from 30 toward 10 is 10 %.
    assert rows[1]["Progress"] == pytest.approx((28 - 30) / (10 - 30))


def test_syncing_the_returned_workbook_again_changes_nothing(app_database, first):
    again = sync_workbook(app_database, TENANT, first.workbook, now=LATER)
    assert (again.created, again.updated, again.archived, again.checkins) == (0, 0, 0, 0)
    assert again.unchanged == 3
    assert again.workbook_id == first.workbook_id


def test_a_changed_current_updates_the_store_and_becomes_a_checkin(app_database, first):
    kr_id = rows_of(first.workbook)[0]["ID"]
    report = sync_workbook(app_database, TENANT, edit(first.workbook, kr_id, "Current", 33), now=LATER)
    assert (report.updated, report.checkins) == (1, 1)
    with app_database.read() as s:
        assert key_results.load_key_results(s, TENANT)[kr_id].current == 33
        history = [c for c in checkins.list_checkins(s, TENANT) if c.kr_id == kr_id]
    assert [c.value for c in history][-1] == 33
    checkins_sheet = openpyxl.load_workbook(io.BytesIO(report.workbook))["Check-ins"]
    assert any(kr_id in [c.value for c in row] for row in checkins_sheet.iter_rows())


def test_a_checkin_from_outlook_is_written_into_the_workbook(app_database, first):
    kr_id = rows_of(first.workbook)[0]["ID"]
    with app_database.transaction() as s:
        checkins.record_checkin(
            s,
            TENANT,
            kr_id,
            value=31,
            confidence=0.8,
            note="from the meeting",
            at=FIXED_NOW + dt.timedelta(days=2),
            source="outlook",
        )
    report = sync_workbook(app_database, TENANT, first.workbook, now=LATER)
    assert report.conflicts == []
    row = next(r for r in rows_of(report.workbook) if r["ID"] == kr_id)
    assert row["Current"] == 31


def test_both_sides_changed_is_a_conflict_and_nothing_is_overwritten(app_database, first):
    kr_id = rows_of(first.workbook)[0]["ID"]
    with app_database.transaction() as s:
        checkins.record_checkin(s, TENANT, kr_id, value=31, confidence=None, note="", at=LATER, source="outlook")
    edited = edit(first.workbook, kr_id, "Current", 35)
    report = sync_workbook(app_database, TENANT, edited, now=LATER)
    assert [(c.kr_id, c.field) for c in report.conflicts] == [(kr_id, "current")]
    with app_database.read() as s:
        assert key_results.load_key_results(s, TENANT)[kr_id].current == 31
    row = next(r for r in rows_of(report.workbook) if r["ID"] == kr_id)
    assert row["Current"] == 35  # the manager's value is still in the workbook
    assert "conflict" in row["Flags"]

    confirmed = sync_workbook(app_database, TENANT, report.workbook, now=LATER + dt.timedelta(hours=1))
    assert confirmed.conflicts == []
    with app_database.read() as s:
        assert key_results.load_key_results(s, TENANT)[kr_id].current == 35


def test_a_row_removed_from_the_workbook_is_archived_not_deleted(app_database, first):
    kr_id = rows_of(first.workbook)[2]["ID"]
    report = sync_workbook(app_database, TENANT, delete_row(first.workbook, kr_id), now=LATER)
    assert report.archived == 1
    with app_database.read() as s:
        assert kr_id not in key_results.load_key_results(s, TENANT, include_archived=False)
        assert kr_id in key_results.load_key_results(s, TENANT, include_archived=True)


def test_another_tenant_cannot_touch_a_kr_by_its_id(app_database, first):
    kr_id = rows_of(first.workbook)[0]["ID"]
    other = sync_workbook(app_database, "tenant-b", edit(first.workbook, kr_id, "Current", 99), now=LATER)
    with app_database.read() as s:
        assert key_results.load_key_results(s, TENANT)[kr_id].current == 25
        assert kr_id not in key_results.load_key_results(s, "tenant-b")
    assert any(kr_id in f.message for f in other.findings)


def test_formula_looking_text_comes_back_as_text(app_database):
    rows = [dict(ROWS[0], **{"Key Result": '=HYPERLINK("http://127.0.0.1:9/x","click")'}), *ROWS[1:]]
    report = sync_workbook(app_database, TENANT, make_workbook(rows), now=FIXED_NOW)
    ws = openpyxl.load_workbook(io.BytesIO(report.workbook))["OKRs"]
    assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert report.created == 3
    assert rows_of(report.workbook)[0]["Key Result"] == rows[0]["Key Result"]


def test_a_status_cell_holding_a_formula_is_kept_and_reported(app_database, first):
    kr_id = rows_of(first.workbook)[1]["ID"]
    wb = openpyxl.load_workbook(io.BytesIO(first.workbook))
    ws = wb["OKRs"]
    header_row, columns = _header(ws)
    row = next(r for r in range(header_row + 1, ws.max_row + 1) if ws.cell(r, columns["ID"]).value == kr_id)
    ws.cell(row, columns["Status"]).value = '=IF(TRUE,"ours","")'
    out = io.BytesIO()
    wb.save(out)

    report = sync_workbook(app_database, TENANT, out.getvalue(), now=LATER)
    status_cell = openpyxl.load_workbook(io.BytesIO(report.workbook))["OKRs"].cell(row, columns["Status"])
    assert status_cell.data_type == "f"  # the manager's formula is still there
    kept = [f for f in report.findings if f.rule == "input.formula-kept"]
    assert [(f.location.sheet, f.location.row) for f in kept] == [("OKRs", row)]


def test_a_checkin_typed_into_the_checkins_sheet_becomes_history_once(app_database, first):
    kr_id = rows_of(first.workbook)[0]["ID"]
    wb = openpyxl.load_workbook(io.BytesIO(first.workbook))
    ws = wb["Check-ins"]
    header = {c.value: c.column for c in ws[1]}
    row = ws.max_row + 1
    typed = {"Date": dt.date(2026, 11, 10), "KR ID": kr_id.lower(), "Value": 22, "Note": "typed by hand"}
    for name, value in typed.items():
        ws.cell(row, header[name], value)
    out = io.BytesIO()
    wb.save(out)

    report = sync_workbook(app_database, TENANT, out.getvalue(), now=LATER)
    again = sync_workbook(app_database, TENANT, report.workbook, now=LATER + dt.timedelta(hours=1))
    with app_database.read() as s:
        history = [c for c in checkins.list_checkins(s, TENANT) if c.kr_id == kr_id]
        current = key_results.load_key_results(s, TENANT)[kr_id].current
    assert [(c.value, c.note) for c in history if c.note == "typed by hand"] == [(22, "typed by hand")]
    assert report.checkins == 1 and again.checkins == 0
    assert current == 25  # older than the check-in of the first sync: history only


def test_the_sample_checkins_named_by_title_are_imported_before_ids_exist(app_database):
    sample = write_template(sample=True, today=FIXED_NOW.date())
    typed = [
        r
        for r in openpyxl.load_workbook(io.BytesIO(sample))["Check-ins"].iter_rows(min_row=2, values_only=True)
        if any(r)
    ]
    assert typed  # the sample ships a few check-ins, by title

    report = sync_workbook(app_database, TENANT, sample, now=FIXED_NOW)
    with app_database.read() as s:
        notes = {c.note for c in checkins.list_checkins(s, TENANT) if c.note}
    typed_notes = {r[5] for r in typed if r[5]}
    assert typed_notes and typed_notes <= notes

    # The sheet shows each of them once: no second copy appended with its new ID.
    rows = [
        r
        for r in openpyxl.load_workbook(io.BytesIO(report.workbook))["Check-ins"].iter_rows(min_row=2, values_only=True)
        if any(r)
    ]
    assert sum(1 for r in rows if r[5] in typed_notes) == len([r for r in typed if r[5]])


def test_status_columns_added_to_a_foreign_sheet_never_cover_the_managers_columns(app_database):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Our goals"
    ws.append(["Team", "Objective", "Key result", "Owner", "Start", "Goal", "Actual", "Comments", None, "Budget"])
    ws.append(["Ops", "Run a calm platform", "Cut p95 latency", "li@example.com", 450, 250, 400, "on it", None, 1200])
    ws.append(
        ["Ops", "Run a calm platform", "Grow weekly active teams", "li@example.com", 100, 150, 110, "", None, 300]
    )
    out = io.BytesIO()
    wb.save(out)

    report = sync_workbook(app_database, TENANT, out.getvalue(), now=FIXED_NOW)
    synced = openpyxl.load_workbook(io.BytesIO(report.workbook))["Our goals"]
    header = [c.value for c in synced[1]]
    assert header[:10] == [
        "Team",
        "Objective",
        "Key result",
        "Owner",
        "Start",
        "Goal",
        "Actual",
        "Comments",
        None,
        "Budget",
    ]
    assert header[10:15] == ["ID", "Progress", "Status", "Last check-in", "Flags"]
    assert [synced.cell(2, 10).value, synced.cell(3, 10).value] == [1200, 300]
    assert str(synced.cell(2, 11).value).startswith("KR-")
