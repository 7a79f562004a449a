"""The mapping: the one contract between "find the tables" and "read the rows".

Every read says how it understood the workbook: for each sheet its role, header row,
which column holds which field, the per-quarter blocks, the link columns that join key
results to objectives, and how sure it is (``confidence``, 0..1). A human corrects it
once (``okr map FILE --json`` > MAP.json, edit, ``okr sync FILE --mapping MAP.json``, or
the Excel task pane's drop-downs); the corrected mapping is saved with the workbook's id
and every later sync of that workbook reads by it.

The JSON format (``Mapping.as_dict`` / ``Mapping.from_dict``)::

    {"version": 1,
     "sheets": [{"sheet": "Plan", "role": "key_results", "header_row": 2,
                 "columns": {"ref": "A", "title": "B", "owner": "C", "target": "E"},
                 "blocks": {"2026-Q1": {"baseline": "F", "current": "G"}},
                 "links": {"objective_ref": "D"}}]}

``role`` is one of key_results, objectives, initiatives, ignored; fields are the
template's (team, objective, key_result, owner, baseline, target, current, unit,
confidence, due, id, ...), plus ``ref`` and ``title`` for an outline (numbers and the
objective / key-result text) and the link ``objective_ref``. Columns are letters.
Anything else is refused with the place it was found.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from addin.errors import InputError
from addin.excel import headers
from addin.excel.cellrefs import column_letters, column_number
from addin.excel.read_parts import MAX_COLUMNS

VERSION = 1
ROLES = frozenset({"key_results", "objectives", "initiatives", "ignored"})
FIELDS = frozenset({*headers.CANONICAL_FIELDS, "title", "objective_ref", "initiative"})
LINKS = frozenset({"objective_ref"})
MAX_JSON_BYTES = 64 * 1024
MAX_SHEETS = 200
MAX_HEADER_ROW = 1000
LOW_CONFIDENCE = 0.5  # below this the task pane asks the manager to check the mapping
_LETTERS = re.compile(r"[A-Z]{1,3}")

# How sure a column's placement is, by how it was found.
SURE = {"mapping": 1.0, "header": 1.0, "contains": 0.8, "content": 0.4}


@dataclass
class SheetMapping:
    sheet: str
    role: str
    header_row: int | None = None
    columns: dict[str, int] = field(default_factory=dict)  # field -> 1-based column
    blocks: dict[str, dict[str, int]] = field(default_factory=dict)  # quarter label -> field -> column
    links: dict[str, int] = field(default_factory=dict)  # link field -> column
    how: dict[str, str] = field(default_factory=dict)  # field -> header | contains | content | mapping
    why: dict[str, str] = field(default_factory=dict)  # field -> reason, for fields placed by content
    note: str = ""
    available: list[dict[str, Any]] = field(default_factory=list)  # the sheet's columns with samples (okr map)

    @property
    def confidence(self) -> float:
        if self.role != "key_results":
            return 1.0
        titled = "key_result" in self.columns or "title" in self.columns
        if not titled:
            return 0.0
        return min((SURE.get(self.how.get(f, "header"), 1.0) for f in self.columns), default=1.0)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"sheet": self.sheet, "role": self.role}
        if self.header_row is not None:
            out["header_row"] = self.header_row
        out["columns"] = {f: column_letters(c) for f, c in sorted(self.columns.items(), key=lambda fc: fc[1])}
        if self.blocks:
            out["blocks"] = {q: {f: column_letters(c) for f, c in b.items()} for q, b in self.blocks.items()}
        if self.links:
            out["links"] = {f: column_letters(c) for f, c in self.links.items()}
        guessed = {f: self.why.get(f, h) for f, h in self.how.items() if h != "header"}
        if guessed:
            out["found_by"] = guessed
        out["confidence"] = round(self.confidence, 2)
        if self.note:
            out["note"] = self.note
        if self.available:
            out["available"] = self.available
        return out


@dataclass
class Mapping:
    layout: str = ""
    sheets: list[SheetMapping] = field(default_factory=list)
    quarter: str | None = None
    source: str = "inferred"  # inferred | given (a mapping file) | saved (the workbook's saved mapping)

    @property
    def confidence(self) -> float:
        krs = [s.confidence for s in self.sheets if s.role == "key_results"]
        return min(krs) if krs else 0.0

    def sheet(self, name: str) -> SheetMapping | None:
        return next((s for s in self.sheets if s.sheet == name), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "layout": self.layout,
            "source": self.source,
            "confidence": round(self.confidence, 2),
            "quarter": self.quarter,
            "sheets": [s.as_dict() for s in self.sheets],
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2)

    def saved_form(self) -> dict[str, Any]:
        """What is stored with the workbook id: the placements, without samples or notes."""
        keep = ("sheet", "role", "header_row", "columns", "blocks", "links")
        return {
            "version": VERSION,
            "sheets": [{k: v for k, v in s.as_dict().items() if k in keep} for s in self.sheets if s.role in ROLES],
        }


def parse_mapping(text: str | bytes) -> Mapping:
    """A mapping from its JSON text; an InputError names what is wrong and where."""
    if len(text) > MAX_JSON_BYTES:
        raise InputError(f"The mapping is larger than {MAX_JSON_BYTES // 1024} KB; it cannot be a mapping.",
                         code="bad_mapping")  # fmt: skip
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"The mapping is not valid JSON ({exc}).", code="bad_mapping") from exc
    return from_dict(data)


def from_dict(data: object) -> Mapping:
    if not isinstance(data, dict) or not isinstance(data.get("sheets"), list):
        raise InputError('The mapping must be a JSON object with a "sheets" list.', code="bad_mapping")
    if data.get("version", VERSION) != VERSION:
        raise InputError(f"Mapping version {data.get('version')!r} is not known; write version {VERSION}.",
                         code="bad_mapping")  # fmt: skip
    sheets = data["sheets"]
    if len(sheets) > MAX_SHEETS:
        raise InputError(f"The mapping names {len(sheets)} sheets; at most {MAX_SHEETS}.", code="bad_mapping")
    out = Mapping(layout=str(data.get("layout") or ""), source="given")
    seen: set[str] = set()
    for i, raw in enumerate(sheets):
        where = f"sheets[{i}]"
        if not isinstance(raw, dict):
            raise InputError(f"{where} must be an object.", code="bad_mapping")
        name = raw.get("sheet")
        if not isinstance(name, str) or not name.strip() or len(name) > 31:
            raise InputError(f"{where}.sheet must be a sheet name (1-31 characters).", code="bad_mapping")
        if name in seen:
            raise InputError(f"{where}: sheet {name!r} is mapped twice.", code="bad_mapping")
        seen.add(name)
        role = raw.get("role", "key_results")
        if role not in ROLES:
            raise InputError(f"{where}.role {role!r} is not one of {', '.join(sorted(ROLES))}.", code="bad_mapping")
        row = raw.get("header_row")
        if role != "ignored" and (not isinstance(row, int) or isinstance(row, bool) or not 1 <= row <= MAX_HEADER_ROW):
            raise InputError(f"{where}.header_row must be a row number from 1 to {MAX_HEADER_ROW}.",
                             code="bad_mapping")  # fmt: skip
        sheet = SheetMapping(name, role, row if role != "ignored" else None)
        sheet.columns = _columns(raw.get("columns", {}), f"{where}.columns", FIELDS - LINKS)
        sheet.links = _columns(raw.get("links", {}), f"{where}.links", LINKS)
        blocks = raw.get("blocks", {})
        if not isinstance(blocks, dict) or len(blocks) > 40:
            raise InputError(f"{where}.blocks must map quarter labels to columns.", code="bad_mapping")
        for label, block in blocks.items():
            sheet.blocks[str(label)[:20]] = _columns(block, f"{where}.blocks[{label!r}]", headers.QUARTER_FIELDS)
        sheet.how = {f: "mapping" for f in [*sheet.columns, *sheet.links]}
        if role == "key_results" and not ({"key_result", "title"} & sheet.columns.keys()):
            raise InputError(f"{where}: a key_results sheet needs a key_result (or title) column.",
                             code="bad_mapping")  # fmt: skip
        out.sheets.append(sheet)
    return out


def _columns(raw: object, where: str, allowed: frozenset[str]) -> dict[str, int]:
    if not isinstance(raw, dict):
        raise InputError(f"{where} must map field names to column letters.", code="bad_mapping")
    out: dict[str, int] = {}
    for name, letter in raw.items():
        if name not in allowed:
            raise InputError(f"{where}: {str(name)[:40]!r} is not a field here (known: {', '.join(sorted(allowed))}).",
                             code="bad_mapping")  # fmt: skip
        text = str(letter).strip().upper() if isinstance(letter, str) else ""
        if not _LETTERS.fullmatch(text) or column_number(text) > MAX_COLUMNS:
            raise InputError(f"{where}.{name}: {str(letter)[:10]!r} is not a column letter (A to "
                             f"{column_letters(MAX_COLUMNS)}).", code="bad_mapping")  # fmt: skip
        out[name] = column_number(text)
    return out


def columns_with_samples(grid: Any, header_row: int, samples: int = 3, scan: int = 50) -> list[dict[str, Any]]:
    """Each column of a sheet with its header text and a few values below it (for choosing a mapping)."""
    last = min(grid.last_row, header_row + scan)
    width = max((len(grid.rows[r - 1]) for r in range(header_row, last + 1)), default=0)
    out = []
    for col in range(1, min(width, MAX_COLUMNS) + 1):
        values = []
        for row in range(header_row + 1, last + 1):
            value = grid.value(row, col)
            if value is not None:
                values.append(str(value)[:60])
                if len(values) == samples:
                    break
        header = grid.value(header_row, col) if header_row >= 1 else None
        if values or header is not None:
            out.append(
                {"column": column_letters(col), "header": "" if header is None else str(header)[:80], "samples": values}
            )
    return out


def describe(mapping: Mapping) -> str:
    """The mapping in plain lines (``okr map`` without --json)."""
    lines = [f"Mapping ({mapping.source}), confidence {mapping.confidence:.0%}"
             + (" -- check it: `okr map FILE --json > map.json`, correct, `okr sync FILE --mapping map.json`"
                if mapping.confidence < LOW_CONFIDENCE else "")]  # fmt: skip
    for sheet in mapping.sheets:
        where = f" header row {sheet.header_row}" if sheet.header_row else ""
        lines.append(f"  sheet {sheet.sheet!r}: {sheet.role}{where}" + (f" ({sheet.note})" if sheet.note else ""))
        for name, col in sorted(sheet.columns.items(), key=lambda fc: fc[1]):
            how = sheet.how.get(name, "header")
            lines.append(f"    {column_letters(col):>3}  {name:<14} by {how}" + (
                f": {sheet.why[name]}" if name in sheet.why else ""))  # fmt: skip
        for name, col in sheet.links.items():
            lines.append(f"    {column_letters(col):>3}  {name:<14} links key results to their objective")
        for label, block in sheet.blocks.items():
            cols = ", ".join(f"{f} {column_letters(c)}" for f, c in block.items())
            lines.append(f"    block {label}: {cols}")
    return "\n".join(lines)
