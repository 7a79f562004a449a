"""A page of teams: the same teams, order and scores as scoring every team, read for that page only."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from addin.okr.model import KeyResult, OkrSet, Team
from addin.status import okr_status, teams_page
from addin.store import okr_sets, sync_writes, team_pages, workbooks
from addin.store.db import Database
from tests.factories import NOW
from tests.factories import row_kr as kr
from tests.store.reads import rows_read

TENANT = "local"
TODAY = NOW.date()
# code-point order puts upper case first and accents last: "Beta" < "Delta 10" < "alpha" < "Émile"
NAMES = ["alpha", "Beta", "Zeta", "Émile", "zulu", "Ärzte", "delta-2", "Delta 10", "Ops", "ops team"]


def _team_krs(team: str, *, quarter: str | None = None) -> list[KeyResult]:
    """Two objectives of two key results each, with values (so each has a check-in)."""
    return [
        kr(
            f"{team} result {o}.{n}",
            team=team,
            objective=f"{team} objective {o}",
            current=float(n),
            target=10.0,
            baseline=0.0,
            quarter=quarter,
        )  # fmt: skip
        for o in (1, 2)
        for n in (1, 2)
    ]


def _store(database: Database, krs: list[KeyResult], *, teams: list[Team] = (), tenant: str = TENANT) -> str:  # type: ignore[assignment]
    with database.transaction() as s:
        workbook_id = workbooks.new_workbook_id(s, tenant)
        sync_writes.sync_okrs(s, tenant, workbook_id, OkrSet(key_results=krs, teams=list(teams)), now=NOW)
    return workbook_id


def _pages(database: Database, limit: int) -> list[list[dict[str, object]]]:
    pages, offset = [], 0
    while True:
        page = teams_page(database, TENANT, today=TODAY, offset=offset, limit=limit)
        if not page.views:
            return pages
        pages.append([v.as_dict() for v in page.views])
        offset += limit


def test_pages_hold_every_listed_team_once_in_name_order_scored_as_the_whole_listing(database: Database) -> None:
    _store(database, [k for name in NAMES for k in _team_krs(name)])
    _store(database, _team_krs("Last quarter only", quarter="2026-Q3"))
    gone = _store(database, _team_krs("Archived"))
    with database.transaction() as s:  # a second sync of that workbook without its rows archives them
        sync_writes.sync_okrs(s, TENANT, gone, OkrSet(key_results=[]), now=NOW + dt.timedelta(hours=1))

    # the listing leaves dependencies to a team's own page (they need every team of the quarter)
    everything = [
        {k: x for k, x in v.as_dict().items() if k != "dependencies"} for v in okr_status(database, TENANT, today=TODAY)
    ]
    assert [v["team"] for v in everything] == sorted(NAMES)
    for limit in (1, 3, 4, 200):
        pages = _pages(database, limit)
        assert [v for page in pages for v in page] == everything
        assert all(len(page) == limit for page in pages[:-1])
    page = teams_page(database, TENANT, today=TODAY, offset=2, limit=3)
    assert page.total == len(NAMES) and [t.name for t in page.teams] == sorted(NAMES)[2:5]
    assert teams_page(database, TENANT, today=TODAY, quarter="2026-Q3", offset=0, limit=5).total == 1


def test_a_page_reads_only_its_teams_however_many_the_tenant_has(database: Database) -> None:
    _store(database, [k for name in ("Alpha", "Bravo", "Charlie", "Delta") for k in _team_krs(name)])
    with rows_read(database.engine) as small:
        before = teams_page(database, TENANT, today=TODAY, offset=1, limit=2)

    # 40 more teams (sorting after the page), each with key results and check-ins, and longer history
    more = [f"Team {n:02}" for n in range(40)]
    _store(database, [k for name in more for k in _team_krs(name)])
    _store(database, [k for name in more for k in _team_krs(name, quarter="2026-Q3")])
    with rows_read(database.engine) as big:
        after = teams_page(database, TENANT, today=TODAY, offset=1, limit=2)

    assert [v.team for v in after.views] == [v.team for v in before.views] == ["Bravo", "Charlie"]
    assert (before.total, after.total) == (4, 44)
    assert big.rows == small.rows and len(big.statements) == len(small.statements)
    with database.read() as s:
        everything = okr_sets.load_okrs(s, TENANT)
    stored_rows = len(everything.key_results) + len(everything.checkins) + len(everything.objectives)
    assert big.rows < stored_rows / 20  # the page's two teams, not the tenant's 44


@pytest.mark.parametrize("offset", [0, 4, 10**6])
def test_pages_past_the_end_and_an_empty_tenant_are_empty(database: Database, offset: int) -> None:
    page = teams_page(database, "nobody", today=TODAY, offset=offset, limit=5)
    assert (page.views, page.teams, page.total) == ([], [], 0)
    with database.read() as s:
        assert team_pages.load_teams_okrs(s, "nobody", "2026-Q4", []).key_results == []


def test_a_page_carries_its_teams_rosters(database: Database) -> None:
    lead = Team(name="Bravo", lead="bo@example.com", members=("cy@example.com",))
    _store(database, [*_team_krs("Alpha"), *_team_krs("Bravo")], teams=[lead])
    page = teams_page(database, TENANT, today=TODAY, offset=1, limit=1)
    assert [dataclasses.astuple(t)[:3] for t in page.teams] == [("Bravo", "bo@example.com", ("cy@example.com",))]
