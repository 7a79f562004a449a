"""A CSV file as a Grid: vendor exports (Viva Goals) come as CSV as often as .xlsx.

Only vendor exports are read from CSV (the reader says so otherwise): a CSV has no
place to write status back to. The text is decoded from UTF-8 (with or without BOM),
UTF-16 (BOM) or Windows-1252; the delimiter is the one of , ; tab that the header line
uses most. The same limits as for a sheet apply.
"""

from __future__ import annotations

import codecs
import csv
import io

from addin.errors import InputError, WorkbookError, WorkbookTooLarge
from addin.excel.read_grid import Grid
from addin.excel.read_parts import MAX_COLUMNS, MAX_ROWS, SheetScan

MAX_CSV_BYTES = 20 * 1024 * 1024
_ZIP_OR_CFB = (b"PK\x03\x04", b"PK\x05\x06", b"\xd0\xcf\x11\xe0")


def looks_like_csv(data: bytes) -> bool:
    """Text with a delimiter on its first line (never a zip, an OLE file or binary data)."""
    if not data or data.startswith(_ZIP_OR_CFB):
        return False
    try:
        head = _decode(data[:4096], partial=True)
    except UnicodeDecodeError:
        return False
    if "\x00" in head or not head.strip():
        return False
    first = head.lstrip("\ufeff").splitlines()[0] if head.strip() else ""
    printable = sum(ch.isprintable() or ch in "\t\r\n" for ch in head)
    return printable >= 0.98 * len(head) and any(d in first for d in ",;\t")


def _decode(data: bytes, *, partial: bool = False) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace" if partial else "strict")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if partial and exc.start >= len(data) - 3:
            return data[: exc.start].decode("utf-8-sig")
        return data.decode("cp1252", "replace")


def csv_grid(data: bytes, name: str = "CSV") -> Grid:
    """The CSV's cells as a Grid of strings ('' for empty)."""
    if len(data) > MAX_CSV_BYTES:
        raise WorkbookTooLarge(
            f"The CSV file is {len(data) / 2**20:.1f} MB; at most {MAX_CSV_BYTES // 2**20} MB can be read.",
            code="file_too_large",
        )
    text = _decode(data).lstrip("\ufeff")
    if "\x00" in text:
        raise InputError("The CSV file holds NUL characters; it is not a text export.", code="not_a_workbook")
    first = text.splitlines()[0] if text else ""
    delimiter = max(",;\t", key=first.count)
    rows: list[list[object]] = []
    try:
        for line in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if len(line) > MAX_COLUMNS:
                raise WorkbookTooLarge(
                    f"Row {len(rows) + 1} of the CSV file has {len(line)} columns; at most {MAX_COLUMNS} can be read.",
                    code="too_many_columns",
                )
            rows.append([cell.strip() for cell in line])
            if len(rows) > MAX_ROWS:
                raise WorkbookTooLarge(f"The CSV file has more than {MAX_ROWS:,} rows.", code="too_many_rows")
    except csv.Error as exc:
        raise WorkbookError(f"The CSV file cannot be read (line {len(rows) + 1}: {exc}).",
                            code="corrupt_workbook") from exc  # fmt: skip
    while rows and not any(rows[-1]):
        rows.pop()
    return Grid(name, rows, SheetScan(), False)
