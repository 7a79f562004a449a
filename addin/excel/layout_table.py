"""The table layouts: one table of key results anywhere on a sheet (flat-table), under title rows,
with blank Team/Objective cells repeating the value above, objective rows naming the objective
only; a link column joining key results to an objectives sheet (two-sheet); quarter blocks.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from addin.excel import headers
from addin.excel.layout_linked import find_objective
from addin.excel.read_grid import Grid, Header
from addin.excel.read_rows import read_key_result
from addin.okr import values as v
from addin.okr.model import Severity

if TYPE_CHECKING:
    from addin.excel.reader import _KrSheet, _WorkbookReader


def read_table(r: _WorkbookReader, sheet: _KrSheet, *, two_sheet: bool) -> None:
    grid, header = sheet.grid, sheet.header
    columns = r._columns_for(sheet)
    columns.update(header.links)
    reader = r._row_reader(grid, columns, header.texts)
    labels = label_block(grid, header.row)
    r._period_from_labels(grid, labels)
    team_default = labels.get("team", "")
    carried: dict[str, str] = {}
    last = header.row
    for row in range(header.row + 1, grid.last_row + 1):
        if grid.is_blank(row) or _repeats_header(grid, row, header):
            continue
        last = row
        team = reader.text(row, "team") if "team" in columns else ""
        objective_cell = reader.text(row, "objective") if "objective" in columns else ""
        objective_link = reader.text(row, "objective_ref") if "objective_ref" in columns else ""
        title = reader.text(row, "key_result")
        if not title:
            if objective_cell and not any(
                reader.has_any(row, (f,)) for f in ("baseline", "target", "current", "owner")
            ):
                # an objective row (often with a progress formula): it names the objective only
                carried["objective"] = objective_cell
                carried["team"] = team or carried.get("team", "")
                r._objective(team or carried.get("team") or team_default, objective_cell, grid, row, reader)
            elif reader.has_any(row, ("baseline", "target", "current", "owner", "id")):
                r.problems.add(
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
        link = objective_link or objective_cell
        if two_sheet and link:
            found = (find_objective(r, team, objective_link) if objective_link else None) or (
                find_objective(r, team, objective_cell) if objective_cell else None
            )
            if found is None:
                link_col = columns.get("objective_ref" if objective_link else "objective")
                r.problems.add(
                    "unknown-objective", Severity.ERROR,
                    f"this key result belongs to objective {link!r}, which is not on the objectives "
                    "sheet. Add the objective there or correct the name or number.",
                    sheet=grid.name, row=row, col=link_col, column=header.texts.get(link_col or 0),
                )  # fmt: skip
            else:
                objective_title, team = found.title, team or found.team
        if not team:
            team = grid.name
            r._note_once(f"No team column: the sheet name {grid.name!r} was used as the team.")
        if not objective_title:
            r.problems.add(
                "missing-objective", Severity.ERROR,
                "this key result has no objective. Write the objective it belongs to.",
                sheet=grid.name, row=row, col=columns.get("objective") or columns.get("key_result"),
            )  # fmt: skip
        if objective_title and not (two_sheet and link and found is None):
            obj = r._objective(team, objective_title, grid, row, reader)
            obj.ref = obj.ref or objective_link or None
        kr = read_key_result(reader, row, team=team, objective=objective_title, title=title)
        r._add_key_result(sheet, kr)
    r._record(grid, "key_results", header, columns, last, sheet)


def _repeats_header(grid: Grid, row: int, header: Header) -> bool:
    col = header.columns.get("key_result") or header.columns.get("title")
    return col is not None and grid.value(row, col) == grid.value(header.row, col) and row != header.row


def label_block(grid: Grid, header_row: int) -> dict[str, str]:
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
                out[field_name] = v.text_from_cell(value, field="team").text
            except v.ValueProblem:
                continue
    return out
