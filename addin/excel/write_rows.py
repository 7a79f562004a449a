"""A worksheet part cut into its rows as bytes, for the write-back's fast path.

Building an lxml tree of every row costs more than everything else a sync does to a
sheet, so a sheet whose XML is plain enough is handled as bytes: the part is checked
to be well-formed XML (expat, no handlers: fast), split at its ``<sheetData>``, and
the rows in between are located by their tags. Rows nobody writes to are copied as
they are; rows that are written get their new cells spliced in (see write_splice).

"Plain enough" is checked, never assumed: UTF-8, no comments, CDATA, processing
instructions or namespace declarations inside the sheet, nothing but rows (and
white space) in sheetData, numeric row references. Anything else returns None and
the caller streams the sheet through lxml as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.parsers import expat

from lxml import etree

from addin.errors import WorkbookError
from addin.excel.write_xml import MAIN_NS, parser

# The attribute text of a start tag (group 1), for the tag patterns built on it.
ATTRS = rb"((?:\s+[^\s=<>/]+\s*=\s*(?:\"[^\"<]*\"|'[^'<]*'))*)\s*"
_SHEET_DATA_OPEN = re.compile(rb"<([A-Za-z_][\w.-]*:)?sheetData\b" + ATTRS + rb"(/?)>")
_ATTR = re.compile(rb"([^\s=]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_ENCODING = re.compile(rb"^<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_SPACE = frozenset(b" \t\r\n")
# Attributes holding a reference (&...;), dropped to read the others.
_WITHOUT_REFERENCES = re.compile(rb"\s[^\s=]+\s*=\s*(?:\"[^\"]*&[^\"]*\"|'[^']*&[^']*')")
_R_HAS_REFERENCE = re.compile(rb"(?:^|\s)r\s*=\s*(?:\"[^\"]*&|'[^']*&)")


@dataclass(slots=True)
class RawRow:
    start: int  # offset of "<row"
    content: int  # offset just after the start tag
    end: int  # offset of "</row>" (== content for a self-closing row)
    close: int  # offset just after the row
    number: int
    plain: bool  # False: an attribute holds a reference (&...;); leave the row to lxml
    after: int = 0  # offset where the white space after the row ends (lxml keeps it as the tail)


@dataclass(slots=True)
class RawSheet:
    data: bytes
    prefix: bytes  # b"" or b"x:", the prefix sheetData and its rows are written with
    root: etree._Element  # the part without its rows: root, everything but sheetData's content
    sheet_data: etree._Element
    rows: list[RawRow]


def attributes(tag: bytes) -> dict[bytes, bytes] | None:
    """Attributes of a start tag's attribute text; None if any holds a reference (&...;)."""
    if b"&" in tag:
        return None
    return {name: double if double or not single else single for name, double, single in _ATTR.findall(tag)}


def cell_ref_style(text: bytes) -> tuple[bytes | None, bytes | None] | None:
    """(r, s) from a cell's attribute text; None if an attribute holds a reference."""
    if text.startswith(b' r="') and b"s=" not in text and b"&" not in text:
        return text[4 : text.find(b'"', 4)], None  # the usual cell: r first, no style
    attrs = attributes(text)
    if attrs is None:
        return None
    return attrs.get(b"r"), attrs.get(b"s")


def split_sheet(data: bytes, part: str) -> RawSheet | None:
    """The part cut into rows, or None when it is not plain enough (see the module doc)."""
    if not data.startswith(b"<"):
        return None  # a byte order mark or leading white space: not worth the special cases
    declared = _ENCODING.match(data)
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        return None
    if b"<!" in data or data.find(b"<?", 1) != -1:  # comments, CDATA, DTDs; processing instructions
        return None
    opening = _SHEET_DATA_OPEN.search(data)
    if opening is None or opening.group(3):
        return None
    prefix = opening.group(1) or b""
    close = data.rfind(b"</" + prefix + b"sheetData>")
    if close < opening.end() or data.find(b"sheetData", opening.end(), close) != -1:
        return None
    if b"xmlns" in opening.group(0) or data.find(b"xmlns", opening.end(), close) != -1:
        return None
    _check_well_formed(data, part)
    shell = etree.fromstring(data[: opening.end()] + data[close:], parser())
    sheet_data = shell.find(f"{{{MAIN_NS}}}sheetData")
    if sheet_data is None or (sheet_data.prefix or "").encode() != prefix.rstrip(b":"):
        return None
    rows = _rows(data, opening.end(), close, prefix)
    if rows is None:
        return None
    return RawSheet(data, prefix, shell, sheet_data, rows)


def _check_well_formed(data: bytes, part: str) -> None:
    # expat with no handlers only checks the syntax (namespace prefixes included, as
    # lxml would); DTDs were refused before this.
    checker = expat.ParserCreate(namespace_separator=" ")
    try:
        checker.Parse(data, True)
    except expat.ExpatError as exc:
        raise WorkbookError(
            f"The worksheet part {part} is not valid XML ({expat.ErrorString(exc.code)}, line {exc.lineno});"
            " open and save the file in Excel.",
            code="corrupt_workbook",
            part=part,
        ) from exc


def _rows(data: bytes, begin: int, close: int, prefix: bytes) -> list[RawRow] | None:
    row_open = re.compile(rb"<" + re.escape(prefix) + rb"row\b" + ATTRS + rb"(/?)>")
    row_close = b"</" + prefix + b"row>"
    row_start = b"<" + prefix + b"row"
    rows: list[RawRow] = []
    position = begin
    previous = 0
    while True:
        found = data.find(b"<", position, close)
        gap = data[position : close if found < 0 else found]
        if gap and not all(byte in _SPACE for byte in gap):
            return None  # text in sheetData
        if found < 0:
            for row, following in zip(rows, rows[1:], strict=False):
                row.after = following.start
            if rows:
                rows[-1].after = close
            return rows
        match = row_open.match(data, found)
        if match is None:
            return None  # something other than a row
        text = match.group(1)
        if text.startswith(b' r="') and b"&" not in text:
            # The usual start tag (Excel writes r first): no need to read the others yet.
            quote = text.find(b'"', 4)
            number_text = text[4:quote]
            attrs_ok = True
        else:
            attrs = attributes(text)
            attrs_ok = attrs is not None
            if attrs is None:
                # A reference (&...;) in an attribute: the row itself goes through lxml,
                # but its number is needed here and must be plain digits.
                if _R_HAS_REFERENCE.search(text):
                    return None
                attrs = attributes(_WITHOUT_REFERENCES.sub(b"", text))
                if attrs is None:
                    return None
            number_text = attrs.get(b"r")
        if number_text is None:
            number = previous + 1
        elif number_text.isdigit():
            number = int(number_text)
        else:
            return None
        previous = number
        if match.group(2):
            rows.append(RawRow(found, match.end(), match.end(), match.end(), number, attrs_ok))
            position = match.end()
            continue
        end = data.find(row_close, match.end(), close)
        if end < 0 or data.find(row_start, match.end(), end) != -1:
            return None
        position = end + len(row_close)
        rows.append(RawRow(found, match.end(), end, position, number, attrs_ok))
