"""Values as worksheet cells: the text rule, Excel serial dates and cell references.

The text rule (documented for users and tests alike), applied to every text the
write-back puts in a cell:

1. Characters XML 1.0 cannot carry are removed: C0 controls other than TAB, LF and
   CR, U+FFFE, U+FFFF and lone surrogates. Everything else (RTL text, emoji, C1
   controls, zero-width characters) is kept as it is.
2. Text longer than Excel's cell limit of 32,767 characters (counted, as Excel
   does, in UTF-16 units) is cut at that limit, never inside a surrogate pair.
3. A literal ``_xHHHH_`` in the text gets its underscore written as ``_x005F_``,
   Excel's own escape, so Excel shows the text as typed instead of decoding it.
4. The text is written as an inline string cell (``t="inlineStr"``): a string cell
   is never a formula, whatever it starts with (``=``, ``+``, ``-``, ``@``, TAB,
   CR, full-width ``＝``), so nothing visible needs to be prefixed.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from decimal import Decimal

from addin.excel.cellrefs import column_letters, column_number

EXCEL_MAX_CELL_CHARS = 32_767
MAX_ROW = 1_048_576
MAX_COLUMN = 16_384

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_EXCEL_ESCAPE = re.compile("_(x[0-9A-Fa-f]{4}_)")
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_EPOCH_1900 = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)


_NEEDS_WORK = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]|_x[0-9A-Fa-f]{4}_")


def text_for_xlsx(text: str) -> str:
    """Text as it will be stored in a cell, per the module's text rule."""
    if len(text) * 2 <= EXCEL_MAX_CELL_CHARS and _NEEDS_WORK.search(text) is None:
        return text  # the common case: nothing to remove, cut or escape
    text = _XML_INVALID.sub("", text)
    text = _cut_utf16(text, EXCEL_MAX_CELL_CHARS)
    return _EXCEL_ESCAPE.sub(r"_x005F_\1", text)


def _cut_utf16(text: str, limit: int) -> str:
    # Fast path: even if every character were astral it would still fit.
    if len(text) * 2 <= limit:
        return text
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text


def xml_escape_text(text: str) -> str:
    """Escape text for element content (CR kept as a character reference)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def number_text(value: float | int | Decimal) -> str:
    """The lexical form of a number for <v>; NaN and infinities are refused."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        raise ValueError(f"{value!r} cannot be written to a cell: not a finite number")
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


@functools.lru_cache(maxsize=4096)
def excel_serial(value: dt.date | dt.datetime, date1904: bool = False) -> float | int:
    """Excel's serial number for a date or naive/aware datetime (aware ones as UTC wall time)."""
    epoch = _EPOCH_1904 if date1904 else _EPOCH_1900
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        delta = value - epoch
        return delta.days + delta.seconds / 86_400 + delta.microseconds / 86_400e6
    return (dt.datetime(value.year, value.month, value.day) - epoch).days


def split_ref(ref: str) -> tuple[int, int]:
    """ "B7" -> (row 7, column 2); ValueError for anything else."""
    match = _REF.match(ref)
    if not match:
        raise ValueError(f"{ref!r} is not a cell reference")
    return int(match.group(2)), column_number(match.group(1))


def parse_range(ref: str) -> tuple[int, int, int, int]:
    """ "A1:T20" -> (first row, first column, last row, last column)."""
    first, _, last = ref.partition(":")
    row1, col1 = split_ref(first)
    row2, col2 = split_ref(last) if last else (row1, col1)
    return min(row1, row2), min(col1, col2), max(row1, row2), max(col1, col2)


def format_range(row1: int, col1: int, row2: int, col2: int) -> str:
    """(1, 1, 20, 20) -> "A1:T20" (a single cell stays "A1")."""
    first = f"{column_letters(col1)}{row1}"
    if (row1, col1) == (row2, col2):
        return first
    return f"{first}:{column_letters(col2)}{row2}"
