"""Namespaces and a safe XML parser for the parts the write-back edits."""

from __future__ import annotations

import re

from lxml import etree

from addin.errors import WorkbookError

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
STRICT_MAIN_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"

RT_WORKSHEET = f"{REL_NS}/worksheet"
RT_TABLE = f"{REL_NS}/table"
RT_STYLES = f"{REL_NS}/styles"
RT_OFFICE_DOCUMENT = f"{REL_NS}/officeDocument"
RT_CUSTOM_PROPS = f"{REL_NS}/custom-properties"
RT_CALC_CHAIN = f"{REL_NS}/calcChain"

CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_CUSTOM_PROPS = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
CT_EXTERNAL_LINK = "application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"
CT_CALC_CHAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"
CT_XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT_MACRO_MAINS = {
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
    "application/vnd.ms-excel.addin.macroEnabled.main+xml",
}
CT_MACROSHEETS = {
    "application/vnd.ms-excel.macrosheet+xml",
    "application/vnd.ms-excel.intlmacrosheet+xml",
}

# The prolog (everything before the root element) may hold a DTD; we look at up to
# this much of it and refuse longer ones rather than parse past an unseen DOCTYPE.
_PROLOG_LIMIT = 64 * 1024
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")


def check_prolog(head: bytes, part: str) -> None:
    """Refuse a part whose prolog declares a DTD (entities are never expanded)."""
    match = _FIRST_ELEMENT.search(head, 0, _PROLOG_LIMIT)
    prolog = head[: match.start()] if match else head[:_PROLOG_LIMIT]
    if b"<!DOCTYPE" in prolog.upper() or (match is None and len(head) >= _PROLOG_LIMIT):
        raise WorkbookError(
            f"The workbook part {part} declares a DTD, which is not allowed in an Excel workbook.",
            code="dtd_not_allowed",
            part=part,
        )


def parser() -> etree.XMLParser:
    """An lxml parser that never resolves entities or touches the network."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse_part(data: bytes, part: str) -> etree._Element:
    """Parse a whole (small) part; a broken one is a WorkbookError naming it."""
    check_prolog(data[:_PROLOG_LIMIT], part)
    try:
        return etree.fromstring(data, parser())
    except etree.XMLSyntaxError as exc:
        raise WorkbookError(
            f"The workbook part {part} is not valid XML ({exc.msg}); open and save the file in Excel.",
            code="corrupt_workbook",
            part=part,
        ) from exc


def serialize_part(root: etree._Element) -> bytes:
    """A part as Excel writes it: UTF-8 with a standalone declaration."""
    body = etree.tostring(root, xml_declaration=False, encoding="UTF-8")
    return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body
