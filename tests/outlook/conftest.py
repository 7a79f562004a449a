"""Fixtures for the Outlook cadence tests: OKRs, a real SQLite store, the local Graph."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator

import pytest

from addin.okr.model import KeyResult, Objective, OkrSet, Settings, Team
from tests.outlook.graph_server import Faults, GraphServer

# Monday 5 October 2026, early in Q4 (calendar fiscal year)
NOW = dt.datetime(2026, 10, 5, 7, 0, tzinfo=dt.UTC)


def make_okrs(
    n_teams: int = 3,
    *,
    quarter: str | None = "2026-Q4",
    fy_start: int = 1,
    zones: tuple[str, ...] = ("Europe/Madrid", "America/New_York", "Asia/Kolkata"),
) -> OkrSet:
    """Teams T0..Tn-1 (T1.. have T0 as parent), each with one objective and two KRs;
    each team's first KR depends on the previous team."""
    teams, objectives, krs = [], [], []
    for i in range(n_teams):
        name = f"T{i}"
        teams.append(
            Team(
                name,
                lead=f"lead{i}@example.com",
                members=(f"a{i}@example.com", f"b{i}@example.com"),
                checkin_weekday=i % 5,
                checkin_time=dt.time(9 + i % 6, 30),
                timezone=zones[i % len(zones)],
                meeting_minutes=30,
                parent="T0" if i else None,
            )
        )
        objectives.append(Objective(name, f"Objective of {name}"))
        krs.append(
            KeyResult(
                name,
                f"Objective of {name}",
                f"Grow signups of {name} to 100",
                id=f"KR-{i:04d}A",
                owner=f"a{i}@example.com",
                baseline=0,
                target=100,
                current=20,
                unit="signups",
                confidence=0.7,
                depends_on=(f"T{i - 1}",) if i else (),
            )
        )
        krs.append(
            KeyResult(
                name,
                f"Objective of {name}",
                f"Cut churn of {name} to 2 %",
                id=f"KR-{i:04d}B",
                owner=f"b{i}@example.com",
                baseline=5,
                target=2,
                current=4,
                unit="%",
                confidence=0.5,
            )
        )
    return OkrSet(
        settings=Settings(quarter=quarter, fiscal_year_start_month=fy_start),
        teams=teams,
        objectives=objectives,
        key_results=krs,
    )


@pytest.fixture
def store_okrs(database) -> Callable[..., OkrSet]:  # type: ignore[no-untyped-def]
    """store_okrs(okrs, tenant="t1"): sync an OkrSet into the store, as a workbook would."""
    from addin.store import key_results, okr_sets, sync_writes, workbooks

    books: dict[str, str] = {}

    def store(okrs: OkrSet, tenant: str = "t1", now: dt.datetime = NOW) -> OkrSet:
        with database.transaction() as s:
            if tenant not in books:
                books[tenant] = workbooks.new_workbook_id(s, tenant)
            # ids are the store's to give: a re-sync carries the ids it gave last time
            given = {(kr.team, kr.title): kr_id for kr_id, kr in key_results.load_key_results(s, tenant).items()}
            krs = [dataclasses.replace(kr, id=given.get((kr.team, kr.title))) for kr in okrs.key_results]
            sync_writes.sync_okrs(s, tenant, books[tenant], dataclasses.replace(okrs, key_results=krs), now=now)
        with database.read() as s:
            return okr_sets.load_okrs(s, tenant)

    return store


@pytest.fixture
def graph_server() -> Iterator[GraphServer]:
    """A fresh local Graph on a random port (no faults unless the test sets them)."""
    with GraphServer(Faults()) as server:
        yield server
    assert not server.state.violations, server.state.violations


class Sleeps:
    """An injectable sleep: records what the client asked to wait, waits not at all."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def graph_calendar(graph_server: GraphServer, sleeps: Sleeps) -> Callable[..., object]:
    """graph_calendar(**settings): a GraphCalendar pointed at the local Graph."""
    from addin.graph import GraphCalendar, GraphSettings

    def make(**overrides: object) -> object:
        options = {
            "token_provider": lambda: "test-token",
            "base_url": graph_server.base_url,
            "sleep": sleeps,
            "timeout": 5.0,
            **overrides,
        }
        return GraphCalendar(GraphSettings(**options))  # type: ignore[arg-type]

    return make
