"""A user's Word template restyles the pack."""

from __future__ import annotations

import io

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from addin.errors import InputError
from addin.reports.build import build_retro_pack

from .conftest import blocks, headings, reopen, style_name
from .factories import make_input

BRAND = RGBColor(0x8B, 0x00, 0x8B)


def _template(*, drop: tuple[str, ...] = (), table_style: bool = False) -> bytes:
    doc = docx.Document()
    h1 = doc.styles["Heading 1"]
    h1.font.size = Pt(28)
    h1.font.color.rgb = BRAND
    doc.add_paragraph("Template placeholder text that must not survive")
    doc.sections[0].header.paragraphs[0].text = "ACME Corp confidential"
    if table_style:
        style = doc.styles.add_style("Retro Table", WD_STYLE_TYPE.TABLE)
        style.base_style = doc.styles["Table Grid"]
        style.font.size = Pt(8)
    for name in drop:
        el = doc.styles.element.get_by_name(name.lower() if name.startswith("Heading") else name)
        el.getparent().remove(el)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def test_template_styles_restyle_the_pack():
    doc = reopen(build_retro_pack(make_input(objectives=2), charts=False, template=_template(table_style=True)))
    h1 = doc.styles["Heading 1"]
    assert h1.font.size == Pt(28) and h1.font.color.rgb == BRAND
    assert headings(doc)[0] == (1, "Scorecard")
    assert all(t.style.name == "Retro Table" for t in doc.tables)
    text = [getattr(b, "text", "") for b in blocks(doc)]
    assert not any("Template placeholder" in t for t in text)
    header = [p.text for p in doc.sections[0].header.paragraphs]
    assert "ACME Corp confidential" in header  # the template's header is kept...
    assert any("Growth" in t and "2026-Q3" in t for t in header)  # ...and ours is added


def test_template_missing_styles_borrows_them():
    template = _template(drop=("Heading 2", "Title", "List Bullet"))
    doc = reopen(build_retro_pack(make_input(objectives=2), charts=False, template=template))
    hs = headings(doc)
    assert (2, "1 Objective 1 of Growth") in hs
    assert [b.text for b in blocks(doc) if hasattr(b, "style") and style_name(b) == "Title"] == [
        "Retrospective: Growth"
    ]


@pytest.mark.parametrize(
    "junk", [b"", b"not a zip", b"PK\x03\x04 truncated", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600]
)
def test_unusable_template_is_a_clear_error(junk):
    with pytest.raises(InputError) as err:
        build_retro_pack(make_input(objectives=1), charts=False, template=junk)
    assert err.value.code == "bad_template"
    assert err.value.details == {"field": "template"}


def test_settings_ask_word_to_refresh_fields():
    doc = reopen(build_retro_pack(make_input(objectives=1), charts=False, template=_template()))
    flags = doc.settings.element.findall(qn("w:updateFields"))
    assert len(flags) == 1 and flags[0].get(qn("w:val")) == "true"


def test_a_template_without_page_size_or_margins_gets_a_letter_page():
    template = docx.Document()
    sect_pr = template.sections[-1]._sectPr
    for tag in ("w:pgSz", "w:pgMar"):
        for element in sect_pr.findall(qn(tag)):
            sect_pr.remove(element)
    buffer = io.BytesIO()
    template.save(buffer)
    doc = reopen(build_retro_pack(make_input(), charts=False, template=buffer.getvalue()))
    assert [h for level, h in headings(doc) if level == 1][0] == "Scorecard"
    widths = [cell.width for table in doc.tables for cell in table.rows[0].cells if cell.width]
    assert widths and sum(widths[:2]) <= 6.5 * 914400  # the tables fit a Letter page's text width
