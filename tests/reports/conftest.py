"""Fixtures and readers for retro pack tests: build a pack, reopen it with python-docx."""

from __future__ import annotations

import io
from collections.abc import Iterator

import docx
import pytest
from docx.document import Document
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from addin.reports.build import build_retro_pack

from .factories import make_input


def reopen(data: bytes) -> Document:
    """The pack as Word would see it: parsed again from its bytes."""
    return docx.Document(io.BytesIO(data))


def blocks(doc: Document) -> Iterator[Paragraph | Table]:
    """Paragraphs and tables of the body, in document order."""
    for child in doc.element.body.iterchildren():
        if child.tag == qn("w:p"):
            yield Paragraph(child, doc)
        elif child.tag == qn("w:tbl"):
            yield Table(child, doc)


def style_name(p: Paragraph) -> str:
    return p.style.name if p.style is not None else ""


def headings(doc: Document) -> list[tuple[int, str]]:
    """(level, text) of every Heading 1 / Heading 2 paragraph, in order."""
    out = []
    for b in blocks(doc):
        if isinstance(b, Paragraph) and style_name(b).startswith("Heading "):
            out.append((int(style_name(b).split()[-1]), b.text))
    return out


def section_blocks(doc: Document, title: str) -> list[Paragraph | Table]:
    """The blocks after the Heading 1 ``title`` up to the next Heading 1."""
    out: list[Paragraph | Table] = []
    inside = False
    for b in blocks(doc):
        if isinstance(b, Paragraph) and style_name(b) == "Heading 1":
            if inside:
                break
            inside = b.text == title
            continue
        if inside:
            out.append(b)
    return out


def cell_fill(cell) -> str | None:
    shd = cell._tc.tcPr.find(qn("w:shd")) if cell._tc.tcPr is not None else None
    return None if shd is None else shd.get(qn("w:fill"))


def table_after(doc: Document, title: str, index: int = 0) -> Table:
    tables = [b for b in section_blocks(doc, title) if isinstance(b, Table)]
    return tables[index]


@pytest.fixture(scope="module")
def standard_input():
    return make_input(objectives=3, krs_per_objective=4)


@pytest.fixture(scope="module")
def standard_pack(standard_input) -> bytes:
    return build_retro_pack(standard_input)


@pytest.fixture(scope="module")
def standard_doc(standard_pack) -> Document:
    return reopen(standard_pack)
