"""Columns recognised by what they hold when their header says nothing.

Published OKR workbooks often merge an instruction text over the number and title
columns, so those two have no header of their own. An outline-number column holds
1, 1.1, 1.2, 2, 2.1 ...; the title column next to it holds sentences. Both are found
here from the cells of the first rows below the header.
"""

from __future__ import annotations

from dataclasses import dataclass

from addin.excel.read_grid import Grid
from addin.okr import values as v

SAMPLE_ROWS = 200
_SHARE = 0.8  # of a column's filled cells that must look the part
_MIN_TITLE = 8  # characters of a typical title


@dataclass(frozen=True, slots=True)
class Guess:
    field: str
    col: int
    why: str


def _filled(grid: Grid, col: int, first: int) -> list[object]:
    last = min(grid.last_row, first + SAMPLE_ROWS)
    return [x for x in (grid.value(r, col) for r in range(first, last + 1)) if x is not None]


def _outline_share(cells: list[object]) -> tuple[float, bool]:
    refs = [v.parse_ref(x) for x in cells]
    found = [r for r in refs if r]
    both = any("." in r for r in found) and any("." not in r for r in found)
    return (len(found) / len(cells) if cells else 0.0), both


def _is_title(cell: object) -> bool:
    return isinstance(cell, str) and len(cell.strip()) >= _MIN_TITLE and v.parse_ref(cell) is None


def title_like(grid: Grid, col: int, first: int) -> bool:
    cells = _filled(grid, col, first)
    return len(cells) >= 2 and sum(map(_is_title, cells)) >= _SHARE * len(cells)


def guess_outline(grid: Grid, header_row: int, taken: set[int]) -> list[Guess]:
    """An outline-number column and the title column right of it, among the columns not taken."""
    first = header_row + 1
    width = max((len(r) for r in grid.rows[header_row : header_row + SAMPLE_ROWS]), default=0)
    for col in range(1, width + 1):
        if col in taken:
            continue
        cells = _filled(grid, col, first)
        share, both = _outline_share(cells)
        if len(cells) < 2 or share < _SHARE or not both:
            continue
        for other in range(col + 1, width + 1):
            if other in taken:
                continue
            if title_like(grid, other, first):
                return [
                    Guess("ref", col, "it holds outline numbers (1, 1.1, 1.2 ...)"),
                    Guess("title", other, "it holds the texts next to the outline numbers"),
                ]
            break
    return []


def title_columns(grid: Grid, header_row: int, taken: set[int]) -> list[int]:
    """Columns without a header that hold sentences: what a human would map to key-result titles."""
    first = header_row + 1
    width = max((len(r) for r in grid.rows[header_row : header_row + SAMPLE_ROWS]), default=0)
    return [c for c in range(1, width + 1) if c not in taken and title_like(grid, c, first)]


_ID_WORDS = frozenset({"id", "no", "nr", "number", "ref", "#", "numero", "codigo", "code", "key"})
_OBJECTIVE_WORDS = frozenset({"okr", "obj", "objective", "objetivo", "goal", "objectives", "objetivos"})


def split_links(grid: Grid, header_row: int, matches: dict[str, list[int]]) -> dict[str, int]:
    """Two columns that name one field: the id column links, the text column titles.

    ``objetivo_id`` + ``objetivo``: the first is the objective's id (a link to the
    objective), the second its title. ``KR_ID`` + ``OKR_ID``: the first is the key
    result's own id, the second links it to its objective. Returns link field -> column
    ("objective_ref"), and the caller keeps the other column for the field.
    """
    links: dict[str, int] = {}

    def words(col: int) -> set[str]:
        from addin.excel.headers import normalise

        return set(normalise(grid.value(header_row, col)).split())

    objective_cols = matches.get("objective", [])
    if len(objective_cols) >= 2:
        ids = [c for c in objective_cols if words(c) & _ID_WORDS]
        if ids and len(ids) < len(objective_cols):
            links["objective_ref"] = ids[0]
    id_cols = matches.get("id", [])
    if len(id_cols) >= 2:
        for col in id_cols:
            if words(col) & _OBJECTIVE_WORDS and not words(col) & {"kr", "key", "result", "resultado"}:
                links.setdefault("objective_ref", col)
                break
    return links


_MONTHS = frozenset(
    "jan feb mar apr may jun jul aug sep oct nov dec ene abr ago dic fev mai set out dez "
    "january february march april june july august september october november december "
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre "
    "janeiro fevereiro marco maio junho julho setembro outubro novembro dezembro".split()
)


def looks_like_kpis(grid: Grid) -> bool:
    """A tracking sheet: a header row with three or more months (or dates) as columns."""
    from addin.excel.headers import normalise

    for row in range(1, min(grid.last_row, 10) + 1):
        cells = grid.row_values(row)
        months = sum(1 for c in cells if (isinstance(c, str) and normalise(c) in _MONTHS) or hasattr(c, "month"))
        if months >= 3:
            return True
    return False
