"""Word tables written as one XML string and parsed once.

python-docx builds a table element by element (a few hundred Python calls per cell);
the pack's tables are plain grids of text, so writing their XML directly is several
times faster and produces the same markup Word writes. Text must already be sanitised
(sanitize.text_for_docx); it is XML-escaped here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast
from xml.sax.saxutils import escape

from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.oxml.table import CT_Tbl

TWIPS_PER_INCH = 1440


@dataclass(frozen=True, slots=True)
class Cell:
    text: str = ""
    fill: str | None = None  # hex RGB background, e.g. "C6EFCE"
    bold: bool = False


def _runs(text: str, bold: bool, size_pt: float | None = None) -> str:
    if not text:
        return ""
    props = ("<w:b/>" if bold else "") + (f'<w:sz w:val="{round(size_pt * 2)}"/>' if size_pt else "")
    rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
    out = []
    for i, line in enumerate(text.split("\n")):
        if i:
            out.append(f"<w:r>{rpr}<w:br/></w:r>")
        for j, part in enumerate(line.split("\t")):
            if j:
                out.append(f"<w:r>{rpr}<w:tab/></w:r>")
            if part:
                out.append(f'<w:r>{rpr}<w:t xml:space="preserve">{escape(part)}</w:t></w:r>')
    return "".join(out)


def table_xml(
    rows: Sequence[Sequence[Cell]],
    *,
    style_id: str,
    widths_in: Sequence[float],
    header: bool = True,
    row_height_in: float | None = None,
    size_pt: float | None = None,
) -> CT_Tbl:
    """A <w:tbl> element: fixed column widths, the first row repeated on each page when ``header``."""
    widths = [round(w * TWIPS_PER_INCH) for w in widths_in]
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    parts = [
        f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="{escape(style_id)}"/>'
        f'<w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:tblLayout w:type="fixed"/>'
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" '
        'w:noHBand="0" w:noVBand="1"/></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>"
    ]
    for r, row in enumerate(rows):
        tr_pr = ["<w:cantSplit/>"]  # a row stays on one page; long tables break between rows
        if header and r == 0:
            tr_pr.append("<w:tblHeader/>")
        if row_height_in:
            tr_pr.append(f'<w:trHeight w:val="{round(row_height_in * TWIPS_PER_INCH)}"/>')
        parts.append(f"<w:tr><w:trPr>{''.join(tr_pr)}</w:trPr>")
        for cell, width in zip(row, widths):
            shd = f'<w:shd w:val="clear" w:color="auto" w:fill="{cell.fill}"/>' if cell.fill else ""
            bold = cell.bold or (header and r == 0)
            parts.append(
                f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{shd}</w:tcPr>'
                f"<w:p>{_runs(cell.text, bold, size_pt)}</w:p></w:tc>"
            )
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    # python-docx's parser makes a registered element class of each tag: CT_Tbl for <w:tbl>
    return cast(CT_Tbl, parse_xml("".join(parts)))
