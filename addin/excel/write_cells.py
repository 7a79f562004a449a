"""Cell XML for the write-back's hot loop: values of one row to ``<c>`` elements as text.

Same output as encoding each value with write_sheet.encode and serialising it with
its style, but built for speed (a sync writes hundreds of thousands of cells):
values of the common types are encoded without the general dispatch, the text rule
is checked once per row over all its texts, and each cell is assembled from
templates prepared once per sheet.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence

from addin.excel.write_text import EXCEL_MAX_CELL_CHARS, column_letters, number_text, text_for_xlsx, xml_escape_text

# What text_for_xlsx would change (characters XML cannot carry, Excel's _xHHHH_ escape).
# The row's texts are joined by a TAB, which neither part of the pattern matches.
_NEEDS_WORK = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]|_x[0-9A-Fa-f]{4}_")
_NEEDS_ESCAPE = re.compile("[&<>\r]")
_NUMERIC_KINDS = frozenset(("auto", "number", "percent"))


class CellMaker:
    """Encodes row values and writes ``<c>`` elements for one sheet part."""

    def __init__(self, prefix: str, date1904: bool, fallback: Callable[[object, str], tuple[str, str]]) -> None:
        self.date1904 = date1904
        self._fallback = fallback  # the general encoder: (value, kind) -> (role, payload)
        p = prefix
        self._text_open = f' t="inlineStr"><{p}is><{p}t>'
        self._text_open_space = f' t="inlineStr"><{p}is><{p}t xml:space="preserve">'
        self._text_close = f"</{p}t></{p}is></{p}c>"
        self._value_open = f"><{p}v>"
        self._bool_open = f' t="b"><{p}v>'
        self._value_close = f"</{p}v></{p}c>"
        self._cell_open = f'<{p}c r="'
        self.starts: dict[int, str] = {}  # column -> '<c r="AB'
        self._styles: dict[int, str] = {0: ""}  # style -> ' s="N"'
        self._dates: dict[object, tuple[str, str]] = {}  # date -> (role, body)

    def start(self, column: int) -> str:
        """'<c r="P' for a column: the cell's opening up to its row number."""
        found = self.starts.get(column)
        if found is None:
            found = self.starts[column] = self._cell_open + column_letters(column)
        return found

    def style_attr(self, style: int) -> str:
        """' s="N"' (nothing for style 0)."""
        found = self._styles.get(style)
        if found is None:
            found = self._styles[style] = f' s="{style}"'
        return found

    def cell(self, column: int, row: str, style: int, body: str) -> str:
        """One ``<c>`` element; ``row`` is the row number as text."""
        return f'{self.start(column)}{row}"{self.style_attr(style)}{body}'

    def encode(self, items: Sequence[tuple[int, object, str]]) -> list[tuple[int, str, str]]:
        """(column, role, body) for (column, value, kind) items, in the given order.

        ``body`` is the cell's XML after its r and s attributes.
        """
        out: list[tuple[int, str, str]] = []
        add = out.append
        texts: list[str] = []
        text_at: list[int] = []
        value_open, value_close = self._value_open, self._value_close
        for column, value, kind in items:
            # Exact types (a bool is not a number here); `type(value) is` also lets mypy narrow.
            if type(value) is str and (kind == "auto" or kind == "text"):
                text_at.append(len(out))
                texts.append(value)
                add((column, "text", ""))
            elif type(value) is float and kind in _NUMERIC_KINDS:
                if value.is_integer() and abs(value) < 1e15:
                    text = str(int(value))
                elif math.isfinite(value):
                    text = repr(value)
                else:
                    text = number_text(value)  # raises: not a finite number
                add((column, "percent" if kind == "percent" else "number", f"{value_open}{text}{value_close}"))
            elif (type(value) is dt.date or type(value) is dt.datetime) and (kind == "auto" or kind == "date"):
                found = self._dates.get(value)
                if found is None:
                    found = self._date(value)
                add((column, found[0], found[1]))
            elif value is None:
                add((column, "empty", "/>"))
            elif type(value) is int and kind in _NUMERIC_KINDS:
                add((column, "percent" if kind == "percent" else "number", f"{value_open}{value}{value_close}"))
            else:
                role, payload = self._fallback(value, kind)
                add((column, role, self.body(role, payload)))
        if texts:
            self._texts(texts, text_at, out)
        return out

    def body(self, role: str, payload: str) -> str:
        """The body for an encoded (role, payload) pair (payload already cleaned)."""
        if role == "text":
            return self._text_body(payload, xml_escape_text(payload))
        if role == "bool":
            return f"{self._bool_open}{payload}{self._value_close}"
        if role == "empty":
            return "/>"
        return f"{self._value_open}{payload}{self._value_close}"

    def _text_body(self, payload: str, escaped: str) -> str:
        # A text with leading/trailing white space or a line break must say so, or
        # readers may trim it.
        if payload != payload.strip() or "\n" in payload:
            return f"{self._text_open_space}{escaped}{self._text_close}"
        return f"{self._text_open}{escaped}{self._text_close}"

    def _texts(self, texts: list[str], text_at: list[int], out: list[tuple[int, str, str]]) -> None:
        joined = "\t".join(texts)
        if len(joined) * 2 > EXCEL_MAX_CELL_CHARS or _NEEDS_WORK.search(joined) is not None:
            texts = [text_for_xlsx(text) for text in texts]
            joined = "\t".join(texts)
        escape = _NEEDS_ESCAPE.search(joined) is not None
        plain, spaced, close = self._text_open, self._text_open_space, self._text_close
        for index, text in zip(text_at, texts, strict=True):
            escaped = xml_escape_text(text) if escape else text
            # Leading/trailing white space or a line break must be marked, or readers may trim it.
            opening = spaced if text != text.strip() or "\n" in text else plain
            out[index] = (out[index][0], "text", f"{opening}{escaped}{close}")

    def _date(self, value: dt.date) -> tuple[str, str]:
        """(role, body) of a date or datetime, remembered (a sync writes few distinct dates)."""
        role, payload = self._fallback(value, "date")
        found = (role, f"{self._value_open}{payload}{self._value_close}")
        if len(self._dates) < 4096:
            self._dates[value] = found
        return found
