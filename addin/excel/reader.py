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

Hidden sheets and rows (the documented rule): a hidden sheet is ignored unless its name
is one of ours (OKRs, Objectives, Key Results, Teams, Check-ins, Settings, Initiatives),
and each ignored sheet is reported as info. Hidden rows are read like any other row and
reported once per sheet as info, so nothing the user wrote is silently dropped.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from python_calamine import CalamineError, CalamineWorkbook, PasswordError

from addin.errors import UnsupportedFormat, WorkbookError, WorkbookTooLarge
from addin.excel import headers
from addin.excel.read_grid import Grid, Header, find_header, load_grid
from addin.excel.read_parts import SheetInfo, WorkbookInfo, open_zip, read_custom_property, read_workbook_info
from addin.excel.read_rows import Problems, RowReader, read_block_values, read_key_result
from addin.excel.safety import check_package
from addin.okr import values as v
from addin.okr.model import (
    CheckIn,
    Finding,
    Initiative,
    KeyResult,
    Location,
    Objective,
    OkrSet,
    Severity,
    Team,
    Thresholds,
)
from addin.okr.quarters import Quarter, parse_quarter, quarter_of

CANONICAL_FIELDS = headers.CANONICAL_FIELDS
WORKBOOK_ID_PROPERTY = "OKRCadenceWorkbookId"
MAX_SHEETS = 200
OUR_SHEET_KINDS = frozenset({"key_results", "objectives", "teams", "checkins", "settings", "initiatives"})


@dataclass
class SheetLayout:
    sheet: str
    kind: str  # "key_results" | "objectives" | "teams" | "checkins" | "settings" | "initiatives"
    header_row: int  # 1-based worksheet row of the header
    columns: dict[str, int]  # canonical field -> 1-based column index, for columns present
    first_data_row: int
    last_data_row: int  # last row that held data (never the declared <dimension>)
    last_column: int = 0  # rightmost column holding anything: new columns go right of it
    blocks: dict[str, dict[str, int]] = field(default_factory=dict)  # quarter label -> field -> column


@dataclass
class ReadResult:
    okrs: OkrSet  # every KeyResult.location carries sheet + row (+ team/objective)
    problems: list[Finding]  # rule "input.<what>", pitfall None
    layout: str  # "template" | "two-sheet" | "outline" | "quarter-blocks" | "flat-table"
    layout_note: str
    sheets: list[SheetLayout]
    workbook_id: str | None


def read_workbook(data: bytes, *, quarter: str | None = None, today: dt.date | None = None) -> ReadResult:
    """Read an .xlsx workbook's OKRs; raise WorkbookError & co. when it cannot be read at all."""
    package = check_package(data)
    with open_zip(data) as zf:
        info = read_workbook_info(zf, getattr(package, "workbook_part", "xl/workbook.xml"))
        if len(info.sheets) > MAX_SHEETS:
            raise WorkbookTooLarge(
                f"The workbook has {len(info.sheets)} sheets; at most {MAX_SHEETS} can be read. "
                "Move the OKRs to a workbook of their own.",
                code="too_many_sheets",
            )
        workbook_id = read_custom_property(zf, WORKBOOK_ID_PROPERTY)
        book = _open_calamine(data)
        # The grid of a large sheet is millions of Python objects; the cyclic garbage
        # collector would rescan them all again and again while the rows are turned into
        # key results (quadratic time). Nothing here makes reference cycles, so it is off
        # for the read.
        collecting = gc.isenabled()
        gc.disable()
        try:
            reader = _WorkbookReader(zf, book, info, quarter=quarter, today=today or dt.date.today())
            result = reader.read()
        finally:
            book.close()
            if collecting:
                gc.enable()
    result.workbook_id = workbook_id
    return result


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
    zf: zipfile.ZipFile
    book: CalamineWorkbook
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
            self._read_settings(self._load(sheet))
        for sheet in named["teams"][:1]:
            self._read_teams(self._load(sheet))
        grids = {s.name: self._load(s) for kind in ("objectives", "key_results", "initiatives") for s in named[kind]}
        for sheet in unnamed:
            grids[sheet.name] = self._load(sheet)
        objective_grids = [grids[s.name] for s in named["objectives"]]
        kr_sheets: list[_KrSheet] = []
        initiative_grids = [grids[s.name] for s in named["initiatives"]]
        for sheet in [*named["key_results"], *unnamed]:
            grid = grids[sheet.name]
            header = find_header(grid, "key_results")
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
        if not kr_sheets:
            raise WorkbookError(
                "No table of key results was found: no sheet has a header row with a Key Result column "
                "(and Objective, Target, Current... columns). Start from `okr template` or add such a header.",
                code="no_okr_table",
            )
        for grid in objective_grids:
            self._read_objectives(grid)
        two_sheet = bool(self.objective_refs)
        for kr_sheet in kr_sheets:
            if kr_sheet.layout == "outline":
                self._read_outline(kr_sheet)
            else:
                self._read_table(kr_sheet, two_sheet=two_sheet)
        for grid in initiative_grids:
            self._read_initiatives(grid)
        for sheet in named["checkins"][:1]:
            self._read_checkins(self._load(sheet))
        self._check_duplicates()
        layout = self._layout_name(kr_sheets, two_sheet, named)
        return ReadResult(
            okrs=self.okrs,
            problems=self.problems.items,
            layout=layout,
            layout_note=self._layout_note(layout, kr_sheets),
            sheets=self.layouts,
            workbook_id=None,
        )

    def _load(self, sheet: SheetInfo) -> Grid:
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
        self.layouts.append(SheetLayout(grid.name, kind, header.row, dict(columns), header.row + 1, last, widest, blocks))

    # ------------------------------------------------------------------ key results

    def _classify(self, grid: Grid, header: Header) -> _KrSheet:
        if "title" in header.columns and "key_result" not in header.columns:
            return _KrSheet(grid, header, "outline")
        ref_col = header.columns.get("ref")
        if ref_col is not None and _looks_outline(grid, header.row, ref_col):
            return _KrSheet(grid, header, "outline")
        if len(header.blocks) >= 2 or (header.blocks and header.block_quarters):
            return _KrSheet(grid, header, "quarter-blocks")
        return _KrSheet(grid, header, "flat-table")

    def _columns_for(self, sheet: _KrSheet) -> dict[str, int]:
        """The sheet's columns outside any quarter block; each block gets a reader of its own."""
        columns = dict(sheet.header.columns)
        if sheet.layout != "quarter-blocks":
            return columns
        blocks = sorted(sheet.header.block_quarters.items(), key=lambda item: item[1].start)
        for label, _quarter in blocks:
            block = sheet.header.blocks[label]
            for col in block.values():
                sheet.header.texts.setdefault(col, f"{label} {headers.normalise(sheet.grid.value(sheet.header.row, col))}")
            sheet.block_readers[label] = self._row_reader(sheet.grid, {**columns, **block}, sheet.header.texts)
        wanted = self._quarter()
        found = ", ".join(label for label, _q in blocks)
        sheet.note = (f"Read every filled quarter block ({found}) into its own quarter; "
                      f"rows without any block values belong to {wanted.label}.")
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

    def _read_table(self, sheet: _KrSheet, *, two_sheet: bool) -> None:
        grid, header = sheet.grid, sheet.header
        columns = self._columns_for(sheet)
        reader = self._row_reader(grid, columns, header.texts)
        labels = _label_block(grid, header.row)
        team_default = labels.get("team", "")
        carried: dict[str, str] = {}
        last = header.row
        for row in range(header.row + 1, grid.last_row + 1):
            if grid.is_blank(row) or _repeats_header(grid, row, header):
                continue
            last = row
            team = reader.text(row, "team") if "team" in columns else ""
            objective_cell = reader.text(row, "objective") if "objective" in columns else ""
            title = reader.text(row, "key_result")
            if not title:
                if objective_cell and not any(
                    reader.has_any(row, (f,)) for f in ("baseline", "target", "current", "owner")
                ):
                    # an objective row (often with a progress formula): it names the objective only
                    carried["objective"] = objective_cell
                    carried["team"] = team or carried.get("team", "")
                    self._objective(team or carried.get("team") or team_default, objective_cell, grid, row, reader)
                elif reader.has_any(row, ("baseline", "target", "current", "owner", "id")):
                    self.problems.add(
                        "missing-title", Severity.ERROR,
                        "this row has values but no key result text, so it was not read. Write the key result.",
                        sheet=grid.name, row=row, col=columns.get("key_result"),
                        column=header.texts.get(columns.get("key_result", 0)),
                    )  # fmt: skip
                continue  # otherwise a decorative or section-title row
            new_team = bool(team) and team != carried.get("team")
            team = team or carried.get("team", "") or team_default
            carried["team"] = team
            # a blank Objective repeats the one above (merged or "grouped" sheets), within one team
            objective_title = objective_cell or ("" if new_team else carried.get("objective", ""))
            carried["objective"] = objective_title
            found = None
            if two_sheet and objective_cell:
                found = self._find_objective(team, objective_cell)
                if found is None:
                    self.problems.add(
                        "unknown-objective", Severity.ERROR,
                        f"this key result belongs to objective {objective_cell!r}, which is not on the objectives "
                        "sheet. Add the objective there or correct the name or number.",
                        sheet=grid.name, row=row, col=columns.get("objective"),
                        column=header.texts.get(columns.get("objective", 0)),
                    )  # fmt: skip
                else:
                    objective_title, team = found.title, team or found.team
            if not team:
                team = grid.name
                self._note_once(f"No team column: the sheet name {grid.name!r} was used as the team.")
            if not objective_title:
                self.problems.add(
                    "missing-objective", Severity.ERROR,
                    "this key result has no objective. Write the objective it belongs to.",
                    sheet=grid.name, row=row, col=columns.get("objective") or columns.get("key_result"),
                )  # fmt: skip
            if objective_title and not (two_sheet and objective_cell and found is None):
                self._objective(team, objective_title, grid, row, reader)
            kr = read_key_result(reader, row, team=team, objective=objective_title, title=title)
            self._add_key_result(sheet, kr)
        self._record(grid, "key_results", header, columns, last, sheet)

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

    def _note_once(self, note: str) -> None:
        if note not in self.notes:
            self.notes.append(note)

    # ------------------------------------------------------------------ outline

    def _read_outline(self, sheet: _KrSheet) -> None:
        grid, header = sheet.grid, sheet.header
        columns = self._columns_for(sheet)
        title_field = "title" if "title" in columns else "key_result"
        columns.setdefault("key_result", columns[title_field])
        reader = self._row_reader(grid, columns, header.texts)
        labels = _label_block(grid, header.row)
        team = labels.get("team") or ""
        if not team:
            team = grid.name
            self._note_once(f"No 'Team:' label above the table: the sheet name {grid.name!r} was used as the team.")
        if labels.get("period") and not self.okrs.settings.quarter:
            try:
                self.okrs.settings.quarter = parse_quarter(labels["period"], self.okrs.settings.fiscal_year_start_month).label
            except ValueError:
                self.problems.add("bad-period", Severity.WARNING,
                                  f"the period {labels['period']!r} is not a quarter; write it like Q1-2026.",
                                  sheet=grid.name)  # fmt: skip
        if labels.get("last_checkin"):
            self._note_once(f"Last check-in given above the table: {labels['last_checkin']}.")
        parts = [f"team {team!r}"] + ([f"period {labels['period']}"] if labels.get("period") else [])
        sheet.note = (sheet.note + " " if sheet.note else "") + f"Outline block: {', '.join(parts)}."
        objectives: dict[str, Objective] = {}
        last = header.row
        ref_col = columns.get("ref")
        for row in range(header.row + 1, grid.last_row + 1):
            if grid.is_blank(row):
                continue
            last = row
            ref = v.parse_ref(grid.value(row, ref_col)) if ref_col else None
            title = reader.text(row, title_field)
            if ref is None or not title:
                if title or ref:
                    self.problems.add(
                        "outline-number", Severity.WARNING,
                        "this row has no outline number (like 1 or 1.2) or no text, so it was not read.",
                        sheet=grid.name, row=row, col=ref_col,
                    )  # fmt: skip
                continue
            if "." not in ref:
                obj = self._objective(team, title, grid, row, reader)
                obj.ref = ref
                objectives[ref] = obj
                continue
            parent = objectives.get(ref.split(".")[0])
            if parent is None:
                self.problems.add(
                    "unknown-objective", Severity.ERROR,
                    f"key result {ref} has no objective numbered {ref.split('.')[0]} above it. "
                    "Add the objective row or correct the number.",
                    sheet=grid.name, row=row, col=ref_col,
                )  # fmt: skip
            kr = read_key_result(reader, row, team=team, objective=parent.title if parent else "", title=title)
            kr.ref = ref
            self._add_key_result(sheet, kr)
        self._record(grid, "key_results", header, columns, last, sheet)

    # ------------------------------------------------------------------ objectives (two-sheet)

    def _read_objectives(self, grid: Grid) -> None:
        header = find_header(grid, "objectives")
        if header is None:
            self.problems.add("no-header", Severity.WARNING,
                              "no header row with an Objective column was found, so this sheet was not read.",
                              sheet=grid.name)  # fmt: skip
            return
        found = headers.map_header_row(grid.row_values(header.row), "objectives")
        columns = dict(header.columns)
        title_col, ref_col = _split_objective_columns(grid, header.row, found.get("objective", []))
        columns["objective"] = title_col
        if ref_col:
            columns["ref"] = ref_col
        reader = self._row_reader(grid, columns, header.texts)
        last = header.row
        rows_by_ref: dict[str, list[int]] = defaultdict(list)
        for row in range(header.row + 1, grid.last_row + 1):
            if grid.is_blank(row):
                continue
            title = reader.text(row, "objective")
            if not title:
                continue
            last = row
            team = reader.text(row, "team") or grid.name
            obj = self._objective(team, title, grid, row, reader)
            obj.aligns_to = reader.text(row, "aligns_to") or None
            obj.weight = reader.parse(row, "weight", v.parse_number, "bad-number")
            for name in ("ref", "id"):
                ref = reader.text(row, name) if name in columns else ""
                if ref:
                    obj.ref = obj.ref or ref
                    rows_by_ref[v.identity_key(ref)].append(row)
                    self.objective_refs.setdefault(("ref", v.identity_key(ref)), obj)
            self.objective_refs[("title", v.identity_key(title))] = obj
        for ref_rows in rows_by_ref.values():
            if len(ref_rows) > 1:
                listed = ", ".join(f"{grid.name}!{r}" for r in ref_rows)
                for row in ref_rows:
                    self.problems.add(
                        "duplicate-objective-id", Severity.ERROR,
                        f"this objective's number or ID is used by more than one row ({listed}); key results "
                        "pointing at it cannot be placed. Give each objective its own number.",
                        sheet=grid.name, row=row, col=columns.get("ref") or columns.get("id"),
                    )  # fmt: skip
        self._record(grid, "objectives", header, columns, last)

    def _find_objective(self, team: str, text: str) -> Objective | None:
        key = v.identity_key(text)
        return self.objective_refs.get(("ref", key)) or self.objective_refs.get(("title", key))

    # ------------------------------------------------------------------ other sheets

    def _read_initiatives(self, grid: Grid) -> None:
        header = find_header(grid, "initiatives")
        if header is None:
            return
        reader = self._row_reader(grid, header.columns, header.texts)
        known = {v.identity_key(k.ref) for k in self.okrs.key_results if k.ref} | {
            v.identity_key(k.id) for k in self.okrs.key_results if k.id
        }
        last = header.row
        for row in range(header.row + 1, grid.last_row + 1):
            if grid.is_blank(row):
                continue
            raw_ref = reader.raw(row, "ref")
            ref = v.parse_ref(raw_ref) or reader.text(row, "ref")
            title = reader.text(row, "initiative", "initiative")
            if not title:
                continue
            last = row
            if not ref or v.identity_key(ref) not in known:
                self.problems.add(
                    "unknown-kr", Severity.WARNING,
                    f"this initiative refers to key result {ref or '(none)'!s}, which is not in the workbook. "
                    "Write the key result's number (like 1.2) or ID.",
                    sheet=grid.name, row=row, col=header.columns.get("ref"),
                )  # fmt: skip
            self.okrs.initiatives.append(
                Initiative(kr_ref=ref or "", title=title, owner=reader.text(row, "owner") or None,
                           status=reader.text(row, "status"), location=Location(sheet=grid.name, row=row))
            )  # fmt: skip
        self._record(grid, "initiatives", header, header.columns, last)

    def _read_teams(self, grid: Grid) -> None:
        header = find_header(grid, "teams")
        if header is None:
            return
        reader = self._row_reader(grid, header.columns, header.texts)
        last = header.row
        for row in range(header.row + 1, grid.last_row + 1):
            name = reader.text(row, "team")
            if not name:
                continue
            last = row
            team = Team(name=name, location=Location(sheet=grid.name, row=row, team=name))
            team.lead = reader.text(row, "lead", "lead") or None
            members = reader.text(row, "members", "members")
            team.members = tuple(m.strip() for m in re.split(r"[,;\n]", members) if m.strip())
            team.parent = reader.text(row, "parent", "team") or None
            weekday = reader.parse(row, "checkin_weekday", _parse_weekday, "bad-weekday")
            if weekday is not None:
                team.checkin_weekday = weekday
            at = reader.parse(row, "checkin_time", _parse_time, "bad-time")
            if at is not None:
                team.checkin_time = at
            zone = reader.parse(row, "timezone", _parse_zone, "bad-timezone")
            if zone:
                team.timezone = zone
            minutes = reader.parse(row, "meeting_minutes", v.parse_number, "bad-number")
            if minutes:
                team.meeting_minutes = int(minutes)
            self.okrs.teams.append(team)
        self._record(grid, "teams", header, header.columns, last)

    def _read_checkins(self, grid: Grid) -> None:
        header = find_header(grid, "checkins")
        if header is None:
            return
        reader = self._row_reader(grid, header.columns, header.texts)
        last = header.row
        for row in range(header.row + 1, grid.last_row + 1):
            kr_id = reader.text(row, "id")
            title = reader.text(row, "key_result") if "key_result" in header.columns else ""
            if not kr_id and not title:
                continue
            last = row
            at = reader.parse(row, "at", _parse_timestamp, "bad-date")
            if at is None:
                continue
            self.okrs.checkins.append(
                CheckIn(
                    kr_id=kr_id, at=at,
                    value=reader.parse(row, "value", v.parse_number, "bad-number"),
                    confidence=reader.parse(row, "confidence", v.parse_confidence, "bad-confidence"),
                    note=reader.text(row, "note", "notes"),
                    source=reader.text(row, "source", "status") or "workbook",
                    kr_title=title,
                )
            )  # fmt: skip
        self._record(grid, "checkins", header, header.columns, last)

    def _read_settings(self, grid: Grid) -> None:
        settings = self.okrs.settings
        thresholds = {headers.normalise(name.replace("_", " ")): name for name in Thresholds.__dataclass_fields__}
        pairs = []
        for row in range(1, grid.last_row + 1):
            # "Label | Value | what it means": the value is the cell right of the label;
            # an empty value keeps the default.
            label_col = next((c for c, x in enumerate(grid.rows[row - 1], start=1) if x not in ("", None)), None)
            if label_col is None or not isinstance(grid.value(row, label_col), str):
                continue
            value = grid.value(row, label_col + 1)
            if value is not None:
                pairs.append((row, grid.value(row, label_col), label_col + 1, value))
        for row, label, col, value in pairs:
            key = headers.normalise(label)
            if key in ("fiscal year start", "fiscal year start month", "fy start", "fiscal year starts",
                       "inicio del ano fiscal", "inicio do ano fiscal"):
                month = _parse_month(value)
                if month is None:
                    self._setting_problem(grid, row, col, label, "write a month number (1-12) or name")
                else:
                    settings.fiscal_year_start_month = month
        for row, label, col, value in pairs:
            key = headers.normalise(label)
            if key in ("quarter", "trimestre", "period", "periodo", "current quarter"):
                try:
                    settings.quarter = parse_quarter(str(value), settings.fiscal_year_start_month).label
                except ValueError:
                    self._setting_problem(grid, row, col, label, "write the quarter like 2026-Q1")
            elif key in ("holidays", "holiday", "festivos", "feriados"):
                days = _parse_holidays(value)
                if days is None:
                    self._setting_problem(grid, row, col, label,
                                          "write dates like 2026-12-24, 2026-12-25")
                else:
                    settings.holidays = tuple(sorted({*settings.holidays, *days}))
            elif key in thresholds:
                name = thresholds[key]
                try:
                    number = v.parse_number(value)
                except v.ValueProblem:
                    number = None
                if number is None or number < 0:
                    self._setting_problem(grid, row, col, label, "write a number")
                    continue
                default = getattr(settings.thresholds, name)
                setattr(settings.thresholds, name, int(number) if isinstance(default, int) else float(number))
        last = pairs[-1][0] if pairs else 0
        self.layouts.append(SheetLayout(grid.name, "settings", 1, {}, 1, last))

    def _setting_problem(self, grid: Grid, row: int, col: int, label: str, what: str) -> None:
        self.problems.add("bad-setting", Severity.ERROR, f"the setting {label!r} cannot be read; {what}.",
                          sheet=grid.name, row=row, col=col, column=label)  # fmt: skip

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


def _looks_outline(grid: Grid, header_row: int, col: int) -> bool:
    tops = dotted = 0
    for row in range(header_row + 1, min(grid.last_row, header_row + 200) + 1):
        ref = v.parse_ref(grid.value(row, col))
        if ref:
            if "." in ref:
                dotted += 1
            else:
                tops += 1
    return tops > 0 and dotted > 0


def _repeats_header(grid: Grid, row: int, header: Header) -> bool:
    col = header.columns.get("key_result") or header.columns.get("title")
    return col is not None and grid.value(row, col) == grid.value(header.row, col) and row != header.row


def _label_block(grid: Grid, header_row: int) -> dict[str, str]:
    """Labelled values above the table: "Team:" | "Growth" or "Team: Growth" in one cell."""
    out: dict[str, str] = {}
    for row in range(1, header_row):
        cells = [x for x in grid.row_values(row)]
        for i, cell in enumerate(cells):
            if not isinstance(cell, str) or not cell.strip():
                continue
            label, sep, rest = cell.partition(":")
            field_name = headers.label_of(label)
            if field_name is None or field_name in out:
                continue
            value = rest.strip() if sep and rest.strip() else next(
                (x for x in cells[i + 1:] if x not in (None, "")), None
            )  # fmt: skip
            if value is None:
                continue
            if isinstance(value, (dt.date, dt.datetime)):
                value = value.isoformat()[:10]
            try:
                out[field_name] = v.clean_text(value, field="team").text
            except v.ValueProblem:
                continue
    return out


def _split_objective_columns(grid: Grid, row: int, cols: list[int]) -> tuple[int, int | None]:
    """Of the columns named like "Objective", which holds the title and which its number/ID."""
    ref_col = None
    title_col = cols[0]
    for col in cols:
        words = set(headers.normalise(grid.value(row, col)).split())
        if words & {"id", "no", "number", "ref", "#", "numero"}:
            ref_col = col
        else:
            title_col = col
    return title_col, (ref_col if ref_col != title_col else None)


_WEEKDAYS = {
    name: i
    for i, names in enumerate([
        ("monday", "mon", "lunes", "segunda", "segunda feira"),
        ("tuesday", "tue", "martes", "terca", "terca feira"),
        ("wednesday", "wed", "miercoles", "quarta", "quarta feira"),
        ("thursday", "thu", "jueves", "quinta", "quinta feira"),
        ("friday", "fri", "viernes", "sexta", "sexta feira"),
        ("saturday", "sat", "sabado"),
        ("sunday", "sun", "domingo"),
    ])
    for name in names
}  # fmt: skip


def _parse_weekday(value: object) -> int | None:
    if v.is_empty(value):
        return None
    key = headers.normalise(value)
    if key in _WEEKDAYS:
        return _WEEKDAYS[key]
    raise v.ValueProblem(f"{value!r} is not a weekday; write Monday, Tuesday ...")


def _parse_time(value: object) -> dt.time | None:
    if v.is_empty(value):
        return None
    if isinstance(value, dt.time):
        return value.replace(microsecond=0)
    if isinstance(value, dt.datetime):
        return value.time().replace(microsecond=0)
    if isinstance(value, float) and 0 <= value < 1:
        minutes = round(value * 24 * 60)
        return dt.time(minutes // 60 % 24, minutes % 60)
    match = re.fullmatch(r"\s*(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\s*", str(value), re.IGNORECASE)
    if match:
        hour, minute = int(match[1]), int(match[2] or 0)
        if match[3]:
            hour = hour % 12 + (12 if match[3].lower() == "pm" else 0)
        if hour < 24 and minute < 60:
            return dt.time(hour, minute)
    raise v.ValueProblem(f"{value!r} is not a time of day; write it like 10:00.")


def _parse_zone(value: object) -> str | None:
    if v.is_empty(value):
        return None
    name = str(value).strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise v.ValueProblem(f"{name!r} is not a time zone; write it like Europe/Madrid.") from exc
    return name


def _parse_month(value: object) -> int | None:
    try:
        number = v.parse_number(value)
    except v.ValueProblem:
        number = None
    if number is not None and number.is_integer() and 1 <= number <= 12:
        return int(number)
    for fmt in ("%B", "%b"):
        try:
            return dt.datetime.strptime(str(value).strip(), fmt).month
        except ValueError:
            continue
    return None


def _parse_timestamp(value: object) -> dt.datetime | None:
    """A check-in's time: naive values are taken as UTC, offsets converted to UTC."""
    if v.is_empty(value):
        return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None:
            return _parse_timestamp(parsed)
    day = v.parse_date(value)
    return None if day is None else dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _parse_holidays(value: object) -> tuple[dt.date, ...] | None:
    """A Settings "Holidays" cell: a date, or ISO dates separated by commas/semicolons."""
    if isinstance(value, dt.datetime):
        return (value.date(),)
    if isinstance(value, dt.date):
        return (value,)
    parts = [p.strip() for p in re.split(r"[,;\n]", str(value)) if p.strip()]
    try:
        return tuple(dt.date.fromisoformat(p) for p in parts) or None
    except ValueError:
        return None
