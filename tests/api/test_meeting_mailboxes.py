"""Meetings only in mailboxes that agreed: the stored lead organises, and with Graph the
organiser and attendees must be users of the tenant (looked up once, cached)."""

from __future__ import annotations

import openpyxl
import pytest

from addin.calendars import default_calendar
from addin.config import cadence_settings
from addin.graph import GraphCalendar, GraphSettings
from addin.graph.directory import forget
from addin.outlook.mailbox_check import with_people_check
from addin.outlook.schedule import schedule
from tests.api.conftest import upload
from tests.conftest import FIXED_NOW
from tests.outlook.conftest import graph_server  # noqa: F401  (the local Graph)

PEOPLE = {
    "ana.lopez@example.com",
    "tom.berg@example.com",
    "li.wei@example.com",
    "priya.nair@example.com",
    "sam.okafor@example.com",
    "julia.roth@example.com",
    "joao.silva@example.com",
    "marta.costa@example.com",
    "kenji.sato@example.com",
    "ravi.kumar@example.com",
    "emma.novak@example.com",
    "anil.mehta@example.com",
    "sara.ito@example.com",
}


@pytest.fixture
def graph(graph_server, client, workbook):  # noqa: F811
    """The sample stored by the local admin; a checked Graph calendar at the local Graph."""
    forget()
    assert upload(client, "/api/sync", workbook).status_code == 200
    settings = GraphSettings(
        token_provider=lambda: "test-token", base_url=graph_server.base_url, sleep=_no_wait, backoff_base=0.0
    )
    yield graph_server, with_people_check(GraphCalendar(settings))
    forget()


async def _no_wait(_seconds: float) -> None:
    return None


def _attendees(event: dict) -> set[str]:
    return {a["emailAddress"]["address"] for a in event["attendees"]}


def test_no_meeting_is_written_to_a_mailbox_outside_the_tenant(app_database, graph):
    server, calendar = graph
    server.state.directory = PEOPLE - {"ravi.kumar@example.com", "emma.novak@example.com"}
    report = schedule(app_database, "local", calendar=calendar, now=FIXED_NOW, quarter="2026-Q4")
    assert server.state.mailbox_events("ravi.kumar@example.com") == []  # Platform's lead: not a user
    assert any(s.team == "Platform" and "not a user of this organisation" in s.reason for s in report.skipped)
    engineering = server.state.mailbox_events("kenji.sato@example.com")
    assert engineering and all("emma.novak@example.com" not in _attendees(e) for e in engineering)
    assert any("emma.novak@example.com" in s.reason for s in report.skipped)
    assert server.state.mailbox_events("ana.lopez@example.com")  # Product's stored lead organises


def test_external_attendees_only_when_the_setting_allows(app_database, graph):
    server, calendar = graph
    server.state.directory = PEOPLE - {"emma.novak@example.com"}
    settings = cadence_settings({"OKR_ALLOW_EXTERNAL_ATTENDEES": "true"})
    schedule(app_database, "local", calendar=calendar, now=FIXED_NOW, quarter="2026-Q4", settings=settings)
    weekly = [e for e in server.state.mailbox_events("kenji.sato@example.com") if "weekly" in e["subject"]]
    assert "emma.novak@example.com" in _attendees(weekly[0])


def test_people_are_looked_up_once(app_database, graph):
    server, calendar = graph
    server.state.directory = set(PEOPLE)
    schedule(app_database, "local", calendar=calendar, now=FIXED_NOW, quarter="2026-Q4")
    first = len(server.state.user_lookups)
    assert first == len(set(server.state.user_lookups)) > 0
    schedule(app_database, "local", calendar=calendar, now=FIXED_NOW, quarter="2026-Q4")
    assert len(server.state.user_lookups) == first


def test_a_workbook_cell_does_not_move_the_organiser(app_database, graph, client, workbook, tmp_path):
    """The lead column of an upload by someone who is not an admin or the lead stays pending;
    here the stored lead (set by the admin's first sync) keeps organising Product's meetings."""
    server, calendar = graph
    server.state.directory = set(PEOPLE) | {"ceo@example.com"}
    from addin.excel.sync import sync_workbook
    from addin.okr.authority import Actor

    path = tmp_path / "ceo.xlsx"
    path.write_bytes(workbook)
    book = openpyxl.load_workbook(path)
    book["Teams"]["B2"] = "ceo@example.com"
    book.save(path)
    tom = Actor(object_id="00000000-0000-4000-8000-000000000001", email="tom.berg@example.com", name="tom")
    report = sync_workbook(app_database, "local", path.read_bytes(), now=FIXED_NOW, actor=tom)
    assert "authority.lead-change-pending" in {f.rule for f in report.findings}
    schedule(app_database, "local", calendar=calendar, now=FIXED_NOW, quarter="2026-Q4")
    assert server.state.mailbox_events("ceo@example.com") == []
    assert server.state.mailbox_events("ana.lopez@example.com")


def test_every_graph_calendar_the_app_builds_checks_people(tmp_path):
    calendar = default_calendar(
        tmp_path,
        "t1",
        token_provider=lambda: "token",
        environ={"OKR_CLIENT_ID": "00000000-0000-4000-8000-000000000000"},
    )
    assert calendar.name == "graph" and calendar.check_people is True
