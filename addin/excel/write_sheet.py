"""Edit one worksheet part: set cells, add rows, keep everything else.

Two paths write the same bytes. A sheet plain enough to cut into rows as bytes
(``write_rows.split_sheet``: UTF-8, no comments or namespace tricks inside sheetData,
at most 512 MB) is edited as bytes (``write_splice``); anything else is streamed
through lxml's iterparse one ``<row>`` at a time, so memory stays flat however long
the sheet is. Both write rows through ``write_row.RowWriter``. The byte path is kept
because it is measured to pay: bench/write_sheet_bench.py, 20,000 rows with five
status cells each, takes about 1.4 s through it against 2.1 s through lxml alone on
a first sync (2.0 s against 3.0 s when the cells are replaced).
"""

from __future__ import annotations

import io
from typing import IO, Protocol

from lxml import etree

from addin.errors import WorkbookError
from addin.excel.write_edit import SheetEdit, SheetOutcome
from addin.excel.write_row import FLUSH_EVERY, RowWriter, after
from addin.excel.write_rows import split_sheet
from addin.excel.write_splice import ByteSplicer
from addin.excel.write_styles import StyleBook
from addin.excel.write_xml import MAIN_NS
from addin.excel.xml_scan import check_prolog

_ROW = f"{{{MAIN_NS}}}row"
_C = f"{{{MAIN_NS}}}c"
_V = f"{{{MAIN_NS}}}v"
_IS = f"{{{MAIN_NS}}}is"
_SHEET_DATA = f"{{{MAIN_NS}}}sheetData"
_DIMENSION = f"{{{MAIN_NS}}}dimension"
# Sheets up to this size (uncompressed) are edited as bytes in memory (fast path);
# larger ones stream through lxml so memory stays flat.
_RAW_LIMIT = 512 * 1024 * 1024


class Readable(Protocol):
    """What lxml's iterparse reads from: a zip member, a BytesIO, a _Prefixed."""

    def read(self, size: int = -1, /) -> bytes: ...


class _Prefixed:
    """A file-like reading ``head`` and then the rest of ``stream``."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self._head, self._stream = head, stream

    def read(self, size: int = -1) -> bytes:
        if self._head:
            chunk, self._head = self._head, b""
            return chunk
        return self._stream.read(size)


class SheetRewriter(RowWriter):
    """Rewrites one worksheet part from ``src`` into ``dst`` per a SheetEdit."""

    def run(self, src: IO[bytes], dst: IO[bytes]) -> SheetOutcome:
        """Copy the sheet through, applying the edit."""
        head = src.read(64 * 1024)
        check_prolog(self.part, head)
        rest = src.read(_RAW_LIMIT)
        more = src.read(1)
        if more or self.edit.freeze_external:
            return self._run_streaming(_Prefixed(head + rest + more, src), dst)
        data = head + rest
        raw = split_sheet(data, self.part)
        if raw is None:
            return self._run_streaming(io.BytesIO(data), dst)
        return ByteSplicer(self).run(raw, dst)

    def _run_streaming(self, src: Readable, dst: IO[bytes]) -> SheetOutcome:
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
                        dst.write(self.open_root(root, sheet_data))
                    else:
                        for row in pending[position:]:
                            buffer.append(self.new_row(row))
                        position = len(pending)
                        buffer.append(f"</{self.prefix}sheetData>".encode())
                        dst.write(b"".join(buffer))
                        buffer.clear()
                    continue
                if event == "start":
                    continue
                row_number = int(element.get("r") or previous_row + 1)
                previous_row = row_number
                writes, position = self.writes_for(row_number, pending, position, buffer)
                if writes or self.edit.freeze_external:
                    buffer.append(self.edit_row(element, row_number, writes or {}))
                else:
                    if self.edit:
                        self.remember_styles(element)
                    buffer.append(self.strip_declarations(etree.tostring(element)))
                element.clear()
                if sheet_data is None:
                    raise WorkbookError(
                        f"The worksheet part {self.part} has a row outside its sheetData; open and save the file "
                        "in Excel.",
                        code="corrupt_workbook",
                        part=self.part,
                    )
                while element.getprevious() is not None:
                    del sheet_data[0]
                if len(buffer) >= FLUSH_EVERY:
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
        tail = [self.strip_declarations(etree.tostring(child)) for child in after(root, sheet_data)]
        dst.write(b"".join(tail) + self.close_root(root))
        return self.outcome


def last_value_row(src: IO[bytes], part: str) -> int:
    """The last row of a sheet that holds a value (never the declared dimension)."""
    head = src.read(64 * 1024)
    check_prolog(part, head)
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
    rewriter = RowWriter(edit, styles, date1904=date1904, part="new sheet")
    rows = b"".join(rewriter.new_row(r) for r in edit.rows())
    dimension = b""
    if edit:
        rewriter.grow_dimension(dim := etree.Element(_DIMENSION, ref="A1"))
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
