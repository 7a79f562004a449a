"""The OKR domain: plain types that every other layer reads and writes.

Nothing here knows about Excel, SQL, Flask or Graph. A workbook is read into these
types, the linter and scoring work on them, the store saves them, and meetings and
reports are produced from them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class KrKind(StrEnum):
    """How a key result's numbers are read."""

    INCREASE = "increase"  # move a number up from baseline to target
    DECREASE = "decrease"  # move a number down (churn, latency)
    STAY_ABOVE = "stay-above"  # health band: keep at or above target
    STAY_BELOW = "stay-below"  # health band: keep at or below target
    MILESTONE = "milestone"  # done / not done


class ObjectiveType(StrEnum):
    COMMITTED = "committed"
    ASPIRATIONAL = "aspirational"  # graded against 0.7, as Google-style OKRs are


class Status(StrEnum):
    NOT_STARTED = "not-started"
    ON_TRACK = "on-track"
    AT_RISK = "at-risk"
    OFF_TRACK = "off-track"
    DONE = "done"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Location:
    """Where a thing came from or where a problem is: as much as is known."""

    sheet: str | None = None
    row: int | None = None  # 1-based worksheet row
    cell: str | None = None  # A1 reference, e.g. "F12"
    column: str | None = None  # the header the user wrote, e.g. "Target"
    team: str | None = None
    objective: str | None = None
    key_result: str | None = None  # stable KR id, where it has one

    def describe(self) -> str:
        """Human text like "sheet OKRs, cell F12 (Target)"."""
        parts: list[str] = []
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.cell:
            parts.append(f"cell {self.cell}" + (f" ({self.column})" if self.column else ""))
        elif self.row:
            parts.append(f"row {self.row}" + (f" ({self.column})" if self.column else ""))
        elif self.column:
            parts.append(f"column {self.column}")
        if self.key_result:
            parts.append(f"key result {self.key_result}")
        elif self.objective:
            parts.append(f"objective {self.objective!r}")
        elif self.team:
            parts.append(f"team {self.team!r}")
        return ", ".join(parts) or "workbook"

    def as_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__slots__ if getattr(self, k) is not None}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in the OKRs or in the workbook that holds them.

    Reader problems (a value that cannot be read) have ``pitfall=None`` and a rule
    starting with ``input.``; linter findings name one of the OKR pitfalls.
    """

    rule: str  # stable id, e.g. "activity-verb" or "input.bad-number"
    pitfall: str | None  # one of okr.lint.PITFALLS, or None for input problems
    severity: Severity
    location: Location
    message: str  # plain language, says why it matters
    suggestion: str = ""  # what to write instead

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "pitfall": self.pitfall,
            "severity": str(self.severity),
            "location": self.location.as_dict(),
            "message": self.message,
            "suggestion": self.suggestion,
        }


@dataclass(slots=True)
class Team:
    name: str
    lead: str | None = None  # e-mail address
    members: tuple[str, ...] = ()  # e-mail addresses
    checkin_weekday: int = 0  # 0 = Monday
    checkin_time: dt.time = dt.time(10, 0)
    timezone: str = "UTC"  # IANA name, e.g. "Europe/Madrid"
    meeting_minutes: int = 30
    parent: str | None = None  # name of the parent team
    location: Location = field(default_factory=Location)


@dataclass(slots=True)
class Objective:
    team: str
    title: str
    type: ObjectiveType = ObjectiveType.COMMITTED
    ref: str | None = None  # outline number ("1") where the workbook numbers objectives
    aligns_to: str | None = None  # a parent objective or KR this one supports
    weight: float | None = None
    # "2026-Q4" (a quarter's objective) or "FY2026" (annual: its KRs span the year's
    # quarters); None until the sync places it in the period its workbook says
    period: str | None = None
    location: Location = field(default_factory=Location)


@dataclass(slots=True)
class KeyResult:
    team: str
    objective: str  # the objective's title (objectives are keyed by team + title)
    title: str
    id: str | None = None  # stable id ("KR-7F3A2C"), assigned at first sync
    ref: str | None = None  # outline number ("1.2") where the workbook numbers KRs
    owner: str | None = None  # e-mail address
    baseline: float | None = None
    target: float | None = None
    current: float | None = None
    unit: str = ""
    confidence: float | None = None  # always 0..1 once read
    due: dt.date | None = None
    kind: KrKind | None = None  # None: infer with okr.scoring.infer_kind
    aligns_to: str | None = None
    depends_on: tuple[str, ...] = ()  # team names or KR ids
    notes: str = ""
    weight: float | None = None
    # the quarter this KR belongs to ("2026-Q4"); None until the sync places it in the
    # period its workbook says (a quarter-block row gives one KR per filled block)
    quarter: str | None = None
    continues: str | None = None  # id of last quarter's KR this one carries over
    location: Location = field(default_factory=Location)


@dataclass(slots=True)
class CheckIn:
    kr_id: str
    at: dt.datetime  # timezone-aware, UTC
    value: float | None
    confidence: float | None = None
    note: str = ""
    source: str = "workbook"  # workbook | cli | api | outlook
    kr_title: str = ""  # a Check-ins sheet row naming its KR by title only (before IDs exist)


@dataclass(slots=True)
class Initiative:
    """Work done to move a KR. Never counts as progress."""

    kr_ref: str  # KR id or outline number
    title: str
    owner: str | None = None
    status: str = ""
    location: Location = field(default_factory=Location)


class AnswerState(StrEnum):
    """How the depended-on team answered a dependency."""

    ACCEPTED = "accepted"  # they will carry it: the dependency is acknowledged
    DECLINED = "declined"  # they will not: the dependent team must plan around it


@dataclass(frozen=True, slots=True)
class DependencyAnswer:
    """The depended-on team's answer to one key result's dependency on it, for that KR's quarter.

    One answer per (dependent KR id, depended-on team); the KR id fixes the quarter (every
    quarter's key results have their own ids). ``note`` is already cleaned (okr.dependencies)."""

    kr_id: str  # the dependent key result ("KR-7F3A2C")
    team: str  # the depended-on team, as named by the stored team
    state: AnswerState
    note: str
    answered_by: str  # who answered: e-mail / UPN, else display name
    answered_at: dt.datetime  # timezone-aware, UTC
    quarter: str | None = None  # "2026-Q4": the dependent KR's quarter


@dataclass(slots=True)
class Thresholds:
    """Linter and status thresholds; each can be set on the Settings sheet."""

    max_objectives: int = 5
    max_krs_per_objective: int = 5
    min_krs_per_objective: int = 2
    max_krs_per_owner: int = 6
    stale_days: int = 14
    on_track_ratio: float = 0.9  # progress >= 90 % of expected pace is on track
    at_risk_ratio: float = 0.6  # below 60 % of expected pace is off track
    low_confidence: float = 0.4
    low_confidence_checkins: int = 2
    unrealistic_pace_factor: float = 3.0  # needed pace > 3x the pace so far


@dataclass(slots=True)
class Settings:
    quarter: str | None = None  # "2026-Q4"; None: the quarter containing today
    fiscal_year_start_month: int = 1
    thresholds: Thresholds = field(default_factory=Thresholds)
    holidays: tuple[dt.date, ...] = ()  # days without OKR meetings (Settings "Holidays")


@dataclass(slots=True)
class OkrSet:
    """Everything one workbook (or the store, for one tenant) holds."""

    settings: Settings = field(default_factory=Settings)
    teams: list[Team] = field(default_factory=list)
    objectives: list[Objective] = field(default_factory=list)
    key_results: list[KeyResult] = field(default_factory=list)
    initiatives: list[Initiative] = field(default_factory=list)
    checkins: list[CheckIn] = field(default_factory=list)
    # the other teams' answers to this set's dependencies (the store's; a workbook has none)
    dependency_answers: list[DependencyAnswer] = field(default_factory=list)
