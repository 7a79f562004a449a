"""Builders of workbook-like domain objects for the store tests."""

from __future__ import annotations

import datetime as dt

from addin.okr.model import KeyResult, Location, OkrSet

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(days=7)


def kr(title: str, *, team: str = "Growth", objective: str = "Win the mid-market", **fields: object) -> KeyResult:
    """A key result as a workbook row would give it."""
    row = fields.pop("row", None)
    location = Location(sheet="OKRs", row=row) if row else Location(sheet="OKRs")  # type: ignore[arg-type]
    return KeyResult(team=team, objective=objective, title=title, location=location, **fields)  # type: ignore[arg-type]


def okrset(*krs: KeyResult, **extra: object) -> OkrSet:
    return OkrSet(key_results=list(krs), **extra)  # type: ignore[arg-type]
