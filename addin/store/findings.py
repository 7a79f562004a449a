"""The history of findings: which were reported when, and whether they are resolved.

A check reports the complete current set for its scope (the tenant, some teams, one
quarter); saving it inserts new findings, refreshes the ones seen again, resolves those no
longer reported and reopens a resolved one that comes back, so ``finding_history`` can say
what was open at any time. A finding's identity is ``okr.history.finding_key``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from addin.okr.history import FindingRecord, finding_key
from addin.okr.model import Finding, Location, Severity
from addin.store.bulk import bulk_insert, bulk_update
from addin.store.rows import aware, naive, pairs
from addin.store.tables import FindingRow, text_key

_F = FindingRow.__table__


def finding_history(
    s: Session,
    tenant: str,
    *,
    team: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    quarter: str | None = None,
) -> list[FindingRecord]:
    """Findings reported at some time between ``since`` and ``until`` (inclusive), oldest first.

    With ``quarter``, only the findings of that quarter's OKRs (and reader problems).
    """
    query = select(FindingRow).where(FindingRow.tenant_id == tenant)
    if team is not None:
        query = query.where(FindingRow.team_key == text_key(team))
    if quarter is not None:
        query = query.where((FindingRow.quarter == quarter) | FindingRow.quarter.is_(None))
    if until is not None:
        query = query.where(FindingRow.first_seen <= aware(until))
    if since is not None:
        query = query.where((FindingRow.resolved_at.is_(None)) | (FindingRow.resolved_at >= aware(since)))
    rows = s.scalars(query.order_by(FindingRow.first_seen, FindingRow.id))
    return [
        FindingRecord(
            finding=_finding_from_row(row),
            first_seen=row.first_seen,
            resolved_at=row.resolved_at,
            last_seen=row.last_seen,
        )
        for row in rows
    ]


def save_findings(
    s: Session,
    tenant: str,
    findings: Iterable[Finding],
    *,
    now: dt.datetime,
    teams: Collection[str] | None = None,
    quarter: str | None = None,
) -> None:
    """Remember the findings reported now; open findings no longer reported are resolved.

    ``findings`` is the complete current set for the scope: the whole tenant, or -- with
    ``teams`` -- only findings about those teams (so syncing one team's workbook does
    not resolve another team's findings), and -- with ``quarter`` -- only that quarter's
    (a sync of next quarter never resolves, or reopens, last quarter's findings). A
    resolved finding seen again is reopened (same record, ``first_seen`` kept).
    Identity: ``okr.history.finding_key`` within the quarter.
    """
    now = aware(now)
    current: dict[str, Finding] = {}
    for finding in findings:
        current[finding_key(finding, quarter)] = finding
    existing = pairs(s, select(_F.c.key, _F.c.id).where(_F.c.tenant_id == tenant))

    bulk_insert(
        s,
        _F,
        ({"key": key, **finding_values(f, now)} for key, f in current.items() if key not in existing),
        constants={"tenant_id": tenant, "first_seen": now, "quarter": quarter},
    )
    seen = [
        {"id": existing[key], "key": key, **finding_values(f, now)} for key, f in current.items() if key in existing
    ]
    bulk_update(s, _F, seen, scope={"tenant_id": tenant})

    resolve = update(_F).where(_F.c.tenant_id == tenant, _F.c.resolved_at.is_(None), _F.c.last_seen < naive(now))
    if teams is not None:
        resolve = resolve.where(_F.c.team_key.in_([text_key(t) for t in teams]))
    if quarter is not None:
        resolve = resolve.where(_F.c.quarter == quarter)
    s.execute(resolve.values(resolved_at=naive(now)))


def finding_values(finding: Finding, now: dt.datetime) -> dict[str, Any]:
    """The columns of a findings row that say what was found and when it was last seen (not its key)."""
    loc = finding.location
    return {
        "team_key": text_key(loc.team) if loc.team is not None else None,
        "rule": finding.rule,
        "pitfall": finding.pitfall,
        "severity": str(finding.severity),
        "location": loc.as_dict(),
        "message": finding.message,
        "suggestion": finding.suggestion or "",
        "last_seen": now,
        "resolved_at": None,
    }


def _finding_from_row(row: FindingRow) -> Finding:
    known = set(Location.__slots__)
    location = Location(**{k: v for k, v in (row.location or {}).items() if k in known})
    try:
        severity = Severity(row.severity)
    except ValueError:
        severity = Severity.WARNING
    return Finding(
        rule=row.rule,
        pitfall=row.pitfall,
        severity=severity,
        location=location,
        message=row.message,
        suggestion=row.suggestion,
    )
