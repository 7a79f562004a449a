"""Word fields python-docx has no API for: page numbers in the footer, the table of contents
(a real TOC field, filled in by Word), and asking Word to update fields when the pack opens."""

from __future__ import annotations

from docx.document import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn


def _simple_field(instruction: str, placeholder: str):
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), instruction)
    r = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = placeholder
    r.append(t)
    fld.append(r)
    return fld


def _fld_char(kind: str, *, dirty: bool = False):
    r = OxmlElement("w:r")
    fc = OxmlElement("w:fldChar")
    fc.set(qn("w:fldCharType"), kind)
    if dirty:
        fc.set(qn("w:dirty"), "true")
    r.append(fc)
    return r


def _instr(text: str):
    r = OxmlElement("w:r")
    it = OxmlElement("w:instrText")
    it.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    it.text = text
    r.append(it)
    return r


def _first_run_index(p) -> int:
    for i, child in enumerate(p):
        if child.tag != qn("w:pPr"):
            return i
    return len(p)


def _update_fields_on_open(doc: Document) -> None:
    """Ask Word to refresh fields (TOC page numbers) when the pack is opened."""
    settings = doc.settings.element
    for old in settings.findall(qn("w:updateFields")):
        settings.remove(old)
    el = OxmlElement("w:updateFields")
    el.set(qn("w:val"), "true")
    # Word rejects settings.xml children out of schema order: updateFields goes before these.
    for child in settings:
        if not child.tag.startswith(_W) or child.tag[len(_W) :] in _AFTER_UPDATE_FIELDS:
            child.addprevious(el)
            return
    settings.append(el)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_AFTER_UPDATE_FIELDS = frozenset(
    "hdrShapeDefaults footnotePr endnotePr compat docVars rsids attachedSchema themeFontLang "
    "clrSchemeMapping doNotIncludeSubdocsInStats doNotAutoCompressPictures forceUpgrade captions "
    "readModeInkLockDown smartTagType shapeDefaults doNotEmbedSmartTags decimalSymbol listSeparator".split()
)
