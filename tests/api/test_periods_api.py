"""Periods through the API: ?quarter= on every view, the team across quarters, next quarter's workbook."""

from __future__ import annotations

import base64
import datetime as dt
import io

import openpyxl
import pytest

from addin import create_app
from addin.excel.template import write_template

Q4_DAY = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
RETRO_DAY = dt.datetime(2026, 12, 29, 10, 0, tzinfo=dt.UTC)
Q1_DAY = dt.datetime(2027, 1, 12, 9, 0, tzinfo=dt.UTC)
TEAM = "Growth"


@pytest.fixture
def clock() -> dict[str, dt.datetime]:
    return {"now": Q4_DAY}


@pytest.fixture
def client(instance, clock):  # type: ignore[no-untyped-def]
    return create_app({"TESTING": True, "OKR_CLOCK": lambda: clock["now"]}).test_client()


def _sync(client, data: bytes, **query: str) -> dict:  # type: ignore[no-untyped-def]
    response = client.post(
        "/api/sync",
        query_string=query,
        data=data,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _krs(team: dict) -> list[dict]:
    return [kr for o in team["objectives"] for kr in o["key_results"]]


def test_views_follow_the_date_and_show_any_quarter(client, clock) -> None:  # type: ignore[no-untyped-def]
    sample = write_template(sample=True, today=Q4_DAY.date())
    assert _sync(client, sample)["quarters"] == ["2026-Q4"]
    q4 = client.get("/api/teams").get_json()["teams"]
    assert {t["quarter"] for t in q4} == {"2026-Q4"} and sum(len(_krs(t)) for t in q4) > 0

    clock["now"] = Q1_DAY  # a new quarter with nothing synced yet: today's view is empty, Q4 is kept
    assert client.get("/api/teams").get_json()["teams"] == []
    again = client.get("/api/teams", query_string={"quarter": "2026-Q4"}).get_json()["teams"]
    assert [len(_krs(t)) for t in again] == [len(_krs(t)) for t in q4]
    bad = client.get("/api/teams", query_string={"quarter": "someday"})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "bad_quarter"


def test_next_quarter_from_the_pane_then_the_trend_and_paths(client, clock) -> None:  # type: ignore[no-untyped-def]
    _sync(client, write_template(sample=True, today=Q4_DAY.date()))
    growth_q4 = client.get(f"/api/teams/{TEAM}").get_json()
    assert [t["quarter"] for t in growth_q4["trend"]] == ["2026-Q4"] and growth_q4["paths"] == {}

    clock["now"] = RETRO_DAY
    made = client.get(f"/api/teams/{TEAM}/next-quarter").get_json()
    assert (made["from"], made["quarter"]) == ("2026-Q4", "2027-Q1") and made["carried"] > 0
    workbook = base64.b64decode(made["workbook"])
    ws = openpyxl.load_workbook(io.BytesIO(workbook))["OKRs"]
    assert ws.max_row - 1 == made["carried"]

    clock["now"] = Q1_DAY
    synced = _sync(client, workbook)
    assert synced["quarters"] == ["2027-Q1"] and synced["created"] == made["carried"] and synced["archived"] == 0
    growth = client.get(f"/api/teams/{TEAM}").get_json()
    assert growth["quarter"] == "2027-Q1" and len(_krs(growth)) == made["carried"]
    assert [t["quarter"] for t in growth["trend"]] == ["2026-Q4", "2027-Q1"]
    assert all(0 <= t["checkin_discipline"] <= 1 for t in growth["trend"])
    for kr in _krs(growth):  # each carried KR shows its whole path: last quarter's, then this one
        path = growth["paths"][kr["id"]]
        assert [(s["quarter"], s["id"]) for s in path] == [("2026-Q4", kr["continues"]), ("2027-Q1", kr["id"])]
        assert path[1]["baseline"] == (path[0]["current"] if path[0]["current"] is not None else path[0]["baseline"])

    assert client.get("/api/teams/Nobody/next-quarter").status_code == 404
