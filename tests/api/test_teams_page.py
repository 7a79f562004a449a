"""GET /api/teams reads and scores the page it answers, not every team of the tenant."""

from __future__ import annotations

from addin.okr.model import OkrSet, Team
from addin.store import sync_writes, workbooks
from addin.store.db import Database
from tests.conftest import FIXED_NOW
from tests.factories import row_kr as kr
from tests.store.reads import rows_read

TENANT = "local"  # the tenant of the embedded default: the test client's


def _store_teams(db: Database, names: list[str]) -> None:
    krs = [
        kr(f"{name} result {n}", team=name, objective=f"{name} objective", baseline=0.0, target=10.0, current=float(n))
        for name in names
        for n in (1, 2, 3)
    ]
    teams = [Team(name=name, lead=f"lead@{name.lower().replace(' ', '-')}.example.com") for name in names]
    with db.transaction() as s:
        workbook_id = workbooks.new_workbook_id(s, TENANT)
        sync_writes.sync_okrs(s, TENANT, workbook_id, OkrSet(key_results=krs, teams=teams), now=FIXED_NOW)


def test_a_page_of_teams_reads_the_same_rows_however_many_teams_the_tenant_has(client, app_database: Database) -> None:
    _store_teams(app_database, ["Atlas", "Borealis", "Cygnus", "Draco"])
    with rows_read(app_database.engine) as small:
        before = client.get("/api/teams?offset=1&limit=2")
    _store_teams(app_database, [f"Zone {n:03}" for n in range(60)])  # names after the page's
    with rows_read(app_database.engine) as big:
        after = client.get("/api/teams?offset=1&limit=2")

    assert before.status_code == after.status_code == 200
    first, second = before.get_json(), after.get_json()
    assert [t["team"] for t in second["teams"]] == [t["team"] for t in first["teams"]] == ["Borealis", "Cygnus"]
    assert second["teams"] == first["teams"]
    assert second["teams"][0]["lead"] == "lead@borealis.example.com"
    assert (first["total"], second["total"]) == (4, 64)
    assert second["next"] == "/api/teams?offset=3&limit=2"
    assert big.rows == small.rows  # the page's two teams, whatever else the tenant holds


def test_the_pages_walk_every_team_once_in_name_order(client, app_database: Database) -> None:
    names = ["ops", "Ops Europe", "Atlas", "Ørsted", "beta", "Zed"]
    _store_teams(app_database, names)
    seen, url = [], "/api/teams?limit=4"
    while url:
        body = client.get(url).get_json()
        seen += [t["team"] for t in body["teams"]]
        url = body["next"]
    assert seen == sorted(names)
    assert client.get("/api/teams?offset=6").get_json() == {
        "teams": [],
        "total": 6,
        "offset": 6,
        "limit": 50,
        "next": None,
    }
