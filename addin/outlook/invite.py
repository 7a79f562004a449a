"""The invite body: a team's KR status as an Outlook-safe HTML table and as plain text.

Outlook renders HTML with Word's engine: no <style> blocks, no scripts, no CSS width on
divs, so everything is a table with inline styles (and bgcolor/width attributes for the
clients that ignore CSS). Every piece of user text is escaped exactly once, here, with
``html.escape``; only https links are ever written.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from addin.okr.model import CheckIn, Finding, KeyResult, ObjectiveType, OkrSet, Severity, Status
from addin.okr.quarters import Quarter

# Findings worth the meeting's time: things the team must talk about, not style advice.
DISCUSS_PITFALLS = (
    "stale",
    "unacknowledged-dependency",
    "low-confidence-unaddressed",
    "unrealistic-target",
    "conflicting-krs",
    "no-owner",
    "owner-overloaded",
    "wrong-cadence",
)

STATUS_COLOURS: dict[str, tuple[str, str]] = {  # background, text (contrast >= 4.5:1)
    Status.ON_TRACK: ("#107C10", "#FFFFFF"),
    Status.AT_RISK: ("#FFB900", "#000000"),
    Status.OFF_TRACK: ("#A4262C", "#FFFFFF"),
    Status.DONE: ("#0078D4", "#FFFFFF"),
    Status.NOT_STARTED: ("#E1DFDD", "#000000"),
}
STATUS_LABELS = {
    Status.ON_TRACK: "On track",
    Status.AT_RISK: "At risk",
    Status.OFF_TRACK: "Off track",
    Status.DONE: "Done",
    Status.NOT_STARTED: "Not started",
}

_FONT = "font-family:Segoe UI,Arial,sans-serif;font-size:13px;color:#201F1E"
_CELL = "padding:4px 8px;border-bottom:1px solid #E1DFDD;vertical-align:top;" + _FONT
_HEAD = "padding:4px 8px;border-bottom:2px solid #8A8886;text-align:left;" + _FONT + ";font-weight:bold"
_BAR_WIDTH = 100  # pixels


@dataclass(frozen=True, slots=True)
class StatusRow:
    """One KR line of the status table, already computed."""

    kr_id: str | None
    title: str
    owner: str | None
    progress: float | None  # 0..1 (may exceed 1), None when unmeasurable
    expected: float
    status: Status
    confidence: float | None
    change: float | None  # value moved since a week ago, in the KR's unit
    unit: str
    last_note: str


@dataclass(frozen=True, slots=True)
class InviteBody:
    html: str
    text: str


def build_invite(
    okrs: OkrSet,
    team: str,
    *,
    quarter: Quarter,
    today: dt.date,
    checkins: Sequence[CheckIn] = (),
    findings: Sequence[Finding] | None = None,
    workbook_url: str | None = None,
    title: str | None = None,
) -> InviteBody:
    """The status body for one team's meeting: rows from scoring, findings from the linter."""
    # the store's OkrSet carries its check-ins; callers may add more
    rows = status_rows(okrs, team, quarter=quarter, today=today, checkins=[*checkins, *okrs.checkins])
    if findings is None:
        from addin.okr.lint import lint  # the linter is only needed when not given findings

        findings = lint(okrs, today=today, checkins=checkins, quarter=quarter)
    return render_status(
        team,
        rows,
        discussion_findings(findings, okrs, team),
        as_of=today,
        workbook_url=workbook_url,
        title=title,
    )


def status_rows(
    okrs: OkrSet, team: str, *, quarter: Quarter, today: dt.date, checkins: Sequence[CheckIn] = ()
) -> list[StatusRow]:
    """The team's KRs with status, progress, confidence, weekly change and last note."""
    from addin.okr.scoring import kr_status

    types = {(o.team.casefold(), o.title): o.type for o in okrs.objectives}
    rows = []
    for kr in okrs.key_results:
        if kr.team.casefold() != team.casefold():
            continue
        mine = sorted((c for c in checkins if kr.id and c.kr_id == kr.id), key=lambda c: c.at)
        st = kr_status(
            kr,
            quarter=quarter,
            today=today,
            thresholds=okrs.settings.thresholds,
            checkins=mine,
            objective_type=types.get((kr.team.casefold(), kr.objective), ObjectiveType.COMMITTED),
        )
        rows.append(
            StatusRow(
                kr_id=kr.id,
                title=kr.title,
                owner=kr.owner,
                progress=st.progress,
                expected=st.expected,
                status=st.status,
                confidence=mine[-1].confidence if mine and mine[-1].confidence is not None else kr.confidence,
                change=weekly_change(kr, mine, today),
                unit=kr.unit,
                last_note=next((c.note for c in reversed(mine) if c.note.strip()), kr.notes),
            )
        )
    return rows


def weekly_change(kr: KeyResult, checkins: Sequence[CheckIn], today: dt.date) -> float | None:
    """How far the KR's value moved since a week before ``today`` (None without data)."""
    if not checkins:
        return None
    cutoff = today - dt.timedelta(days=7)
    now_value = next((c.value for c in reversed(checkins) if c.value is not None and c.at.date() <= today), None)
    before = [c.value for c in checkins if c.value is not None and c.at.date() <= cutoff]
    then = before[-1] if before else kr.baseline
    if now_value is None or then is None:
        return None
    return now_value - then


def discussion_findings(findings: Iterable[Finding], okrs: OkrSet, team: str) -> list[Finding]:
    """The team's findings that need the meeting: stale, unacknowledged dependency, ..."""
    ids = {kr.id for kr in okrs.key_results if kr.id and kr.team.casefold() == team.casefold()}
    out = []
    for f in findings:
        if f.pitfall not in DISCUSS_PITFALLS or f.severity == Severity.INFO:
            continue
        loc = f.location
        if (loc.team or "").casefold() == team.casefold() or (loc.key_result in ids):
            out.append(f)
    return out


def render_status(
    team: str,
    rows: Sequence[StatusRow],
    findings: Sequence[Finding] = (),
    *,
    as_of: dt.date,
    workbook_url: str | None = None,
    title: str | None = None,
) -> InviteBody:
    """Both bodies (HTML for Outlook, plain text for everything else) of a status table."""
    return InviteBody(
        html=render_html(team, rows, findings, as_of=as_of, workbook_url=workbook_url, title=title),
        text=render_text(team, rows, findings, as_of=as_of, workbook_url=workbook_url, title=title),
    )


def render_html(
    team: str,
    rows: Sequence[StatusRow],
    findings: Sequence[Finding] = (),
    *,
    as_of: dt.date,
    workbook_url: str | None = None,
    title: str | None = None,
) -> str:
    """The HTML body: inline styles only, user text escaped once."""
    e = _esc
    heading = title or f"{team}: key results"
    out = [
        f'<div style="{_FONT}">',
        f'<p style="{_FONT};font-size:15px;font-weight:bold;margin:0 0 4px 0">{e(heading)}</p>',
        f'<p style="{_FONT};color:#605E5C;margin:0 0 8px 0">Status as of {as_of.isoformat()}</p>',
    ]
    if rows:
        out.append(
            '<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse">'
        )
        out.append(
            "<tr>"
            + "".join(
                f'<th style="{_HEAD}">{h}</th>'
                for h in ("Key result", "Owner", "Progress", "Status", "Confidence", "Change (7 days)", "Last note")
            )
            + "</tr>"
        )
        for r in rows:
            bg, fg = STATUS_COLOURS.get(r.status, STATUS_COLOURS[Status.NOT_STARTED])
            label = STATUS_LABELS.get(r.status, str(r.status))
            kr_id = f'<br><span style="color:#605E5C;font-size:11px">{e(r.kr_id)}</span>' if r.kr_id else ""
            out.append(
                "<tr>"
                f'<td style="{_CELL}">{e(r.title)}{kr_id}</td>'
                f'<td style="{_CELL}">{e(r.owner or "—")}</td>'
                f'<td style="{_CELL}">{_bar(r.progress, bg)}</td>'
                f'<td style="{_CELL}"><span style="background-color:{bg};color:{fg};'
                f'padding:1px 6px;font-weight:bold">{label}</span></td>'
                f'<td style="{_CELL}">{_pct(r.confidence)}</td>'
                f'<td style="{_CELL}">{e(_change(r.change, r.unit))}</td>'
                f'<td style="{_CELL}">{_multiline(r.last_note)}</td>'
                "</tr>"
            )
        out.append("</table>")
    else:
        out.append(f'<p style="{_FONT}">This team has no key results yet.</p>')
    if findings:
        out.append(f'<p style="{_FONT};font-weight:bold;margin:12px 0 4px 0">To discuss</p><ul>')
        for f in findings:
            where = f.location.key_result or f.location.objective or ""
            prefix = f"{e(where)}: " if where else ""
            hint = f' <span style="color:#605E5C">{e(f.suggestion)}</span>' if f.suggestion else ""
            out.append(f'<li style="{_FONT}">{prefix}{e(f.message)}{hint}</li>')
        out.append("</ul>")
    link = safe_link(workbook_url)
    if link:
        out.append(f'<p style="{_FONT}"><a href="{e(link)}" style="color:#0078D4">Open the OKR workbook</a></p>')
    out.append("</div>")
    return "".join(out)


def render_text(
    team: str,
    rows: Sequence[StatusRow],
    findings: Sequence[Finding] = (),
    *,
    as_of: dt.date,
    workbook_url: str | None = None,
    title: str | None = None,
) -> str:
    """The plain-text body (DESCRIPTION in .ics, text previews)."""
    lines = [text_for_invite(title or f"{team}: key results"), f"Status as of {as_of.isoformat()}", ""]
    for r in rows:
        label = STATUS_LABELS.get(r.status, str(r.status))
        head = f"- {text_for_invite(r.title)}" + (f" [{r.kr_id}]" if r.kr_id else "")
        lines.append(head)
        lines.append(
            f"  owner {text_for_invite(r.owner or '-')}; progress {_pct(r.progress)}; {label}; "
            f"confidence {_pct(r.confidence)}; change {_change(r.change, r.unit)}"
        )
        if r.last_note.strip():
            lines.append("  note: " + " ".join(text_for_invite(r.last_note).split()))
    if not rows:
        lines.append("This team has no key results yet.")
    if findings:
        lines += ["", "To discuss:"]
        for f in findings:
            where = f.location.key_result or f.location.objective or ""
            lines.append(f"- {text_for_invite(where) + ': ' if where else ''}{text_for_invite(f.message)}")
    link = safe_link(workbook_url)
    if link:
        lines += ["", f"Workbook: {link}"]
    return "\n".join(lines) + "\n"


def safe_link(url: str | None) -> str | None:
    """``url`` when it is an https link without spaces or controls, else None."""
    if not url:
        return None
    url = url.strip()
    if not url.lower().startswith("https://") or any(ord(c) <= 32 or c in "\"'<>`" for c in url):
        return None
    return url


BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def text_for_invite(text: str) -> str:
    """User text made safe for a meeting invite (its HTML and plain-text body, Graph's JSON and
    .ics alike): no C0/C1 controls (tab, newline kept), no bidi overrides, no lone surrogates or
    non-characters."""
    out = []
    for ch in str(text):
        code = ord(ch)
        if ch in "\t\n":
            out.append(ch)
        elif ch == "\r" or ch in BIDI_CONTROLS:
            continue  # bidi embeddings/overrides/isolates can make a title read backwards (spoofing)
        elif code < 32 or 0x7F <= code < 0xA0 or ch in "\ufffe\uffff":
            out.append(" ")
        elif 0xD800 <= code < 0xE000:
            out.append("\ufffd")
        else:
            out.append(ch)
    return "".join(out)


def _esc(text: str) -> str:
    return html.escape(text_for_invite(text), quote=True)


def _multiline(text: str) -> str:
    return "<br>".join(_esc(line) for line in text_for_invite(text).strip().split("\n")) or "—"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)}%"


def _change(change: float | None, unit: str) -> str:
    if change is None:
        return "—"
    if change == 0:
        return "no change"
    number = f"{change:+,.2f}".rstrip("0").rstrip(".")
    return f"{number} {text_for_invite(unit)}".strip()


def _bar(progress: float | None, colour: str) -> str:
    """A progress bar made of table cells (Outlook ignores CSS widths on divs)."""
    if progress is None:
        return "—"
    filled = max(0, min(_BAR_WIDTH, round(progress * _BAR_WIDTH)))
    cells = []
    if filled:
        cells.append(
            f'<td width="{filled}" bgcolor="{colour}" style="width:{filled}px;height:8px;'
            f'background-color:{colour};font-size:1px;line-height:1px">&nbsp;</td>'
        )
    if filled < _BAR_WIDTH:
        rest = _BAR_WIDTH - filled
        cells.append(
            f'<td width="{rest}" bgcolor="#EDEBE9" style="width:{rest}px;height:8px;'
            'background-color:#EDEBE9;font-size:1px;line-height:1px">&nbsp;</td>'
        )
    return (
        '<table role="presentation" cellpadding="0" cellspacing="0" border="0" '
        f'width="{_BAR_WIDTH}" style="border-collapse:collapse;width:{_BAR_WIDTH}px">'
        f"<tr>{''.join(cells)}</tr></table>"
        f'<span style="{_FONT};font-size:11px">{_pct(progress)}</span>'
    )
