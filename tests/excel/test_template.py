"""The starter workbook: sheets, table, validation, formatting, and the sample org."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from addin.excel import sample
from addin.excel.template import CHECKIN_HEADERS, TEAM_HEADERS, write_template
from addin.okr.model import Thresholds

TODAY = dt.date(2026, 11, 25)


def _open(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


@pytest.fixture(scope="module")
def blank() -> openpyxl.Workbook:
    return _open(write_template(today=TODAY))


@pytest.fixture(scope="module")
def filled() -> openpyxl.Workbook:
    return _open(write_template(sample=True, today=TODAY))


def _header(ws) -> list[str]:
    return [c.value for c in ws[1] if c.value is not None]


def _rows(ws) -> list[dict[str, object]]:
    names = _header(ws)
    return [dict(zip(names, row, strict=False)) for row in ws.iter_rows(min_row=2, values_only=True) if any(row)]


def test_sheets_and_headers_are_exactly_the_documented_ones(blank):
    assert blank.sheetnames == ["OKRs", "Teams", "Check-ins", "Settings", "How to use"]
    assert _header(blank["OKRs"]) == [
        "Team", "Objective", "Objective type", "Key Result", "Kind", "Owner (email)", "Baseline", "Target",
        "Current", "Unit", "Confidence (0–1)", "Due", "Aligns to", "Depends on", "Notes",
        "ID", "Progress", "Status", "Last check-in", "Flags",
    ]  # fmt: skip
    assert tuple(_header(blank["Teams"])) == TEAM_HEADERS
    assert _header(blank["Teams"])[2] == "Members (emails, separated by ;)"
    assert (
        tuple(_header(blank["Check-ins"]))
        == CHECKIN_HEADERS
        == ("Date", "KR ID", "Key Result", "Value", "Confidence", "Note", "Source")
    )
    assert "How to use" in blank["How to use"]["A1"].value


def test_okr_sheet_is_an_excel_table_with_a_style_and_frozen_header(blank):
    ws = blank["OKRs"]
    ((name, ref),) = ws.tables.items()
    assert ref == "A1:T2"
    assert ws.tables[name].tableStyleInfo.name.startswith("TableStyle")
    assert ws.freeze_panes == "A2"
    assert blank["Teams"].tables and blank["Check-ins"].tables


def test_output_columns_are_grey_and_say_who_fills_them(blank):
    ws = blank["OKRs"]
    by_name = {c.value: c for c in ws[1]}
    for name in ("ID", "Progress", "Status", "Last check-in", "Flags"):
        assert "filled by okr cadence" in by_name[name].comment.text.lower()
        assert by_name[name].fill.fgColor.rgb.endswith("808080")
    assert by_name["Team"].comment is None
    assert by_name["Team"].fill.fgColor.rgb != by_name["ID"].fill.fgColor.rgb


def test_validation_lists_and_confidence_range(blank):
    ws = blank["OKRs"]
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert "committed" in rules["C2:C1048576"].formula1 and "aspirational" in rules["C2:C1048576"].formula1
    kinds = rules["E2:E1048576"].formula1
    assert all(k in kinds for k in ("increase", "decrease", "stay-above", "stay-below", "milestone"))
    confidence = rules["K2:K1048576"]
    assert (confidence.type, confidence.formula1, confidence.formula2) == ("decimal", "0", "1")
    weekday = {str(dv.sqref): dv for dv in blank["Teams"].data_validations.dataValidation}["D2:D1048576"]
    assert "Monday" in weekday.formula1 and "Sunday" in weekday.formula1


def test_status_is_coloured_by_conditional_formatting(blank):
    ws = blank["OKRs"]
    ranges = {str(cf.sqref): cf.rules for cf in ws.conditional_formatting}
    rules = ranges["R2:R1048576"]
    coloured = {rule.formula[0].strip('"'): rule.dxf.fill.fgColor.rgb for rule in rules}
    assert set(coloured) == {"on-track", "at-risk", "off-track", "done", "not-started"}
    assert len(set(coloured.values())) == 5


def test_number_formats_for_dates_and_percent(filled):
    ws = filled["OKRs"]
    column = {c.value: c.column_letter for c in ws[1]}
    assert ws.column_dimensions[column["Progress"]].number_format == "0%"
    assert ws[f"{column['Due']}2"].number_format == "yyyy-mm-dd"
    assert ws[f"{column['Due']}2"].value.date() == dt.date(2026, 12, 31)


def test_settings_list_quarter_and_every_threshold_with_its_default(blank):
    rows = {r[0]: r[1:] for r in blank["Settings"].iter_rows(min_row=2, values_only=True)}
    assert rows["Quarter"][0] == "2026-Q4"
    assert rows["Fiscal year start month"][0] == 1
    for f in dataclasses.fields(Thresholds):
        value, explanation = rows[f.name]
        assert value == f.default and explanation


def test_no_cell_of_the_template_is_a_formula(filled):
    for ws in filled.worksheets:
        for row in ws.iter_rows():
            assert all(c.data_type != "f" for c in row), ws.title


def test_sample_has_teams_with_parents_and_time_zones_with_and_without_dst(filled):
    teams = _rows(filled["Teams"])
    assert 4 <= len(teams) <= 5
    names = {t["Team"] for t in teams}
    assert {t["Parent team"] for t in teams if t["Parent team"]} <= names
    assert any(t["Parent team"] for t in teams) and all(t["Lead (email)"] for t in teams)
    assert all(";" in t["Members (emails, separated by ;)"] for t in teams)

    def observes_dst(zone: str) -> bool:
        tz = ZoneInfo(zone)
        return dt.datetime(2026, 1, 15, tzinfo=tz).utcoffset() != dt.datetime(2026, 7, 15, tzinfo=tz).utcoffset()

    zones = [observes_dst(t["Time zone"]) for t in teams]
    assert True in zones and False in zones


def test_sample_has_good_and_deliberately_bad_key_results(filled):
    krs = _rows(filled["OKRs"])
    assert 20 <= len(krs) <= 30
    assert 7 <= len({(k["Team"], k["Objective"]) for k in krs}) <= 9
    titles = [k["Key Result"] for k in krs]
    assert any(t.startswith(("Run ", "Write ", "Hold ")) for t in titles)  # activities
    assert any(t.lower().startswith(("maintain", "keep")) for t in titles)  # KPI, not OKR
    assert any(k["Owner (email)"] is None for k in krs)
    assert any(k["Target"] is None for k in krs)
    trivial = [k for k in krs if k["Kind"] == "increase" and k["Current"] is not None and k["Current"] >= k["Target"]]
    assert trivial
    decreasing = [k for k in krs if k["Kind"] == "decrease" and k["Target"] < k["Baseline"]]
    assert any(w in k["Key Result"].lower() for k in decreasing for w in ("churn", "latency"))
    assert any(k["Kind"] == "milestone" for k in krs)
    assert any(k["Objective type"] == "aspirational" for k in krs)
    good = [k for k in krs if k["Owner (email)"] and k["Target"] is not None and k["Kind"] in ("increase", "decrease")]
    assert len(good) >= 10


def test_sample_has_one_acknowledged_and_one_unacknowledged_dependency(filled):
    krs = _rows(filled["OKRs"])
    links = {(k["Team"], k["Depends on"]) for k in krs if k["Depends on"]}

    def named_back(team: str, other: str) -> bool:
        return any(k["Team"] == other and team in (k["Depends on"], k["Aligns to"]) for k in krs)

    answered = [(t, o) for t, o in links if named_back(t, o)]
    unanswered = [(t, o) for t, o in links if not named_back(t, o)]
    assert answered and unanswered


def test_sample_has_check_ins_for_sample_key_results(filled):
    checkins = _rows(filled["Check-ins"])
    titles = {k.title for k in sample.KEY_RESULTS}
    assert len(checkins) >= 3
    assert all(c["Key Result"] in titles and isinstance(c["Date"], dt.datetime) for c in checkins)
    assert all(c["Date"].date() <= TODAY for c in checkins)
    assert filled["Check-ins"].tables["CheckIns"].ref == f"A1:G{len(checkins) + 1}"


def test_quarter_follows_today():
    wb = _open(write_template(today=dt.date(2027, 2, 1)))
    rows = {r[0]: r[1] for r in wb["Settings"].iter_rows(min_row=2, values_only=True)}
    assert rows["Quarter"] == "2027-Q1"
