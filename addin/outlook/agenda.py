"""A meeting's agenda for the Outlook pane: what moved, what is stuck, what to settle.

Built from what the invite is built from (``invite.status_rows`` and the linter's
findings worth the meeting's time), for the meeting the invite's key names.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from addin.okr.dependencies import dependency_links, team_dependencies
from addin.okr.lint import lint
from addin.okr.quarters import parse_quarter
from addin.outlook.identity import meeting_identity
from addin.outlook.invite import discussion_findings, status_rows

LOW_CONFIDENCE = 0.5


def meeting_agenda(db: Any, tenant: str, key: str, *, today: dt.date) -> dict[str, Any]:
    """The meeting's team, KRs that moved in the last week, stale and low-confidence KRs, its
    dependencies still to settle (unacknowledged or declined), and other teams' dependencies on
    it that wait for its lead's answer."""
    from addin.store import dependencies, okr_sets

    meeting = meeting_identity(db, tenant, key)
    with db.read() as s:
        okrs = okr_sets.load_okrs(s, tenant, quarter=meeting["quarter"])  # the meeting's quarter only
        okrs.dependency_answers = dependencies.load_answers(s, tenant, quarter=meeting["quarter"])
    quarter = parse_quarter(meeting["quarter"], okrs.settings.fiscal_year_start_month)
    team = meeting["team"]
    rows = status_rows(okrs, team, quarter=quarter, today=today, checkins=okrs.checkins)
    findings = discussion_findings(lint(okrs, today=today, quarter=quarter), okrs, team)
    titles = {r.kr_id: r.title for r in rows if r.kr_id}

    def about(pitfall: str) -> list[dict[str, Any]]:
        return [
            {"kr_id": f.location.key_result, "title": titles.get(f.location.key_result or "", ""), "message": f.message}
            for f in findings
            if f.pitfall == pitfall
        ]

    low = about("low-confidence-unaddressed")
    named = {x["kr_id"] for x in low}
    low += [
        {"kr_id": r.kr_id, "title": r.title, "message": f"confidence {r.confidence:.0%}"}
        for r in rows
        if r.confidence is not None and r.confidence < LOW_CONFIDENCE and r.kr_id not in named
    ]
    return {
        **meeting,
        "moved": [
            {"kr_id": r.kr_id, "title": r.title, "change": r.change, "unit": r.unit}
            for r in rows
            if r.change not in (None, 0)
        ],
        "stale": about("stale"),
        "low_confidence": low,
        "dependencies": about("unacknowledged-dependency"),
        "awaiting_answer": [
            {
                "kr_id": link.kr.id,
                "title": link.kr.title,
                "team": link.kr.team,
                "message": f"{link.kr.team} depends on us",
            }
            for link in team_dependencies(dependency_links(okrs), team).depended_on_by
            if link.answer is None
        ],
    }


__all__ = ["meeting_agenda", "LOW_CONFIDENCE"]
