"""`okr import viva-goals`: a Viva Goals export (.xlsx or .csv) turned into a workbook of this format.

Reading an export is the reader's job (``imports.viva_goals`` finds its rows); this module
sits above both the reader and the template writer, so neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from addin.excel.imports.viva_goals import LAYOUT


@dataclass(frozen=True)
class Imported:
    workbook: bytes
    objectives: int
    key_results: int
    initiatives: int
    note: str


def import_export(data: bytes, *, today: object = None) -> Imported:
    """A Viva Goals export (.xlsx or .csv) as a template workbook; raises when it is not one."""
    import datetime as dt

    from addin.errors import WorkbookError
    from addin.excel.reader import read_workbook
    from addin.excel.template import write_okr_set
    from addin.okr.quarters import quarter_of, resolve_quarter

    day = today if isinstance(today, dt.date) else dt.date.today()
    read = read_workbook(data, today=day)
    if read.layout != LAYOUT:
        raise WorkbookError(
            f"This file is not a Viva Goals export (it reads as {read.layout}: {read.layout_note}). "
            "Sync it with `okr sync` instead.",
            code="not_an_export",
        )
    okrs = read.okrs
    fy = okrs.settings.fiscal_year_start_month
    quarter = resolve_quarter(okrs.settings.quarter, today=day, fy_start_month=fy) if okrs.settings.quarter else (
        quarter_of(day, fy)
    )  # fmt: skip
    for kr in okrs.key_results:
        kr.id = kr.ref if kr.ref and len(kr.ref) <= 16 else None  # Viva's ids are adopted at the first sync
    return Imported(write_okr_set(okrs, quarter=quarter), len(okrs.objectives), len(okrs.key_results),
                    len(okrs.initiatives), read.layout_note)  # fmt: skip
