"""The authority rules applied to one workbook sync, and its audit entries.

Runs inside the sync's transaction, between reading the workbook and merging it: what the
signed-in actor may not change is taken out of what was read (held key results, the stored
lead/members and Settings kept) and reported as ``authority.*`` findings, which the sync
shows in its report and in the Flags column like any other finding.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from addin.excel.reader import ReadResult
from addin.okr.authority import (
    Actor,
    decide_key_results,
    decide_settings,
    decide_teams,
    is_person,
)
from addin.okr.merge import normalise_id
from addin.okr.model import Finding, KeyResult, Settings
from addin.store import audit, people
from addin.store.key_results import load_key_results
from addin.store.okr_sets import load_settings
from addin.store.tables import SettingsRow
from addin.store.workbooks import load_snapshot

if TYPE_CHECKING:
    from addin.store.db import Session


@dataclass(slots=True)
class SyncGate:
    """What the rules decided for one sync."""

    hold: set[str] = field(default_factory=set)
    findings: list[Finding] = field(default_factory=list)
    roster_changes: list[dict[str, object]] = field(default_factory=list)
    settings_changed: bool = False
    settings: Settings | None = None


def authorise_sync(
    session: Session, tenant: str, actor: Actor, read: ReadResult, *, now: dt.datetime
) -> tuple[ReadResult, SyncGate]:
    """``read`` without what ``actor`` may not change, and the gate that says what was held."""
    bindings = people.bind(session, tenant, actor, now=now)
    stored_teams = people.stored_teams(session, tenant)
    okrs = read.okrs
    referenced = [kr.team for kr in okrs.key_results] + [o.team for o in okrs.objectives]
    teams = decide_teams(actor, okrs.teams, referenced, stored_teams, bindings)
    stored_krs = load_key_results(session, tenant) if not actor.is_admin else {}
    krs = decide_key_results(actor, okrs.key_results, stored_krs, teams.editable)
    stored_settings = load_settings(session, tenant) if session.get(SettingsRow, tenant) else None
    settings, settings_findings = decide_settings(actor, okrs.settings, stored_settings)

    gate = SyncGate(
        hold=krs.hold,
        findings=[*teams.findings, *krs.findings, *settings_findings],
        roster_changes=teams.roster_changes,
        settings=settings,
    )
    gate.settings_changed = actor.is_admin and okrs.settings != Settings() and settings != stored_settings
    key_results = [kr for kr in okrs.key_results if (kr.location.sheet, kr.location.row) not in krs.drop_rows]
    objectives = (
        okrs.objectives
        if actor.is_admin
        else [o for o in okrs.objectives if " ".join(o.team.split()).casefold() in teams.editable]
    )
    if not actor.is_admin and read.workbook_id:
        gate.findings.extend(_kept_rows(session, tenant, read.workbook_id, okrs.key_results, krs.hold))
    checkins = [c for c in okrs.checkins if _may_record(actor, c.kr_id, gate.hold, stored_krs, bindings)]
    if len(checkins) < len(okrs.checkins):
        gate.findings.append(_checkins_held(len(okrs.checkins) - len(checkins)))
    okrs = replace(
        okrs, teams=teams.teams, key_results=key_results, objectives=objectives, checkins=checkins, settings=settings
    )
    return replace(read, okrs=okrs, problems=[*read.problems, *gate.findings]), gate


def _may_record(
    actor: Actor, kr_id: str | None, hold: set[str], stored: dict[str, KeyResult], bindings: dict[str, str]
) -> bool:
    """A Check-ins sheet row stays unless it is on a held KR its owner did not write."""
    nid = normalise_id(kr_id) if kr_id else None
    if nid is None or nid not in hold:
        return True
    kr = stored.get(nid)
    return kr is not None and is_person(actor, kr.owner, bindings)


def _kept_rows(session: Session, tenant: str, workbook_id: str, rows: list[KeyResult], hold: set[str]) -> list[Finding]:
    """Rows of other teams deleted from this workbook: not archived, and said so (not silently)."""
    base = load_snapshot(session, tenant, workbook_id) or {}
    present = {normalise_id(kr.id) for kr in rows if kr.id}
    kept = sorted(i for i in base if i in hold and i not in present)
    if not kept:
        return []
    from addin.okr.model import Location, Severity

    shown = ", ".join(kept[:10]) + (f" and {len(kept) - 10} more" if len(kept) > 10 else "")
    return [
        Finding(
            rule="authority.archive-not-yours",
            pitfall=None,
            severity=Severity.WARNING,
            location=Location(),
            message=f"{len(kept)} key result(s) of other teams were deleted from this workbook but not "
            f"archived: only their team's lead, members or an admin can remove them ({shown}).",
            suggestion="Ask the team's lead to remove them, or sync again to get the rows back.",
        )
    ]


def _checkins_held(count: int) -> Finding:
    from addin.okr.model import Location, Severity

    return Finding(
        rule="authority.checkins-not-yours",
        pitfall=None,
        severity=Severity.WARNING,
        location=Location(sheet="Check-ins"),
        message=f"{count} check-in row(s) on other teams' key results were not recorded: only a "
        "key result's owner, its team's lead and members, or an admin can check in on it.",
        suggestion="Ask the key result's owner to record the check-in.",
    )


def audit_sync(
    session: Session, tenant: str, actor: Actor, gate: SyncGate, counts: dict[str, object], *, now: dt.datetime
) -> None:
    """The sync's audit entries: the sync itself, each lead/member change, a Settings change."""
    pending = sorted({f.rule for f in gate.findings})
    audit.record(
        session,
        tenant,
        actor,
        "sync",
        at=now,
        target=str(counts.get("workbook_id", "")),
        details={**counts, "pending": pending},
    )
    for change in gate.roster_changes:
        audit.record(session, tenant, actor, "lead-change", at=now, target=str(change["team"]), details=change)
    if gate.settings_changed and gate.settings is not None:
        audit.record(
            session,
            tenant,
            actor,
            "settings-change",
            at=now,
            target="settings",
            details={
                "quarter": gate.settings.quarter,
                "fiscal_year_start_month": gate.settings.fiscal_year_start_month,
            },
        )
