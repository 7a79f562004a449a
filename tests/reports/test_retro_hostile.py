"""Hostile user text (HOSTILE-INPUT-CHECKLIST TXT-2..5, DOCX-1): the pack still builds and reads right."""

from __future__ import annotations

import io
import re
import time
import zipfile

import pytest

from addin.okr.model import CheckIn
from addin.reports.build import build_retro_pack
from addin.reports.sanitize import NOTE_LIMIT, TITLE_LIMIT

from .conftest import blocks, reopen, table_after
from .factories import checkin_days, finding_record, make_input

CONTROL = "bad\x00\x01\x08\x0b\x0c\x1b\x7f\x85\ud800\ufffe\uffffchars"
HTML = '<script>alert("x")</script><img src=x onerror=alert(1)> &amp; {{7*7}}'
RTL = "שלום עולם — مرحبا بالعالم"
EMOJI = "👩‍👩‍👧 family 🇪🇸 flag ✅"
LONG_NOTE = "blah " * 6000  # 30,000 characters
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
CHAR_REF = re.compile(rb"&#(x0*[0-8bcef]|x0*1[0-9a-f]|0*[0-8]|0*1[1-9]|0*2[0-9]|0*3[01]);", re.I)


def _hostile_input():
    titles = {0: CONTROL, 1: HTML, 2: RTL, 3: EMOJI}
    data = make_input(objectives=2, krs_per_objective=4, title=lambda o, k: titles[k] if o == 0 else "x" * 50_000)
    data.team.name = "Team\x00 <b>Ünïcødé</b> 🚀"
    for kr in data.okrs.key_results:
        kr.team = data.team.name if kr.team == "Growth" else kr.team
        kr.unit = "$\x01"
    for o in data.okrs.objectives:
        o.team = data.team.name if o.team == "Growth" else o.team
    data.okrs.objectives[0].title = data.okrs.objectives[0].title  # titles are keys: keep KRs attached
    data.author = "Author\x07 " + RTL
    days = checkin_days(13)
    notes = [LONG_NOTE, CONTROL, HTML, RTL, EMOJI, "line one\r\nline two\ttabbed"]
    data.checkins = [c for c in data.checkins if c.kr_id != "KR-GRO00"] + [
        CheckIn("KR-GRO00", at, 10 + i * 30, 0.9 if i % 2 else 0.2, notes[i % len(notes)])
        for i, at in enumerate(days[:6])
    ]
    data.findings = [
        finding_record(
            "activity-verb", "activity-not-result", "KR-GRO01", days[0], None, message=CONTROL + HTML + LONG_NOTE
        )
    ]
    data.okrs.key_results[0].depends_on = (CONTROL, RTL)
    return data


@pytest.fixture(scope="module")
def hostile_pack() -> bytes:
    return build_retro_pack(_hostile_input())


def test_builds_and_reopens(hostile_pack):
    doc = reopen(hostile_pack)
    assert len(doc.inline_shapes) == 2  # one small-multiples picture per objective
    assert doc.core_properties.author.startswith("Author ")


def test_no_xml_invalid_character_anywhere(hostile_pack):
    with zipfile.ZipFile(io.BytesIO(hostile_pack)) as z:
        for name in z.namelist():
            if name.endswith(".xml") or name.endswith(".rels"):
                raw = z.read(name)
                text = raw.decode("utf-8")  # lone surrogates would fail here
                assert not XML_INVALID.search(text), name
                assert not CHAR_REF.search(raw), name


def test_html_rtl_and_emoji_are_literal_text(hostile_pack):
    doc = reopen(hostile_pack)
    text = "\n".join(getattr(b, "text", "") for b in blocks(doc))
    cells = "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    everything = text + cells
    assert HTML in everything
    assert RTL in everything
    assert EMOJI in everything
    assert "badchars" in everything  # control characters removed, the words kept
    assert "line one\nline two\ttabbed" in everything


def test_long_text_is_capped_with_an_ellipsis(hostile_pack):
    doc = reopen(hostile_pack)
    paragraphs = [getattr(b, "text", "") for b in blocks(doc)]
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    longest = max(len(t) for t in paragraphs + cells)
    assert longest < 2 * max(NOTE_LIMIT, TITLE_LIMIT)
    assert any(t.endswith("…") and "x" * (TITLE_LIMIT - 10) in t for t in cells)
    assert any("blah blah" in t and "…" in t for t in paragraphs)


def test_hostile_team_name_in_header_and_properties(hostile_pack):
    doc = reopen(hostile_pack)
    header = doc.sections[0].header.paragraphs[0].text
    assert header.startswith("Team <b>Ünïcødé</b> 🚀")
    assert "\x00" not in doc.core_properties.title


def test_huge_text_does_not_slow_the_build():
    data = _hostile_input()
    data.okrs.key_results[1].title = "y" * 1_000_000
    started = time.perf_counter()
    build_retro_pack(data, charts=False)
    assert time.perf_counter() - started < 10  # G1: bounded, not proportional to a megabyte title


def test_scorecard_keeps_hostile_titles_in_their_rows(hostile_pack):
    doc = reopen(hostile_pack)
    first_column = [r.cells[0].text for r in table_after(doc, "Scorecard").rows]
    assert "1.1 badchars" in first_column
    assert f"1.2 {HTML}" in first_column
