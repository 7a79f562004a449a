"""A team's page (GET /api/teams/<team>): built once per tenant data version, never older than the last write."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event

from addin import create_app
from addin.excel.template import write_template
from addin.store import checkins
from addin.store.db import Database
from tests.conftest import FIXED_NOW

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def client(instance, database: Database):  # type: ignore[no-untyped-def]
    """The app on the test database (SQLite and PostgreSQL)."""
    url = database.url.render_as_string(hide_password=False)
    app = create_app({"TESTING": True, "OKR_CLOCK": lambda: FIXED_NOW, "DATABASE_URL": url})
    yield app.test_client()
    app.extensions["okr_db"].dispose()


def _sync(client, data: bytes) -> None:  # type: ignore[no-untyped-def]
    answer = client.post("/api/sync", data=data, content_type=XLSX)
    assert answer.status_code == 200, answer.get_json()


def _first_kr(page: dict) -> dict:
    return page["objectives"][0]["key_results"][0]


def _a_team(client) -> str:  # type: ignore[no-untyped-def]
    return client.get("/api/teams").get_json()["teams"][0]["team"]


def test_a_check_in_shows_at_once_and_an_unchanged_page_is_a_304(client) -> None:  # type: ignore[no-untyped-def]
    _sync(client, write_template(sample=True, today=FIXED_NOW.date()))
    team = _a_team(client)
    first = client.get(f"/api/teams/{team}")
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get(f"/api/teams/{team}")
    assert again.get_json() == first.get_json() and again.headers["ETag"] == first.headers["ETag"]
    unchanged = client.get(f"/api/teams/{team}", headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.data == b""
    for quarter in ("None", "someday"):  # another question is never answered with this page's 304
        asked = client.get(f"/api/teams/{team}?quarter={quarter}", headers={"If-None-Match": first.headers["ETag"]})
        assert asked.status_code == 400 and asked.get_json()["error"]["code"] == "bad_quarter"

    kr = _first_kr(first.get_json())
    answer = client.post(f"/api/key-results/{kr['id']}/checkins", json={"value": 4321, "confidence": 0.4})
    assert answer.status_code == 201, answer.get_json()
    after = client.get(f"/api/teams/{team}", headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != first.headers["ETag"]
    assert _first_kr(after.get_json())["current"] == 4321
    assert _first_kr(after.get_json())["confidence"] == 0.4


def test_a_write_through_another_connection_shows_too(client, database: Database) -> None:  # type: ignore[no-untyped-def]
    """Another process (the CLI, a job, another worker) writes through the store: the version moves with it."""
    _sync(client, write_template(sample=True, today=FIXED_NOW.date()))
    team = _a_team(client)
    kr = _first_kr(client.get(f"/api/teams/{team}").get_json())
    with database.transaction() as s:  # its own engine and pool, as another process has
        checkins.record_checkin(s, "local", kr["id"], value=98765, confidence=None, at=FIXED_NOW, source="cli")
    assert _first_kr(client.get(f"/api/teams/{team}").get_json())["current"] == 98765


def test_the_page_follows_the_day(client, instance) -> None:  # type: ignore[no-untyped-def]
    """Statuses are judged as of today: the same data on another day is another page."""
    clock = {"now": FIXED_NOW}
    app = client.application
    app.config["OKR_CLOCK"] = lambda: clock["now"]
    _sync(client, write_template(sample=True, today=FIXED_NOW.date()))
    team = _a_team(client)
    today = client.get(f"/api/teams/{team}")
    clock["now"] = FIXED_NOW + dt.timedelta(days=30)
    later = client.get(f"/api/teams/{team}", headers={"If-None-Match": today.headers["ETag"]})
    assert later.status_code == 200 and later.headers["ETag"] != today.headers["ETag"]
    expected = [kr.get("expected") for o in later.get_json()["objectives"] for kr in o["key_results"]]
    assert expected != [kr.get("expected") for o in today.get_json()["objectives"] for kr in o["key_results"]]


def test_a_team_page_costs_the_same_in_a_big_tenant(client, database: Database) -> None:  # type: ignore[no-untyped-def]
    """No query per team or per check-in of the tenant: the page reads its own team's rows."""
    _sync(client, write_template(sample=True, today=FIXED_NOW.date()))
    team = _a_team(client)
    statements: list[str] = []
    engine = client.application.extensions["okr_db"].engine
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    def cost() -> int:
        statements.clear()
        client.post(f"/api/key-results/{kr['id']}/checkins", json={"value": 1})  # a write: the page is rebuilt
        statements.clear()
        assert client.get(f"/api/teams/{team}").status_code == 200
        return len(statements)

    kr = _first_kr(client.get(f"/api/teams/{team}").get_json())
    small = cost()
    for other in _other_krs(client, team):  # every other team's key results get check-ins
        for value in (1, 2, 3):
            client.post(f"/api/key-results/{other}/checkins", json={"value": value})
    # a constant count: settings, the team's rows and check-ins, its trend, and the quarter's
    # key results and answers once (who depends on whom crosses teams)
    assert cost() == small <= 12


def _other_krs(client, team: str) -> list[str]:  # type: ignore[no-untyped-def]
    teams = client.get("/api/teams").get_json()["teams"]
    return [kr["id"] for t in teams if t["team"] != team for o in t["objectives"] for kr in o["key_results"]]
