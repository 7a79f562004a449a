"""Domain objects for retro pack tests: a team's quarter, built from a few numbers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from addin.okr.history import FindingRecord
from addin.okr.model import (
    CheckIn,
    Finding,
    KeyResult,
    KrKind,
    Location,
    Objective,
    ObjectiveType,
    OkrSet,
    Settings,
    Severity,
    Team,
)
from addin.okr.quarters import Quarter
from addin.reports.data import RetroInput

QUARTER = Quarter(2026, 3)  # 1 Jul - 30 Sep 2026: 92 days, 13 weeks and a day
AFTER_QUARTER = dt.datetime(2026, 10, 2, 9, 0, tzinfo=dt.UTC)

# Final progress of KR j (0-based) in every objective: done, most, half, little.
FINAL_PROGRESS = (1.0, 0.8, 0.5, 0.2, 0.6, 0.3)


def checkin_days(weeks: int, quarter: Quarter = QUARTER, *, skip: Sequence[int] = ()) -> list[dt.datetime]:
    """One check-in time per week (Thursday of the quarter's week), leaving out ``skip`` (1-based)."""
    start = dt.datetime.combine(quarter.start, dt.time(10, 0), tzinfo=dt.UTC) + dt.timedelta(days=3)
    return [start + dt.timedelta(days=7 * w) for w in range(weeks) if w + 1 not in skip]


def linear_checkins(
    kr: KeyResult,
    final: float,
    days: Sequence[dt.datetime],
    *,
    confidence: tuple[float, float] = (0.8, 0.7),
    note: Callable[[int], str] = lambda i: "",
) -> list[CheckIn]:
    """Check-ins whose value moves in a straight line from the baseline to ``final``."""
    n = len(days)
    base = kr.baseline or 0.0
    out = []
    for i, at in enumerate(days):
        share = (i + 1) / n
        out.append(
            CheckIn(
                kr_id=kr.id or "",
                at=at,
                value=round(base + (final - base) * share, 2),
                confidence=round(confidence[0] + (confidence[1] - confidence[0]) * share, 2),
                note=note(i),
                source="workbook",
            )
        )
    return out


def make_input(
    *,
    team: str = "Growth",
    objectives: int = 3,
    krs_per_objective: int = 4,
    weeks: int = 13,
    aspirational: Sequence[int] = (1,),
    title: Callable[[int, int], str] = lambda o, k: f"Raise metric {o + 1}.{k + 1} from baseline to target",
    note: Callable[[int], str] = lambda i: "",
    generated_at: dt.datetime = AFTER_QUARTER,
    other_teams: bool = True,
    findings: Sequence[FindingRecord] = (),
    skip_weeks: Sequence[int] = (),
) -> RetroInput:
    """A team with ``objectives`` x ``krs_per_objective`` increase KRs and weekly check-ins.

    KR k of every objective: baseline 10*(k+1), target baseline + 100, ending at
    FINAL_PROGRESS[k] of the way. Objective indexes in ``aspirational`` are aspirational.
    """
    okrs = OkrSet(settings=Settings(quarter=QUARTER.label), teams=[Team(team, lead="lead@example.com")])
    checkins: list[CheckIn] = []
    days = checkin_days(weeks, skip=skip_weeks)
    for o in range(objectives):
        kind = ObjectiveType.ASPIRATIONAL if o in aspirational else ObjectiveType.COMMITTED
        otitle = f"Objective {o + 1} of {team}"
        okrs.objectives.append(Objective(team=team, title=otitle, type=kind, ref=str(o + 1)))
        for k in range(krs_per_objective):
            base = 10.0 * (k + 1)
            kr = KeyResult(
                team=team,
                objective=otitle,
                title=title(o, k),
                id=f"KR-{team[:3].upper()}{o}{k}",
                ref=f"{o + 1}.{k + 1}",
                owner=f"owner{k}@example.com",
                baseline=base,
                target=base + 100,
                current=base,  # the workbook's value before the check-ins
                unit="",
                kind=KrKind.INCREASE,
            )
            okrs.key_results.append(kr)
            final = base + 100 * FINAL_PROGRESS[k % len(FINAL_PROGRESS)]
            checkins += linear_checkins(kr, final, days, note=note)
    if other_teams:
        first = okrs.key_results[0]
        first.depends_on = ("Platform", "Data")
        okrs.teams += [Team("Platform"), Team("Data")]
        okrs.objectives.append(Objective(team="Platform", title="Be a platform people rely on"))
        okrs.key_results.append(
            KeyResult(
                team="Platform",
                objective="Be a platform people rely on",
                title="Ship the API Growth needs",
                id="KR-PLT001",
                baseline=0,
                target=1,
                current=1,
                kind=KrKind.MILESTONE,
                aligns_to=first.id,
            )
        )
        # Data never mentions Growth: the dependency on it is not acknowledged.
        okrs.objectives.append(Objective(team="Data", title="Trusted numbers"))
        okrs.key_results.append(
            KeyResult(
                team="Data",
                objective="Trusted numbers",
                title="Cut dashboard errors",
                id="KR-DAT001",
                baseline=40,
                target=10,
                current=30,
            )
        )
        # Sales depends on Growth: it shows under "who depended on us".
        okrs.teams.append(Team("Sales"))
        okrs.objectives.append(Objective(team="Sales", title="Win the mid-market"))
        okrs.key_results.append(
            KeyResult(
                team="Sales",
                objective="Win the mid-market",
                title="Close 40 mid-market deals",
                id="KR-SAL001",
                baseline=0,
                target=40,
                current=12,
                depends_on=(team,),
            )
        )
    return RetroInput(
        team=okrs.teams[0],
        quarter=QUARTER,
        okrs=okrs,
        checkins=checkins,
        findings=list(findings),
        generated_at=generated_at,
        author="Retro Tester",
    )


def finding_record(
    rule: str,
    pitfall: str,
    kr_id: str | None,
    first_seen: dt.datetime,
    resolved_at: dt.datetime | None,
    message: str = "Something to fix",
) -> FindingRecord:
    """A finding the linter reported from ``first_seen`` until ``resolved_at``."""
    return FindingRecord(
        finding=Finding(
            rule=rule,
            pitfall=pitfall,
            severity=Severity.WARNING,
            location=Location(team="Growth", key_result=kr_id),
            message=message,
        ),
        first_seen=first_seen,
        resolved_at=resolved_at,
    )
