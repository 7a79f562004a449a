"""The outline layout: objective rows numbered 1, 2 ... each followed by key-result rows 1.1,
1.2 ..., with "Team:" / "Period:" given once in a block above the table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from addin.excel.layout_table import label_block
from addin.excel.read_grid import Grid
from addin.excel.read_rows import read_key_result
from addin.okr import values as v
from addin.okr.model import Objective, Severity

if TYPE_CHECKING:
    from addin.excel.reader import _KrSheet, _WorkbookReader


def read_outline(r: _WorkbookReader, sheet: _KrSheet) -> None:
    grid, header = sheet.grid, sheet.header
    columns = r._columns_for(sheet)
    title_field = "title" if "title" in columns else "key_result"
    columns.setdefault("key_result", columns[title_field])
    reader = r._row_reader(grid, columns, header.texts)
    labels = label_block(grid, header.row)
    team = labels.get("team") or ""
    if not team:
        team = grid.name
        r._note_once(f"No 'Team:' label above the table: the sheet name {grid.name!r} was used as the team.")
    r._period_from_labels(grid, labels)
    if labels.get("last_checkin"):
        r._note_once(f"Last check-in given above the table: {labels['last_checkin']}.")
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
                r.problems.add(
                    "outline-number", Severity.WARNING,
                    "this row has no outline number (like 1 or 1.2) or no text, so it was not read.",
                    sheet=grid.name, row=row, col=ref_col,
                )  # fmt: skip
            continue
        if "." not in ref:
            obj = r._objective(team, title, grid, row, reader)
            obj.ref = ref
            objectives[ref] = obj
            continue
        parent = objectives.get(ref.split(".")[0])
        if parent is None:
            r.problems.add(
                "unknown-objective", Severity.ERROR,
                f"key result {ref} has no objective numbered {ref.split('.')[0]} above it. "
                "Add the objective row or correct the number.",
                sheet=grid.name, row=row, col=ref_col,
            )  # fmt: skip
        kr = read_key_result(reader, row, team=team, objective=parent.title if parent else "", title=title)
        kr.ref = ref
        r._add_key_result(sheet, kr)
    r._record(grid, "key_results", header, columns, last, sheet)


def looks_outline(grid: Grid, header_row: int, col: int) -> bool:
    tops = dotted = 0
    for row in range(header_row + 1, min(grid.last_row, header_row + 200) + 1):
        ref = v.parse_ref(grid.value(row, col))
        if ref:
            if "." in ref:
                dotted += 1
            else:
                tops += 1
    return tops > 0 and dotted > 0
