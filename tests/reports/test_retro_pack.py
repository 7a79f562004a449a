"""The pack's structure and numbers, read back from the .docx as Word would."""

from __future__ import annotations

import re

from docx.oxml.ns import qn

from addin.okr.model import ObjectiveType
from addin.reports.build import SECTION_TITLES, build_retro_pack

from .conftest import blocks, cell_fill, headings, reopen, section_blocks, style_name, table_after
from .factories import FINAL_PROGRESS, make_input

H1 = [
    "Scorecard",
    "Objectives in detail",
    "Operating rhythm",
    "Across quarters",
    "Dependencies and alignment",
    "Retrospective questions",
    "Carry-over",
]


def _expected_grades(data):
    """Grades from the factory's numbers: progress clamped to 0..1; aspirational against 0.7."""
    types = {o.title: o.type for o in data.okrs.objectives}
    grades = {}
    for kr in data.okrs.key_results:
        if kr.team != data.team.name:
            continue
        k = int(kr.ref.split(".")[1]) - 1
        p = min(1.0, max(0.0, FINAL_PROGRESS[k]))
        if types[kr.objective] == ObjectiveType.ASPIRATIONAL:
            p = min(1.0, p / 0.7)
        grades[kr.ref] = p
    return grades


def test_title_and_headings_in_order(standard_doc, standard_input):
    title = [b.text for b in blocks(standard_doc) if hasattr(b, "style") and style_name(b) == "Title"]
    assert title == ["Retrospective: Growth"]
    hs = headings(standard_doc)
    assert [t for level, t in hs if level == 1] == H1
    assert list(SECTION_TITLES) == H1  # the documented section list matches the document
    objectives_h1 = hs.index((1, "Objectives in detail"))
    rhythm_h1 = hs.index((1, "Operating rhythm"))
    assert [t for _, t in hs[objectives_h1 + 1 : rhythm_h1]] == [f"{i} Objective {i} of Growth" for i in (1, 2, 3)]


def test_scorecard_values_match_the_data(standard_doc, standard_input):
    grades = _expected_grades(standard_input)
    table = table_after(standard_doc, "Scorecard")
    rows = {r.cells[0].text.split(" ")[0]: [c.text for c in r.cells] for r in table.rows[1:]}
    for kr in standard_input.okrs.key_results:
        if kr.team != "Growth":
            continue
        name, baseline, target, final, grade, status = rows[kr.ref]
        k = int(kr.ref.split(".")[1]) - 1
        assert name == f"{kr.ref} {kr.title}"
        assert float(baseline) == kr.baseline
        assert float(target) == kr.target
        assert float(final) == kr.baseline + 100 * FINAL_PROGRESS[k]
        assert abs(float(grade) - grades[kr.ref]) < 0.006
        if FINAL_PROGRESS[k] >= 1:
            assert status == "done"
        if FINAL_PROGRESS[k] <= 0.2:
            assert status == "off track"


def test_objective_and_team_scores_roll_up(standard_doc, standard_input):
    grades = _expected_grades(standard_input)
    table = table_after(standard_doc, "Scorecard")
    objective_scores = []
    for o in (1, 2, 3):
        row = next(r for r in table.rows if r.cells[0].text.startswith(f"{o} Objective {o}"))
        mine = [g for ref, g in grades.items() if ref.startswith(f"{o}.")]
        expected = sum(mine) / len(mine)
        objective_scores.append(expected)
        assert abs(float(row.cells[4].text) - expected) < 0.006
    team = sum(objective_scores) / len(objective_scores)
    cover = next(b.text for b in blocks(standard_doc) if "Overall score" in getattr(b, "text", ""))
    assert abs(float(cover.split()[-1]) - team) < 0.006


def test_weights_change_the_roll_up():
    data = make_input(objectives=1, krs_per_objective=2, aspirational=())
    data.okrs.key_results[0].weight = 3  # KR 1.1 graded 1.0, KR 1.2 graded 0.8
    doc = reopen(build_retro_pack(data, charts=False))
    row = next(r for r in table_after(doc, "Scorecard").rows if r.cells[0].text.startswith("1 Objective"))
    assert abs(float(row.cells[4].text) - (3 * 1.0 + 0.8) / 4) < 0.006


def test_status_cells_are_coloured_by_status_with_a_legend(standard_doc):
    table = table_after(standard_doc, "Scorecard")
    fills: dict[str, set[str]] = {}
    for r in table.rows[1:]:
        status = r.cells[5].text
        if not status:  # an objective row: its score, no status
            continue
        fills.setdefault(status, set()).add(cell_fill(r.cells[5]))
    assert all(len(f) == 1 and None not in f for f in fills.values())  # one colour per status
    assert len({next(iter(f)) for f in fills.values()}) == len(fills)  # different statuses differ
    legend = table_after(standard_doc, "Scorecard", 1)
    legend_fills = {c.text: cell_fill(c) for c in legend.rows[0].cells}
    assert set(legend_fills) == {"done", "on track", "at risk", "off track", "not started"}
    for status, f in fills.items():
        assert legend_fills[status] in f


def test_one_chart_per_objective_as_inline_pictures():
    data = make_input(objectives=2, krs_per_objective=4)
    assert len(reopen(build_retro_pack(data)).inline_shapes) == 2
    assert len(reopen(build_retro_pack(data, charts=False)).inline_shapes) == 0


def test_many_krs_split_over_several_pictures():
    data = make_input(objectives=1, krs_per_objective=8)  # more than fit one small-multiples picture
    doc = reopen(build_retro_pack(data))
    assert len(doc.inline_shapes) == 2
    blob = doc.inline_shapes[0]._inline.graphic.graphicData.pic.blipFill.blip.embed
    assert doc.part.related_parts[blob].content_type == "image/png"


def test_no_heading_is_left_empty(standard_doc):
    items = list(blocks(standard_doc))
    for i, b in enumerate(items):
        if hasattr(b, "style") and style_name(b).startswith("Heading"):
            nxt = items[i + 1]
            assert not (hasattr(nxt, "style") and style_name(nxt).startswith("Heading")), b.text
            if hasattr(nxt, "text"):
                assert nxt.text.strip() or nxt._p.xpath(".//w:drawing"), b.text


def test_empty_team_still_makes_a_complete_pack():
    data = make_input(objectives=0, other_teams=False)
    doc = reopen(build_retro_pack(data))
    assert [t for level, t in headings(doc) if level == 1] == H1
    assert "no objectives" in " ".join(p.text for p in section_blocks(doc, "Scorecard") if hasattr(p, "text")).lower()


def test_core_properties(standard_doc):
    props = standard_doc.core_properties
    assert "Growth" in props.title and "2026-Q3" in props.title
    assert "2026-Q3" in props.subject
    assert props.author == "Retro Tester"
    assert props.created.year == 2026


def test_header_names_team_and_quarter_and_footer_numbers_pages(standard_doc):
    section = standard_doc.sections[0]
    header = " ".join(p.text for p in section.header.paragraphs)
    assert "Growth" in header and "2026-Q3" in header
    instructions = [f.get(qn("w:instr")) for f in section.footer._element.iter(qn("w:fldSimple"))]
    assert "PAGE" in instructions


def test_table_of_contents_field_lists_the_headings(standard_doc):
    body = standard_doc.element.body
    instr = "".join(t.text for t in body.iter(qn("w:instrText")))
    assert re.search(r'TOC \\o "1-3" \\h \\z \\u', instr)
    kinds = [f.get(qn("w:fldCharType")) for f in body.iter(qn("w:fldChar"))]
    assert kinds[:3] == ["begin", "separate", "end"]
    # The field result already lists the sections, before Word refreshes it.
    paragraphs = [b for b in blocks(standard_doc) if hasattr(b, "text")]
    first_heading = next(i for i, p in enumerate(paragraphs) if style_name(p) == "Heading 1")
    before = [p.text for p in paragraphs[:first_heading]]
    assert all(h in before for h in H1)


def test_tables_use_a_table_style(standard_doc):
    assert standard_doc.tables and all(
        t.style is not None and t.style.name == "Table Grid" for t in standard_doc.tables
    )


def test_pack_before_quarter_end_says_so():
    import datetime as dt

    data = make_input(objectives=1, generated_at=dt.datetime(2026, 8, 15, tzinfo=dt.UTC))
    doc = reopen(build_retro_pack(data, charts=False))
    assert any("not over yet" in getattr(b, "text", "") for b in blocks(doc))
    strip = table_after(doc, "Operating rhythm")
    assert len(strip.rows[0].cells) == 7  # weeks from 1 Jul to 15 Aug only
