"""The workbook's cell styles (xl/styles.xml) as the write-back needs them.

A written cell keeps the style it had, or borrows one from its column or
neighbour; only its number format may have to change (a percent for Progress, a
date for Last check-in). Such variants are appended to ``cellXfs`` once each, so
every existing style index keeps meaning what it meant.
"""

from __future__ import annotations

import copy
import re

from lxml import etree

from addin.excel.write_xml import MAIN_NS, parse_part, serialize_part

_NS = {"m": MAIN_NS}
PERCENT_FORMAT = 9  # built-in "0%"
DATE_FORMAT = 14  # built-in short date, shown in the reader's locale
DATETIME_FORMAT = 22  # built-in "m/d/yy h:mm"
GENERAL_FORMAT = 0

_BUILTIN_PERCENT = {9, 10}
_BUILTIN_DATE = set(range(14, 23)) | set(range(27, 37)) | {45, 46, 47} | set(range(50, 59))
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')

MINIMAL_STYLES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    b'<fills count="2"><fill><patternFill patternType="none"/></fill>'
    b'<fill><patternFill patternType="gray125"/></fill></fills>'
    b'<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    b'<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    b'<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    b'<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    b"</styleSheet>"
)


def format_role(code: str | None, fmt_id: int) -> str:
    """ "percent", "date" or "other" for a number format."""
    if fmt_id in _BUILTIN_PERCENT:
        return "percent"
    if fmt_id in _BUILTIN_DATE:
        return "date"
    if not code:
        return "other"
    bare = _QUOTED.sub("", code.split(";")[0])
    if "%" in bare:
        return "percent"
    if re.search(r"[dmyhs]", bare, re.IGNORECASE) and "general" not in bare.lower():
        return "date"
    return "other"


class StyleBook:
    """cellXfs of one workbook, with number-format variants appended on demand."""

    def __init__(self, data: bytes | None) -> None:
        self.created = data is None
        self.root = parse_part(data if data is not None else MINIMAL_STYLES, "xl/styles.xml")
        cell_xfs = self.root.find("m:cellXfs", _NS)
        if cell_xfs is None:
            cell_xfs = etree.SubElement(self.root, f"{{{MAIN_NS}}}cellXfs")
            etree.SubElement(cell_xfs, f"{{{MAIN_NS}}}xf", numFmtId="0", fontId="0", fillId="0", borderId="0")
        self._cell_xfs = cell_xfs
        self._xfs = cell_xfs.findall("m:xf", _NS)
        self._codes = {
            int(fmt.get("numFmtId", "-1")): fmt.get("formatCode", "")
            for fmt in self.root.iterfind("m:numFmts/m:numFmt", _NS)
        }
        self._variants: dict[tuple[int, int], int] = {}
        self._roles: dict[int, str] = {}
        self._for_value: dict[tuple[int, str], int] = {}
        self.dirty = self.created

    def role(self, style: int) -> str:
        """The number-format role of cell style ``style``."""
        cached = self._roles.get(style)
        if cached is None:
            fmt_id = self._fmt_id(style)
            cached = format_role(self._codes.get(fmt_id), fmt_id)
            self._roles[style] = cached
        return cached

    def for_value(self, style: int, role: str) -> int:
        """A style like ``style`` whose number format suits a value of ``role``.

        role: "text" | "number" | "percent" | "date" | "datetime" | "bool" | "empty".
        """
        key = (style, role)
        found = self._for_value.get(key)
        if found is None:
            found = self._for_value[key] = self._choose(style, role)
        return found

    def _choose(self, style: int, role: str) -> int:
        have = self.role(style)
        if role in ("text", "empty", "bool"):
            return style
        if role == "number":
            # A plain number must not show as a date or percent it borrowed.
            return style if have == "other" else self._variant(style, GENERAL_FORMAT)
        if role == "percent":
            return style if have == "percent" else self._variant(style, PERCENT_FORMAT)
        if role == "date":
            return style if have == "date" else self._variant(style, DATE_FORMAT)
        if role == "datetime":
            return style if have == "date" else self._variant(style, DATETIME_FORMAT)
        raise ValueError(f"unknown value role {role!r}")

    def _fmt_id(self, style: int) -> int:
        if 0 <= style < len(self._xfs):
            return int(self._xfs[style].get("numFmtId", "0"))
        return 0

    def _variant(self, style: int, fmt_id: int) -> int:
        key = (style, fmt_id)
        found = self._variants.get(key)
        if found is not None:
            return found
        base = self._xfs[style] if 0 <= style < len(self._xfs) else self._xfs[0]
        xf = copy.deepcopy(base)
        xf.set("numFmtId", str(fmt_id))
        xf.set("applyNumberFormat", "1")
        self._cell_xfs.append(xf)
        self._xfs.append(xf)
        self._cell_xfs.set("count", str(len(self._xfs)))
        index = len(self._xfs) - 1
        self._variants[key] = index
        self.dirty = True
        return index

    def to_bytes(self) -> bytes:
        """styles.xml with any appended variants."""
        return serialize_part(self.root)
