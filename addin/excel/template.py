"""The starter workbook `okr template` writes, optionally filled with the sample org,
and next quarter's workbook of a team (`okr next-quarter`), pre-filled with its rhythm
and the key results it carries over.

Sheets: OKRs (one row per key result, an Excel table), Teams, Check-ins, Settings
and How to use. The OKRs columns the sync fills (ID, Progress, Status, Last
check-in, Flags) have a grey header with a comment saying so. Every text a user
could have typed is written as a string cell, never as a formula.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from addin.excel import sample
from addin.okr.model import KeyResult, KrKind, Objective, ObjectiveType, OkrSet, Settings, Status, Team, Thresholds
from addin.okr.quarters import Quarter, quarter_of

OKR_HEADERS: tuple[str, ...] = (
    "Team", "Objective", "Objective type", "Key Result", "Kind", "Owner (email)", "Baseline", "Target",
    "Current", "Unit", "Confidence (0–1)", "Due", "Aligns to", "Depends on", "Notes",
    "ID", "Progress", "Status", "Last check-in", "Flags",
)  # fmt: skip
OUTPUT_HEADERS: tuple[str, ...] = ("ID", "Progress", "Status", "Last check-in", "Flags")
CONTINUES_HEADER = "Continues"  # the id of last quarter's key result a carried-over one continues
TEAM_HEADERS: tuple[str, ...] = (
    "Team", "Lead (email)", "Members (emails, separated by ;)", "Check-in weekday", "Check-in time",
    "Time zone", "Meeting minutes", "Parent team",
)  # fmt: skip
CHECKIN_HEADERS: tuple[str, ...] = ("Date", "KR ID", "Key Result", "Value", "Confidence", "Note", "Source")
SETTINGS_HEADERS: tuple[str, ...] = ("Setting", "Value", "What it means")
WEEKDAYS: tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
OUTPUT_COMMENT = "Filled by OKR Cadence on every sync; anything typed here is replaced."

THRESHOLD_HELP: dict[str, str] = {
    "max_objectives": "More objectives than this per team is flagged (too many objectives).",
    "max_krs_per_objective": "More key results than this under one objective is flagged.",
    "min_krs_per_objective": "Fewer key results than this under one objective is flagged.",
    "max_krs_per_owner": "An owner with more key results than this is flagged as overloaded.",
    "stale_days": "A key result without a check-in for this many days is flagged as stale.",
    "on_track_ratio": "Progress at or above this share of the expected pace is on track.",
    "at_risk_ratio": "Progress below this share of the expected pace is off track (between: at risk).",
    "low_confidence": "Confidence below this (0–1) counts as low.",
    "low_confidence_checkins": "Low confidence for this many check-ins in a row, with no note, is flagged.",
    "unrealistic_pace_factor": "A target needing more than this many times the pace so far is flagged.",
}

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_INPUT_FILL = PatternFill("solid", fgColor="1F4E78")
_OUTPUT_FILL = PatternFill("solid", fgColor="808080")
_STATUS_COLOURS = {
    Status.ON_TRACK: ("C6EFCE", "006100"),
    Status.AT_RISK: ("FFEB9C", "9C5700"),
    Status.OFF_TRACK: ("FFC7CE", "9C0006"),
    Status.DONE: ("BDD7EE", "1F4E78"),
    Status.NOT_STARTED: ("E7E6E6", "595959"),
}
_OKR_WIDTHS = (16, 34, 14, 46, 12, 26, 10, 10, 10, 10, 12, 12, 18, 18, 30, 12, 10, 12, 13, 50)
_OKR_FORMATS = {"Baseline": "#,##0.##", "Target": "#,##0.##", "Current": "#,##0.##",
                "Confidence (0–1)": "0.00", "Due": "yyyy-mm-dd", "Progress": "0%",
                "Last check-in": "yyyy-mm-dd"}  # fmt: skip
_LAST_ROW = 1_048_576


def write_template(*, sample: bool = False, today: dt.date | None = None) -> bytes:
    """The starter workbook as .xlsx bytes; ``sample`` fills in the example organisation."""
    today = today or dt.date.today()
    quarter = quarter_of(today)
    workbook = Workbook()
    okrs = workbook.active
    okrs.title = "OKRs"
    _okr_sheet(okrs, _sample_okr_rows(quarter) if sample else [])
    _team_sheet(workbook.create_sheet("Teams"), _sample_team_rows() if sample else [])
    _checkin_sheet(workbook.create_sheet("Check-ins"), _sample_checkin_rows(today) if sample else [])
    _settings_sheet(workbook.create_sheet("Settings"), quarter.label)
    _help_sheet(workbook.create_sheet("How to use"))
    return _saved(workbook)


def write_next_quarter(
    quarter: Quarter,
    team: Team,
    carried: list[KeyResult],
    objectives: list[Objective],
    settings: Settings,
) -> bytes:
    """Next quarter's workbook of one team: its rhythm and the key results it carries over.

    Each carried-over key result starts from its last value (the new baseline), keeps
    its target, owner and links, and names the key result it continues; syncing the
    workbook starts the new quarter.
    """
    headers = (*OKR_HEADERS[: OKR_HEADERS.index("ID")], CONTINUES_HEADER, *OUTPUT_HEADERS)
    types = {o.title: o.type for o in objectives}
    rows = [
        [team.name, kr.objective, str(types.get(kr.objective, ObjectiveType.COMMITTED)), kr.title,
         str(kr.kind) if kr.kind else None, kr.owner, _start_value(kr), kr.target, None, kr.unit or None, None,
         quarter.end, kr.aligns_to, "; ".join(kr.depends_on) or None, kr.notes or None, kr.id]
        for kr in carried
    ]  # fmt: skip
    workbook = Workbook()
    okrs = workbook.active
    okrs.title = "OKRs"
    _okr_sheet(okrs, rows, headers)
    _team_sheet(workbook.create_sheet("Teams"), [[
        team.name, team.lead, "; ".join(team.members), WEEKDAYS[team.checkin_weekday], team.checkin_time,
        team.timezone, team.meeting_minutes, team.parent]])  # fmt: skip
    _checkin_sheet(workbook.create_sheet("Check-ins"), [])
    _settings_sheet(workbook.create_sheet("Settings"), quarter.label, settings)
    _help_sheet(workbook.create_sheet("How to use"))
    return _saved(workbook)


INITIATIVE_HEADERS: tuple[str, ...] = ("KR #", "Initiative", "Owner", "Status")


def write_okr_set(okrs: OkrSet, *, quarter: Quarter) -> bytes:
    """A template-shaped workbook holding ``okrs`` (an import: ``okr import viva-goals``).

    Key results keep their ids (a vendor's ids are adopted at the first sync), so the
    Initiatives sheet can name the key result each initiative belongs to.
    """
    types = {(o.team, o.title): o.type for o in okrs.objectives}
    aligns = {(o.team, o.title): o.aligns_to for o in okrs.objectives}
    rows = [
        [kr.team, kr.objective, str(types.get((kr.team, kr.objective), ObjectiveType.COMMITTED)), kr.title,
         str(kr.kind) if kr.kind else None, kr.owner, kr.baseline, kr.target, kr.current, kr.unit or None,
         kr.confidence, kr.due, kr.aligns_to or aligns.get((kr.team, kr.objective)),
         "; ".join(kr.depends_on) or None, kr.notes or None, kr.id]
        for kr in okrs.key_results
    ]  # fmt: skip
    teams = dict.fromkeys([*(t.name for t in okrs.teams), *(o.team for o in okrs.objectives)])
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "OKRs"
    _okr_sheet(sheet, rows)
    _team_sheet(workbook.create_sheet("Teams"), [[name] for name in teams])
    initiatives = workbook.create_sheet("Initiatives")
    _header(initiatives, INITIATIVE_HEADERS)
    _rows(initiatives, [[i.kr_ref, i.title, i.owner, i.status or None] for i in okrs.initiatives])
    _checkin_sheet(workbook.create_sheet("Check-ins"), [])
    _settings_sheet(workbook.create_sheet("Settings"), quarter.label, okrs.settings)
    _help_sheet(workbook.create_sheet("How to use"))
    return _saved(workbook)


def _start_value(kr: KeyResult) -> float | None:
    """Where a carried-over key result starts: its last value, else its old baseline."""
    return kr.current if kr.current is not None else kr.baseline


def _saved(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# -- sheets ------------------------------------------------------------------------------
def _okr_sheet(ws: Worksheet, rows: Sequence[Sequence[object]], headers: tuple[str, ...] = OKR_HEADERS) -> None:
    _header(ws, headers, output=OUTPUT_HEADERS)
    _rows(ws, rows)
    _table(ws, "OKRs", len(headers), len(rows))
    for index, width in enumerate(_OKR_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    _column_formats(ws, headers, _OKR_FORMATS, len(rows))
    column = {name: get_column_letter(i) for i, name in enumerate(headers, start=1)}
    _list_validation(ws, column["Objective type"], [str(t) for t in ObjectiveType])
    _list_validation(ws, column["Kind"], [str(k) for k in KrKind])
    confidence = DataValidation(
        type="decimal",
        operator="between",
        formula1="0",
        formula2="1",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Confidence",
        error="Enter a confidence between 0 and 1, e.g. 0.7.",
    )
    confidence.add(f"{column['Confidence (0–1)']}2:{column['Confidence (0–1)']}{_LAST_ROW}")
    ws.add_data_validation(confidence)
    status_range = f"{column['Status']}2:{column['Status']}{_LAST_ROW}"
    for status, (fill, font) in _STATUS_COLOURS.items():
        ws.conditional_formatting.add(
            status_range,
            CellIsRule(
                operator="equal",
                formula=[f'"{status}"'],
                fill=PatternFill("solid", fgColor=fill, bgColor=fill),
                font=Font(color=font),
            ),
        )
    for name in ("Key Result", "Notes", "Flags"):
        for cell in ws[column[name]][1:]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"


def _team_sheet(ws: Worksheet, rows: list[list[object]]) -> None:
    _header(ws, TEAM_HEADERS)
    _rows(ws, rows)
    _table(ws, "Teams", len(TEAM_HEADERS), len(rows))
    for index, width in enumerate((20, 28, 50, 16, 14, 22, 16, 20), start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    _column_formats(ws, TEAM_HEADERS, {"Check-in time": "hh:mm", "Meeting minutes": "0"}, len(rows))
    _list_validation(ws, "D", list(WEEKDAYS))
    minutes = DataValidation(
        type="whole",
        operator="between",
        formula1="5",
        formula2="240",
        allow_blank=True,
        showErrorMessage=True,
        error="Meeting length in minutes, 5 to 240.",
    )
    minutes.add(f"G2:G{_LAST_ROW}")
    ws.add_data_validation(minutes)
    ws.freeze_panes = "A2"


def _checkin_sheet(ws: Worksheet, rows: list[list[object]]) -> None:
    _header(ws, CHECKIN_HEADERS)
    _rows(ws, rows)
    _table(ws, "CheckIns", len(CHECKIN_HEADERS), len(rows))
    for index, width in enumerate((12, 12, 46, 10, 12, 40, 10), start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    _column_formats(ws, CHECKIN_HEADERS, {"Date": "yyyy-mm-dd", "Confidence": "0.00"}, len(rows))
    ws.freeze_panes = "A2"


def _settings_sheet(ws: Worksheet, quarter_label: str, settings: Settings | None = None) -> None:
    settings = settings or Settings()
    _header(ws, SETTINGS_HEADERS)
    rows: list[list[object]] = [
        ["Quarter", quarter_label, "The quarter the OKRs are for, like 2026-Q4. Empty: the quarter containing today."],
        [
            "Fiscal year start month",
            settings.fiscal_year_start_month,
            "Month the fiscal year starts (1 = January, 7 = July).",
        ],
    ]
    for f in dataclasses.fields(Thresholds):
        rows.append([f.name, getattr(settings.thresholds, f.name), THRESHOLD_HELP[f.name]])
    _rows(ws, rows)
    months = DataValidation(
        type="whole",
        operator="between",
        formula1="1",
        formula2="12",
        showErrorMessage=True,
        error="A month number, 1 to 12.",
    )
    months.add("B3")
    ws.add_data_validation(months)
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 12
    ws.column_dimensions["C"].width = 90
    ws.freeze_panes = "A2"


_HELP = (
    "How to use this workbook",
    "",
    "1. Teams: one row per team — lead, members (e-mails separated by ;), weekly check-in day, time and "
    "time zone, and the parent team it rolls up to.",
    "2. OKRs: one row per key result. Repeat the team and objective on every row of that objective. "
    "Write outcomes with numbers: baseline (where you start), target (where you want to be) and current.",
    "3. Kind: increase, decrease (churn, latency), stay-above / stay-below (a health band) or milestone "
    "(done / not done). Leave it empty and OKR Cadence infers it.",
    "4. Objective type: committed, or aspirational (a stretch goal; 0.7 counts as a good result).",
    "5. Run `okr sync` on this file. Grey columns (ID, Progress, Status, Last check-in, Flags) are "
    "filled by OKR Cadence; Flags explains every problem found in that row.",
    "6. Check-ins: each sync adds the check-ins recorded since, from the workbook, Outlook or the CLI.",
    "7. Settings: the quarter, the fiscal year start and every linter threshold, with what it means.",
)


def _help_sheet(ws: Worksheet) -> None:
    for row, text in enumerate(_HELP, start=1):
        cell = ws.cell(row=row, column=1)
        _put(cell, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws["A1"].font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 110


# -- building blocks ----------------------------------------------------------------------
def _put(cell, value: object) -> None:
    """Set a value; text is always a string cell, even when it starts with '='."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def _header(ws: Worksheet, headers: tuple[str, ...], output: tuple[str, ...] = ()) -> None:
    for index, name in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=index)
        _put(cell, name)
        cell.font = _HEADER_FONT
        cell.fill = _OUTPUT_FILL if name in output else _INPUT_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        if name in output:
            cell.comment = Comment(OUTPUT_COMMENT, "OKR Cadence")


def _rows(ws: Worksheet, rows: Sequence[Sequence[object]]) -> None:
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            if value is not None and value != "":
                _put(ws.cell(row=r, column=c), value)


def _table(ws: Worksheet, name: str, width: int, rows: int) -> None:
    # A table needs at least one data row; an empty template gets one empty row.
    ref = f"A1:{get_column_letter(width)}{max(rows, 1) + 1}"
    table = Table(displayName=name, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)


def _column_formats(ws: Worksheet, headers: tuple[str, ...], formats: dict[str, str], rows: int) -> None:
    for index, name in enumerate(headers, start=1):
        fmt = formats.get(name)
        if fmt is None:
            continue
        letter = get_column_letter(index)
        # The column default is what Excel (and the write-back) gives new cells there.
        ws.column_dimensions[letter].number_format = fmt
        for row in range(2, rows + 2):
            ws.cell(row=row, column=index).number_format = fmt


def _list_validation(ws: Worksheet, letter: str, choices: list[str]) -> None:
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(choices) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Pick from the list",
        error="Choose one of: " + ", ".join(choices),
    )
    validation.add(f"{letter}2:{letter}{_LAST_ROW}")
    ws.add_data_validation(validation)


# -- sample rows ------------------------------------------------------------------------------
def _sample_okr_rows(quarter) -> list[list[object]]:
    due = sample.due_date(quarter)
    return [
        [
            kr.team,
            kr.objective,
            kr.objective_type,
            kr.title,
            kr.kind,
            kr.owner,
            kr.baseline,
            kr.target,
            kr.current,
            kr.unit,
            kr.confidence,
            due,
            kr.aligns_to,
            kr.depends_on,
            kr.notes,
        ]
        for kr in sample.KEY_RESULTS
    ]


def _sample_team_rows() -> list[list[object]]:
    return [
        [t.name, t.lead, "; ".join(t.members), t.weekday, t.time, t.timezone, t.minutes, t.parent] for t in sample.TEAMS
    ]


def _sample_checkin_rows(today: dt.date) -> list[list[object]]:
    return [
        [sample.checkin_date(today, c.weeks_ago), None, c.key_result, c.value, c.confidence, c.note or None, "workbook"]
        for c in sorted(sample.CHECK_INS, key=lambda c: -c.weeks_ago)
    ]
