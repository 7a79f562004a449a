"""Cells of one table row turned into domain values, every problem tied to its cell."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from addin.excel.read_grid import Grid, cell_ref
from addin.okr import values as v
from addin.okr.model import Finding, KeyResult, KrKind, Location, Severity


@dataclass(slots=True)
class Problems:
    """The reader's list of input problems, with helpers that word them the same way."""

    items: list[Finding] = field(default_factory=list)

    def add(
        self,
        rule: str,
        severity: Severity,
        message: str,
        *,
        sheet: str | None = None,
        row: int | None = None,
        col: int | None = None,
        column: str | None = None,
        suggestion: str = "",
        team: str | None = None,
        objective: str | None = None,
    ) -> None:
        cell = cell_ref(row, col) if row and col else None
        where = []
        if sheet:
            where.append(f"Sheet {sheet!r}")
        if cell:
            where.append(f"cell {cell}" + (f" ({column})" if column else ""))
        elif row:
            where.append(f"row {row}")
        prefix = ", ".join(where)
        self.items.append(
            Finding(
                rule=f"input.{rule}",
                pitfall=None,
                severity=severity,
                location=Location(sheet=sheet, row=row, cell=cell, column=column, team=team, objective=objective),
                message=f"{prefix}: {message}" if prefix else message,
                suggestion=suggestion,
            )
        )


_FLAGGED = object()  # an Excel error or an uncalculated formula: reported when the field is read


@dataclass(slots=True)
class RowReader:
    """Reads the cells of one row of a table whose columns are known.

    The values of a row are fetched once, for all columns (a 100,000-row sheet makes
    this the hot path); a problem is reported only when a field is actually read, so
    an error in a column the sync writes (Progress, Status) is not the user's problem.
    """

    grid: Grid
    columns: dict[str, int]
    texts: dict[int, str]
    problems: Problems
    date1904: bool = False
    fy_start_month: int = 1
    _row: int = field(default=0, init=False)
    _values: dict[str, Any] = field(default_factory=dict, init=False)

    def _load(self, row: int) -> None:
        grid = self.grid
        cells = grid.rows[row - 1] if 0 < row <= len(grid.rows) else []
        width = len(cells)
        scan = grid.scan
        flagged = bool(scan.errors or scan.uncalculated)
        merged = grid.merged_anchor
        values: dict[str, Any] = {}
        for name, col in self.columns.items():
            if merged and (row, col) in merged:
                value = grid.value(row, col)
            else:
                value = cells[col - 1] if col <= width else None
                if value == "":
                    value = None
            if flagged and ((row, col) in scan.errors or (row, col) in scan.uncalculated):
                value = _FLAGGED
            values[name] = value
        self._row, self._values = row, values

    def raw(self, row: int, name: str) -> Any:
        """The cell's value; None (and a problem) for Excel errors and uncalculated formulas."""
        if row != self._row:
            self._load(row)
        value = self._values.get(name)
        if value is not _FLAGGED:
            return value
        col = self.columns[name]
        scan = self.grid.scan
        if (row, col) in scan.errors:
            self._problem(
                "excel-error",
                row,
                name,
                f"the cell shows the Excel error {scan.errors[(row, col)]}, so it was not read. "
                "Fix the formula or type the value.",
            )
        else:
            self._problem(
                "uncalculated-formula",
                row,
                name,
                "the cell holds a formula that has never been calculated, so it has no value to read. "
                "Open the file in Excel and save it, then sync again.",
            )
        return None

    def _problem(self, rule: str, row: int, name: str, message: str, severity: Severity = Severity.ERROR) -> None:
        col = self.columns.get(name)
        self.problems.add(
            rule, severity, message, sheet=self.grid.name, row=row, col=col, column=self.texts.get(col or 0, name)
        )

    def parse(self, row: int, name: str, parser: Callable[[Any], Any], rule: str) -> Any:
        """Apply a values.parse_* rule to the cell; a ValueProblem becomes a cell problem."""
        value = self.raw(row, name)
        if value is None:
            return None
        try:
            return parser(value)
        except v.ValueProblem as exc:
            self._problem(rule, row, name, exc.message, exc.severity)
            return None

    def text(self, row: int, name: str, limit_field: str | None = None) -> str:
        """Cleaned text of the cell ('' when empty or unreadable)."""
        value = self.raw(row, name)
        if value is None:
            return ""
        if type(value) is str and value.isascii() and value.isprintable():
            text = value.strip()  # the common case: nothing to clean
            if len(text) <= v.TEXT_LIMITS.get(limit_field or name, v.DEFAULT_TEXT_LIMIT):
                return text
        try:
            cleaned = v.text_from_cell(value, field=limit_field or name)
        except v.ValueProblem as exc:
            # The row is still returned (with an error, so the sync leaves it alone);
            # dropping it would look like a deleted key result.
            self._problem("text-too-long", row, name, exc.message)
            limit = v.TEXT_LIMITS.get(limit_field or name, v.DEFAULT_TEXT_LIMIT)
            return v.text_from_cell(str(value)[:limit], field=limit_field or name).text
        if cleaned.removed:
            self._problem(
                "control-characters",
                row,
                name,
                f"{cleaned.removed} invisible control character(s) were removed from this text.",
                Severity.WARNING,
            )
        return cleaned.text

    def percent_format(self, row: int, name: str) -> bool:
        cells = self.grid.scan.percent_cells
        if not cells:
            return False
        col = self.columns.get(name)
        return col is not None and (row, col) in cells

    def has_any(self, row: int, names: tuple[str, ...]) -> bool:
        if row != self._row:
            self._load(row)
        return any(self._values.get(n) is not None for n in names)


_NUMERIC = ("baseline", "target", "current")


def read_key_result(
    reader: RowReader, row: int, *, team: str, objective: str, title: str, kind_default: KrKind | None = None
) -> KeyResult:
    """The KeyResult of one row (fields that cannot be read are left empty)."""
    kind = reader.parse(row, "kind", v.parse_kind, "bad-kind") or kind_default
    kr = KeyResult(team=team, objective=objective, title=title, kind=kind)
    kr.id = reader.text(row, "id") or None
    kr.ref = v.parse_ref(reader.raw(row, "ref")) if "ref" in reader.columns else None
    kr.owner = reader.text(row, "owner") or None
    kr.unit = reader.text(row, "unit")
    kr.notes = reader.text(row, "notes")
    kr.aligns_to = reader.text(row, "aligns_to") or None
    kr.continues = reader.text(row, "continues") or None if "continues" in reader.columns else None
    depends = reader.text(row, "depends_on")
    if depends:
        kr.depends_on = tuple(p.strip() for p in re.split(r"[,;\n]", depends) if p.strip())
    kr.confidence = reader.parse(
        row, "confidence", lambda x: v.parse_confidence(x, percent_format=reader.percent_format(row, "confidence")),
        "bad-confidence",
    )  # fmt: skip
    kr.due = reader.parse(
        row, "due", lambda x: v.parse_date(x, date1904=reader.date1904, fy_start_month=reader.fy_start_month),
        "bad-date",
    )  # fmt: skip
    kr.weight = reader.parse(row, "weight", v.parse_number, "bad-number")
    _read_numbers(reader, row, kr)
    kr.location = Location(sheet=reader.grid.name, row=row, team=team or None, objective=objective or None,
                           key_result=kr.id)  # fmt: skip
    return kr


_BLOCK_FIELDS = ("baseline", "target", "current", "confidence")


def read_block_values(reader: RowReader, row: int, kr: KeyResult, *, quarter: str) -> KeyResult | None:
    """``kr`` with the values of one quarter block (a ``reader`` over that block), or None when the block is empty."""
    if not reader.has_any(row, _BLOCK_FIELDS):
        return None
    block = replace(kr, baseline=None, target=None, current=None, quarter=quarter)
    block.confidence = reader.parse(
        row, "confidence", lambda x: v.parse_confidence(x, percent_format=reader.percent_format(row, "confidence")),
        "bad-confidence",
    ) if "confidence" in reader.columns else kr.confidence  # fmt: skip
    for name in ("owner", "unit"):
        if name in reader.columns and reader.text(row, name):
            setattr(block, name, reader.text(row, name))
    _read_numbers(reader, row, block)
    return block


def _plain_number(value: Any) -> bool:
    # a finite float or int cell within the magnitude limit: nothing to parse
    return (type(value) is float or type(value) is int) and -v.MAX_MAGNITUDE <= value <= v.MAX_MAGNITUDE


def _read_numbers(reader: RowReader, row: int, kr: KeyResult) -> None:
    raws = {name: reader.raw(row, name) for name in _NUMERIC}
    if (
        kr.unit != "%"
        and kr.kind is not KrKind.MILESTONE
        and not reader.grid.scan.percent_cells
        and all(value is None or _plain_number(value) for value in raws.values())
    ):
        # The common row of a large sheet: plain numbers, no percentages (NaN fails the range test).
        kr.baseline, kr.target, kr.current = (None if raws[n] is None else float(raws[n]) for n in _NUMERIC)
        return
    if kr.kind is KrKind.MILESTONE or any(v.looks_done(raws[n]) for n in ("current", "target")):
        _read_milestone(reader, row, kr, raws)
        return
    quantities: dict[str, v.Quantity] = {}
    for name in _NUMERIC:
        try:
            quantity = v.parse_quantity(raws[name], percent_format=reader.percent_format(row, name))
        except v.ValueProblem as exc:
            reader._problem("bad-number", row, name, exc.message)
            continue
        if quantity is not None:
            quantities[name] = quantity
    if not kr.unit:
        kr.unit = next((q.unit for q in quantities.values() if q.unit), "")
    numbers = {name: q.value for name, q in quantities.items()}
    if kr.unit == "%" or any(q.percent_typed for q in quantities.values()):
        numbers, note, severity = v.normalise_percent_row(quantities)
        if note and severity:
            first = next(iter(quantities))
            reader._problem("ambiguous-percent" if severity is Severity.WARNING else "percent-fractions",
                            row, first, f"this row {note}.", severity)  # fmt: skip
    kr.baseline = numbers.get("baseline")
    kr.target = numbers.get("target")
    kr.current = numbers.get("current")


def _read_milestone(reader: RowReader, row: int, kr: KeyResult, raws: dict[str, Any]) -> None:
    kr.kind = KrKind.MILESTONE
    for name in ("current", "target", "baseline"):
        try:
            done = v.parse_done(raws[name])
        except v.ValueProblem as exc:
            reader._problem("bad-done", row, name, exc.message)
            continue
        if done is not None:
            setattr(kr, name, 1.0 if done else 0.0)
    if kr.target is None:
        kr.target = 1.0
    if kr.baseline is None:
        kr.baseline = 0.0
