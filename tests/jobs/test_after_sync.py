"""A sync through the API that changes a team's lead, members or cadence re-plans that team's
meetings (here without a broker: the job runs in the caller's process, on the .ics calendar)."""

from __future__ import annotations

import base64
import io

import openpyxl
import pytest

from addin.excel.template import write_template
from addin.store.meetings import list_meetings
from tests.conftest import FIXED_NOW

NEW_LEAD = "nora.new@example.com"


def _sync(client, workbook: bytes) -> bytes:  # type: ignore[no-untyped-def]
    answer = client.post(
        "/api/sync?include=workbook",
        content_type="multipart/form-data",
        data={"workbook": (io.BytesIO(workbook), "okrs.xlsx")},
    )
    assert answer.status_code == 200, answer.get_json()
    return base64.b64decode(answer.get_json()["workbook"]["base64"])


def _with_lead(workbook: bytes, team: str, lead: str) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(workbook))
    sheet = book["Teams"]
    from addin.excel.template import TEAM_HEADERS

    lead_col, members_col = TEAM_HEADERS.index("Lead (email)"), 2
    for row in sheet.iter_rows():
        if row[0].value == team:
            row[lead_col].value = lead
            members = row[members_col]
            members.value = f"{members.value}; {lead}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _meetings(db):  # type: ignore[no-untyped-def]
    with db.read() as s:
        return {m.key: m for m in list_meetings(s, "local")}


@pytest.fixture
def scheduled(client, okr, app_database, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.delenv("OKR_BROKER_URL", raising=False)
    workbook = _sync(client, write_template(sample=True, today=FIXED_NOW.date()))
    result = okr("schedule")
    assert result.exit_code == 0, result.output
    return workbook


def test_a_changed_lead_replans_that_team_only(client, app_database, scheduled: bytes) -> None:  # type: ignore[no-untyped-def]
    before = _meetings(app_database)
    product = {k for k, m in before.items() if m.team == "Product"}
    assert product and len(before) > len(product)
    _sync(client, _with_lead(scheduled, "Product", NEW_LEAD))
    after = _meetings(app_database)
    assert after.keys() == before.keys()  # re-planned, not duplicated
    for key in product:
        assert after[key].organizer == NEW_LEAD
        assert NEW_LEAD in after[key].snapshot["attendees"]
    for key in before.keys() - product:
        assert after[key] == before[key], f"{key} was touched though its team did not change"


def test_a_sync_that_changes_no_team_replans_nothing(client, app_database, scheduled: bytes) -> None:  # type: ignore[no-untyped-def]
    before = _meetings(app_database)
    _sync(client, scheduled)
    assert _meetings(app_database) == before


def test_no_meetings_are_made_by_a_sync_before_anything_was_scheduled(client, app_database, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("OKR_BROKER_URL", raising=False)
    workbook = _sync(client, write_template(sample=True, today=FIXED_NOW.date()))
    _sync(client, _with_lead(workbook, "Product", NEW_LEAD))
    assert _meetings(app_database) == {}


def test_next_quarters_workbook_synced_plans_that_quarters_meetings(
    client, app_database, okr, scheduled: bytes
) -> None:  # type: ignore[no-untyped-def]
    from addin.excel.template import write_next_quarter
    from addin.okr.model import KeyResult, Settings
    from addin.okr.quarters import Quarter
    from addin.store import okr_sets

    before = _meetings(app_database)
    with app_database.read() as s:
        growth = next(t for t in okr_sets.list_teams(s, "local") if t.name == "Growth")  # its rhythm, unchanged
    assert {m.quarter for m in before.values()} == {"2026-Q4"}
    carried = [KeyResult(team="Growth", objective="Grow", title="Raise activation", baseline=30, target=40)]
    nxt = write_next_quarter(Quarter(2027, 1), growth, carried, [], Settings())
    _sync(client, nxt)
    after = _meetings(app_database)
    started = {k: m for k, m in after.items() if k not in before}
    assert started and {(m.team, m.quarter) for m in started.values()} == {("Growth", "2027-Q1")}
    assert {m.kind for m in started.values()} >= {"checkin", "retro"}
    assert all(after[k] == m for k, m in before.items())  # the closing quarter's series are untouched
    _sync(client, nxt)
    assert _meetings(app_database).keys() == after.keys()  # synced again: planned once
