"""Word styles for the pack: looked up once per document, borrowed from python-docx's default when missing.

python-docx resolves a style *name* with an XPath search on every paragraph; the pack
asks for each style once here and hands the style objects around instead.

A user template restyles the pack by defining these styles (by their English UI names):
Title, Subtitle, Heading 1, Heading 2, Caption, List Bullet, and "Retro Table" (or
"Table Grid") for tables. A style the template lacks is copied from python-docx's
default template, so a half-made template never breaks the build.
"""

from __future__ import annotations

import copy
import functools

import docx
from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.styles import BabelFish
from docx.styles.style import BaseStyle, StyleFactory

PARAGRAPH_STYLES = {
    "title": "Title",
    "subtitle": "Subtitle",
    "h1": "Heading 1",
    "h2": "Heading 2",
    "normal": "Normal",
    "caption": "Caption",
    "bullet": "List Bullet",
}
TABLE_STYLES = ("Retro Table", "Table Grid")


@functools.cache
def _default_styles() -> dict[str, BaseOxmlElement]:
    """styleId -> <w:style> element of python-docx's own default template (parsed once)."""
    styles = docx.Document().styles.element
    return {el.get(qn("w:styleId")): el for el in styles.iterchildren(qn("w:style"))}


def _ui_name_to_id(name: str) -> str:
    return name.replace(" ", "")


def _borrow(doc: Document, style_id: str) -> None:
    """Copy a style (and the styles it is based on / linked to) from the default template."""
    element = doc.styles.element
    have = {el.get(qn("w:styleId")) for el in element.iterchildren(qn("w:style"))}
    todo = [style_id]
    while todo:
        sid = todo.pop()
        if sid in have or sid not in _default_styles():
            continue
        source = _default_styles()[sid]
        element.append(copy.deepcopy(source))
        have.add(sid)
        for tag in ("w:basedOn", "w:link", "w:next"):
            ref = source.find(qn(tag))
            if ref is not None:
                todo.append(ref.get(qn("w:val")))


class Styles:
    """The style objects the pack uses, resolved once for one document."""

    def __init__(self, doc: Document) -> None:
        self._doc = doc
        for attr, name in PARAGRAPH_STYLES.items():
            setattr(self, attr, self._get(name, WD_STYLE_TYPE.PARAGRAPH))
        # python-docx's style setter re-finds the document default on every call (a scan of
        # all styles); the pack writes these ids into pPr/tblPr itself instead.
        self.ids = {attr: getattr(self, attr).style_id for attr in PARAGRAPH_STYLES}
        self.table = next(
            (s for s in (self._find(n, WD_STYLE_TYPE.TABLE) for n in TABLE_STYLES) if s is not None), None
        ) or self._get("Table Grid", WD_STYLE_TYPE.TABLE)
        self.table_id = self.table.style_id

    def _find(self, name: str, kind: WD_STYLE_TYPE) -> BaseStyle | None:
        # By name only: Styles[...] falls back to a style id with a warning.
        element = self._doc.styles.element.get_by_name(BabelFish.ui2internal(name))
        if element is None:
            return None
        style = StyleFactory(element)
        return style if style.type == kind else None

    def _get(self, name: str, kind: WD_STYLE_TYPE) -> BaseStyle:
        style = self._find(name, kind)
        if style is None:
            _borrow(self._doc, _ui_name_to_id(name))
            style = self._find(name, kind)
        if style is None:  # not even the default template has it: fall back to the document default
            style = self._doc.styles.default(kind)
        return style
