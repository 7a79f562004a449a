"""Builders of domain objects for the tests: key results, objectives, check-ins, OKR sets.

``kr()`` is a measured, owned key result with an id, as a synced workbook holds it (the domain
tests); ``row_kr()`` is one as a workbook row first gives it: no id, nothing unless given (the
store tests, where the store assigns ids). ``healthy_okrs()`` is an organisation the linter finds
nothing in.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import replace

from addin.okr.model import (
    CheckIn,
    KeyResult,
    Location,
    Objective,
    OkrSet,
    Settings,
    Team,
    Thresholds,
)
from addin.okr.quarters import Quarter

QUARTER = Quarter(2026, 4)  # 2026-10-01 .. 2026-12-31
TODAY = dt.date(2026, 11, 15)  # half-way: 46 of 92 days gone
NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)  # a sync's moment (store tests)
LATER = NOW + dt.timedelta(days=7)  # the next week's sync
_rows = itertools.count(2)


def kr(title: str = "Raise week-1 activation from 30% to 45%", **fields: object) -> KeyResult:
    """A measurable, owned key result of team Growth; override any field."""
    row = next(_rows)
    values: dict[str, object] = {
        "team": "Growth",
        "objective": "Make the first week delightful",
        "title": title,
        "id": f"KR-{row:06X}",
        "owner": "ana@example.com",
        "baseline": 30.0,
        "target": 45.0,
        "current": 38.0,
        "unit": "%",
        "confidence": 0.7,
        "location": Location(sheet="OKRs", row=row, cell=f"C{row}", column="Key Result"),
    }
    values.update(fields)
    return KeyResult(**values)  # type: ignore[arg-type]


def objective(title: str, team: str = "Growth", **fields: object) -> Objective:
    row = next(_rows)
    return Objective(team=team, title=title, location=Location(sheet="Objectives", row=row), **fields)  # type: ignore[arg-type]


def checkin(kr_id: str, day: dt.date, value: float | None, confidence: float | None = 0.7, note: str = "") -> CheckIn:
    at = dt.datetime.combine(day, dt.time(9, 30), tzinfo=dt.UTC)
    return CheckIn(kr_id=kr_id, at=at, value=value, confidence=confidence, note=note)


def healthy_okrs(thresholds: Thresholds | None = None) -> OkrSet:
    """Three teams whose OKRs are well made: the linter should find nothing in them."""
    company_goal = "Become the obvious choice for mid-size teams"
    teams = [
        Team("Company", lead="ceo@example.com", location=Location(sheet="Teams", row=2)),
        Team("Growth", lead="lea@example.com", parent="Company", location=Location(sheet="Teams", row=3)),
        Team("Platform", lead="pat@example.com", parent="Company", location=Location(sheet="Teams", row=4)),
    ]
    objectives = [
        objective(company_goal, team="Company"),
        objective("Make the first week delightful", aligns_to=company_goal),
        objective("Make the product feel instant", team="Platform", aligns_to=company_goal),
    ]
    krs = [
        kr(
            "Grow ARR from $10M to $12M",
            team="Company",
            objective=company_goal,
            owner="ceo@example.com",
            baseline=10,
            target=12,
            current=11,
            unit="$M",
        ),
        kr(
            "Raise NPS from 30 to 40",
            team="Company",
            objective=company_goal,
            owner="cpo@example.com",
            baseline=30,
            target=40,
            current=35,
            unit="points",
        ),
        kr("Raise week-1 activation from 30% to 45%", ref="1.1"),
        kr(
            "Cut time to first value from 3 days to 1 day",
            ref="1.2",
            owner="leo@example.com",
            baseline=3,
            target=1,
            current=2,
            unit="days",
            depends_on=("Platform",),
        ),
        kr(
            "Cut p95 page load from 2.4 s to 1.2 s",
            team="Platform",
            objective="Make the product feel instant",
            owner="pat@example.com",
            ref="1.1",
            baseline=2.4,
            target=1.2,
            current=1.8,
            unit="s",
            aligns_to="Growth",
        ),
        kr(
            "Cut failed deploys from 12 to 4 a month",
            team="Platform",
            objective="Make the product feel instant",
            owner="ivo@example.com",
            ref="1.2",
            baseline=12,
            target=4,
            current=8,
            unit="deploys",
        ),
    ]
    settings = Settings(quarter=QUARTER.label, thresholds=thresholds or Thresholds())
    return OkrSet(settings=settings, teams=teams, objectives=objectives, key_results=krs)


def weekly_checkins(okrs: OkrSet, until: dt.date = TODAY, every: int = 7) -> list[CheckIn]:
    """Check-ins from the quarter start to ``until`` moving each KR steadily to its Current."""
    out: list[CheckIn] = []
    days = (until - QUARTER.start).days
    for item in okrs.key_results:
        if item.id is None or item.current is None:
            continue
        start = item.baseline if item.baseline is not None else item.current
        for offset in range(every, days + 1, every):
            share = offset / days
            value = start + (item.current - start) * share
            out.append(checkin(item.id, QUARTER.start + dt.timedelta(days=offset), value, note="steady"))
    return out


def with_kr(okrs: OkrSet, item: KeyResult) -> OkrSet:
    """A copy of ``okrs`` with one more KR."""
    return replace(okrs, key_results=[*okrs.key_results, item])


def row_kr(title: str, *, team: str = "Growth", objective: str = "Win the mid-market", **fields: object) -> KeyResult:
    """A key result as a workbook row gives it: no id (the store assigns one), nothing else unless given."""
    row = fields.pop("row", None)
    location = Location(sheet="OKRs", row=row) if row else Location(sheet="OKRs")  # type: ignore[arg-type]
    return KeyResult(team=team, objective=objective, title=title, location=location, **fields)  # type: ignore[arg-type]


def okrset(*krs: KeyResult, **extra: object) -> OkrSet:
    """An OkrSet of these key results (and any other field of OkrSet)."""
    return OkrSet(key_results=list(krs), **extra)  # type: ignore[arg-type]
