"""A Viva Goals export round-trips: export -> `okr import viva-goals` -> `okr sync` -> the same OKRs."""

from __future__ import annotations

import json

import pytest

from addin.config import LOCAL_TENANT
from addin.excel.reader import read_workbook
from addin.excel.viva_import import import_export
from addin.store import key_results
from tests.excel.corpus.vendor import viva_csv_bytes, viva_goals_xlsx, viva_rows


def _krs(okrs) -> list[tuple]:  # type: ignore[no-untyped-def]
    return sorted((k.team, k.objective, k.title, k.owner, k.baseline, k.target, k.current) for k in okrs.key_results)


@pytest.mark.parametrize("data", [viva_goals_xlsx().data, viva_csv_bytes()], ids=["xlsx", "csv"])
def test_an_import_holds_what_the_export_holds(data: bytes) -> None:
    export = read_workbook(data).okrs
    imported = import_export(data)
    workbook = read_workbook(imported.workbook).okrs
    assert (imported.objectives, imported.key_results, imported.initiatives) == (2, 4, 2)
    assert _krs(workbook) == _krs(export)
    assert sorted((o.team, o.title) for o in workbook.objectives) == sorted(
        (o.team, o.title) for o in export.objectives
    )
    assert sorted((i.kr_ref, i.title) for i in workbook.initiatives) == sorted(
        (i.kr_ref, i.title) for i in export.initiatives
    )
    assert workbook.settings.quarter == "2026-Q1"
    assert {t.name for t in workbook.teams} == {"Partnerships", "Platform"}


def test_import_then_sync_stores_the_exports_okrs(okr, tmp_path, app_database) -> None:  # type: ignore[no-untyped-def]
    export, out = tmp_path / "viva.csv", tmp_path / "okrs.xlsx"
    export.write_bytes(viva_csv_bytes())
    done = okr("import", "viva-goals", str(export), "-o", str(out))
    assert done.exit_code == 0, done.output
    assert "2 objectives, 4 key results, 2 initiatives" in done.stdout
    assert okr("import", "viva-goals", str(export), "-o", str(out)).exit_code == 2  # never overwritten silently

    synced = okr("sync", "--json", str(out))
    assert synced.exit_code == 0, synced.output
    assert json.loads(synced.stdout)["created"] == 4
    krs_in_export = {str(r[0]): r for r in viva_rows() if r[2] == "Key Result"}
    with app_database.read() as session:
        stored = key_results.load_key_results(session, LOCAL_TENANT)
    assert sorted(stored) == sorted(krs_in_export)  # Viva's ids adopted
    for kr_id, kr in stored.items():
        row = krs_in_export[kr_id]
        assert (kr.title, kr.baseline, kr.target, kr.current) == (row[1], row[9], row[10], row[11])


def test_a_workbook_that_is_not_an_export_is_refused_by_the_import(okr, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.excel.corpus.tables import own_kr_ids

    path = tmp_path / "mine.xlsx"
    path.write_bytes(own_kr_ids().data)
    result = okr("import", "viva-goals", str(path), "-o", str(tmp_path / "out.xlsx"))
    assert result.exit_code == 2 and "not a Viva Goals export" in result.stderr


def test_text_that_looks_like_a_formula_stays_text_in_the_import() -> None:
    import csv
    import io as _io

    import openpyxl

    from tests.excel.corpus.vendor import VIVA_HEADER

    rows = viva_rows()
    rows[1] = list(rows[1])
    rows[1][1] = '=HYPERLINK("http://attacker.example","Sign 12 new reseller partners")'
    out = _io.StringIO()
    writer = csv.writer(out)
    writer.writerow(VIVA_HEADER)
    writer.writerows(rows)
    imported = import_export(out.getvalue().encode())
    ws = openpyxl.load_workbook(_io.BytesIO(imported.workbook))["OKRs"]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert len(cells) == 1 and cells[0].data_type == "s"  # a string cell, never a formula


def test_a_csv_that_is_not_an_export_is_refused_with_advice() -> None:
    from addin.errors import UnsupportedFormat

    with pytest.raises(UnsupportedFormat) as caught:
        read_workbook(b"Team,Objective,Key Result\nA,B,C\n")
    assert "Viva Goals" in caught.value.message and caught.value.code == "not_a_workbook"
    with pytest.raises(UnsupportedFormat):
        read_workbook(b"Id,Title,Type,Aligned To\n1,x\x00y,Objective,\n")
