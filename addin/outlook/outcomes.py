"""What a run of ``schedule`` or ``refresh_invites`` reports: each meeting's outcome, as rows and JSON."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from addin.outlook.calendar import (
    CREATE,
    UNCHANGED,
    UPDATE,
    Failure,
)
from addin.outlook.plan import (
    Skipped,
)

CANCEL = "cancelled"  # a MeetingOutcome action: the team is gone, so is its meeting


@dataclass(frozen=True, slots=True)
class MeetingOutcome:
    """What ``schedule`` did (or, with --dry-run, would do) with one meeting."""

    key: str
    team: str
    kind: str
    subject: str
    start: dt.datetime
    recurrence: str  # "weekly on tuesday until 2026-12-31", "once"
    attendees: tuple[str, ...]
    action: str  # create | update | unchanged | failed | cancelled
    changes: tuple[str, ...] = ()
    message: str = ""


@dataclass(slots=True)
class ScheduleReport:
    quarter: str
    calendar: str
    dry_run: bool
    meetings: list[MeetingOutcome] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    def _with(self, action: str) -> list[MeetingOutcome]:
        return [m for m in self.meetings if m.action == action]

    @property
    def created(self) -> list[MeetingOutcome]:
        return self._with(CREATE)

    @property
    def updated(self) -> list[MeetingOutcome]:
        return self._with(UPDATE)

    @property
    def unchanged(self) -> list[MeetingOutcome]:
        return self._with(UNCHANGED)

    @property
    def cancelled(self) -> list[MeetingOutcome]:
        """Meetings of teams no longer in the store (cancelled, or to be, with --dry-run)."""
        return self._with(CANCEL)

    @property
    def warnings(self) -> list[Failure]:
        """Meetings made as planned with something the lead must know (no Teams link)."""
        return [f for f in self.failures if f.warning]

    @property
    def ok(self) -> bool:
        """True when every planned meeting is in the calendar as planned."""
        return not [f for f in self.failures if not f.warning]

    def rows(self) -> list[list[str]]:
        """The --dry-run / summary table: one row per meeting."""
        head = ["team", "meeting", "first", "repeats", "attendees", "action", "changes"]
        return [head] + [
            [
                m.team,
                m.kind,
                m.start.strftime("%Y-%m-%d %H:%M %Z"),
                m.recurrence,
                str(len(m.attendees)),
                m.action,
                ", ".join(m.changes) or m.message,
            ]
            for m in self.meetings
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "quarter": self.quarter,
            "calendar": self.calendar,
            "dry_run": self.dry_run,
            "meetings": [
                {
                    "key": m.key,
                    "team": m.team,
                    "kind": m.kind,
                    "subject": m.subject,
                    "start": m.start.isoformat(),
                    "recurrence": m.recurrence,
                    "attendees": list(m.attendees),
                    "action": m.action,
                    "changes": list(m.changes),
                    "message": m.message,
                }
                for m in self.meetings
            ],
            "skipped": [{"team": s.team, "reason": s.reason} for s in self.skipped],
            "failures": [
                {
                    "key": f.key,
                    "team": f.team,
                    "kind": f.kind,
                    "message": f.message,
                    "transient": f.transient,
                    "warning": f.warning,
                }
                for f in self.failures
            ],
        }


@dataclass(frozen=True, slots=True)
class RefreshedOccurrence:
    key: str
    team: str
    kind: str
    start: dt.datetime


@dataclass(slots=True)
class RefreshReport:
    calendar: str
    mode: str = "occurrence"  # OKR_INVITE_STATUS: occurrence | mail | off
    updated: list[RefreshedOccurrence] = field(default_factory=list)
    unchanged: int = 0
    failures: list[Failure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def as_dict(self) -> dict[str, Any]:
        return {
            "calendar": self.calendar,
            "mode": self.mode,
            "unchanged": self.unchanged,
            "updated": [
                {"key": u.key, "team": u.team, "kind": u.kind, "start": u.start.isoformat()} for u in self.updated
            ],
            "failures": [
                {"key": f.key, "team": f.team, "kind": f.kind, "message": f.message, "transient": f.transient}
                for f in self.failures
            ],
        }
