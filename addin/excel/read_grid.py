"""One sheet's cell values as a grid, with the facts calamine leaves out, and its header."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from addin.errors import WorkbookError, WorkbookTooLarge
from addin.excel import headers
from addin.excel.read_parts import (
    MAX_ROWS,
    SheetInfo,
    SheetScan,
    check_extent,
    column_letters,
    read_sheet_xml,
    scan_sheet,
)
from addin.okr.quarters import Quarter, parse_quarter

HEADER_SEARCH_ROWS = 40
VALUE_FIELDS = frozenset(
    {"owner", "baseline", "target", "current", "confidence", "progress"}
)  # a header further down than this is not looked for


@dataclass(slots=True)
class Grid:
    """Cell values of one sheet; rows and columns are 1-based in every method."""

    name: str
    rows: list[list[Any]]
    scan: SheetScan
    hidden: bool
    merged_anchor: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)

    @property
    def last_row(self) -> int:
        return len(self.rows)

    def value(self, row: int, col: int) -> Any:
        """The value at (row, col), a merged range's value for every cell it covers."""
        if self.merged_anchor:
            row, col = self.merged_anchor.get((row, col), (row, col))
        if row < 1 or col < 1:
            return None
        try:
            value = self.rows[row - 1][col - 1]
        except IndexError:
            return None
        return None if value == "" else value

    def row_values(self, row: int) -> list[Any]:
        width = len(self.rows[row - 1]) if 0 < row <= len(self.rows) else 0
        return [self.value(row, c) for c in range(1, width + 1)]

    def is_blank(self, row: int) -> bool:
        cells = self.rows[row - 1]
        return all(c == "" or c is None or (isinstance(c, str) and not c.strip()) for c in cells) and not any(
            (row, c) in self.scan.errors or (row, c) in self.scan.uncalculated for c in range(1, len(cells) + 1)
        )


def cell_ref(row: int, col: int) -> str:
    """A1 reference of a 1-based (row, col)."""
    return f"{column_letters(col)}{row}"


def load_grid(zf: zipfile.ZipFile, book: CalamineWorkbook, sheet: SheetInfo, percent_styles: frozenset[int]) -> Grid:
    """Read a sheet's values with calamine after checking its real extent."""
    raw = read_sheet_xml(zf, sheet)
    check_extent(raw, sheet.name)  # before calamine, which would allocate the whole grid
    scan = scan_sheet(raw, percent_styles)
    del raw
    try:
        cal = book.get_sheet_by_name(sheet.name)
        rows = cal.to_python(skip_empty_area=False)
        merged = cal.merged_cell_ranges or []
    except CalamineError as exc:
        raise WorkbookError(
            f"Sheet {sheet.name!r} cannot be read ({exc}); open the file in Excel and save it again.",
            code="corrupt_workbook",
            sheet=sheet.name,
        ) from exc
    while rows and all(c == "" or (isinstance(c, str) and not c.strip()) for c in rows[-1]):
        rows.pop()  # trailing rows that hold only blanks
    if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS:
        raise WorkbookTooLarge(
            f"Sheet {sheet.name!r} has {len(rows):,} rows; at most {MAX_ROWS:,} rows can be read. "
            "Delete the unused rows or split the sheet.",
            code="too_many_rows",
            sheet=sheet.name,
        )
    grid = Grid(sheet.name, rows, scan, sheet.state != "visible")
    for (r0, c0), (r1, c1) in merged:
        if (r1 - r0 + 1) * (c1 - c0 + 1) > 10_000:
            continue  # a huge merged block is decoration, not data
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    grid.merged_anchor[(r + 1, c + 1)] = (r0 + 1, c0 + 1)
    return grid


@dataclass(slots=True)
class Header:
    """Where a table's header is and what its columns mean."""

    row: int  # 1-based
    columns: dict[str, int]  # field -> 1-based column (the first one that matched)
    texts: dict[int, str]  # 1-based column -> the header text the user wrote
    blocks: dict[str, dict[str, int]] = field(default_factory=dict)  # quarter label -> field -> col
    block_quarters: dict[str, Quarter] = field(default_factory=dict)
    matches: dict[str, list[int]] = field(default_factory=dict)  # field -> every column that matched
    score: float = 0.0  # how header-like the row is (headers.score_header_row)
    guessed: dict[str, str] = field(default_factory=dict)  # field placed by content -> why
    links: dict[str, int] = field(default_factory=dict)  # link field ("objective_ref") -> col


def find_header(grid: Grid, kind: str) -> Header | None:
    """The most header-like row among the first rows of the sheet, or None."""
    best: tuple[float, int, dict[str, list[int]]] | None = None
    for row in range(1, min(grid.last_row, HEADER_SEARCH_ROWS) + 1):
        cells = grid.row_values(row)
        found, score = headers.score_header_row(cells, kind)
        if not _acceptable(found, kind):
            continue
        if best is None or score > best[0]:
            best = (score, row, found)
    if best is None:
        return None
    score, row, found = best
    texts = {c: str(grid.value(row, c)).strip() for cols in found.values() for c in cols}
    header = Header(
        row,
        {f: cols[0] for f, cols in found.items()},
        texts,
        matches={f: list(cols) for f, cols in found.items()},
        score=score,
    )
    if kind == "key_results":
        _find_quarter_blocks(grid, header, found)
        _fill_from_row_above(grid, header)
    return header


def _acceptable(found: dict[str, list[int]], kind: str) -> bool:
    if kind == "key_results":
        # a lone "Title"/"Name" column is an outline only with its outline numbers
        # a lone "Title"/"Name" column is an outline only with its outline numbers; a row
        # of value columns alone ("Owner", "Target", "Actual") is a header whose number
        # and title columns have none of their own (placed by content, find_columns)
        titled = "key_result" in found or ("title" in found and "ref" in found)
        return len(found) >= 2 and (titled or len(VALUE_FIELDS & found.keys()) >= 2)
    if kind == "objectives":
        return "objective" in found and "key_result" not in found and "title" not in found
    if kind == "teams":
        return "team" in found and len(found) >= 2
    if kind == "checkins":
        return "id" in found and ("value" in found or "confidence" in found)
    if kind == "initiatives":
        return "ref" in found and "initiative" in found
    return False


def _quarter(text: Any) -> Quarter | None:
    if not isinstance(text, str):
        return None
    try:
        return parse_quarter(text.strip())
    except ValueError:
        return None


def _find_quarter_blocks(grid: Grid, header: Header, found: dict[str, list[int]]) -> None:
    """Columns under a quarter heading ("Q1-2026") in the row(s) above the header."""
    repeated = {f for f, cols in found.items() if f in headers.QUARTER_FIELDS and len(cols) > 1}
    if not repeated and not any(_quarter(grid.value(header.row - 1, c)) for cols in found.values() for c in cols):
        return
    for above in (header.row - 1, header.row - 2):
        if above < 1:
            continue
        current: Quarter | None = None
        label_cols: dict[int, tuple[Quarter, str]] = {}  # column -> its quarter and field
        width = max((len(grid.rows[r - 1]) for r in (above, header.row)), default=0)
        for col in range(1, width + 1):
            quarter = _quarter(grid.value(above, col))
            field_here = headers.score_header(grid.value(header.row, col))[0]
            if quarter is not None:
                current = quarter
            elif grid.value(above, col) is not None or field_here not in headers.QUARTER_FIELDS:
                current = None  # another heading, or the block has ended
            if current is not None and field_here is not None and field_here in headers.QUARTER_FIELDS:
                label_cols[col] = (current, field_here)
        if len({q.label for q, _ in label_cols.values()}) >= 1 and label_cols:
            for col, (quarter, field_here) in label_cols.items():
                block = header.blocks.setdefault(quarter.label, {})
                block.setdefault(field_here, col)
                header.block_quarters[quarter.label] = quarter
            # outside the blocks, keep the first column that is not in any block
            for f, cols in found.items():
                outside = [c for c in cols if c not in label_cols]
                if outside:
                    header.columns[f] = outside[0]
                elif f in headers.QUARTER_FIELDS:
                    header.columns.pop(f, None)
            return


def _fill_from_row_above(grid: Grid, header: Header) -> None:
    # Two-row headers: "Team" written (or merged) in the row above a row of block fields.
    if header.row < 2 or not header.blocks:
        return
    width = len(grid.rows[header.row - 2])
    for col in range(1, width + 1):
        if grid.value(header.row, col) is not None:
            continue
        text = grid.value(header.row - 1, col)
        field_above = headers.match_header(text) if isinstance(text, str) else None
        if field_above and field_above not in header.columns:
            header.columns[field_above] = col
            header.texts[col] = str(text).strip()


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
