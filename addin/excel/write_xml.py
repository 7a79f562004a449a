"""Namespaces and a safe XML parser for the parts the write-back edits."""

from __future__ import annotations

from lxml import etree

from addin.errors import WorkbookError
from addin.excel.xml_scan import PROLOG_LIMIT, check_prolog

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


def parser() -> etree.XMLParser:
    """An lxml parser that never resolves entities or touches the network."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse_part(data: bytes, part: str) -> etree._Element:
    """Parse a whole (small) part; a broken one is a WorkbookError naming it."""
    check_prolog(part, data[:PROLOG_LIMIT])  # no DTD, hence no entity, reaches lxml
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
