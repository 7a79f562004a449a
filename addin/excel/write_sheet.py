"""Streaming edit of one worksheet part: set cells, add rows, keep everything else.

The sheet XML is read with lxml's iterparse one ``<row>`` at a time and written
straight to the output, so memory stays flat however long the sheet is. Rows that
are not written to pass through unchanged (re-serialised, same content); written
cells keep their place in the row and their style. Cells holding a formula are
never overwritten: the write is skipped and reported, because removing a shared
formula's master cell would break every cell that shares it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Protocol

from lxml import etree

from addin.errors import WorkbookError
from addin.excel.cellrefs import column_number
from addin.excel.write_cells import CellMaker
from addin.excel.write_rows import _ATTRS as _RAW_ATTRS
from addin.excel.write_rows import RawRow, RawSheet, attributes, cell_ref_style, split_sheet
from addin.excel.write_styles import StyleBook
from addin.excel.write_text import (
    MAX_COLUMN,
    column_letters,
    excel_serial,
    format_range,
    number_text,
    parse_range,
    text_for_xlsx,
    xml_escape_text,
)
from addin.excel.write_xml import MAIN_NS, check_prolog, parser

_C = f"{{{MAIN_NS}}}c"
_V = f"{{{MAIN_NS}}}v"
_F = f"{{{MAIN_NS}}}f"
_IS = f"{{{MAIN_NS}}}is"
_T = f"{{{MAIN_NS}}}t"
_ROW = f"{{{MAIN_NS}}}row"
_SHEET_DATA = f"{{{MAIN_NS}}}sheetData"
_DIMENSION = f"{{{MAIN_NS}}}dimension"
_COLS = f"{{{MAIN_NS}}}cols"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_DIGITS = "0123456789"
_FLUSH_EVERY = 2_000
# Sheets up to this size (uncompressed) are edited as bytes in memory (fast path);
# larger ones stream through lxml so memory stays flat.
_RAW_LIMIT = 512 * 1024 * 1024
_SPANS = re.compile(rb"(\sspans\s*=\s*)([\"'])[^\"']*\2")
# A reference into another workbook: "[1]Sheet!A1", "'[2]My sheet'!B3", "[1]!Name";
# not a structured reference such as Table1[2024], which follows a name character.
_EXTERNAL_REF = re.compile(r"(?<![A-Za-z0-9_.\]\\])\[\d+\]")
_STRING_LITERAL = re.compile(r'"(?:[^"]|"")*"')


class CellValue(Protocol):
    """A value to put in one cell (write-back's CellWrite is one)."""

    value: object
    kind: str


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


class _Prefixed:
    """A file-like reading ``head`` and then the rest of ``stream``."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self._head, self._stream = head, stream

    def read(self, size: int = -1) -> bytes:
        if self._head:
            chunk, self._head = self._head, b""
            return chunk
        return self._stream.read(size)


class _ColumnStyles(dict[int, "int | None"]):
    """Default styles of columns from <cols> (what Excel gives a new cell there).

    Look a column up by indexing: a dict that fills itself, so the hot loops pay
    one dict lookup per cell.
    """

    def __init__(self, cols: etree._Element | None) -> None:
        super().__init__()
        self._ranges: list[tuple[int, int, int]] = []
        if cols is not None:
            for col in cols:
                style = col.get("style")
                if style and style != "0":
                    self._ranges.append((int(col.get("min", "0")), int(col.get("max", "0")), int(style)))

    def __missing__(self, column: int) -> int | None:
        found = next((style for first, last, style in self._ranges if first <= column <= last), None)
        self[column] = found
        return found


class SheetRewriter:
    """Rewrites one worksheet part from ``src`` into ``dst`` per a SheetEdit."""

    def __init__(self, edit: SheetEdit, styles: StyleBook | None, *, date1904: bool, part: str) -> None:
        self.edit = edit
        self.styles = styles
        self.date1904 = date1904
        self.part = part
        self.outcome = SheetOutcome()
        self._style_above: dict[int, int] = {}
        self._col_styles = _ColumnStyles(None)
        self._prefix = ""
        self._decls: list[bytes] = []
        self._frozen_shared: set[str] = set()
        self._maker = CellMaker("", date1904, self._encode_value)
        self._style_attrs: dict[tuple[int, str], str] = {}  # (base style, role) -> ' s="N"'

    def _style_attr(self, base: int, role: str) -> str:
        style = self.styles.for_value(base, role) if self.styles is not None else base
        attr = self._style_attrs[(base, role)] = self._maker.style_attr(style)
        return attr

    def _encode_value(self, value: object, kind: str) -> tuple[str, str]:
        return encode(Write(value, kind), self.date1904)

    # -- the stream -------------------------------------------------------------
    def run(self, src: IO[bytes], dst: IO[bytes]) -> SheetOutcome:
        """Copy the sheet through, applying the edit."""
        head = src.read(64 * 1024)
        check_prolog(head, self.part)
        rest = src.read(_RAW_LIMIT)
        more = src.read(1)
        if more or self.edit.freeze_external:
            return self._run_streaming(_Prefixed(head + rest + more, src), dst)
        data = head + rest
        raw = split_sheet(data, self.part)
        if raw is None:
            return self._run_streaming(io.BytesIO(data), dst)
        return self._run_raw(raw, dst)

    def _run_raw(self, raw: RawSheet, dst: IO[bytes]) -> SheetOutcome:
        """The fast path: rows as bytes, copied or spliced; unusual rows go through lxml."""
        data = raw.data
        dst.write(self._open_root(raw.root, raw.sheet_data))
        self._cell_open = re.compile(rb"<" + re.escape(raw.prefix) + rb"c\b" + _RAW_ATTRS + rb"(/?)>")
        self._cell_close = b"</" + raw.prefix + b"c>"
        self._row_close = f"</{raw.prefix.decode()}row>".encode()
        pending = self.edit.rows()
        position = 0
        buffer: list[bytes] = []
        remember = bool(self.edit)
        for row in raw.rows:
            number = row.number
            writes, position = self._writes_for(number, pending, position, buffer)
            if writes:
                done = self._splice_row(raw, row, writes)
                if done is None:
                    done = self._edit_row(self._parse_row(raw, row), number, writes)
                buffer.append(done)
                if row.after > row.close:
                    buffer.append(data[row.close : row.after])
            else:
                if remember and not self._remember_raw(data, row):
                    self._remember_styles(self._parse_row(raw, row))
                buffer.append(data[row.start : row.after])
            if len(buffer) >= _FLUSH_EVERY:
                dst.write(b"".join(buffer))
                buffer.clear()
        for number in pending[position:]:
            buffer.append(self._new_row(number))
        buffer.append(f"</{self._prefix}sheetData>".encode())
        dst.write(b"".join(buffer))
        tail = [self._strip_declarations(etree.tostring(child)) for child in _after(raw.root, raw.sheet_data)]
        dst.write(b"".join(tail) + self._close_root(raw.root))
        return self.outcome

    def _writes_for(
        self, number: int, pending: list[int], position: int, buffer: list[bytes]
    ) -> tuple[dict[int, CellValue] | None, int]:
        """Merge the edit's rows in order with the sheet's: new rows before ``number`` go
        into ``buffer``; returns the writes for row ``number`` (if any) and the new position."""
        while position < len(pending) and pending[position] < number:
            buffer.append(self._new_row(pending[position]))
            position += 1
        if position < len(pending) and pending[position] == number:
            return self.edit.row_writes(number), position + 1
        return None, position

    def _parse_row(self, raw: RawSheet, row: RawRow) -> etree._Element:
        """One row as an lxml element, in the namespaces of the sheet's root."""
        wrapped = b"<w" + b"".join(self._decls) + b">" + raw.data[row.start : row.close] + b"</w>"
        try:
            return etree.fromstring(wrapped, parser())[0]
        except etree.XMLSyntaxError as exc:
            raise WorkbookError(
                f"The worksheet part {self.part} is not valid XML ({exc.msg}); open and save the file in Excel.",
                code="corrupt_workbook",
                part=self.part,
            ) from exc

    def _remember_raw(self, data: bytes, row: RawRow) -> bool:
        """_remember_styles on a row's bytes; False when it needs the parsed row."""
        if data.find(b"extLst", row.content, row.end) != -1:
            return False
        above = self._style_above
        column = 0
        for match in self._cell_open.finditer(data, row.content, row.end):
            found = cell_ref_style(match.group(1))
            if found is None:
                return False
            ref, style = found
            if ref:
                letters = ref.rstrip(b"0123456789")
                if not letters.isalpha() or not letters.isascii():
                    return False
                column = column_number(letters.decode())
            else:
                column += 1
            if style:
                if not style.isdigit():
                    return False
                above[column] = int(style)
        return True

    def _splice_row(self, raw: RawSheet, row: RawRow, writes: dict[int, CellValue]) -> bytes | None:
        """A written row as bytes when every written cell is at its end; None: use lxml.

        The usual case: the status columns are the row's last ones, so the cells
        there (all being written) are cut off and the new ones appended as text.
        """
        if row.number in self.edit.header_rows or row.end == row.content or not row.plain:
            return None
        data = raw.data
        first = min(writes)
        tag = b"<" + raw.prefix + b"c"
        search_end = row.end
        cut = row.end
        present: dict[int, int] = {}  # written column -> its style today
        left_style: int | None = None  # the style of the nearest cell left of the writes
        while True:
            start = data.rfind(tag, row.content, search_end)
            if start < 0:
                if data[row.content : search_end].strip():
                    return None
                break
            match = self._cell_open.match(data, start)
            if match is None:
                return None
            found = cell_ref_style(match.group(1))
            if found is None:
                return None
            ref, style = found
            if match.group(2):
                cell_end = match.end()
            else:
                cell_end = data.find(self._cell_close, match.end(), search_end)
                if cell_end < 0:
                    return None
                cell_end += len(self._cell_close)
            if data[cell_end:search_end].strip():
                return None  # something other than a cell after it (extLst, ...)
            letters = ref.rstrip(b"0123456789") if ref else b""
            style = b"0" if style is None else style
            if not letters.isalpha() or not letters.isascii() or not style.isdigit():
                return None
            column = column_number(letters.decode())
            if column < first:
                left_style = int(style)
                break
            if column not in writes or data.find(b"<" + raw.prefix + b"f", match.end(), cell_end) != -1:
                return None  # a cell that stays, or a formula: the general path decides
            present[column] = int(style)
            cut = search_end = start
        start_tag = data[row.start : row.content]
        row_attrs = attributes(start_tag)
        if row_attrs is None:
            return None
        row_style = None
        if row_attrs.get(b"customFormat") in (b"1", b"true") and row_attrs.get(b"s"):
            if not row_attrs[b"s"].isdigit():
                return None
            row_style = int(row_attrs[b"s"])
        maker = self._maker
        above = self._style_above
        attrs_for = self._style_attrs
        column_style = self._col_styles.__getitem__
        row_text = str(row.number)
        appended: list[str] = []
        left_new: int | None = None
        for column, role, body in maker.encode([(c, w.value, w.kind) for c, w in sorted(writes.items())]):
            base = present.get(column)
            if base is not None:
                above[column] = base
                if role == "empty":
                    if base:  # an emptied cell keeps its formatting
                        appended.append(f'{maker.start(column)}{row_text}"{maker.style_attr(base)}{body}')
                    continue
            elif role == "empty":
                continue
            else:
                base = column_style(column)
                if base is None:
                    base = above.get(column)
                if base is None:
                    base = left_new
                if base is None:
                    base = left_style if left_style is not None else (row_style or 0)
            above[column] = base
            left_new = base
            attr = attrs_for.get((base, role))
            if attr is None:
                attr = self._style_attr(base, role)
            appended.append(f'{maker.start(column)}{row_text}"{attr}{body}')
        spans = row_attrs.get(b"spans")
        if appended and spans:
            low, _, high = spans.partition(b":")
            if low.isdigit() and high.isdigit():
                value = f"{min(int(low), first)}:{max(int(high), max(writes))}".encode()
                start_tag = _SPANS.sub(lambda m: m.group(1) + m.group(2) + value + m.group(2), start_tag, count=1)
        return start_tag + data[row.content : cut] + "".join(appended).encode() + self._row_close

    def _run_streaming(self, src: IO[bytes], dst: IO[bytes]) -> SheetOutcome:
        """Stream the sheet through lxml one row at a time, applying the edit."""
        pending = self.edit.rows()
        position = 0
        root = sheet_data = None
        previous_row = 0
        buffer: list[bytes] = []
        try:
            events = etree.iterparse(
                src,
                events=("start", "end"),
                tag=(_SHEET_DATA, _ROW),
                resolve_entities=False,
                no_network=True,
                load_dtd=False,
                huge_tree=False,
            )
            for event, element in events:
                if element.tag == _SHEET_DATA:
                    if event == "start":
                        sheet_data = element
                        root = element.getparent()
                        dst.write(self._open_root(root, sheet_data))
                    else:
                        for row in pending[position:]:
                            buffer.append(self._new_row(row))
                        position = len(pending)
                        buffer.append(f"</{self._prefix}sheetData>".encode())
                        dst.write(b"".join(buffer))
                        buffer.clear()
                    continue
                if event == "start":
                    continue
                row_number = int(element.get("r") or previous_row + 1)
                previous_row = row_number
                writes, position = self._writes_for(row_number, pending, position, buffer)
                if writes or self.edit.freeze_external:
                    buffer.append(self._edit_row(element, row_number, writes or {}))
                else:
                    if self.edit:
                        self._remember_styles(element)
                    buffer.append(self._strip_declarations(etree.tostring(element)))
                element.clear()
                while element.getprevious() is not None:
                    del sheet_data[0]
                if len(buffer) >= _FLUSH_EVERY:
                    dst.write(b"".join(buffer))
                    buffer.clear()
        except etree.XMLSyntaxError as exc:
            raise WorkbookError(
                f"The worksheet part {self.part} is not valid XML ({exc.msg}); open and save the file in Excel.",
                code="corrupt_workbook",
                part=self.part,
            ) from exc
        if root is None or sheet_data is None:
            raise WorkbookError(
                f"The worksheet part {self.part} has no sheetData; open and save the file in Excel.",
                code="corrupt_workbook",
                part=self.part,
            )
        tail = [self._strip_declarations(etree.tostring(child)) for child in _after(root, sheet_data)]
        dst.write(b"".join(tail) + self._close_root(root))
        return self.outcome

    def _open_root(self, root: etree._Element, sheet_data: etree._Element) -> bytes:
        prefix = next((p for p, uri in root.nsmap.items() if uri == MAIN_NS), None)
        self._prefix = f"{prefix}:" if prefix else ""
        self._maker = CellMaker(self._prefix, self.date1904, self._encode_value)
        self._decls = [(f' xmlns:{p}="{uri}"' if p else f' xmlns="{uri}"').encode() for p, uri in root.nsmap.items()]
        shell = etree.tostring(etree.Element(root.tag, attrib=dict(root.attrib), nsmap=root.nsmap))
        parts = [b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n', shell[:-2] + b">"]
        for child in root:
            if child is sheet_data:
                break
            if child.tag == _DIMENSION:
                self._grow_dimension(child)
            elif child.tag == _COLS:
                self._col_styles = _ColumnStyles(child)
            parts.append(self._strip_declarations(etree.tostring(child)))
        attrs = "".join(
            f' {k}="{xml_escape_text(v).replace(chr(34), "&quot;")}"'
            for k, v in sheet_data.attrib.items()
            if "{" not in k
        )
        parts.append(f"<{self._prefix}sheetData{attrs}>".encode())
        return b"".join(parts)

    def _close_root(self, root: etree._Element) -> bytes:
        local = etree.QName(root).localname
        return f"</{root.prefix + ':' if root.prefix else ''}{local}>".encode()

    def _strip_declarations(self, data: bytes) -> bytes:
        # lxml re-declares every in-scope namespace on a serialised sub-element; the
        # root already declares them, so drop the copies from the first start tag.
        end = data.find(b">")
        if end < 0:
            return data
        head = data[:end]
        for decl in self._decls:
            head = head.replace(decl, b"", 1)
        return head + data[end:]

    def _grow_dimension(self, dimension: etree._Element) -> None:
        rows = self.edit.rows()
        if not rows:
            return
        columns = [column for cells in self.edit.writes.values() for column in cells]
        widths = [len(values) for values in self.edit.appended.values() if values]
        low = min(columns) if columns else 1
        high = max(columns + ([max(widths)] if widths else []) or [1])
        box = (rows[0], low, rows[-1], high)
        try:
            old = parse_range(dimension.get("ref", ""))
        except ValueError:
            old = box
        dimension.set(
            "ref",
            format_range(min(old[0], box[0]), min(old[1], box[1]), max(old[2], box[2]), max(old[3], box[3])),
        )

    # -- rows ---------------------------------------------------------------------
    def _remember_styles(self, row: etree._Element) -> None:
        column = 0
        for cell in row.iterchildren(_C):
            ref = cell.get("r")
            column = column_number(ref.rstrip(_DIGITS)) if ref else column + 1
            style = cell.get("s")
            if style:
                self._style_above[column] = int(style)

    def _edit_row(self, row: etree._Element, row_number: int, writes: dict[int, CellValue]) -> bytes:
        """Apply the writes to one parsed row; return its serialised form."""
        if self.edit.freeze_external:
            self._freeze(row)
        if not writes:
            return self._strip_declarations(etree.tostring(row))
        cells = _cells_from(row, row_number, min(writes))
        # Written cells right of every cell that stays are re-emitted as text at the
        # row's end (cheaper than editing elements); the others are edited in place.
        tail_from = 0
        formulas: set[int] = set()
        for column, cell in cells.items():
            if column not in writes:
                tail_from = max(tail_from, column)
            elif cell.find(_F) is not None:
                formulas.add(column)
                tail_from = max(tail_from, column)
        replaced = [column for column in cells if column > tail_from]
        if replaced and len(row) >= len(replaced) and row[-len(replaced)] is cells[min(replaced)]:
            del row[-len(replaced) :]  # the usual case: they are the row's last cells
            removed = True
        else:
            removed = False
        is_header = row_number in self.edit.header_rows
        appended: list[str] = []  # new cells right of the last existing one, spliced in as text
        left_new: int | None = None
        styles = self.styles
        maker = self._maker
        above = self._style_above
        attrs = self._style_attrs
        column_style = self._col_styles.__getitem__
        row_text = str(row_number)
        for column, role, body in maker.encode([(c, w.value, w.kind) for c, w in sorted(writes.items())]):
            cell = cells.get(column)
            if cell is not None:
                if column in formulas:
                    self.outcome.kept_formulas.append(f"{column_letters(column)}{row_number}")
                    continue
                base = int(cell.get("s", "0"))
                if not is_header:
                    above[column] = base
                if column <= tail_from:
                    _, payload = encode(writes[column], self.date1904)
                    _fill(cell, role, payload, styles.for_value(base, role) if styles is not None else base)
                    continue
                if not removed:
                    row.remove(cell)
                del cells[column]
                if role == "empty":
                    if base:  # an emptied cell keeps its formatting
                        appended.append(maker.cell(column, row_text, base, body))
                    continue
            elif role == "empty":
                continue
            else:
                base = None if is_header else column_style(column)
                if base is None and not is_header:
                    base = above.get(column)
                if base is None:
                    base = self._new_cell_style(column, cells, is_header, row, left_new)
            if not is_header:
                above[column] = base
            if column > tail_from:
                left_new = base
                attr = attrs.get((base, role))
                if attr is None:
                    attr = self._style_attr(base, role)
                appended.append(f'{maker.start(column)}{row_text}"{attr}{body}')
            else:
                style = styles.for_value(base, role) if styles is not None else base
                _, payload = encode(writes[column], self.date1904)
                _fill(
                    self._insert_cell(row, cells, column, f"{column_letters(column)}{row_number}"), role, payload, style
                )
        spans = row.get("spans")
        if appended and spans:
            low, _, high = spans.partition(":")
            if low.isdigit() and high.isdigit():
                row.set("spans", f"{min(int(low), min(writes))}:{max(int(high), max(writes))}")
        data = self._strip_declarations(etree.tostring(row))
        if not appended:
            return data
        extra = "".join(appended).encode()
        if len(row) == 0:  # serialised as <row .../>: open it up
            close = data.find(b"/>")
            return data[:close] + b">" + extra + f"</{self._prefix}row>".encode() + data[close + 2 :]
        end = data.rfind(f"</{self._prefix}row>".encode())
        return data[:end] + extra + data[end:]

    def _new_cell_style(
        self,
        column: int,
        cells: dict[int, etree._Element],
        is_header: bool,
        row: etree._Element,
        left_new: int | None = None,
    ) -> int:
        # Why this order: a column's own default (<col style>) is what Excel would give
        # a typed value; then the same column higher up; then the neighbour on the left.
        if not is_header:
            style = self._col_styles[column]
            if style is None:
                style = self._style_above.get(column)
            if style is not None:
                return style
        if left_new is not None:
            return left_new
        left = [c for c in cells if c < column]
        if left:
            return int(cells[max(left)].get("s", "0"))
        if row.get("customFormat") in ("1", "true") and row.get("s"):
            return int(row.get("s"))
        return 0

    def _insert_cell(
        self, row: etree._Element, cells: dict[int, etree._Element], column: int, ref: str
    ) -> etree._Element:
        cell = etree.Element(_C, r=ref)
        after = [c for c in cells if c > column]
        if after:
            cells[min(after)].addprevious(cell)
        else:
            last = cells[max(cells)] if cells else None
            if last is not None:
                last.addnext(cell)
            else:
                row.insert(0, cell)
        cells[column] = cell
        return cell

    def _freeze(self, row: etree._Element) -> None:
        for formula in list(row.iter(_F)):
            text = formula.text or ""
            shared = formula.get("t") == "shared"
            if (text and refers_to_external(text)) or (
                shared and not text and formula.get("si") in self._frozen_shared
            ):
                if shared and formula.get("si") is not None:
                    self._frozen_shared.add(formula.get("si"))
                formula.getparent().remove(formula)
                self.outcome.frozen_formulas += 1

    def _new_row(self, row_number: int) -> bytes:
        prefix = self._prefix
        maker = self._maker
        row_text = str(row_number)
        parts = [f'<{prefix}row r="{row_text}">']
        is_header = row_number in self.edit.header_rows
        left_style: int | None = None
        column_style = self._col_styles.__getitem__
        above = self._style_above
        starts = maker.starts
        attrs = self._style_attrs
        for column, role, body in maker.encode(self._row_items(row_number)):
            if role == "empty":
                continue
            base = None
            if not is_header:
                base = column_style(column)
                if base is None:
                    base = above.get(column)
            if base is None:
                base = left_style or 0
            # The neighbour's own style, not its date/percent variant, is what is borrowed.
            left_style = base
            if not is_header:
                above[column] = base
            attr = attrs.get((base, role))
            if attr is None:
                attr = self._style_attr(base, role)
            start = starts.get(column)
            if start is None:
                start = maker.start(column)
            parts.append(f'{start}{row_text}"{attr}{body}')
        parts.append(f"</{prefix}row>")
        return "".join(parts).encode()

    def _row_items(self, row_number: int) -> list[tuple[int, object, str]]:
        """(column, value, kind) of a new row's writes in column order, appended values included."""
        values = self.edit.appended.get(row_number)
        writes = self.edit.writes.get(row_number)
        if values is None:
            items = [(column, write.value, write.kind) for column, write in sorted((writes or {}).items())]
        elif not writes:
            items = [(column, value, "auto") for column, value in enumerate(values, start=1)]
        else:
            merged = {column: (column, value, "auto") for column, value in enumerate(values, start=1)}
            merged.update((column, (column, write.value, write.kind)) for column, write in writes.items())
            items = [merged[column] for column in sorted(merged)]
        if items and items[-1][0] > MAX_COLUMN:
            beyond = next(column for column, _, _ in items if column > MAX_COLUMN)
            raise ValueError(f"column {beyond} is beyond Excel's last column")
        return items


def _cells_from(row: etree._Element, row_number: int, first: int) -> dict[int, etree._Element]:
    """The row's cells from column ``first`` on, plus the nearest one to their left.

    Read from the end, so a wide row written only in its last columns costs what
    those columns cost. Cells without an "r" reference need the full pass (and get one).
    """
    cells: dict[int, etree._Element] = {}
    for cell in row.iterchildren(_C, reversed=True):
        ref = cell.get("r")
        if not ref:
            break
        column = column_number(ref.rstrip(_DIGITS))
        cells[column] = cell
        if column < first:
            return cells
    else:
        return cells
    cells.clear()
    column = 0
    for cell in row.iterchildren(_C):
        ref = cell.get("r")
        if ref:
            column = column_number(ref.rstrip(_DIGITS))
        else:
            column += 1
            cell.set("r", f"{column_letters(column)}{row_number}")
        cells[column] = cell
    return cells


def _after(root: etree._Element, marker: etree._Element) -> Iterator[etree._Element]:
    seen = False
    for child in root:
        if seen:
            yield child
        elif child is marker:
            seen = True


def _fill(cell: etree._Element, role: str, payload: str, style: int) -> None:
    for child in list(cell):
        cell.remove(child)
    for attr in ("t", "cm", "vm"):  # cell/value metadata describe the old value
        if attr in cell.attrib:
            del cell.attrib[attr]
    if style:
        cell.set("s", str(style))
    elif "s" in cell.attrib:
        del cell.attrib["s"]
    if role == "text":
        cell.set("t", "inlineStr")
        text = etree.SubElement(etree.SubElement(cell, _IS), _T)
        text.text = payload
        if payload != payload.strip() or "\n" in payload:
            text.set(_XML_SPACE, "preserve")
    elif role == "bool":
        cell.set("t", "b")
        etree.SubElement(cell, _V).text = payload
    elif role != "empty":
        etree.SubElement(cell, _V).text = payload


def last_value_row(src: IO[bytes], part: str) -> int:
    """The last row of a sheet that holds a value (never the declared dimension)."""
    head = src.read(64 * 1024)
    check_prolog(head, part)
    last = 0
    previous = 0
    try:
        for _event, row in etree.iterparse(
            _Prefixed(head, src),
            events=("end",),
            tag=_ROW,
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
        ):
            number = int(row.get("r") or previous + 1)
            previous = number
            if row.find(f"{_C}/{_V}") is not None or row.find(f"{_C}/{_IS}") is not None:
                last = number
            row.clear()
            parent = row.getparent()
            while row.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError as exc:
        raise WorkbookError(
            f"The worksheet part {part} is not valid XML ({exc.msg}); open and save the file in Excel.",
            code="corrupt_workbook",
            part=part,
        ) from exc
    return last


def new_sheet_xml(edit: SheetEdit, styles: StyleBook | None, *, date1904: bool) -> bytes:
    """A fresh worksheet part holding the edit's rows."""
    rewriter = SheetRewriter(edit, styles, date1904=date1904, part="new sheet")
    rows = b"".join(rewriter._new_row(r) for r in edit.rows())
    dimension = b""
    if edit:
        rewriter._grow_dimension(dim := etree.Element(_DIMENSION, ref="A1"))
        dimension = f'<dimension ref="{dim.get("ref")}"/>'.encode()
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        + dimension
        + b"<sheetData>"
        + rows
        + b'</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        b"</worksheet>"
    )
