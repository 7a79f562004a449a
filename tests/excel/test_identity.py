"""Rows keep their identity: a workbook's own IDs are adopted, a second copy is matched, not duplicated."""

from __future__ import annotations

import io

import openpyxl

from addin.excel.sync import sync_workbook
from addin.excel.template import write_template
from addin.okr.model import Severity
from addin.store import key_results
from tests.conftest import FIXED_NOW
from tests.excel.corpus.tables import own_kr_ids

TENANT = "tenant-a"


def _count(db) -> int:  # type: ignore[no-untyped-def]
    with db.read() as session:
        return key_results.count_key_results(session, TENANT)


def test_a_second_copy_of_a_never_synced_workbook_matches_instead_of_duplicating(app_database) -> None:  # type: ignore[no-untyped-def]
    sample = write_template(sample=True, today=FIXED_NOW.date())
    first = sync_workbook(app_database, TENANT, sample, now=FIXED_NOW)
    stored = _count(app_database)
    assert first.created == stored > 0
    second = sync_workbook(app_database, TENANT, sample, now=FIXED_NOW)  # the same file, e-mailed to a colleague
    assert second.workbook_id != first.workbook_id
    assert second.created == 0 and _count(app_database) == stored
    ids = [c.value for c in first.cells if c.column and c.value and str(c.value).startswith("KR-")]
    again = [c.value for c in second.cells if c.value and str(c.value).startswith("KR-")]
    assert sorted(ids) == sorted(again), "the copy's rows get the stored key results' IDs"


def test_the_workbooks_own_ids_are_adopted_and_kept(app_database) -> None:  # type: ignore[no-untyped-def]
    data = own_kr_ids().data
    report = sync_workbook(app_database, TENANT, data, now=FIXED_NOW)
    assert report.created == 3
    assert not [f for f in report.findings if f.severity is Severity.ERROR]
    with app_database.read() as session:
        assert sorted(key_results.load_key_results(session, TENANT)) == ["OKR1.KR1", "OKR1.KR2", "OKR2.KR1"]
    ws = openpyxl.load_workbook(io.BytesIO(report.workbook))["Tracker"]
    assert [ws.cell(r, 1).value for r in (2, 3, 4)] == ["OKR1.KR1", "OKR1.KR2", "OKR2.KR1"]
    again = sync_workbook(app_database, TENANT, report.workbook, now=FIXED_NOW)
    assert (again.created, again.unchanged) == (0, 3)


def test_an_own_id_never_takes_over_another_teams_key_result(app_database) -> None:  # type: ignore[no-untyped-def]
    sync_workbook(app_database, TENANT, own_kr_ids().data, now=FIXED_NOW)
    wb = openpyxl.load_workbook(io.BytesIO(own_kr_ids().data))
    ws = wb["Tracker"]
    for row in (2, 3, 4):
        ws.cell(row, 2).value = "Legal"
    out = io.BytesIO()
    wb.save(out)
    report = sync_workbook(app_database, TENANT, out.getvalue(), now=FIXED_NOW)
    taken = [f for f in report.findings if f.rule == "sync.id-taken"]
    assert len(taken) == 3 and "Security" in taken[0].message
    with app_database.read() as session:
        assert {k.team for k in key_results.load_key_results(session, TENANT).values()} == {"Security"}


def test_an_unknown_id_in_this_products_form_is_still_refused(app_database) -> None:  # type: ignore[no-untyped-def]
    wb = openpyxl.load_workbook(io.BytesIO(own_kr_ids().data))
    wb["Tracker"].cell(2, 1).value = "KR-ABCDEF"
    out = io.BytesIO()
    wb.save(out)
    report = sync_workbook(app_database, TENANT, out.getvalue(), now=FIXED_NOW)
    assert [f.rule for f in report.findings if f.severity is Severity.ERROR] == ["sync.unknown-id"]
    assert report.created == 2 and report.held_back == 1 and report.incomplete
