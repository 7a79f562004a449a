"""In-memory workbooks for tests: each function returns the bytes of an .xlsx file.

Most are built with openpyxl; ``make_raw_workbook`` writes the XML parts into a zip
directly, for what openpyxl cannot produce (uncalculated formulas, error cells, the
1904 flag with raw serials, odd cell references).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any
from xml.sax.saxutils import escape

import openpyxl
from openpyxl.worksheet.table import Table, TableStyleInfo

TEMPLATE_COLUMNS: tuple[str, ...] = (
    "Team", "Objective", "Key Result", "Owner (email)", "Baseline", "Target", "Current", "Unit",
    "Confidence (0–1)", "Due", "Aligns to", "Depends on", "Notes", "ID", "Progress", "Status",
    "Last check-in", "Flags",
)  # fmt: skip
# keys of a row dict -> template column
ROW_KEYS: dict[str, str] = {
    "team": "Team", "objective": "Objective", "key_result": "Key Result", "owner": "Owner (email)",
    "baseline": "Baseline", "target": "Target", "current": "Current", "unit": "Unit",
    "confidence": "Confidence (0–1)", "due": "Due", "aligns_to": "Aligns to", "depends_on": "Depends on",
    "notes": "Notes", "id": "ID", "progress": "Progress", "status": "Status",
    "last_checkin": "Last check-in", "flags": "Flags",
}  # fmt: skip


def sample_rows() -> list[dict[str, Any]]:
    """Three ordinary key results of one team and objective."""
    return [
        {"team": "Growth", "objective": "Win the mid-market", "key_result": "Grow weekly active users",
         "owner": "ana@example.com", "baseline": 10000, "target": 15000, "current": 12000, "unit": "users",
         "confidence": 0.7, "due": dt.date(2026, 3, 31)},
        {"team": "Growth", "objective": "Win the mid-market", "key_result": "Cut churn",
         "owner": "bo@example.com", "baseline": 5, "target": 3, "current": 4, "unit": "%",
         "confidence": 0.5, "due": dt.date(2026, 3, 31)},
        {"team": "Growth", "objective": "Win the mid-market", "key_result": "Launch the partner portal",
         "owner": "cy@example.com", "target": "done", "current": "not done"},
    ]  # fmt: skip


def to_bytes(wb: openpyxl.Workbook) -> bytes:
    """Save an openpyxl workbook to bytes."""
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def make_template_workbook(
    rows: Sequence[dict[str, Any]] | None = None,
    *,
    settings: dict[str, Any] | None = None,
    teams: Sequence[dict[str, Any]] | None = None,
    checkins: Sequence[Sequence[Any]] = (),
    table: bool = True,
) -> bytes:
    """A workbook shaped like `okr template`: OKRs (an Excel table), Teams, Check-ins, Settings, How to use."""
    rows = sample_rows() if rows is None else rows
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "OKRs"
    ws.append(list(TEMPLATE_COLUMNS))
    for row in rows:
        ws.append([row.get(key) for key in ROW_KEYS])
    if table and rows:
        ref = f"A1:{openpyxl.utils.get_column_letter(len(TEMPLATE_COLUMNS))}{len(rows) + 1}"
        tab = Table(displayName="OKRs", ref=ref)
        tab.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
        ws.add_table(tab)
    ws.freeze_panes = "A2"
    teams_ws = wb.create_sheet("Teams")
    teams_ws.append(["Team", "Lead", "Members", "Check-in weekday", "Check-in time", "Time zone", "Parent team"])
    for team in teams if teams is not None else [{"Team": "Growth", "Lead": "lead@example.com"}]:
        teams_ws.append([team.get(h) for h in ("Team", "Lead", "Members", "Check-in weekday", "Check-in time",
                                               "Time zone", "Parent team")])  # fmt: skip
    check = wb.create_sheet("Check-ins")
    check.append(["KR ID", "Date", "Value", "Confidence", "Note", "Source"])
    for entry in checkins:
        check.append(list(entry))
    sett = wb.create_sheet("Settings")
    for key, value in (settings or {"Quarter": "2026-Q1", "Fiscal year start": 1}).items():
        sett.append([key, value])
    help_ws = wb.create_sheet("How to use")
    help_ws.append(["Fill one row per key result, then run okr sync."])
    return to_bytes(wb)


def make_flat_workbook(
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    sheet: str = "Sheet1",
    above: Sequence[Sequence[Any]] = (),
    merges: Sequence[str] = (),
    hidden_rows: Sequence[int] = (),
    extra_sheets: dict[str, Sequence[Sequence[Any]]] | None = None,
    hidden_sheets: Sequence[str] = (),
    percent_cells: Sequence[str] = (),
) -> bytes:
    """One sheet: optional rows above the header (titles, decoys), the header, the rows."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for line in above:
        ws.append(list(line))
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    for ref in merges:
        ws.merge_cells(ref)
    for number in hidden_rows:
        ws.row_dimensions[number].hidden = True
    for ref in percent_cells:
        ws[ref].number_format = "0%"
    for name, lines in (extra_sheets or {}).items():
        other = wb.create_sheet(name)
        for line in lines:
            other.append(list(line))
        if name in hidden_sheets:
            other.sheet_state = "hidden"
    return to_bytes(wb)


def make_two_sheet_workbook(
    objectives: Sequence[Sequence[Any]],
    key_results: Sequence[Sequence[Any]],
    *,
    objective_header: Sequence[str] = ("ID", "Team", "Objective", "Type"),
    kr_header: Sequence[str] = ("Objective", "KR", "Owner email", "Start", "Goal", "Actual"),
) -> bytes:
    """An Objectives sheet and a Key Results sheet linked by objective ID or title."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Objectives"
    ws.append(list(objective_header))
    for row in objectives:
        ws.append(list(row))
    krs = wb.create_sheet("Key Results")
    krs.append(list(kr_header))
    for row in key_results:
        krs.append(list(row))
    return to_bytes(wb)


def make_outline_workbook(
    items: Sequence[Sequence[Any]],
    *,
    team: str = "Growth",
    period: str = "Q1-2026",
    last_checkin: dt.date | None = dt.date(2026, 2, 10),
    header: Sequence[str] = (
        "#",
        "Objective / Key result",
        "Owner",
        "Baseline",
        "Target",
        "Current",
        "Confidence",
        "Due",
    ),
    initiatives: Sequence[Sequence[Any]] = (),
    objective_progress: bool = False,
) -> bytes:
    """Labelled block (Team:, Period:, Last check-in:) above a numbered outline table.

    ``items`` rows follow ``header``: ("1", "Objective title", ...) then ("1.1", "KR", ...).
    With ``objective_progress`` every objective row gets a Progress formula (no cached value:
    openpyxl never calculates), so only use it where that is the point.
    """
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Q1 OKRs"
    ws.append(["Quarterly OKRs"])
    ws.append(["Team:", team])
    ws.append(["Period:", period])
    if last_checkin:
        ws.append(["Last check-in:", last_checkin])
    ws.append([])
    ws.append(list(header))
    for item in items:
        ws.append(list(item))
    if initiatives:
        ini = wb.create_sheet("Initiatives")
        ini.append(["KR #", "Initiative", "Owner", "Status", "Progress"])
        for row in initiatives:
            ini.append(list(row))
    return to_bytes(wb)


def make_quarter_blocks_workbook(
    quarters: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    fields: Sequence[str] = ("Baseline", "Current", "Target", "Progress", "Confidence"),
    lead: Sequence[str] = ("Team", "Objective", "Key result", "Owner"),
    settings_quarter: str | None = None,
) -> bytes:
    """Lead columns, then one block of ``fields`` per quarter under a merged quarter heading."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "OKRs"
    top: list[Any] = [None] * len(lead)
    for quarter in quarters:
        top += [quarter] + [None] * (len(fields) - 1)
    ws.append(top)
    ws.append(list(lead) + list(fields) * len(quarters))
    for row in rows:
        ws.append(list(row))
    for i in range(len(quarters)):
        start = len(lead) + 1 + i * len(fields)
        ws.merge_cells(start_row=1, start_column=start, end_row=1, end_column=start + len(fields) - 1)
    if settings_quarter:
        sett = wb.create_sheet("Settings")
        sett.append(["Quarter", settings_quarter])
    return to_bytes(wb)


# ------------------------------------------------------------------------- raw XML


def cell_xml(ref: str, value: Any = None, *, formula: str | None = None, style: int | None = None,
             kind: str | None = None) -> str:  # fmt: skip
    """One <c> element: numbers, inline strings, booleans, errors (kind="e"), formulas."""
    attrs = f' r="{ref}"' + (f' s="{style}"' if style is not None else "")
    inner = f"<f>{escape(formula)}</f>" if formula is not None else ""
    if kind == "e":
        return f'<c{attrs} t="e">{inner}<v>{escape(str(value))}</v></c>'
    if isinstance(value, bool):
        return f'<c{attrs} t="b">{inner}<v>{int(value)}</v></c>'
    if isinstance(value, str):
        if formula is not None:
            return f'<c{attrs} t="str">{inner}<v>{escape(value)}</v></c>'
        return f'<c{attrs} t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'
    if value is None:
        return f"<c{attrs}>{inner}</c>"
    return f"<c{attrs}>{inner}<v>{value!r}</v></c>"


def sheet_xml(rows: dict[int, Sequence[str]], *, hidden_rows: Sequence[int] = (), dimension: str = "A1",
              merges: Sequence[str] = ()) -> str:  # fmt: skip
    """A worksheet part from {row number: [cell_xml(...), ...]}."""
    hidden_attr = ' hidden="1"'
    body = "".join(
        f'<row r="{n}"{hidden_attr if n in hidden_rows else ""}>{"".join(cells)}</row>'
        for n, cells in sorted(rows.items())
    )
    merge_xml = (
        f'<mergeCells count="{len(merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merges) + "</mergeCells>"
        if merges else ""
    )  # fmt: skip
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{body}</sheetData>{merge_xml}</worksheet>'
    )


_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="0.0%"/></numFmts>'
    '<fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/>'
    '<xf numFmtId="9" applyNumberFormat="1"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs>'
    "</styleSheet>"
)
STYLE_DATE, STYLE_PERCENT, STYLE_PERCENT_CUSTOM = 1, 2, 3


def make_raw_workbook(
    sheets: dict[str, str],
    *,
    date1904: bool = False,
    hidden: Sequence[str] = (),
    custom_properties: dict[str, str] | None = None,
) -> bytes:
    """A minimal .xlsx from sheet XML parts (``sheet_xml``), written straight into a zip."""
    names = list(sheets)
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        + "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(names) + 1)
        )
        + ('<Override PartName="/docProps/custom.xml" '
           'ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/>'
           if custom_properties else "")
        + "</Types>"
    )  # fmt: skip
    root_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/>'
        + ('<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
           'custom-properties" Target="docProps/custom.xml"/>' if custom_properties else "")
        + "</Relationships>"
    )  # fmt: skip
    flag_1904 = ' date1904="1"' if date1904 else ""
    hidden_state = ' state="hidden"'
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f"<workbookPr{flag_1904}/><sheets>"
        + "".join(
            f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"'
            f'{hidden_state if name in hidden else ""}/>'
            for i, name in enumerate(names, start=1)
        )
        + "</sheets></workbook>"
    )  # fmt: skip
    workbook_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(
            f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(names) + 1)
        )
        + f'<Relationship Id="rId{len(names) + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/styles" Target="styles.xml"/></Relationships>'
    )  # fmt: skip
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", content_types)
        zf.writestr("_rels/.rels", root_rels)
        zf.writestr("xl/workbook.xml", workbook)
        zf.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        zf.writestr("xl/styles.xml", _STYLES)
        for i, name in enumerate(names, start=1):
            zf.writestr(f"xl/worksheets/sheet{i}.xml", sheets[name])
        if custom_properties:
            props = "".join(
                f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{i}" name="{escape(k)}">'
                f"<vt:lpwstr>{escape(v)}</vt:lpwstr></property>"
                for i, (k, v) in enumerate(custom_properties.items(), start=2)
            )
            zf.writestr(
                "docProps/custom.xml",
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
                'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
                f"{props}</Properties>",
            )
    return buffer.getvalue()


def raw_table(header: Sequence[str], rows: Sequence[Sequence[Any]], *, start_row: int = 1) -> dict[int, list[str]]:
    """Rows for ``sheet_xml`` from plain values (use cell_xml() values for special cells)."""
    out: dict[int, list[str]] = {}
    for offset, values in enumerate([list(header), *map(list, rows)]):
        number = start_row + offset
        cells = []
        for col, value in enumerate(values, start=1):
            ref = f"{openpyxl.utils.get_column_letter(col)}{number}"
            if isinstance(value, str) and value.startswith("<c"):
                cells.append(value.replace("{ref}", ref))
            elif value is not None:
                cells.append(cell_xml(ref, value))
        out[number] = cells
    return out
