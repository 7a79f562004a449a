"""The package around the sheets: content types, relationships, workbook.xml, custom properties.

Each function takes a part's bytes (or parsed root) and returns the edited bytes;
none of them touches a worksheet's cells.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from lxml import etree

from addin.excel.write_xml import (
    CT_MACRO_MAINS,
    CT_NS,
    CT_XLSX_MAIN,
    CUSTOM_NS,
    MAIN_NS,
    PKG_REL_NS,
    REL_NS,
    VT_NS,
    parse_part,
    serialize_part,
)

WORKBOOK_ID_PROPERTY = "OKRCadenceWorkbookId"
_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # the id every custom property carries
_VBA_TYPES = re.compile(r"vbaProject|vbaData", re.IGNORECASE)


def rels_path(part: str) -> str:
    """ "xl/workbook.xml" -> "xl/_rels/workbook.xml.rels"."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def resolve(source_part: str, target: str) -> str:
    """A relationship target as a zip member name."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


@dataclass
class Relationship:
    id: str
    type: str
    target: str
    external: bool


def read_rels(data: bytes | None, part: str) -> list[Relationship]:
    """Relationships of a .rels part (empty when the part is absent)."""
    if data is None:
        return []
    root = parse_part(data, part)
    return [
        Relationship(rel.get("Id", ""), rel.get("Type", ""), rel.get("Target", ""), rel.get("TargetMode") == "External")
        for rel in root.iterfind(f"{{{PKG_REL_NS}}}Relationship")
    ]


def edit_rels(
    data: bytes | None, part: str, *, drop_targets: set[str], source_part: str, add: Sequence[tuple[str, str]] = ()
) -> tuple[bytes, list[str]]:
    """Remove relationships to dropped parts, add (type, target) ones; return bytes and new ids."""
    root = (
        parse_part(data, part)
        if data is not None
        else etree.Element(f"{{{PKG_REL_NS}}}Relationships", nsmap={None: PKG_REL_NS})
    )
    for rel in list(root):
        if rel.get("TargetMode") != "External" and resolve(source_part, rel.get("Target", "")) in drop_targets:
            root.remove(rel)
    taken = {rel.get("Id") for rel in root}
    new_ids: list[str] = []
    number = 1
    for rel_type, target in add:
        while f"rId{number}" in taken:
            number += 1
        rel_id = f"rId{number}"
        taken.add(rel_id)
        etree.SubElement(root, f"{{{PKG_REL_NS}}}Relationship", Id=rel_id, Type=rel_type, Target=target)
        new_ids.append(rel_id)
    return serialize_part(root), new_ids


@dataclass
class ContentTypes:
    """[Content_Types].xml: which part has which content type."""

    root: etree._Element
    overrides: dict[str, str] = field(default_factory=dict)  # member name -> content type
    defaults: dict[str, str] = field(default_factory=dict)  # extension -> content type

    @classmethod
    def parse(cls, data: bytes) -> ContentTypes:
        root = parse_part(data, "[Content_Types].xml")
        types = cls(root)
        for node in root:
            if node.tag == f"{{{CT_NS}}}Override":
                types.overrides[node.get("PartName", "").lstrip("/")] = node.get("ContentType", "")
            elif node.tag == f"{{{CT_NS}}}Default":
                types.defaults[node.get("Extension", "").lower()] = node.get("ContentType", "")
        return types

    def of(self, member: str) -> str:
        """The content type of a zip member."""
        found = self.overrides.get(member)
        if found is None:
            found = self.defaults.get(posixpath.splitext(member)[1].lstrip(".").lower(), "")
        return found

    def is_vba(self, member: str) -> bool:
        return bool(_VBA_TYPES.search(self.of(member)))

    def edit(self, *, drop: set[str], add: dict[str, str]) -> bytes:
        """Without the dropped parts (and macro types), with added overrides."""
        for node in list(self.root):
            if node.tag == f"{{{CT_NS}}}Override":
                name = node.get("PartName", "").lstrip("/")
                if name in drop or name in add:
                    self.root.remove(node)
                elif node.get("ContentType") in CT_MACRO_MAINS:
                    node.set("ContentType", CT_XLSX_MAIN)
            elif node.tag == f"{{{CT_NS}}}Default" and _VBA_TYPES.search(node.get("ContentType", "")):
                self.root.remove(node)
        for name, content_type in add.items():
            etree.SubElement(self.root, f"{{{CT_NS}}}Override", PartName=f"/{name}", ContentType=content_type)
        return serialize_part(self.root)


@dataclass
class SheetEntry:
    name: str
    part: str
    sheet_id: int


def workbook_sheets(workbook: etree._Element, rels: list[Relationship], workbook_part: str) -> list[SheetEntry]:
    """The workbook's sheets in order, with the part each lives in."""
    targets = {rel.id: resolve(workbook_part, rel.target) for rel in rels if not rel.external}
    entries = []
    for sheet in workbook.iterfind(f"{{{MAIN_NS}}}sheets/{{{MAIN_NS}}}sheet"):
        part = targets.get(sheet.get(f"{{{REL_NS}}}id", ""), "")
        entries.append(SheetEntry(sheet.get("name", ""), part, int(sheet.get("sheetId", "0") or 0)))
    return entries


def uses_1904(workbook: etree._Element) -> bool:
    """Whether dates count from 1904 (old Mac workbooks)."""
    pr = workbook.find(f"{{{MAIN_NS}}}workbookPr")
    return pr is not None and pr.get("date1904", "0").lower() in ("1", "true")


def edit_workbook(
    workbook: etree._Element,
    *,
    drop_external: bool,
    new_sheets: list[tuple[str, int, str]],
    is_external: Callable[[str], bool],
) -> bytes:
    """workbook.xml without external references, with new <sheet> entries (name, id, rel id)."""
    if drop_external:
        for node in workbook.findall(f"{{{MAIN_NS}}}externalReferences"):
            workbook.remove(node)
        names = workbook.find(f"{{{MAIN_NS}}}definedNames")
        if names is not None:
            for name in list(names):
                if is_external(name.text or ""):
                    names.remove(name)
            if len(names) == 0:
                workbook.remove(names)
    sheets = workbook.find(f"{{{MAIN_NS}}}sheets")
    for name, sheet_id, rel_id in new_sheets:
        etree.SubElement(
            sheets, f"{{{MAIN_NS}}}sheet", {"name": name, "sheetId": str(sheet_id), f"{{{REL_NS}}}id": rel_id}
        )
    return serialize_part(workbook)


def set_custom_property(data: bytes | None, part: str, name: str, value: str) -> bytes:
    """docProps/custom.xml with text property ``name`` set to ``value``."""
    if data is None:
        root = etree.Element(f"{{{CUSTOM_NS}}}Properties", nsmap={None: CUSTOM_NS, "vt": VT_NS})
    else:
        root = parse_part(data, part)
    pids = [int(p.get("pid", "1")) for p in root if p.get("pid", "").isdigit()]
    prop = next((p for p in root if p.get("name") == name), None)
    if prop is None:
        prop = etree.SubElement(root, f"{{{CUSTOM_NS}}}property", fmtid=_FMTID, pid=str(max(pids + [1]) + 1), name=name)
    for child in list(prop):
        prop.remove(child)
    etree.SubElement(prop, f"{{{VT_NS}}}lpwstr").text = value
    return serialize_part(root)
