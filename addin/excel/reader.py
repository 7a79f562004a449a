"""Read an OKR workbook, in any of the layouts managers use, into the domain model.

Values come from python-calamine (fast, never evaluates anything); what it leaves out
(Excel errors, uncalculated formulas, hidden rows, percentage formats, the 1904 flag,
the workbook id property) comes from the XML parts (see ``read_parts``).

Layouts recognised, named in ``ReadResult.layout`` and explained in ``layout_note``:

template        our own: an ``OKRs`` sheet with one row per key result plus Teams,
                Check-ins and Settings sheets.
two-sheet       an Objectives sheet and a Key Results sheet whose Objective column holds
                the objective's title or number.
flat-table      one table of key results anywhere on a sheet (title rows above it are
                skipped; blank Team/Objective cells repeat the value above).
outline         objective rows numbered 1, 2 ... each followed by key-result rows 1.1,
                1.2 ..., with "Team:" / "Period:" given once in a block above the table.
quarter-blocks  Baseline / Current / Target / Progress / Confidence repeated once per
                quarter under a quarter heading ("Q1-2026"); every filled block is read into
                a key result of its own quarter (same row, one record per quarter).
viva-goals      a vendor export, one row per item with its type and the item it is aligned
                to (``imports.viva_goals``); also read from CSV.

Columns without a header of their own (an outline's numbers and titles under a merged
instruction) are placed by what they hold; headers that contain a synonym count for less
than headers that are one.

Where each part lives: ``headers`` (the shared header scorer), ``find_columns`` (columns
placed by content, id/text pairs, KPI sheets), ``layout_table``, ``layout_outline``,
``layout_linked`` (the layouts' row readers), ``imports.viva_goals`` (vendor exports),
``read_sheets`` (Teams, Check-ins, Settings, Initiatives), ``read_period`` (the quarter a
workbook's period puts it in), ``mapping`` (the contract between finding the tables and
reading the rows: every read produces one, and a given or saved one replaces the finders).
This module orchestrates them.

Hidden sheets and rows (the documented rule): a hidden sheet is ignored unless its name
is one of ours (OKRs, Objectives, Key Results, Teams, Check-ins, Settings, Initiatives),
and each ignored sheet is reported as info. Hidden rows are read like any other row and
reported once per sheet as info, so nothing the user wrote is silently dropped.

Over 500 lines: one orchestrator (_WorkbookReader) whose steps share its state; the layouts, columns, periods and sheets it calls each live in a module of their own.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from python_calamine import CalamineError, CalamineWorkbook, PasswordError

from addin.errors import InputError, UnsupportedFormat, WorkbookError, WorkbookTooLarge
from addin.excel import headers
from addin.excel.cellrefs import column_letters
from addin.excel.find_columns import guess_outline, looks_like_kpis, split_links, title_columns
from addin.excel.imports import viva_goals
from addin.excel.layout_linked import read_objectives
from addin.excel.layout_outline import looks_outline, read_outline
from addin.excel.layout_table import read_table
from addin.excel.mapping import FIELDS, Mapping, SheetMapping, columns_with_samples
from addin.excel.owners import match_owner_names
from addin.excel.package_check import check_package
from addin.excel.read_csv import csv_grid, looks_like_csv
from addin.excel.read_grid import Grid, Header, SheetLayout, find_header, load_grid
from addin.excel.read_parts import SheetInfo, WorkbookInfo, read_custom_property, read_workbook_info
from addin.excel.read_period import Period, parse_period, quarter_for, quarter_of_due_dates
from addin.excel.read_rows import Problems, RowReader, read_block_values
from addin.excel.read_sheets import read_checkins, read_initiatives, read_settings, read_teams
from addin.excel.zip_members import open_package
from addin.okr import values as v
from addin.okr.model import Finding, KeyResult, Location, Objective, OkrSet, Severity
from addin.okr.quarters import Quarter, parse_quarter, quarter_of

CANONICAL_FIELDS = headers.CANONICAL_FIELDS
WORKBOOK_ID_PROPERTY = "OKRCadenceWorkbookId"
MAX_SHEETS = 200
OUR_SHEET_KINDS = frozenset({"key_results", "objectives", "teams", "checkins", "settings", "initiatives"})


@dataclass
class ReadResult:
    okrs: OkrSet  # every KeyResult.location carries sheet + row (+ team/objective)
    problems: list[Finding]  # rule "input.<what>", pitfall None
    layout: str  # "template" | "two-sheet" | "outline" | "quarter-blocks" | "flat-table"
    layout_note: str
    sheets: list[SheetLayout]
    workbook_id: str | None
    source: str = "xlsx"  # "csv" for a vendor export read from CSV: nothing can be written back
    mapping: Mapping = field(default_factory=Mapping)  # how each sheet was understood (addin.excel.mapping)


def read_workbook(
    data: bytes,
    *,
    quarter: str | None = None,
    today: dt.date | None = None,
    mapping: Mapping | None = None,
    saved_mapping: Callable[[str], Mapping | None] | None = None,
) -> ReadResult:
    """Read an .xlsx workbook's OKRs; raise WorkbookError & co. when it cannot be read at all.

    A CSV file is read when it is a vendor export (Viva Goals); any other CSV is refused
    as before, with the advice to save it as .xlsx. ``mapping`` (a corrected or saved
    one, see ``addin.excel.mapping``) places the sheets it names instead of the finders.
    Without one, ``saved_mapping`` is asked for the mapping saved for the workbook id the
    file carries (the id is read from the package checked once, before any sheet).
    """
    if looks_like_csv(data):
        return _read_csv(data, quarter=quarter, today=today or dt.date.today())
    package = check_package(data)
    with open_package(data) as zf:
        info = read_workbook_info(zf, getattr(package, "workbook_part", "xl/workbook.xml"))
        if len(info.sheets) > MAX_SHEETS:
            raise WorkbookTooLarge(
                f"The workbook has {len(info.sheets)} sheets; at most {MAX_SHEETS} can be read. "
                "Move the OKRs to a workbook of their own.",
                code="too_many_sheets",
            )
        workbook_id = read_custom_property(zf, WORKBOOK_ID_PROPERTY)
        if mapping is None and saved_mapping is not None and workbook_id:
            mapping = saved_mapping(workbook_id)
        book = _open_calamine(data)
        # The grid of a large sheet is millions of Python objects; the cyclic garbage
        # collector would rescan them all again and again while the rows are turned into
        # key results (quadratic time). Nothing here makes reference cycles, so it is off
        # for the read.
        collecting = gc.isenabled()
        gc.disable()
        try:
            reader = _WorkbookReader(zf, book, info, quarter=quarter, today=today or dt.date.today(), given=mapping)
            result = reader.read()
        finally:
            book.close()
            if collecting:
                gc.enable()
    result.workbook_id = workbook_id
    return result


def propose_mapping(
    data: bytes, *, quarter: str | None = None, today: dt.date | None = None
) -> tuple[Mapping, str | None]:
    """The mapping a read arrives at, and None; or -- when no table of key results is found --
    each sheet's likeliest header row with its columns and sample values, for a human to map,
    and the refusal's message."""
    try:
        return read_workbook(data, quarter=quarter, today=today).mapping, None
    except WorkbookError as exc:
        if exc.code != "no_okr_table":
            raise
        refusal = exc.message
    package = check_package(data)
    sheets: list[SheetMapping] = []
    with open_package(data) as zf:
        info = read_workbook_info(zf, getattr(package, "workbook_part", "xl/workbook.xml"))
        book = _open_calamine(data)
        try:
            for sheet in info.sheets:
                if sheet.path is None or sheet.state != "visible" or "worksheet" not in sheet.path:
                    continue
                grid = load_grid(zf, book, sheet, info.percent_styles)
                row = _likeliest_header_row(grid)
                found, _score = headers.score_header_row(grid.row_values(row), "key_results")
                placed = {f: cols[0] for f, cols in found.items() if f in FIELDS}
                sheets.append(SheetMapping(grid.name, "key_results", row, placed,
                                           how={f: "contains" for f in placed},
                                           available=columns_with_samples(grid, row)))  # fmt: skip
        finally:
            book.close()
    return Mapping(layout="", sheets=sheets, source="proposed"), refusal


def _likeliest_header_row(grid: Grid) -> int:
    """The first of the rows with the most short texts among the first rows (a header's shape)."""
    best, best_row = -1, 1
    for row in range(1, min(grid.last_row, 40) + 1):
        texts = sum(1 for x in grid.row_values(row) if isinstance(x, str) and 0 < len(x) <= 40)
        if texts > best:
            best, best_row = texts, row
    return best_row


def _read_csv(data: bytes, *, quarter: str | None, today: dt.date) -> ReadResult:
    grid = csv_grid(data)
    header = viva_goals.find_header(grid)
    if header is None:
        raise UnsupportedFormat(
            "This CSV file is not an export this product reads (a Viva Goals export has Id, Title, Type and "
            "Aligned To columns). Open it in Excel and save it as Excel Workbook (.xlsx), then upload that file.",
            code="not_a_workbook",
        )
    reader = _WorkbookReader(None, None, WorkbookInfo((), False, frozenset()), quarter=quarter, today=today)
    reader._read_export(grid, header)
    reader._check_duplicates()
    return ReadResult(okrs=reader.okrs, problems=reader.problems.items, layout=viva_goals.LAYOUT,
                      layout_note=reader._layout_note(viva_goals.LAYOUT, []), sheets=reader.layouts,
                      workbook_id=None, source="csv", mapping=reader._mapping(viva_goals.LAYOUT))  # fmt: skip


def _open_calamine(data: bytes) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except PasswordError as exc:
        raise UnsupportedFormat(
            "The workbook is protected with a password; remove the password in Excel and try again.",
            code="password_protected",
        ) from exc
    except (CalamineError, OSError, ValueError) as exc:
        raise WorkbookError(
            "This file cannot be read as an Excel workbook; open it in Excel and save it as Excel Workbook (.xlsx).",
            code="corrupt_workbook",
        ) from exc


@dataclass
class _KrSheet:
    grid: Grid
    header: Header
    layout: str  # flat-table | outline | quarter-blocks
    note: str = ""
    block_readers: dict[str, RowReader] = field(default_factory=dict)  # quarter label -> its block's reader


@dataclass
class _WorkbookReader:
    zf: zipfile.ZipFile | None  # None for a CSV export
    book: CalamineWorkbook | None
    info: WorkbookInfo
    quarter: str | None
    today: dt.date
    problems: Problems = field(default_factory=Problems)
    okrs: OkrSet = field(default_factory=OkrSet)
    layouts: list[SheetLayout] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    objective_refs: dict[tuple[str, str], Objective] = field(default_factory=dict)  # ("ref"|"title", key)
    objectives_by_key: dict[tuple[str, str], Objective] = field(default_factory=dict)  # (team, title) keys
    objectives_by_text: dict[tuple[str, str], Objective] = field(default_factory=dict)  # as written
    ignored: dict[str, str] = field(default_factory=dict)  # sheet -> why it was left alone ("kpi")
    period: Period | None = None  # the period the workbook says it covers (first label found)
    exports: list[str] = field(default_factory=list)  # layout notes of vendor exports read
    given: Mapping | None = None  # a mapping to read by (okr sync --mapping, or the saved one)
    mapped: list[SheetMapping] = field(default_factory=list)  # how each sheet read was placed

    # ------------------------------------------------------------------ orchestration

    def read(self) -> ReadResult:
        named: dict[str, list[SheetInfo]] = defaultdict(list)
        unnamed: list[SheetInfo] = []
        for sheet in self.info.sheets:
            if sheet.path is None or "chartsheet" in sheet.path or "dialogsheet" in sheet.path:
                continue
            kind = headers.sheet_kind(sheet.name)
            if kind == "help":
                continue
            if sheet.state != "visible" and kind not in OUR_SHEET_KINDS:
                self.problems.add(
                    "hidden-sheet", Severity.INFO,
                    "this sheet is hidden, so it was not read (only hidden sheets named like ours are read).",
                    sheet=sheet.name,
                )  # fmt: skip
                self._note_once("Hidden sheets other than OKR Cadence's own were not read.")
                continue
            if sheet.state != "visible":
                self.problems.add("hidden-sheet", Severity.INFO, "this sheet is hidden; it was read anyway.",
                                  sheet=sheet.name)  # fmt: skip
            (named[kind] if kind else unnamed).append(sheet)
        for sheet in named["settings"][:1]:
            read_settings(self, self._load(sheet))
        for sheet in named["teams"][:1]:
            read_teams(self, self._load(sheet))
        grids = {s.name: self._load(s) for kind in ("objectives", "key_results", "initiatives") for s in named[kind]}
        for sheet in unnamed:
            grids[sheet.name] = self._load(sheet)
        objective_grids = [grids[s.name] for s in named["objectives"]]
        kr_sheets: list[_KrSheet] = []
        initiative_grids = [grids[s.name] for s in named["initiatives"]]
        hints: list[str] = []
        if self.given is not None:
            present = {s.name for s in self.info.sheets}
            for missing in (m.sheet for m in self.given.sheets if m.sheet not in present):
                self.problems.add("mapping-sheet-missing", Severity.WARNING,
                                  f"the mapping names sheet {missing!r}, which this workbook does not have; "
                                  "that part of the mapping was not used.")  # fmt: skip
        for sheet in [*named["key_results"], *unnamed]:
            grid = grids[sheet.name]
            role = given.role if (given := self._given(sheet.name)) is not None else None
            if role == "ignored":
                self.ignored[grid.name] = "mapping"
                continue
            if role in ("objectives", "initiatives"):
                (objective_grids if role == "objectives" else initiative_grids).append(grid)
                continue
            export = viva_goals.find_header(grid) if role is None else None
            if export is not None:
                self._read_export(grid, export)
                continue
            header = self._kr_header(grid, hints)
            if header is not None:
                kr_sheets.append(self._classify(grid, header))
            elif sheet in unnamed and find_header(grid, "initiatives"):
                initiative_grids.append(grid)
            elif sheet in unnamed and find_header(grid, "objectives"):
                objective_grids.append(grid)
            elif sheet in named["key_results"]:
                self.problems.add(
                    "no-header", Severity.WARNING,
                    "no header row with a Key Result column was found in the first 40 rows, so this sheet was "
                    "not read. Add a header row naming the columns (Team, Objective, Key Result, Target...).",
                    sheet=sheet.name,
                )  # fmt: skip
            elif looks_like_kpis(grid):
                self.ignored[grid.name] = "kpi"
                self._note_once(f"Sheet {grid.name!r} tracks KPIs over time, not OKRs; it was left alone.")
        if not kr_sheets and not self.exports:
            hint = (" " + " ".join(hints)) if hints else ""
            raise WorkbookError(
                "No table of key results was found: no sheet has a header row with a Key Result column "
                "(and Objective, Target, Current... columns)." + hint + " Start from `okr template`, add such a "
                "header, or give the columns with a mapping (`okr map FILE` shows what was found).",
                code="no_okr_table",
            )
        for grid in objective_grids:
            read_objectives(self, grid)
        two_sheet = bool(self.objective_refs)
        for kr_sheet in kr_sheets:
            if kr_sheet.layout == "outline":
                read_outline(self, kr_sheet)
            else:
                read_table(self, kr_sheet, two_sheet=two_sheet)
        for grid in initiative_grids:
            read_initiatives(self, grid)
        for sheet in named["checkins"][:1]:
            read_checkins(self, self._load(sheet))
        self._check_duplicates()
        match_owner_names(self.okrs, self.problems)
        self._place_period()
        layout = self._layout_name(kr_sheets, two_sheet, named)
        return ReadResult(
            okrs=self.okrs,
            problems=self.problems.items,
            layout=layout,
            layout_note=self._layout_note(layout, kr_sheets),
            sheets=self.layouts,
            workbook_id=None,
            mapping=self._mapping(layout),
        )

    def _mapping(self, layout: str) -> Mapping:
        ignored = [SheetMapping(name, "ignored", note="KPI tracking, not OKRs" if why == "kpi" else "by the mapping")
                   for name, why in self.ignored.items()]  # fmt: skip
        return Mapping(layout=layout, sheets=[*self.mapped, *ignored], quarter=self.okrs.settings.quarter,
                       source=self.given.source if self.given is not None else "inferred")  # fmt: skip

    def _load(self, sheet: SheetInfo) -> Grid:
        assert self.zf is not None and self.book is not None  # only a CSV export has neither
        grid = load_grid(self.zf, self.book, sheet, self.info.percent_styles)
        if grid.scan.hidden_rows:
            rows = sorted(r for r in grid.scan.hidden_rows if r <= grid.last_row)
            if rows:
                shown = ", ".join(map(str, rows[:20])) + (" ..." if len(rows) > 20 else "")
                self.problems.add(
                    "hidden-rows", Severity.INFO,
                    f"{'row' if len(rows) == 1 else 'rows'} {shown} hidden; read like the other rows. Delete them if they are not "
                    "meant to be synced.",
                    sheet=sheet.name,
                )  # fmt: skip
                self._note_once("Hidden rows were read like the others.")
        return grid

    def _layout_name(self, kr_sheets: list[_KrSheet], two_sheet: bool, named: dict[str, list[SheetInfo]]) -> str:
        if self.exports and not kr_sheets:
            return viva_goals.LAYOUT
        kinds = {s.layout for s in kr_sheets}
        if "outline" in kinds:
            return "outline"
        if "quarter-blocks" in kinds:
            return "quarter-blocks"
        if two_sheet:
            return "two-sheet"
        ours = any(headers.normalise(s.grid.name) == "okrs" for s in kr_sheets)
        if ours and (named["settings"] or named["teams"]):
            return "template"
        return "flat-table"

    def _layout_note(self, layout: str, kr_sheets: list[_KrSheet]) -> str:
        if layout == viva_goals.LAYOUT:
            return " ".join([*self.exports, *self.notes])
        names = ", ".join(repr(s.grid.name) for s in kr_sheets)
        n_kr, n_obj = len(self.okrs.key_results), len(self.okrs.objectives)
        described = {
            "template": "the OKR Cadence template",
            "two-sheet": "an Objectives sheet with a Key Results sheet",
            "outline": "an outline (objectives numbered 1, 2 ... with key results 1.1, 1.2 ...)",
            "quarter-blocks": "one block of columns per quarter",
            "flat-table": "a table of key results",
        }[layout]
        extra = "".join(f" {s.note}" for s in kr_sheets if s.note) + "".join(f" {n}" for n in self.notes)
        return f"Recognised {described} on sheet {names}: read {n_kr} key results in {n_obj} objectives.{extra}"

    def _quarter(self) -> Quarter:
        fy = self.okrs.settings.fiscal_year_start_month
        for text in (self.quarter, self.okrs.settings.quarter):
            if text:
                try:
                    return parse_quarter(text, fy)
                except ValueError:
                    continue
        return quarter_of(self.today, fy)

    def _row_reader(self, grid: Grid, columns: dict[str, int], texts: dict[int, str]) -> RowReader:
        return RowReader(grid, columns, texts, self.problems, self.info.date1904,
                         self.okrs.settings.fiscal_year_start_month)  # fmt: skip

    def _record(
        self, grid: Grid, kind: str, header: Header, columns: dict[str, int], last: int, sheet: _KrSheet | None = None
    ) -> None:
        if kind in ("key_results", "objectives"):
            columns = {f: c for f, c in columns.items() if f in CANONICAL_FIELDS}
        widest = max((len(row) for row in grid.rows), default=0)
        blocks = {label: dict(header.blocks[label]) for label in sheet.block_readers} if sheet else {}
        self.layouts.append(
            SheetLayout(grid.name, kind, header.row, dict(columns), header.row + 1, last, widest, blocks)
        )
        if kind in ("key_results", "objectives", "initiatives"):
            self.mapped.append(self._sheet_mapping(grid, kind, header, sheet))

    def _sheet_mapping(self, grid: Grid, kind: str, header: Header, sheet: _KrSheet | None) -> SheetMapping:
        given = self._given(grid.name)
        placed = {f: c for f, c in header.columns.items() if f in FIELDS}
        how: dict[str, str] = {}
        for name, col in [*placed.items(), *header.links.items()]:
            if given is not None:
                how[name] = "mapping"
            elif name in header.guessed:
                how[name] = "content"
            else:
                text = grid.value(header.row, col)
                exact = headers.match_header(text, kind if kind != "initiatives" else "initiatives")
                how[name] = "header" if exact or headers.is_outline_title(text) else "contains"
        return SheetMapping(
            grid.name, kind, header.row, placed,
            blocks={label: dict(cols) for label, cols in header.blocks.items()},
            links=dict(header.links), how=how, why=dict(header.guessed),
            note=sheet.note if sheet else "", available=columns_with_samples(grid, header.row),
        )  # fmt: skip

    def _given(self, name: str) -> SheetMapping | None:
        return self.given.sheet(name) if self.given is not None else None

    def _header_from(self, grid: Grid, given: SheetMapping) -> Header:
        """The header a mapping gives: its row, its columns, its blocks."""
        row = given.header_row or 1
        texts = {c: str(grid.value(row, c) or f"column {column_letters(c)}").strip()
                 for c in [*given.columns.values(), *given.links.values()]}  # fmt: skip
        columns = dict(given.columns)
        taken = {*columns.values(), *given.links.values()}
        for col, cell in enumerate(grid.row_values(row), start=1):
            # the columns the sync writes (ID, Progress ...) are found by their headers even
            # when the mapping predates them: the IDs written at the first sync link the rows
            name = headers.match_header(cell) if isinstance(cell, str) else None
            if name in headers.WRITTEN_FIELDS and name not in columns and col not in taken:
                columns[name] = col
                texts[col] = str(cell).strip()
        header = Header(row, columns, texts, matches={f: [c] for f, c in columns.items()},
                        score=float(len(columns)), links=dict(given.links))  # fmt: skip
        for label, block in given.blocks.items():
            try:
                quarter = parse_quarter(label, self.okrs.settings.fiscal_year_start_month)
            except ValueError as exc:
                raise InputError(f"The mapping's block {label!r} of sheet {grid.name!r} is not a quarter; "
                                 "write it like 2026-Q1.", code="bad_mapping") from exc  # fmt: skip
            header.blocks[quarter.label] = dict(block)
            header.block_quarters[quarter.label] = quarter
        return header

    # ------------------------------------------------------------------ key results

    def _read_export(self, grid: Grid, header: viva_goals.ExportHeader) -> None:
        note = viva_goals.read_export(grid, header, self.okrs, self.problems,
                                      fy_start_month=self.okrs.settings.fiscal_year_start_month,
                                      date1904=self.info.date1904)  # fmt: skip
        self.exports.append(note)
        last = max((k.location.row or 0 for k in self.okrs.key_results if k.location.sheet == grid.name),
                   default=header.row)  # fmt: skip
        columns = {f: c for f, c in header.columns.items() if f in CANONICAL_FIELDS}
        widest = max((len(row) for row in grid.rows), default=0)
        self.layouts.append(SheetLayout(grid.name, "key_results", header.row, columns, header.row + 1, last, widest))
        self.mapped.append(SheetMapping(grid.name, "key_results", header.row, dict(header.columns),
                                        how={f: "header" for f in header.columns}, note="Viva Goals export",
                                        available=columns_with_samples(grid, header.row)))  # fmt: skip

    def _kr_header(self, grid: Grid, hints: list[str]) -> Header | None:
        """The key-result header of a sheet, with columns that have no header placed by content."""
        given = self._given(grid.name)
        if given is not None and given.role == "key_results":
            self._note_once(f"Sheet {grid.name!r} was read by the {self.given.source if self.given else ''} mapping.")
            return self._header_from(grid, given)
        header = find_header(grid, "key_results")
        if header is None:
            return None
        header.links = split_links(grid, header.row, header.matches)
        for link, col in header.links.items():
            header.texts.setdefault(col, str(grid.value(header.row, col) or link))
            for name, cols in header.matches.items():
                if col in cols and header.columns.get(name) == col:
                    others = [c for c in cols if c != col]
                    if others:
                        header.columns[name] = others[0]
                    else:
                        header.columns.pop(name)
        if "key_result" in header.columns or ("title" in header.columns and "ref" in header.columns):
            return header
        taken = set(header.columns.values())
        guesses = guess_outline(grid, header.row, taken)
        if not guesses:
            titles = title_columns(grid, header.row, taken)
            if titles:
                letters = ", ".join(column_letters(c) for c in titles)
                hints.append(
                    f"On sheet {grid.name!r}, column {letters} looks like key-result titles but has no header: "
                    "map it (okr sync FILE --mapping MAP.json), or write Key Result above it."
                )
            return None
        for guess in guesses:
            header.columns[guess.field] = guess.col
            header.texts[guess.col] = f"column {column_letters(guess.col)}"
            header.guessed[guess.field] = guess.why
        letters = " and ".join(column_letters(g.col) for g in guesses)
        self._note_once(
            f"Columns {letters} of sheet {grid.name!r} have no header; they were read as the outline numbers "
            "and titles from what they hold."
        )
        return header

    def _classify(self, grid: Grid, header: Header) -> _KrSheet:
        if "title" in header.columns and "key_result" not in header.columns:
            return _KrSheet(grid, header, "outline")
        ref_col = header.columns.get("ref")
        if ref_col is not None and looks_outline(grid, header.row, ref_col):
            return _KrSheet(grid, header, "outline")
        if len(header.blocks) >= 2 or (header.blocks and header.block_quarters):
            return _KrSheet(grid, header, "quarter-blocks")
        return _KrSheet(grid, header, "flat-table")

    def _columns_for(self, sheet: _KrSheet) -> dict[str, int]:
        """The sheet's columns outside any quarter block; each block gets a reader of its own."""
        columns = dict(sheet.header.columns)
        if sheet.layout != "quarter-blocks" and not sheet.header.blocks:
            return columns
        blocks = sorted(sheet.header.block_quarters.items(), key=lambda item: item[1].start)
        for label, _quarter in blocks:
            block = sheet.header.blocks[label]
            for col in block.values():
                sheet.header.texts.setdefault(
                    col, f"{label} {headers.normalise(sheet.grid.value(sheet.header.row, col))}"
                )
            sheet.block_readers[label] = self._row_reader(sheet.grid, {**columns, **block}, sheet.header.texts)
        wanted = self._quarter()
        found = ", ".join(label for label, _q in blocks)
        sheet.note = (
            f"Read every filled quarter block ({found}) into its own quarter; "
            f"rows without any block values belong to {wanted.label}."
        )
        return columns

    def _add_key_result(self, sheet: _KrSheet, kr: KeyResult) -> None:
        """A row's key result, or -- on a quarter-blocks sheet -- one per filled block."""
        row = kr.location.row or 0
        per_block = [
            found
            for label, reader in sheet.block_readers.items()
            if (found := read_block_values(reader, row, kr, quarter=label)) is not None
        ]
        self.okrs.key_results.extend(per_block or [kr])

    def _objective(self, team: str, title: str, grid: Grid, row: int, reader: RowReader | None) -> Objective:
        obj = self.objectives_by_text.get((team, title))
        if obj is None:
            key = (v.identity_key(team), v.identity_key(title))
            obj = self.objectives_by_key.get(key)
            if obj is not None:
                self.objectives_by_text[(team, title)] = obj
        if obj is None:
            obj = Objective(team=team, title=title, location=Location(sheet=grid.name, row=row, team=team,
                                                                      objective=title))  # fmt: skip
            self.objectives_by_key[key] = obj
            self.objectives_by_text[(team, title)] = obj
            self.okrs.objectives.append(obj)
        if reader is not None and "objective_type" in reader.columns:
            kind = reader.parse(row, "objective_type", v.parse_objective_type, "bad-type")
            if kind is not None:
                obj.type = kind
        return obj

    def _period_from_labels(self, grid: Grid, labels: dict[str, str]) -> None:
        text = labels.get("period")
        if not text or self.period is not None:
            return
        period = parse_period(text, self.okrs.settings.fiscal_year_start_month)
        if period is None:
            self.problems.add("bad-period", Severity.WARNING,
                              f"the period {text!r} is not a quarter, a year or a date range; write it like "
                              "Q1-2026, FY2026 or 2026.", sheet=grid.name)  # fmt: skip
            return
        self.period = period

    def _place_period(self) -> None:
        """Which quarter this workbook is synced into, from what it says about its period."""
        settings = self.okrs.settings
        fy = settings.fiscal_year_start_month
        if self.quarter or settings.quarter:
            if self.period is not None and self.period.quarter is None:
                chosen = self.quarter or settings.quarter
                self._note_once(f"The workbook's period is {self.period.text}; synced quarter {chosen} as asked.")
            return
        placed = None
        if self.period is not None:
            placed = quarter_for(self.period, self.today, fy)
        else:
            placed = quarter_of_due_dates([k.due for k in self.okrs.key_results if k.due], self.today, fy)
        if placed is None:
            return
        quarter, why = placed
        settings.quarter = quarter.label
        for kr in self.okrs.key_results:
            if kr.quarter is None:
                kr.quarter = quarter.label
        annual = self.period.objective_period if self.period is not None else None
        for obj in self.okrs.objectives:
            if obj.period is None and annual:
                obj.period = annual
        if self.period is None or not _is_quarter_label(self.period.text):
            self._note_once(f"Synced quarter {quarter.label}: {why}.")

    def _note_once(self, note: str) -> None:
        if note not in self.notes:
            self.notes.append(note)

    # ------------------------------------------------------------------ outline

    # ------------------------------------------------------------------ objectives (two-sheet)

    # ------------------------------------------------------------------ other sheets

    # ------------------------------------------------------------------ duplicates

    def _check_duplicates(self) -> None:
        # a quarter-blocks row is one key result per quarter: copies are only copies within a quarter
        by_id: dict[tuple[str, str | None], list[KeyResult]] = defaultdict(list)
        by_row: dict[tuple[str, str, str, str | None], list[KeyResult]] = defaultdict(list)
        for kr in self.okrs.key_results:
            if kr.id:
                by_id[(v.identity_key(kr.id), kr.quarter)].append(kr)
            if kr.title:
                key = (v.identity_key(kr.team), v.identity_key(kr.objective), v.identity_key(kr.title), kr.quarter)
                by_row[key].append(kr)
        for group in by_id.values():
            if len(group) > 1:
                rows = ", ".join(f"{k.location.sheet}!{k.location.row}" for k in group)
                for kr in group:
                    self.problems.add(
                        "duplicate-id", Severity.ERROR,
                        f"the ID {kr.id!r} is used by more than one row ({rows}). Each key result needs its own ID: "
                        "clear the ID of the copied rows and sync again to get new ones.",
                        sheet=kr.location.sheet, row=kr.location.row, team=kr.team, objective=kr.objective,
                    )  # fmt: skip
        for group in by_row.values():
            if len(group) > 1:
                rows = ", ".join(f"{k.location.sheet}!{k.location.row}" for k in group)
                for kr in group:
                    self.problems.add(
                        "duplicate-row", Severity.ERROR,
                        f"the same key result {kr.title!r} appears more than once under this objective ({rows}). "
                        "Delete the copies or make them different.",
                        sheet=kr.location.sheet, row=kr.location.row, team=kr.team, objective=kr.objective,
                    )  # fmt: skip


# ---------------------------------------------------------------------- helpers


def _is_quarter_label(text: str) -> bool:
    try:
        parse_quarter(text)
    except ValueError:
        return False
    return True
