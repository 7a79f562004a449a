"""Orphaned meetings are cancelled (new organiser, team gone) and lookups follow nextLinks."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import icalendar
from sqlalchemy import text

from addin.outlook.ics import IcsCalendar
from addin.outlook.schedule import schedule
from addin.store.meetings import CANCELLED, CREATED, list_meetings
from tests.outlook.conftest import NOW, make_okrs
from tests.outlook.graph_server import Faults


def _remove_team(db, tenant: str, team: str) -> None:  # type: ignore[no-untyped-def]
    """Take a team out of the store with everything it owns (there is no store function for it)."""
    team_ids = "(SELECT id FROM teams WHERE tenant_id = :t AND name = :n)"
    objective_ids = f"(SELECT id FROM objectives WHERE team_id IN {team_ids})"
    kr_ids = f"(SELECT id FROM key_results WHERE objective_id IN {objective_ids})"
    with db.transaction() as s:
        for sql in (
            f"DELETE FROM check_ins WHERE key_result_id IN {kr_ids}",
            f"DELETE FROM key_results WHERE id IN {kr_ids}",
            f"DELETE FROM objectives WHERE id IN {objective_ids}",
            f"DELETE FROM teams WHERE id IN {team_ids}",
        ):
            s.execute(text(sql), {"t": tenant, "n": team})


def _number(event_id: str) -> int:
    """The local Graph's ids count up across events and cancels: their order in time."""
    return int(re.match(r"AAMk(\d{8})", event_id)[1])  # type: ignore[index]


def test_new_lead_gets_the_series_and_the_old_one_is_cancelled_after(
    database, store_okrs, graph_server, graph_calendar
) -> None:  # type: ignore[no-untyped-def]
    okrs = make_okrs(2)
    store_okrs(okrs)
    cal = graph_calendar()
    schedule(database, "t1", calendar=cal, now=NOW)
    old_ids = {e["id"] for e in graph_server.state.mailbox_events("lead1@example.com")}
    okrs.teams[1].lead = "newlead@example.com"
    store_okrs(okrs)
    report = schedule(database, "t1", calendar=cal, now=NOW + dt.timedelta(days=1))
    assert report.ok
    new = graph_server.state.mailbox_events("newlead@example.com")
    assert len(new) == 3 and not graph_server.state.mailbox_events("lead1@example.com")
    cancelled = [c for c in graph_server.state.cancelled if c["mailbox"] == "lead1@example.com"]
    assert {c["event"]["id"] for c in cancelled} == old_ids
    assert all("new lead" in c["comment"] for c in cancelled)
    # each cancel came after every new series was created
    assert min(c["order"] for c in cancelled) > max(_number(e["id"]) for e in new)
    with database.read() as s:
        recs = [r for r in list_meetings(s, "t1") if r.team == "T1"]
    assert {r.organizer for r in recs} == {"newlead@example.com"} and not any(r.retired for r in recs)
    again = schedule(database, "t1", calendar=cal, now=NOW + dt.timedelta(days=2))
    assert {m.action for m in again.meetings} == {"unchanged"}
    assert len(graph_server.state.cancelled) == 3


def test_a_failed_cancel_is_remembered_and_done_next_run(database, store_okrs, graph_server, graph_calendar) -> None:  # type: ignore[no-untyped-def]
    okrs = make_okrs(1)
    store_okrs(okrs)
    schedule(database, "t1", calendar=graph_calendar(), now=NOW)
    okrs.teams[0].lead = "newlead@example.com"
    store_okrs(okrs)
    # the creates go through; the cancels (sent after) hit a Graph that is down
    real = graph_server.state.handle

    def down_for_cancels(method, url, headers, body, *, faults=True):  # type: ignore[no-untyped-def]
        if url.split("?")[0].endswith("/cancel"):
            return 503, {}, {"error": {"code": "ServiceUnavailable", "message": "down"}}
        return real(method, url, headers, body, faults=faults)

    graph_server.state.handle = down_for_cancels  # type: ignore[method-assign]
    first = schedule(database, "t1", calendar=graph_calendar(max_attempts=1), now=NOW)
    assert not first.ok and all("replaced series" in f.message for f in first.failures)
    assert len(graph_server.state.mailbox_events("newlead@example.com")) == 3
    with database.read() as s:
        assert all(r.retired for r in list_meetings(s, "t1"))
    graph_server.state.handle = real  # type: ignore[method-assign]
    second = schedule(database, "t1", calendar=graph_calendar(), now=NOW)
    assert second.ok and len(graph_server.state.cancelled) == 3
    assert not graph_server.state.mailbox_events("lead0@example.com")
    with database.read() as s:
        assert not any(r.retired for r in list_meetings(s, "t1"))


def test_removed_team_has_its_meetings_cancelled_by_schedule(
    database, store_okrs, graph_server, graph_calendar
) -> None:  # type: ignore[no-untyped-def]
    store_okrs(make_okrs(2))
    cal = graph_calendar()
    schedule(database, "t1", calendar=cal, now=NOW)
    _remove_team(database, "t1", "T1")
    report = schedule(database, "t1", calendar=cal, now=NOW + dt.timedelta(days=3))
    assert report.ok
    assert sorted((m.team, m.kind) for m in report.cancelled) == [("T1", "checkin"), ("T1", "retro"), ("T1", "review")]
    # T0 stays; only its review loses T1's lead (the dependency's team is gone)
    assert {(m.kind, m.action) for m in report.meetings if m.team == "T0"} == {
        ("checkin", "unchanged"),
        ("review", "update"),
        ("retro", "unchanged"),
    }
    assert not graph_server.state.mailbox_events("lead1@example.com")
    assert len(graph_server.state.mailbox_events("lead0@example.com")) == 3
    assert all("no longer" in c["comment"] for c in graph_server.state.cancelled)
    with database.read() as s:
        assert {r.state for r in list_meetings(s, "t1") if r.team == "T1"} == {CANCELLED}
    sent = graph_server.state.http_requests
    again = schedule(database, "t1", calendar=cal, now=NOW + dt.timedelta(days=4))
    assert not again.cancelled and graph_server.state.http_requests == sent


def test_dry_run_reports_what_would_be_cancelled(database, store_okrs, graph_server, graph_calendar) -> None:  # type: ignore[no-untyped-def]
    store_okrs(make_okrs(2))
    cal = graph_calendar()
    schedule(database, "t1", calendar=cal, now=NOW)
    _remove_team(database, "t1", "T1")
    sent = graph_server.state.http_requests
    report = schedule(database, "t1", calendar=cal, now=NOW, dry_run=True)
    assert len(report.cancelled) == 3 and graph_server.state.http_requests == sent
    assert len(graph_server.state.mailbox_events("lead1@example.com")) == 3


def test_removed_team_ics_file_becomes_a_cancel(database, store_okrs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store_okrs(make_okrs(2))
    cal = IcsCalendar(tmp_path / "calendars")
    schedule(database, "t1", calendar=cal, now=NOW)
    path = cal.path_for("T1", "2026-Q4")
    before = {
        str(e["UID"]): int(e["SEQUENCE"])
        for e in icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")
        if "RECURRENCE-ID" not in e
    }
    _remove_team(database, "t1", "T1")
    report = schedule(database, "t1", calendar=cal, now=NOW + dt.timedelta(days=1))
    assert len(report.cancelled) == 3 and report.ok
    parsed = icalendar.Calendar.from_ical(path.read_bytes())
    assert str(parsed["METHOD"]) == "CANCEL"
    events = list(parsed.walk("VEVENT"))
    assert {str(e["UID"]): int(e["SEQUENCE"]) for e in events} == {u: s + 1 for u, s in before.items()}
    assert {str(e["STATUS"]) for e in events} == {"CANCELLED"}  # and no status overrides left
    other = icalendar.Calendar.from_ical(cal.path_for("T0", "2026-Q4").read_bytes())
    assert "METHOD" not in other and not any("STATUS" in e for e in other.walk("VEVENT"))


def test_lookup_by_key_follows_next_links(database, store_okrs, graph_server, graph_calendar) -> None:  # type: ignore[no-untyped-def]
    okrs = make_okrs(2)
    for team in okrs.teams:
        team.lead = "boss@example.com"  # six events in one mailbox: six pages of one
    store_okrs(okrs)
    graph_server.state.faults = Faults(drop=1.0)  # created, but we never hear
    first = schedule(database, "t1", calendar=graph_calendar(max_attempts=1), now=NOW)
    assert not first.ok and len(graph_server.state.all_events()) == 6
    graph_server.state.faults = Faults()
    graph_server.state.page_size = 1
    posts = graph_server.state.operations["POST event"]
    second = schedule(database, "t1", calendar=graph_calendar(), now=NOW)
    assert second.ok and len(graph_server.state.all_events()) == 6
    assert graph_server.state.operations["POST event"] == posts  # all found, none created again
    assert graph_server.state.operations["GET events"] > 6  # pages after the first were read
    with database.read() as s:
        assert {r.state for r in list_meetings(s, "t1")} == {CREATED}


def test_a_team_that_comes_back_gets_new_meetings(database, store_okrs, graph_server, graph_calendar) -> None:  # type: ignore[no-untyped-def]
    store_okrs(make_okrs(2))
    cal = graph_calendar()
    schedule(database, "t1", calendar=cal, now=NOW)
    first_txns = {e["transactionId"] for e in graph_server.state.mailbox_events("lead1@example.com")}
    _remove_team(database, "t1", "T1")
    schedule(database, "t1", calendar=cal, now=NOW)
    store_okrs(make_okrs(2))
    report = schedule(database, "t1", calendar=cal, now=NOW + dt.timedelta(days=1))
    assert report.ok and sorted(m.kind for m in report.created) == ["checkin", "retro", "review"]
    back = graph_server.state.mailbox_events("lead1@example.com")
    assert len(back) == 3 and first_txns.isdisjoint(e["transactionId"] for e in back)
    with database.read() as s:
        assert {r.state for r in list_meetings(s, "t1")} == {CREATED}
