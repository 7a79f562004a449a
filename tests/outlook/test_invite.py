"""The invite body: Outlook-safe HTML, hostile text shown literally, plain-text twin."""

from __future__ import annotations

import datetime as dt

import lxml.html
import pytest

from addin.okr.model import CheckIn, Finding, Location, Severity, Status
from addin.okr.quarters import Quarter
from addin.outlook.invite import (
    StatusRow,
    build_invite,
    discussion_findings,
    render_status,
    safe_link,
)
from tests.outlook.conftest import make_okrs

# TXT-2 of the hostile-input checklist
HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "javascript:alert(document.cookie)",
    '<a href="https://phish.example/login">Reset your password</a>',
    "<style>body{display:none}</style>",
    '<iframe src="https://evil.example"></iframe>',
    "{{7*7}} ${7*7} <%= 7*7 %>",
    "&lt;b&gt;already escaped&lt;/b&gt;",
    "Quarterly goal\nBcc: attacker@example.com",
    "\"quoted\" & 'single' <>",
]


def _row(title: str, **kw: object) -> StatusRow:
    values = dict(
        kr_id="KR-1",
        title=title,
        owner="o@example.com",
        progress=0.42,
        expected=0.5,
        status=Status.AT_RISK,
        confidence=0.6,
        change=3.0,
        unit="users",
        last_note=title,
    )
    values.update(kw)
    return StatusRow(**values)  # type: ignore[arg-type]


def _doc(html: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(f"<html><body>{html}</body></html>")


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_kr_text_is_shown_literally_and_runs_nothing(text: str) -> None:
    body = render_status(
        text,
        [_row(text, owner=text)],
        as_of=dt.date(2026, 10, 5),
        workbook_url="https://contoso.sharepoint.com/okrs.xlsx",
    )
    doc = _doc(body.html)
    # nothing active survives
    assert not doc.xpath("//script|//style|//iframe|//img|//object|//embed|//form")
    assert not [a for el in doc.iter() for a in el.attrib if a.lower().startswith("on")]
    assert [a.get("href") for a in doc.xpath("//a")] == ["https://contoso.sharepoint.com/okrs.xlsx"]
    # the cell shows exactly what the user wrote: escaped once, not twice
    cells = doc.xpath("//tr[td]/td")
    assert cells[0].text_content() == text + "KR-1"
    assert cells[1].text_content() == text
    assert "&amp;amp;" not in body.html
    # the plain text keeps the text too, on its own lines (no header injection)
    assert text.split("\n")[0] in body.text


def test_pre_escaped_text_is_escaped_exactly_once() -> None:
    text = "&lt;b&gt;"
    body = render_status("T", [_row(text)], as_of=dt.date(2026, 10, 5))
    assert "&amp;lt;b&amp;gt;" in body.html
    assert _doc(body.html).xpath("//tr[td]/td")[0].text_content().startswith("&lt;b&gt;")


def test_only_https_links_are_written() -> None:
    assert safe_link("javascript:alert(1)") is None
    assert safe_link("http://example.com") is None
    assert safe_link('https://ok.example/"onmouseover=x') is None
    assert safe_link(" https://ok.example/a?b=1&c=2 ") == "https://ok.example/a?b=1&c=2"
    body = render_status("T", [_row("x")], as_of=dt.date(2026, 10, 5), workbook_url="javascript:alert(1)")
    assert not _doc(body.html).xpath("//a")


def test_outlook_safe_markup() -> None:
    body = render_status("T", [_row("x", progress=0.42), _row("y", progress=None)], as_of=dt.date(2026, 10, 5))
    doc = _doc(body.html)
    assert "<style" not in body.html.lower() and "<script" not in body.html.lower()
    assert "class=" not in body.html  # no stylesheet to refer to
    # the progress bar is table cells with a width, coloured inline
    bar = doc.xpath("//td/table")[0]
    widths = [int(td.get("width")) for td in bar.xpath(".//td")]
    assert widths == [42, 58]
    assert all("background-color" in td.get("style") for td in bar.xpath(".//td"))
    assert "42%" in body.html and "At risk" in body.html


def test_control_characters_and_surrogates_are_made_safe() -> None:
    nasty = "a\x00b\x07c\ud800d\ufffe"
    body = render_status("T", [_row(nasty)], as_of=dt.date(2026, 10, 5))
    body.html.encode("utf-8")  # a lone surrogate would raise here
    assert "\x00" not in body.html and "\x07" not in body.text and "\ud800" not in body.text


def test_discussion_findings_keep_only_this_teams_talking_points() -> None:
    okrs = make_okrs(2)

    def f(
        pitfall: str, team: str | None = None, kr: str | None = None, severity: Severity = Severity.WARNING
    ) -> Finding:
        return Finding(
            rule=pitfall,
            pitfall=pitfall,
            severity=severity,
            location=Location(team=team, key_result=kr),
            message=f"{pitfall} msg",
        )

    findings = [
        f("stale", kr="KR-0000A"),
        f("unacknowledged-dependency", team="T0"),
        f("too-many-krs", team="T0"),
        f("stale", kr="KR-0001A"),
        f("low-confidence-unaddressed", kr="KR-0000B", severity=Severity.INFO),
    ]
    kept = discussion_findings(findings, okrs, "T0")
    assert [x.message for x in kept] == ["stale msg", "unacknowledged-dependency msg"]
    html = render_status("T0", [], kept, as_of=dt.date(2026, 10, 5)).html
    assert "To discuss" in html and "stale msg" in html


def test_build_invite_from_scoring_with_weekly_change_and_last_note() -> None:
    okrs = make_okrs(1)
    at = lambda d: dt.datetime(2026, 10, d, 12, tzinfo=dt.UTC)  # noqa: E731
    checkins = [
        CheckIn("KR-0000A", at(1), 10, 0.6, "first <b>week</b>"),
        CheckIn("KR-0000A", at(12), 25, 0.8, "second week"),
        CheckIn("KR-0000A", at(14), 30, 0.3, ""),
    ]
    body = build_invite(
        okrs, "T0", quarter=Quarter(2026, 4), today=dt.date(2026, 10, 15), checkins=checkins, findings=[]
    )
    doc = _doc(body.html)
    rows = doc.xpath("//table[not(ancestor::table)]/tr[td]")
    assert len(rows) == 2
    first = [td.text_content() for td in rows[0].xpath("./td")]
    assert first[0].startswith("Grow signups of T0 to 100")
    assert first[4] == "30%"  # the latest confidence
    assert first[5] == "+20 signups"  # 30 now against 10 a week before the 15th
    assert first[6] == "second week"  # the last note that says something
    assert "+20 signups" in body.text
