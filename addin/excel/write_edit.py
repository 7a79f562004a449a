"""What the write-back puts into one worksheet: the cells and rows of a SheetEdit, and how a value is encoded."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from addin.excel.write_text import excel_serial, number_text, text_for_xlsx

# A reference into another workbook: "[1]Sheet!A1", "'[2]My sheet'!B3", "[1]!Name";
# not a structured reference such as Table1[2024], which follows a name character.
_EXTERNAL_REF = re.compile(r"(?<![A-Za-z0-9_.\]\\])\[\d+\]")
_STRING_LITERAL = re.compile(r'"(?:[^"]|"")*"')


class CellValue(Protocol):
    """A value to put in one cell (write-back's CellWrite is one)."""

    @property
    def value(self) -> object: ...

    @property
    def kind(self) -> str: ...


@dataclass(slots=True)
class Write:
    """One value to put in one cell of this sheet."""

    value: object
    kind: str = "auto"


@dataclass(slots=True)
class SheetEdit:
    """What to do to one worksheet."""

    writes: dict[int, dict[int, CellValue]] = field(default_factory=dict)  # row -> column -> value
    header_rows: set[int] = field(default_factory=set)  # rows written as headers (style from the left)
    # Appended rows kept as given (row -> values from column A): no per-cell objects
    # for what can be 100,000 check-ins.
    appended: dict[int, Sequence[object]] = field(default_factory=dict)

    def rows(self) -> list[int]:
        """Every row this edit writes to, in order."""
        return sorted(self.writes.keys() | self.appended.keys())

    def row_writes(self, row: int) -> dict[int, CellValue]:
        """The writes of one row, appended values included."""
        values = self.appended.get(row)
        if values is None:
            return self.writes.get(row, {})
        merged: dict[int, CellValue] = {column: Write(value) for column, value in enumerate(values, start=1)}
        merged.update(self.writes.get(row, {}))
        return merged

    def __bool__(self) -> bool:
        return bool(self.writes or self.appended)

    freeze_external: bool = False  # replace formulas into other workbooks by their cached values


@dataclass(slots=True)
class SheetOutcome:
    """What rewriting one sheet reports: cells left alone (formulas), formulas frozen to their values."""

    kept_formulas: list[str] = field(default_factory=list)  # cells not written: they hold a formula
    frozen_formulas: int = 0


def refers_to_external(formula: str) -> bool:
    """Whether a formula's text points into another workbook ("[1]Sheet!A1")."""
    return bool(_EXTERNAL_REF.search(_STRING_LITERAL.sub("", formula)))


def encode(write: CellValue, date1904: bool) -> tuple[str, str]:
    """(role, payload) for a write: role as StyleBook.for_value knows, payload the cell text."""
    value, kind = write.value, write.kind
    if value is None:
        return "empty", ""
    if kind == "text" or (kind == "auto" and isinstance(value, str)):
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        return "text", text_for_xlsx(text)
    if isinstance(value, bool):
        return "bool", "1" if value else "0"
    if kind == "date" or (kind == "auto" and isinstance(value, dt.date)):
        return _encode_date(value, date1904)
    if kind in ("number", "percent", "auto"):
        if isinstance(value, str) and kind != "auto":
            value = float(value.strip())
        if isinstance(value, int | float | Decimal):
            return ("percent" if kind == "percent" else "number"), number_text(value)
        return "text", text_for_xlsx(str(value))
    raise ValueError(f"unknown cell kind {kind!r}")


def _encode_date(value: object, date1904: bool) -> tuple[str, str]:
    if isinstance(value, str):
        value = dt.date.fromisoformat(value.strip())
    if isinstance(value, dt.datetime):
        return "datetime", number_text(excel_serial(value, date1904))
    if isinstance(value, dt.date):
        return "date", number_text(excel_serial(value, date1904))
    raise ValueError(f"{value!r} is not a date")
