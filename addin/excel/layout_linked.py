"""The objectives sheet of the linked layouts (two-sheet): objectives with their ids or
numbers, which key-result rows name to join them.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from addin.excel import headers
from addin.excel.read_grid import Grid, find_header
from addin.okr import values as v
from addin.okr.model import Objective, Severity

if TYPE_CHECKING:
    from addin.excel.reader import _WorkbookReader


def read_objectives(r: _WorkbookReader, grid: Grid) -> None:
    given = r._given(grid.name)
    header = r._header_from(grid, given) if given is not None and given.role == "objectives" else (
        find_header(grid, "objectives")
    )  # fmt: skip
    if header is None:
        r.problems.add("no-header", Severity.WARNING,
                          "no header row with an Objective column was found, so this sheet was not read.",
                          sheet=grid.name)  # fmt: skip
        return
    columns = dict(header.columns)
    if given is None or given.role != "objectives":
        found = headers.map_header_row(grid.row_values(header.row), "objectives")
        title_col, ref_col = _split_objective_columns(grid, header.row, found.get("objective", []))
        columns["objective"] = title_col
        if ref_col:
            columns["ref"] = ref_col
        header.columns = dict(columns)
    reader = r._row_reader(grid, columns, header.texts)
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
        obj = r._objective(team, title, grid, row, reader)
        obj.aligns_to = reader.text(row, "aligns_to") or None
        obj.weight = reader.parse(row, "weight", v.parse_number, "bad-number")
        for name in ("ref", "id"):
            ref = reader.text(row, name) if name in columns else ""
            if ref:
                obj.ref = obj.ref or ref
                key = v.identity_key(v.parse_ref(ref) or ref)
                rows_by_ref[key].append(row)
                r.objective_refs.setdefault(("ref", key), obj)
        r.objective_refs[("title", v.identity_key(title))] = obj
    for ref_rows in rows_by_ref.values():
        if len(ref_rows) > 1:
            listed = ", ".join(f"{grid.name}!{r}" for r in ref_rows)
            for row in ref_rows:
                r.problems.add(
                    "duplicate-objective-id", Severity.ERROR,
                    f"this objective's number or ID is used by more than one row ({listed}); key results "
                    "pointing at it cannot be placed. Give each objective its own number.",
                    sheet=grid.name, row=row, col=columns.get("ref") or columns.get("id"),
                )  # fmt: skip
    r._record(grid, "objectives", header, columns, last)


def find_objective(r: _WorkbookReader, team: str, text: str) -> Objective | None:
    key = v.identity_key(v.parse_ref(text) or text)
    return r.objective_refs.get(("ref", key)) or r.objective_refs.get(("title", key))


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
