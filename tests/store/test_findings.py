"""The history of findings: first seen, resolved, reopened (addin/store/findings.py)."""

from __future__ import annotations

import datetime as dt

from addin.okr.model import Finding, Location, Severity
from addin.store import findings
from addin.store.db import Database
from tests.factories import LATER, NOW

T = "local"


def finding(
    rule: str,
    *,
    team: str = "Growth",
    kr_id: str | None = None,
    row: int | None = None,
    message: str = "why it matters",
) -> Finding:
    return Finding(
        rule,
        "stale",
        Severity.WARNING,
        Location(sheet="OKRs", row=row, team=team, key_result=kr_id),
        message,
        "do this",
    )


def test_findings_keep_first_seen_and_resolve_when_they_disappear(database: Database) -> None:
    stale = finding("stale", kr_id="KR-000001", row=4)
    activity = finding("activity-verb", kr_id="KR-000002", row=5)
    day2, day3 = NOW + dt.timedelta(days=1), NOW + dt.timedelta(days=2)
    with database.transaction() as s:
        findings.save_findings(s, T, [stale, activity], now=NOW)
    # the same finding seen again (row moved, message numbers changed) is the same record
    moved = finding("stale", kr_id="kr-000001", row=9, message="no check-in for 15 days")
    with database.transaction() as s:
        findings.save_findings(s, T, [moved], now=day2)
    with database.read() as s:
        records = {r.finding.rule: r for r in findings.finding_history(s, T)}
    assert records["stale"].first_seen == NOW and records["stale"].last_seen == day2
    assert records["stale"].resolved_at is None and records["stale"].finding.message == "no check-in for 15 days"
    assert records["activity-verb"].resolved_at == day2 and not records["activity-verb"].is_open
    with database.transaction() as s:  # it comes back: reopened, first_seen kept
        findings.save_findings(s, T, [moved, activity], now=day3)
    with database.read() as s:
        records = {r.finding.rule: r for r in findings.finding_history(s, T)}
    assert records["activity-verb"].resolved_at is None and records["activity-verb"].first_seen == NOW
    assert len(records) == 2


def test_saving_one_teams_findings_leaves_other_teams_open(database: Database) -> None:
    with database.transaction() as s:
        findings.save_findings(
            s, T, [finding("stale", team="Growth", kr_id="KR-1"), finding("stale", team="Ops", kr_id="KR-2")], now=NOW
        )
        findings.save_findings(s, T, [], now=LATER, teams=["Growth"])
    with database.read() as s:
        by_team = {r.finding.location.team: r.resolved_at for r in findings.finding_history(s, T)}
    assert by_team == {"Growth": LATER, "Ops": None}


def test_finding_history_filters_by_team_and_period(database: Database) -> None:
    early = finding("stale", team="Growth", kr_id="KR-1")
    late = finding("no-owner", team="Growth", kr_id="KR-2")
    other = finding("stale", team="Ops", kr_id="KR-3")
    with database.transaction() as s:
        findings.save_findings(s, T, [early, other], now=NOW)
        findings.save_findings(s, T, [late, other], now=LATER)  # early resolved at LATER
    with database.read() as s:
        growth = findings.finding_history(s, T, team="growth")
        assert [r.finding.rule for r in growth] == ["stale", "no-owner"]
        assert [r.finding.rule for r in findings.finding_history(s, T, team="Growth", until=NOW)] == ["stale"]
        after = LATER + dt.timedelta(days=1)
        assert [r.finding.rule for r in findings.finding_history(s, T, team="Growth", since=after)] == ["no-owner"]
        assert growth[0].was_open(NOW, LATER) and not growth[0].was_open(after, None)
