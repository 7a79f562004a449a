"""Reading workbooks in every layout managers send, with problems tied to cells."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from addin.errors import UnsupportedFormat, WorkbookError, WorkbookTooLarge
from addin.excel.reader import read_workbook
from addin.okr.model import KrKind, ObjectiveType, Severity
from tests.excel.factories import (
    STYLE_DATE,
    STYLE_PERCENT,
    cell_xml,
    make_flat_workbook,
    make_outline_workbook,
    make_quarter_blocks_workbook,
    make_raw_workbook,
    make_template_workbook,
    make_two_sheet_workbook,
    raw_table,
    sample_rows,
    sheet_xml,
    to_bytes,
)

TODAY = dt.date(2026, 2, 15)


def problems(result, rule: str) -> list:
    return [p for p in result.problems if p.rule == f"input.{rule}"]


def test_template_layout_reads_every_row_with_its_location() -> None:
    result = read_workbook(make_template_workbook(), today=TODAY)
    assert result.layout == "template"
    assert "template" in result.layout_note
    krs = result.okrs.key_results
    assert [k.title for k in krs] == ["Grow weekly active users", "Cut churn", "Launch the partner portal"]
    assert krs[0].baseline == 10000 and krs[0].target == 15000 and krs[0].current == 12000
    assert krs[0].due == dt.date(2026, 3, 31) and krs[0].confidence == pytest.approx(0.7)
    assert krs[1].unit == "%" and (krs[1].baseline, krs[1].target) == (5, 3)
    assert krs[2].kind is KrKind.MILESTONE and (krs[2].current, krs[2].target) == (0, 1)
    assert [k.location.row for k in krs] == [2, 3, 4] and {k.location.sheet for k in krs} == {"OKRs"}
    assert result.okrs.settings.quarter == "2026-Q1"
    assert [t.name for t in result.okrs.teams] == ["Growth"]
    okr_sheet = next(s for s in result.sheets if s.sheet == "OKRs")
    assert okr_sheet.header_row == 1 and okr_sheet.last_data_row == 4
    assert okr_sheet.columns["id"] == 14 and okr_sheet.columns["flags"] == 18
    assert not [p for p in result.problems if p.severity is Severity.ERROR]


def test_template_checkins_and_settings_thresholds() -> None:
    data = make_template_workbook(
        settings={"Quarter": "Q3 2026", "Fiscal year start": "July", "Stale days": 21},
        checkins=[["KR-1", "2026-02-01T10:00:00+01:00", 5, "70%", "ok", "cli"]],
    )
    result = read_workbook(data, today=TODAY)
    settings = result.okrs.settings
    assert settings.fiscal_year_start_month == 7 and settings.quarter == "2026-Q3"
    assert settings.thresholds.stale_days == 21
    (checkin,) = result.okrs.checkins
    assert checkin.at == dt.datetime(2026, 2, 1, 9, 0, tzinfo=dt.UTC)
    assert checkin.value == 5 and checkin.confidence == pytest.approx(0.7)


def test_workbook_id_comes_from_the_custom_property() -> None:
    rows = raw_table(["Objective", "Key result", "Target"], [["O", "KR", 5]])
    data = make_raw_workbook({"OKRs": sheet_xml(rows)}, custom_properties={"OKRCadenceWorkbookId": "wb-42"})
    assert read_workbook(data, today=TODAY).workbook_id == "wb-42"
    assert read_workbook(make_template_workbook(), today=TODAY).workbook_id is None


def test_flat_table_below_title_and_decoy_rows_with_synonyms() -> None:
    data = make_flat_workbook(
        ["  key\u00a0RESULT ", "Team", "Objective", "Owner email", "Start", "Goal", "Actual", "Progress %", "tenant_id",
         "owner_oid", "is_admin", "created_by"],
        [["Grow WAU", "Growth", "Win", "a@x.com", "1,200", "$1.5k", "1300", 0.1, "T-OTHER", "oid", True, "mallory"]],
        above=[["Company OKRs 2026"], ["Team", "a decoy line"], []],
    )  # fmt: skip
    result = read_workbook(data, today=TODAY)
    assert result.layout == "flat-table"
    (kr,) = result.okrs.key_results
    assert (kr.baseline, kr.target, kr.current) == (1200, 1500, 1300)
    assert kr.owner == "a@x.com" and kr.location.row == 5
    (layout,) = result.sheets
    assert layout.header_row == 4
    assert set(layout.columns) == {"key_result", "team", "objective", "owner", "baseline", "target", "current",
                                   "progress"}  # fmt: skip


def test_spanish_and_portuguese_headers() -> None:
    es = make_flat_workbook(
        ["Equipo", "Objetivo", "Resultado clave", "Responsable", "Línea base", "Meta", "Real", "Confianza", "Periodo"],
        [["Ventas", "Crecer", "Subir ingresos", "a@x", 10, 20, 15, "Alta", "31/03/2026"]],
    )
    pt = make_flat_workbook(
        ["Equipe", "Objetivo", "Resultado-chave", "Dono", "Meta", "Atual", "Confiança", "Prazo"],
        [["Vendas", "Crescer", "Subir receita", "b@x", 20, 15, "baixa", "2026-03-31"]],
    )
    (kr_es,) = read_workbook(es, today=TODAY).okrs.key_results
    assert (kr_es.team, kr_es.objective, kr_es.owner, kr_es.target, kr_es.current) == (
        "Ventas",
        "Crecer",
        "a@x",
        20,
        15,
    )
    assert kr_es.confidence == pytest.approx(0.8)
    (kr_pt,) = read_workbook(pt, today=TODAY).okrs.key_results
    assert (kr_pt.team, kr_pt.owner, kr_pt.target, kr_pt.confidence) == ("Vendas", "b@x", 20, pytest.approx(0.2))
    assert kr_pt.due == dt.date(2026, 3, 31)


def test_merged_header_and_vertically_merged_objective_cells() -> None:
    data = make_flat_workbook(
        ["Team", "Objective", "Key result", None, "Target", "Current"],
        [["Growth", "Win", "Grow WAU", None, 20, 10], [None, None, "Cut churn", None, 3, 4], ["Growth", "Other", "KR3", None, 1, 0]],
        merges=["C1:D1", "B2:B3", "A2:A3"],
    )  # fmt: skip
    result = read_workbook(data, today=TODAY)
    assert [(k.team, k.objective, k.title) for k in result.okrs.key_results] == [
        ("Growth", "Win", "Grow WAU"), ("Growth", "Win", "Cut churn"), ("Growth", "Other", "KR3")
    ]  # fmt: skip


def test_two_sheet_layout_links_by_id_or_title_and_reports_orphans() -> None:
    data = make_two_sheet_workbook(
        [["O1", "Growth", "Win mid-market", "committed"], ["O2", "Growth", "Delight users", "stretch"]],
        [["O1", "Grow WAU", "a@x", 100, 200, 150], ["Delight users", "Raise NPS", "b@x", 30, 50, 35],
         ["O9", "Orphan", "c@x", 1, 2, 1]],
    )  # fmt: skip
    result = read_workbook(data, today=TODAY)
    assert result.layout == "two-sheet"
    krs = result.okrs.key_results
    assert [(k.team, k.objective) for k in krs[:2]] == [("Growth", "Win mid-market"), ("Growth", "Delight users")]
    types = {o.title: o.type for o in result.okrs.objectives}
    assert types == {"Win mid-market": ObjectiveType.COMMITTED, "Delight users": ObjectiveType.ASPIRATIONAL}
    (orphan,) = problems(result, "unknown-objective")
    assert orphan.severity is Severity.ERROR and orphan.location.cell == "A4" and orphan.location.sheet == "Key Results"
    assert "'O9'" in orphan.message


def test_outline_layout_with_label_block_and_initiatives() -> None:
    data = make_outline_workbook(
        [["1", "Grow the user base"], ["1.1", "Increase WAU", "a@x", 10000, 15000, 12000, "🙂", "2026-03-31"],
         ["1.2", "Cut time to value", "b@x", "30 days", "10 days", "20 dias", "alta"], ["2", "Be reliable"],
         ["2.1", "Uptime", "c@x", "99%", "99.9%", "99.5%", 0.8]],
        initiatives=[["1.1", "Run ads", "a@x", "open", 0.9], ["3.1", "Ghost", None, None, None]],
    )  # fmt: skip
    result = read_workbook(data, today=TODAY)
    assert result.layout == "outline"
    assert "Growth" in result.layout_note
    krs = result.okrs.key_results
    assert [(k.ref, k.objective) for k in krs] == [("1.1", "Grow the user base"), ("1.2", "Grow the user base"),
                                                   ("2.1", "Be reliable")]  # fmt: skip
    assert {k.team for k in krs} == {"Growth"}
    assert (krs[1].baseline, krs[1].target, krs[1].current, krs[1].unit) == (30, 10, 20, "days")
    assert (krs[2].target, krs[2].unit) == (99.9, "%")
    assert krs[0].confidence == pytest.approx(0.8)
    assert [o.ref for o in result.okrs.objectives] == ["1", "2"]
    assert result.okrs.settings.quarter == "2026-Q1"
    assert [(i.kr_ref, i.title) for i in result.okrs.initiatives] == [("1.1", "Run ads"), ("3.1", "Ghost")]
    (ghost,) = problems(result, "unknown-kr")
    assert ghost.location.sheet == "Initiatives" and ghost.location.row == 3


@pytest.mark.parametrize("quarter", [None, "2026-Q2", "2026-Q4"])
def test_quarter_blocks_read_every_filled_block_into_its_quarter(quarter: str | None) -> None:
    data = make_quarter_blocks_workbook(
        ["Q1-2026", "Q2-2026"], [["Growth", "Win", "Grow WAU", "a@x", 10, 12, 20, 0.2, 0.7, 12, 14, 30, 0, 0.5]]
    )
    result = read_workbook(data, quarter=quarter, today=TODAY)
    assert result.layout == "quarter-blocks"
    q1, q2 = result.okrs.key_results  # whichever quarter is synced, both blocks are read
    assert (q1.quarter, q2.quarter) == ("2026-Q1", "2026-Q2")
    assert (q1.baseline, q1.target, q1.current, q1.confidence) == pytest.approx((10, 20, 12, 0.7))
    assert (q2.baseline, q2.target, q2.current, q2.confidence) == pytest.approx((12, 30, 14, 0.5))
    assert q1.title == q2.title == "Grow WAU" and q1.location.row == q2.location.row
    assert "Read every filled quarter block (2026-Q1, 2026-Q2)" in result.layout_note
    (layout,) = result.sheets
    assert layout.blocks["2026-Q1"]["baseline"] == 5 and layout.blocks["2026-Q1"]["progress"] == 8
    assert layout.blocks["2026-Q2"]["baseline"] == 10 and "baseline" not in layout.columns
    assert layout.header_row == 2


def test_quarter_blocks_leave_out_empty_blocks(reader_today: dt.date) -> None:
    data = make_quarter_blocks_workbook(["Q1-2026", "Q2-2026"],
                                        [["G", "O", "KR", "a@x", 1, 2, 3, 0, 0.5, None, None, None, None, None]],
                                        settings_quarter="2026-Q2")  # fmt: skip
    (kr,) = read_workbook(data, today=reader_today).okrs.key_results
    assert (kr.quarter, kr.baseline) == ("2026-Q1", 1)


def test_objective_progress_rows_with_cached_formulas_are_objectives_not_krs() -> None:
    rows = raw_table(
        ["Objective", "Key result", "Target", "Current", "Progress"],
        [["Win", None, None, None, cell_xml("{ref}", 0.5, formula="AVERAGE(E3:E4)", style=STYLE_PERCENT)],
         [None, "KR a", 10, 5, 0.5], [None, "KR b", 10, 5, 0.5]],
    )  # fmt: skip
    result = read_workbook(make_raw_workbook({"Plan": sheet_xml(rows)}), today=TODAY)
    assert [(k.objective, k.title) for k in result.okrs.key_results] == [("Win", "KR a"), ("Win", "KR b")]
    assert not [p for p in result.problems if p.severity is Severity.ERROR]


def test_formulas_errors_and_bad_values_are_reported_by_cell() -> None:
    rows = raw_table(
        ["Team", "Objective", "Key Result", "Baseline", "Target", "Current", "Confidence", "Due"],
        [["G", "O", "KR1", cell_xml("{ref}", "#DIV/0!", kind="e"), cell_xml("{ref}", None, formula="D2*2"),
          cell_xml("{ref}", 5.0, formula="1+4"), cell_xml("{ref}", 0.7, style=STYLE_PERCENT),
          cell_xml("{ref}", 45930, style=STYLE_DATE)],
         ["G", "O", "KR2", "NaN", "1e400", cell_xml("{ref}", "#N/A", kind="e", formula="NA()"), "x", 60],
         ["G", "O", "KR3", 1, 2, 1, 0.5, "03/04/2026"]],
    )  # fmt: skip
    result = read_workbook(make_raw_workbook({"OKRs": sheet_xml(rows)}), today=TODAY)
    krs = result.okrs.key_results
    assert len(krs) == 3  # rows with errors are still returned
    assert krs[0].baseline is None and krs[0].target is None and krs[0].current == 5
    assert krs[0].due == dt.date(2025, 9, 30) and krs[0].confidence == pytest.approx(0.7)
    cells = {(p.rule, p.location.cell) for p in result.problems if p.severity is Severity.ERROR}
    assert cells == {
        ("input.excel-error", "D2"), ("input.uncalculated-formula", "E2"), ("input.bad-number", "D3"),
        ("input.bad-number", "E3"), ("input.excel-error", "F3"), ("input.bad-confidence", "G3"),
        ("input.bad-date", "H3"), ("input.bad-date", "H4"),
    }  # fmt: skip
    uncalculated = problems(result, "uncalculated-formula")[0]
    assert "OKRs" in uncalculated.message and "E2" in uncalculated.message and "save" in uncalculated.message
    assert all(p.location.sheet == "OKRs" for p in result.problems)


def test_1904_date_system_is_honoured() -> None:
    rows = raw_table(["Objective", "Key result", "Target", "Due"],
                     [["O", "KR", 1, cell_xml("{ref}", 45930, style=STYLE_DATE)], ["O", "KR2", 1, 45930]])  # fmt: skip
    krs = read_workbook(make_raw_workbook({"OKRs": sheet_xml(rows)}, date1904=True), today=TODAY).okrs.key_results
    assert [k.due for k in krs] == [dt.date(2029, 10, 1), dt.date(2029, 10, 1)]


def test_percent_formatted_cells_and_fraction_rows_normalise_identically() -> None:
    rows = raw_table(
        ["Objective", "Key result", "Baseline", "Target", "Current", "Unit"],
        [["O", "a", cell_xml("{ref}", 0.2, style=STYLE_PERCENT), cell_xml("{ref}", 0.6, style=STYLE_PERCENT),
          cell_xml("{ref}", 0.45, style=STYLE_PERCENT), None],
         ["O", "b", "20%", "60%", "45%", None], ["O", "c", 20, 60, 45, "%"], ["O", "d", 0.2, 0.6, 0.45, "%"],
         ["O", "e", 20, 0.6, 45, "%"]],
    )  # fmt: skip
    result = read_workbook(make_raw_workbook({"OKRs": sheet_xml(rows)}), today=TODAY)
    krs = {k.title: k for k in result.okrs.key_results}
    for title in "abcd":
        kr = krs[title]
        assert (kr.baseline, kr.target, kr.current, kr.unit) == pytest.approx((20, 60, 45, "%")), title
    (ambiguous,) = problems(result, "ambiguous-percent")
    assert ambiguous.severity is Severity.WARNING and ambiguous.location.row == 6


def test_hidden_rows_are_read_and_reported_hidden_sheets_ignored_unless_ours() -> None:
    data = make_flat_workbook(
        ["Objective", "Key result", "Target"], [["O", "KR a", 1], ["O", "KR b", 2]], sheet="OKRs", hidden_rows=[3],
        extra_sheets={"Scratch": [["Objective", "Key result"], ["X", "secret"]], "Settings": [["Quarter", "2026-Q2"]]},
        hidden_sheets=["Scratch", "Settings"],
    )  # fmt: skip
    result = read_workbook(data, today=TODAY)
    assert [k.title for k in result.okrs.key_results] == ["KR a", "KR b"]
    (hidden_rows,) = problems(result, "hidden-rows")
    assert hidden_rows.severity is Severity.INFO and "3" in hidden_rows.message
    hidden_sheets = {p.location.sheet: p.message for p in problems(result, "hidden-sheet")}
    assert "not read" in hidden_sheets["Scratch"] and "read anyway" in hidden_sheets["Settings"]
    assert result.okrs.settings.quarter == "2026-Q2"


def test_duplicate_ids_with_case_and_space_variants_and_duplicate_rows() -> None:
    rows = [dict(r) for r in sample_rows()]
    rows[0]["id"], rows[1]["id"] = "KR-7F3A2C", " kr-7f3a2c"
    rows.append(dict(rows[2]))
    result = read_workbook(make_template_workbook(rows), today=TODAY)
    dup_ids = problems(result, "duplicate-id")
    assert sorted(p.location.row for p in dup_ids) == [2, 3]
    assert all("OKRs!2" in p.message and "OKRs!3" in p.message for p in dup_ids)
    dup_rows = problems(result, "duplicate-row")
    assert sorted(p.location.row for p in dup_rows) == [4, 5]


def test_text_survives_and_controls_and_overlong_cells_are_reported() -> None:
    rtl = "زيادة المستخدمين 👩‍👩‍👧"
    rows = raw_table(
        ["Objective", "Key result", "Notes"],
        # _x0007_ is how Excel escapes a control character (BEL) in the XML
        [["O", rtl, "x" * 5000], ["O", "Grow_x0007_ users", None], ["O", "y" * 32767, None], ["O", "=HYPERLINK(1)", None]],
    )  # fmt: skip
    data = make_raw_workbook({"OKRs": sheet_xml(rows)})
    result = read_workbook(data, today=TODAY)
    titles = [k.title for k in result.okrs.key_results]
    assert titles[0] == rtl and titles[1] == "Grow users" and titles[3] == "=HYPERLINK(1)"
    assert len(result.okrs.key_results[0].notes) == 5000
    (control,) = problems(result, "control-characters")
    assert control.location.cell == "B3" and control.severity is Severity.WARNING
    (long,) = problems(result, "text-too-long")
    assert long.location.cell == "B4" and "32,767" in long.message


def test_no_okr_table_is_a_clear_workbook_error() -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["Name", "Amount"])
    with pytest.raises(WorkbookError) as caught:
        read_workbook(to_bytes(wb), today=TODAY)
    assert caught.value.code == "no_okr_table"


def test_sparse_cell_far_away_is_refused_before_allocation() -> None:
    rows = raw_table(["Objective", "Key result"], [["O", "KR"]])
    rows[1048576] = [cell_xml("XFD1048576", 1)]
    with pytest.raises(WorkbookTooLarge) as caught:
        read_workbook(make_raw_workbook({"OKRs": sheet_xml(rows, dimension="A1:XFD1048576")}), today=TODAY)
    assert caught.value.details["sheet"] == "OKRs"


def test_wide_sheet_is_refused_and_empty_styled_tail_is_ignored() -> None:
    wide = raw_table(["Objective", "Key result"], [["O", "KR"]])
    wide[2].append(cell_xml("ZZ2", 1))
    with pytest.raises(WorkbookTooLarge):
        read_workbook(make_raw_workbook({"OKRs": sheet_xml(wide)}), today=TODAY)
    tail = raw_table(["Objective", "Key result"], [["O", "KR"]])
    for n in range(3, 3000):
        tail[n] = [f'<c r="A{n}" s="1"/>']
    tail[1048576] = ['<c r="XFD1048576" s="1"/>']
    result = read_workbook(make_raw_workbook({"OKRs": sheet_xml(tail)}), today=TODAY)
    assert len(result.okrs.key_results) == 1 and result.sheets[0].last_data_row == 2


def test_files_that_are_not_workbooks_are_refused() -> None:
    with pytest.raises(UnsupportedFormat):
        read_workbook(b"Team,Objective\nGrowth,Win\n", today=TODAY)


def test_too_many_sheets_is_refused_by_name() -> None:
    from tests.excel import hostile_files

    with pytest.raises(WorkbookTooLarge) as caught:
        read_workbook(hostile_files.many_sheets(201), today=TODAY)
    assert caught.value.code == "too_many_sheets"
    result = read_workbook(hostile_files.many_sheets(150), today=TODAY)
    assert len(result.okrs.key_results) == 3 and [s.sheet for s in result.sheets] == ["OKRs"]


def test_row_cap_names_the_sheet(monkeypatch: pytest.MonkeyPatch) -> None:
    from addin.excel import read_grid

    monkeypatch.setattr(read_grid, "MAX_ROWS", 10)
    data = make_flat_workbook(["Objective", "Key result"], [["O", f"KR {n}"] for n in range(60)], sheet="Big")
    with pytest.raises(WorkbookTooLarge) as caught:
        read_workbook(data, today=TODAY)
    assert caught.value.details["sheet"] == "Big" and "Big" in caught.value.message


@pytest.mark.parametrize("index", ["-1", "abc"])
def test_shared_string_indexes_that_are_not_indexes_are_refused(index: str) -> None:
    from tests.excel import hostile_files

    with pytest.raises(WorkbookError) as caught:
        read_workbook(hostile_files.shared_string_index(index), today=TODAY)
    assert caught.value.code == "corrupt_workbook" and caught.value.details["cell"] == "C2"


def test_out_of_range_shared_string_and_damaged_sheet_are_corrupt() -> None:
    from tests.excel import hostile_files

    for data in (hostile_files.shared_string_index("999999"), hostile_files.sheet_with_damaged_tail()):
        with pytest.raises(WorkbookError) as caught:
            read_workbook(data, today=TODAY)
        assert caught.value.code == "corrupt_workbook"


def test_styled_empty_rows_after_the_data_are_skipped() -> None:
    from tests.excel import hostile_files

    result = read_workbook(hostile_files.styled_empty_rows(200_000), today=TODAY)
    assert len(result.okrs.key_results) == 3
    assert result.sheets[0].last_data_row == 4


def test_initiatives_never_count_as_progress() -> None:
    data = make_outline_workbook(
        [["1", "Grow"], ["1.1", "Increase WAU", "a@x", 100, 200, 120, 0.5, "2026-03-31"]],
        initiatives=[["1.1", "Run ads", "a@x", "done", 1.0], ["1.1", "Fix onboarding", "b@x", "open", 0.9]],
    )
    result = read_workbook(data, today=TODAY)
    (kr,) = result.okrs.key_results
    assert kr.current == 120 and kr.target == 200
    assert [i.title for i in result.okrs.initiatives] == ["Run ads", "Fix onboarding"]
    assert {i.kr_ref for i in result.okrs.initiatives} == {"1.1"}


def test_every_problem_names_sheet_and_cell_or_row() -> None:
    rows = [dict(r) for r in sample_rows()]
    rows[0].update(target="lots", confidence="maybe", due="03/04/2026", baseline="inf")
    result = read_workbook(make_template_workbook(rows), today=TODAY)
    assert {p.location.cell for p in result.problems} == {"E2", "F2", "I2", "J2"}
    for problem in result.problems:
        assert problem.pitfall is None and problem.rule.startswith("input.")
        assert problem.location.sheet == "OKRs" and problem.location.row == 2
        assert "OKRs" in problem.message and problem.location.cell in problem.message
    (kr, *_) = result.okrs.key_results
    assert kr.target is None and kr.baseline is None and kr.due is None and kr.current == 12000


def test_duplicate_objective_ids_on_the_objectives_sheet_are_listed() -> None:
    data = make_two_sheet_workbook(
        [["O1", "Growth", "Win", "committed"], ["o1", "Growth", "Other", "committed"]],
        [["O1", "Grow WAU", "a@x", 1, 2, 1]],
    )
    result = read_workbook(data, today=TODAY)
    dups = problems(result, "duplicate-objective-id")
    assert sorted(p.location.cell for p in dups) == ["A2", "A3"]
    assert all("Objectives!2" in p.message and "Objectives!3" in p.message for p in dups)


def test_blank_objective_repeats_only_within_the_same_team() -> None:
    data = make_flat_workbook(
        ["Team", "Objective", "Key result", "Target"],
        [["Growth", "Win", "KR a", 1], [None, None, "KR b", 2], ["Platform", None, "KR c", 3]],
    )
    result = read_workbook(data, today=TODAY)
    assert [(k.team, k.objective) for k in result.okrs.key_results] == [
        ("Growth", "Win"), ("Growth", "Win"), ("Platform", "")
    ]  # fmt: skip
    (missing,) = problems(result, "missing-objective")
    assert missing.location.cell == "B4"


def test_cells_without_references_are_refused_rather_than_risk_a_huge_grid() -> None:
    cells = '<c t="inlineStr"><is><t>Objective</t></is></c><c t="inlineStr"><is><t>Key result</t></is></c>'
    xml = (
        '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetData><row r="1">{cells}</row></sheetData></worksheet>'
    )
    with pytest.raises(WorkbookError) as caught:
        read_workbook(make_raw_workbook({"OKRs": xml}), today=TODAY)
    assert caught.value.code == "unsupported_sheet" and caught.value.details["sheet"] == "OKRs"


def test_numeric_nan_and_infinity_cells_are_never_stored() -> None:
    rows = raw_table(
        ["Objective", "Key result", "Baseline", "Target", "Current"],
        [["O", "KR", '<c r="{ref}"><v>NaN</v></c>', '<c r="{ref}"><v>1e400</v></c>', -5]],
    )
    result = read_workbook(make_raw_workbook({"OKRs": sheet_xml(rows)}), today=TODAY)
    (kr,) = result.okrs.key_results
    assert kr.baseline is None and kr.target is None and kr.current == -5
    assert {(p.rule, p.location.cell) for p in result.problems} == {
        ("input.bad-number", "C2"),
        ("input.bad-number", "D2"),
    }
