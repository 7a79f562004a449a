"""The write-back's byte path: a plain worksheet edited as bytes, not as an lxml tree per row.

Building an lxml element of every row and serialising it again costs more than
everything else a sync does to a sheet. When ``write_rows.split_sheet`` finds a sheet
plain enough to cut into rows as bytes, rows nobody writes to are copied as they are,
and a written row whose written cells are its last ones (the status columns, the usual
case) gets them cut off and the new cells appended as text. Any other written row, and
any row whose styles cannot be read from its bytes, goes through ``RowWriter``'s lxml
edit, so both paths write the same bytes (tests/excel/test_writeback.py checks it).
bench/write_sheet_bench.py times the two paths against each other.
"""

from __future__ import annotations

import re
from typing import IO

from lxml import etree

from addin.errors import WorkbookError
from addin.excel.cellrefs import column_number
from addin.excel.write_edit import CellValue, SheetOutcome
from addin.excel.write_row import FLUSH_EVERY, RowWriter, after
from addin.excel.write_rows import ATTRS, RawRow, RawSheet, attributes, cell_ref_style
from addin.excel.write_xml import parser

_SPANS = re.compile(rb"(\sspans\s*=\s*)([\"'])[^\"']*\2")


class ByteSplicer:
    """Rewrites one sheet already cut into rows (a RawSheet), applying a RowWriter's edit."""

    def __init__(self, writer: RowWriter) -> None:
        self.writer = writer

    def run(self, raw: RawSheet, dst: IO[bytes]) -> SheetOutcome:
        """Write the sheet: rows as bytes, copied or spliced; unusual rows go through lxml."""
        data = raw.data
        dst.write(self.writer.open_root(raw.root, raw.sheet_data))
        self._cell_open = re.compile(rb"<" + re.escape(raw.prefix) + rb"c\b" + ATTRS + rb"(/?)>")
        self._cell_close = b"</" + raw.prefix + b"c>"
        self._row_close = f"</{raw.prefix.decode()}row>".encode()
        pending = self.writer.edit.rows()
        position = 0
        buffer: list[bytes] = []
        remember = bool(self.writer.edit)
        for row in raw.rows:
            number = row.number
            writes, position = self.writer.writes_for(number, pending, position, buffer)
            if writes:
                done = self._splice_row(raw, row, writes)
                if done is None:
                    done = self.writer.edit_row(self._parse_row(raw, row), number, writes)
                buffer.append(done)
                if row.after > row.close:
                    buffer.append(data[row.close : row.after])
            else:
                if remember and not self._remember_raw(data, row):
                    self.writer.remember_styles(self._parse_row(raw, row))
                buffer.append(data[row.start : row.after])
            if len(buffer) >= FLUSH_EVERY:
                dst.write(b"".join(buffer))
                buffer.clear()
        for number in pending[position:]:
            buffer.append(self.writer.new_row(number))
        buffer.append(f"</{self.writer.prefix}sheetData>".encode())
        dst.write(b"".join(buffer))
        tail = [self.writer.strip_declarations(etree.tostring(child)) for child in after(raw.root, raw.sheet_data)]
        dst.write(b"".join(tail) + self.writer.close_root(raw.root))
        return self.writer.outcome

    def _parse_row(self, raw: RawSheet, row: RawRow) -> etree._Element:
        """One row as an lxml element, in the namespaces of the sheet's root."""
        wrapped = b"<w" + b"".join(self.writer.decls) + b">" + raw.data[row.start : row.close] + b"</w>"
        try:
            return etree.fromstring(wrapped, parser())[0]
        except etree.XMLSyntaxError as exc:
            raise WorkbookError(
                f"The worksheet part {self.writer.part} is not valid XML ({exc.msg}); open and save the file in Excel.",
                code="corrupt_workbook",
                part=self.writer.part,
            ) from exc

    def _remember_raw(self, data: bytes, row: RawRow) -> bool:
        """RowWriter.remember_styles on a row's bytes; False when it needs the parsed row."""
        if data.find(b"extLst", row.content, row.end) != -1:
            return False
        above = self.writer.style_above
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
        if row.number in self.writer.edit.header_rows or row.end == row.content or not row.plain:
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
        maker = self.writer.maker
        above = self.writer.style_above
        attrs_for = self.writer.style_attrs
        column_style = self.writer.col_styles.__getitem__
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
                attr = self.writer.style_attr(base, role)
            appended.append(f'{maker.start(column)}{row_text}"{attr}{body}')
        spans = row_attrs.get(b"spans")
        if appended and spans:
            low, _, high = spans.partition(b":")
            if low.isdigit() and high.isdigit():
                value = f"{min(int(low), first)}:{max(int(high), max(writes))}".encode()
                start_tag = _SPANS.sub(lambda m: m.group(1) + m.group(2) + value + m.group(2), start_tag, count=1)
        return start_tag + data[row.content : cut] + "".join(appended).encode() + self._row_close
