"""Small openpyxl helpers shared by the corpus builders."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import openpyxl
from openpyxl.worksheet.table import Table, TableStyleInfo


def book() -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    return wb


def sheet(
    wb: openpyxl.Workbook,
    name: str,
    rows: Sequence[Sequence[Any]],
    *,
    merges: Sequence[str] = (),
    table: str | None = None,
    table_header_row: int = 1,
) -> None:
    """A sheet of ``rows`` (None = empty cell); optionally an Excel table over the rows from the header on."""
    ws = wb.create_sheet(name)
    for line in rows:
        ws.append(list(line))
    for ref in merges:
        ws.merge_cells(ref)
    if table:
        width = max(len(r) for r in rows)
        ref = f"A{table_header_row}:{openpyxl.utils.get_column_letter(width)}{len(rows)}"
        tab = Table(displayName=table, ref=ref)
        tab.tableStyleInfo = TableStyleInfo(name="TableStyleMedium9", showRowStripes=True)
        ws.add_table(tab)


def save(wb: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
