"""History is kept: a mid-quarter change ends the old series before it and starts a new one."""

from __future__ import annotations

import datetime as dt

from addin.outlook.schedule import refresh_invites, schedule
from addin.store.meetings import list_meetings
from tests.outlook.conftest import NOW, make_okrs

LATER = NOW + dt.timedelta(days=15)  # Tuesday 20 October, 07:00 UTC


def _expand(server, event_id: str) -> list[dt.datetime]:  # type: ignore[no-untyped-def]
    with server.state.lock:
        return server.state._expand(server.state.events[event_id].data)


def test_a_new_weekday_mid_quarter_leaves_past_occurrences_where_they_were(
    database, store_okrs, graph_server, graph_calendar
) -> None:  # type: ignore[no-untyped-def]
    okrs = make_okrs(2)
    store_okrs(okrs)
    cal = graph_calendar()
    schedule(database, "t1", calendar=cal, now=NOW)
    weekly = next(e for e in graph_server.state.mailbox_events("lead1@example.com") if "weekly" in e["subject"])
    before = _expand(graph_server, weekly["id"])
    okrs.teams[1].checkin_weekday = 3  # Tuesdays -> Thursdays, from now on
    store_okrs(okrs, now=LATER)
    report = schedule(database, "t1", calendar=cal, now=LATER)
    assert report.ok
    # the old series now ends after its last past occurrence (13 October): 6 and 13 kept
    after = _expand(graph_server, weekly["id"])
    assert [s for s in before if s < LATER] == after
    assert [s.date() for s in after] == [dt.date(2026, 10, 6), dt.date(2026, 10, 13)]
    # the new series starts on the first Thursday from now, in the same mailbox
    series = [e for e in graph_server.state.mailbox_events("lead1@example.com") if "weekly" in e["subject"]]
    assert len(series) == 2
    new = next(e for e in series if e["id"] != weekly["id"])
    assert new["start"]["dateTime"] == "2026-10-22T10:30:00"
    assert min(_expand(graph_server, new["id"])) > LATER
    assert not graph_server.state.cancelled  # nothing of the past was cancelled
    with database.read() as s:
        keys = {r.key for r in list_meetings(s, "t1") if r.team == "T1" and r.kind == "checkin"}
    assert len(keys) == 2
    # a re-run changes nothing
    sent = graph_server.state.http_requests
    assert [m.action for m in schedule(database, "t1", calendar=cal, now=LATER).meetings if m.team == "T1"] == [
        "unchanged"
    ] * 3
    assert graph_server.state.http_requests == sent


def test_a_new_lead_mid_quarter_takes_the_future_and_the_past_stays(
    database, store_okrs, graph_server, graph_calendar
) -> None:  # type: ignore[no-untyped-def]
    okrs = make_okrs(2)
    store_okrs(okrs)
    cal = graph_calendar()
    schedule(database, "t1", calendar=cal, now=NOW)
    old = next(e for e in graph_server.state.mailbox_events("lead1@example.com") if "weekly" in e["subject"])
    okrs.teams[1].lead = "newlead@example.com"
    store_okrs(okrs, now=LATER)
    report = schedule(database, "t1", calendar=cal, now=LATER)
    assert report.ok
    # the old lead's series ends with its past; nothing in it is cancelled
    assert [s.date() for s in _expand(graph_server, old["id"])] == [dt.date(2026, 10, 6), dt.date(2026, 10, 13)]
    # only meetings wholly ahead (the review from 29 October, the retro) moved whole
    gone = graph_server.state.cancelled
    assert old["id"] not in {c["event"]["id"] for c in gone}
    assert {c["event"]["subject"] for c in gone} == {"T1: monthly OKR review", "T1: 2026-Q4 OKR retrospective"}
    assert all(c["event"]["start"]["dateTime"] > "2026-10-20" for c in gone)
    new = [e for e in graph_server.state.mailbox_events("newlead@example.com") if "weekly" in e["subject"]]
    assert len(new) == 1 and new[0]["start"]["dateTime"] == "2026-10-20T10:30:00"
    # the retro lies ahead: it moves whole to the new lead (its old event cancelled)
    retros = [
        e
        for e in graph_server.state.all_events()
        if "retrospective" in e["subject"]
        and e["organizer"]["emailAddress"]["address"] in ("lead1@example.com", "newlead@example.com")
    ]
    assert [r["organizer"]["emailAddress"]["address"] for r in retros] == ["newlead@example.com"]


def test_ics_keeps_the_ended_series_in_the_file(tmp_path, database, store_okrs) -> None:  # type: ignore[no-untyped-def]
    import icalendar

    from addin.outlook.ics import IcsCalendar

    okrs = make_okrs(1)
    store_okrs(okrs)
    cal = IcsCalendar(tmp_path / "ics")
    schedule(database, "t1", calendar=cal, now=NOW)
    okrs.teams[0].checkin_time = dt.time(11, 0)
    store_okrs(okrs, now=LATER)
    schedule(database, "t1", calendar=cal, now=LATER)
    schedule(database, "t1", calendar=cal, now=LATER + dt.timedelta(hours=1))  # and again
    refresh_invites(database, "t1", now=LATER + dt.timedelta(days=1), calendar=cal)  # rewrites it
    data = icalendar.Calendar.from_ical(cal.path_for("T0", "2026-Q4").read_bytes())
    weekly = [e for e in data.walk("VEVENT") if "weekly" in str(e["SUMMARY"]) and "RECURRENCE-ID" not in e]
    assert sorted(e.decoded("DTSTART").time() for e in weekly) == [dt.time(9, 30), dt.time(11, 0)]
    ended = next(e for e in weekly if e.decoded("DTSTART").time() == dt.time(9, 30))
    assert ended.decoded("DTSTART").date() == dt.date(2026, 10, 5)
    assert ended["RRULE"]["UNTIL"][0].date() == dt.date(2026, 10, 19)


def test_new_members_mid_quarter_join_from_now_and_the_past_keeps_who_was_there(
    database, store_okrs, graph_server, graph_calendar
) -> None:  # type: ignore[no-untyped-def]
    okrs = make_okrs(2)
    store_okrs(okrs)
    cal = graph_calendar()
    schedule(database, "t1", calendar=cal, now=NOW)
    old = next(e for e in graph_server.state.mailbox_events("lead1@example.com") if "weekly" in e["subject"])
    okrs.teams[1].members = ("a1@example.com", "c1@example.com")  # b1 leaves, c1 joins
    store_okrs(okrs, now=LATER)
    assert schedule(database, "t1", calendar=cal, now=LATER).ok
    series = {e["id"]: e for e in graph_server.state.mailbox_events("lead1@example.com") if "weekly" in e["subject"]}
    assert {a["emailAddress"]["address"] for a in series[old["id"]]["attendees"]} == {
        "a1@example.com",
        "b1@example.com",
    }
    assert [s.date() for s in _expand(graph_server, old["id"])] == [dt.date(2026, 10, 6), dt.date(2026, 10, 13)]
    (new,) = [e for i, e in series.items() if i != old["id"]]
    assert {a["emailAddress"]["address"] for a in new["attendees"]} == {"a1@example.com", "c1@example.com"}
    assert min(_expand(graph_server, new["id"])) > LATER
