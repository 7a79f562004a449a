"""What each section says about the quarter: timeline, rhythm, pitfalls, dependencies, questions, carry-over."""

from __future__ import annotations

import datetime as dt

from docx.table import Table

from addin.okr.model import CheckIn
from addin.reports.build import build_retro_pack
from addin.reports.questions import THEMES

from .conftest import cell_fill, headings, reopen, section_blocks, style_name, table_after
from .factories import QUARTER, checkin_days, finding_record, make_input

UTC = dt.UTC


def _texts(doc, title):
    return [b.text for b in section_blocks(doc, title) if not isinstance(b, Table)]


def _story_input(**kw):
    """One objective; KR 1.1 has a story: a big move, a confidence drop, notes along the way."""
    data = make_input(objectives=1, krs_per_objective=4, **kw)
    days = checkin_days(13)
    values = [12, 14, 16, 18, 20, 22, 60, 62, 64, 66, 68, 70, 72]
    notes = {0: "Kickoff: plan agreed", 6: "Big launch landed", 9: "Vendor slipped", 12: "Wrapped up at 72"}
    story = [
        CheckIn("KR-GRO00", at, v, 0.8 if i < 9 else 0.4, notes.get(i, f"routine update {i}"))
        for i, (at, v) in enumerate(zip(days, values))
    ]
    # KR 1.2 went quiet after two weeks; KR 1.3 was checked in every week without moving.
    quiet = [CheckIn("KR-GRO01", at, 25.0 + i, 0.7) for i, at in enumerate(days[:2])]
    flat = [CheckIn("KR-GRO02", at, 30.0, 0.9) for at in days]
    keep = [c for c in data.checkins if c.kr_id not in {"KR-GRO00", "KR-GRO01", "KR-GRO02"}]
    data.checkins = keep + story + quiet + flat
    return data


def test_timeline_keeps_the_notes_that_mattered():
    doc = reopen(build_retro_pack(_story_input(), charts=False))
    text = "\n".join(_texts(doc, "Objectives in detail"))
    for note in ("Kickoff: plan agreed", "Big launch landed", "Vendor slipped", "Wrapped up at 72"):
        assert note in text
    assert "routine update" not in text
    assert "big move: +38 pts" in text
    assert "confidence 0.8 → 0.4" in text


def test_rhythm_counts_weeks_and_flags_stale_flat_and_swinging_krs():
    data = _story_input(skip_weeks=(4, 5))
    # The story KRs keep their own weekly check-ins; drop theirs in weeks 4 and 5 too.
    days = checkin_days(13)
    data.checkins = [c for c in data.checkins if c.at not in (days[3], days[4])]
    doc = reopen(build_retro_pack(data, charts=False))
    strip = table_after(doc, "Operating rhythm")
    assert [c.text for c in strip.rows[0].cells] == [f"w{i}" for i in range(1, 14)]
    counts = [int(c.text) for c in strip.rows[1].cells]
    assert counts[3] == counts[4] == 0 and all(n > 0 for i, n in enumerate(counts) if i not in (3, 4))
    assert cell_fill(strip.rows[1].cells[3]) != cell_fill(strip.rows[1].cells[0])
    text = "\n".join(_texts(doc, "Operating rhythm"))
    assert "11 of 13 weeks had at least one check-in" in text
    stale = [t for t in text.splitlines() if "days without a check-in" in t]
    assert any(t.startswith("1.2 ") for t in stale)
    assert any(t.startswith("1.3 ") and "always 30" in t for t in text.splitlines())
    assert any("1.1 " in t and "0.8 → 0.4" in t for t in text.splitlines())


def test_every_pitfall_of_the_quarter_with_when_it_was_resolved():
    findings = [
        finding_record(
            "stale-kr", "stale", "KR-GRO01", dt.datetime(2026, 7, 20, tzinfo=UTC), dt.datetime(2026, 8, 10, tzinfo=UTC)
        ),
        finding_record(
            "activity-verb",
            "activity-not-result",
            "KR-GRO02",
            dt.datetime(2026, 8, 1, tzinfo=UTC),
            None,
            message="KR reads like a task",
        ),
        finding_record(
            "no-owner", "no-owner", None, dt.datetime(2026, 5, 1, tzinfo=UTC), dt.datetime(2026, 6, 1, tzinfo=UTC)
        ),
    ]
    doc = reopen(build_retro_pack(make_input(objectives=1, findings=findings), charts=False))
    blocks = section_blocks(doc, "Operating rhythm")
    tables = [b for b in blocks if isinstance(b, Table)]
    pitfalls = tables[-1]
    rows = [[c.text for c in r.cells] for r in pitfalls.rows]
    assert rows[0] == ["Pitfall", "Where", "What", "First seen", "Resolved"]
    assert [r[0] for r in rows[1:]] == ["stale", "activity-not-result"]  # May's finding was before the quarter
    assert rows[1][3:] == ["20 Jul 2026", "10 Aug 2026"]
    assert rows[2][4] == "still open" and rows[2][2] == "KR reads like a task"


def test_dependencies_acknowledged_or_not_and_who_depended_on_us(standard_doc):
    table = table_after(standard_doc, "Dependencies and alignment")
    rows = {r.cells[1].text: [c.text for c in r.cells] for r in table.rows[1:]}
    assert rows["Platform"][2] == "yes"  # Platform holds a KR aligned to ours
    assert "graded 1.00" in rows["Platform"][3]
    assert rows["Data"][2] == "no"
    text = "\n".join(_texts(standard_doc, "Dependencies and alignment"))
    assert "Sales: KR-SAL001 Close 40 mid-market deals" in text
    assert "no KR of Data answered it" in rows["Data"][3]


def test_resolved_dependency_finding_counts_as_acknowledged():
    resolved = finding_record(
        "unacknowledged-dependency",
        "unacknowledged-dependency",
        "KR-GRO00",
        dt.datetime(2026, 7, 3, tzinfo=UTC),
        dt.datetime(2026, 8, 5, tzinfo=UTC),
    )
    doc = reopen(build_retro_pack(make_input(objectives=1, findings=[resolved]), charts=False))
    rows = {r.cells[1].text: r.cells[2].text for r in table_after(doc, "Dependencies and alignment").rows[1:]}
    assert rows["Data"] == "yes, 5 Aug 2026"


def test_questions_cover_every_theme_with_room_to_answer(standard_doc):
    hs = headings(standard_doc)
    start = hs.index((1, "Retrospective questions"))
    assert [t for _, t in hs[start + 1 : start + 1 + len(THEMES)]] == list(THEMES)
    blocks = section_blocks(standard_doc, "Retrospective questions")
    questions = 0
    for i, b in enumerate(blocks):
        if not isinstance(b, Table) and style_name(b) == "Normal" and b.text.endswith("?"):
            questions += 1
            box = blocks[i + 1]
            assert isinstance(box, Table) and len(box.rows) == 1 and len(box.columns) == 1
            assert box.rows[0].cells[0].text == ""  # empty: for the team to write in
            assert box.rows[0].height is not None
    assert questions >= len(THEMES)
    text = "\n".join(_texts(standard_doc, "Retrospective questions"))
    # KR 1.4 started at confidence 0.8 and ended at 0.2 of the way: an assumption broke.
    assert "1.4 Raise metric 1.4 from baseline to target started at confidence 0.8 and ended graded 0.20" in text


def test_carry_over_lists_low_and_unfinished_krs_with_a_next_quarter_wording(standard_doc):
    table = table_after(standard_doc, "Carry-over")
    rows = {r.cells[0].text.split(" ")[0]: [c.text for c in r.cells] for r in table.rows[1:]}
    assert "1.1" not in rows and "2.1" not in rows and "2.2" not in rows  # finished (2.2: 0.8 of an aspirational 0.7)
    assert {"1.2", "1.3", "1.4", "2.3", "2.4"} <= set(rows)
    # KR 1.4: baseline 40, target 140, ended at 60 -> graded 0.2; suggest half the remaining way.
    assert "from 60 to 100" in rows["1.4"][3]
    assert QUARTER.next().label in rows["1.4"][3]
    assert "below 0.4" in rows["1.4"][2]
    assert "unfinished" in rows["1.2"][2] and "from 100 to 120" in rows["1.2"][3]
    assert all(r[4] == "" for r in rows.values())  # the Decision column is for the team
    grades = [float(r[1]) for r in rows.values()]
    assert grades == sorted(grades)


def test_dependency_on_a_kr_id_acknowledged_as_team_and_number():
    data = make_input(objectives=1)
    mine = data.okrs.key_results[1]  # 1.2
    mine.depends_on = ("KR-PLT001",)
    platform = next(kr for kr in data.okrs.key_results if kr.id == "KR-PLT001")
    platform.depends_on = ("growth : 1.2",)  # the other team names our KR by team and number
    doc = reopen(build_retro_pack(data, charts=False))
    rows = {r.cells[1].text: [c.text for c in r.cells] for r in table_after(doc, "Dependencies and alignment").rows[1:]}
    assert rows["KR-PLT001 (Platform)"][0].startswith("1.2 ")
    assert rows["KR-PLT001 (Platform)"][2] == "yes"
    assert rows["KR-PLT001 (Platform)"][3] == "KR-PLT001: graded 1.00"
