"""What attendees receive: Teams links kept, at most one notice per occurrence, none when idle.

Against the local Graph, which appends a Teams block on create, counts the notices Exchange
would send, discards a series' exceptions when its recurrence is re-sent and refuses time
zones Graph refuses.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import httpx
import pytest

from addin.config import cadence_settings
from addin.errors import InputError
from addin.outlook.body import STATUS, extract
from addin.outlook.plan import CadenceSettings
from addin.outlook.schedule import refresh_invites, schedule
from addin.store.meetings import list_meetings
from tests.outlook.conftest import NOW, make_okrs


def _join_urls(server) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {e["id"]: e["onlineMeeting"]["joinUrl"] for e in server.state.all_events() if e.get("onlineMeeting")}


def _occurrence_bodies(server) -> list[str]:  # type: ignore[no-untyped-def]
    with server.state.lock:
        return [
            i["body"]["content"]
            for ev in server.state.events.values()
            for iid, i in ev.instances.items()
            if iid in ev.patched
        ]


def test_join_links_survive_refresh_and_schedule_changes(database, store_okrs, graph_server, graph_calendar) -> None:  # type: ignore[no-untyped-def]
    okrs = make_okrs(3)
    store_okrs(okrs)
    cal = graph_calendar()
    report = schedule(database, "t1", calendar=cal, now=NOW)
    assert report.ok and not report.warnings
    links = _join_urls(graph_server)
    assert len(links) == 9
    refreshed = refresh_invites(database, "t1", now=NOW, calendar=cal)
    assert refreshed.ok and len(refreshed.updated) == 3
    bodies = _occurrence_bodies(graph_server)
    assert len(bodies) == 3
    for body in bodies:  # the status went in, the Teams block stayed
        assert "Join the meeting now" in body and "teams.microsoft.com" in body
        assert "key results" in (extract(body, STATUS) or "")
    # a schedule change that rewrites the series' text (the workbook link) and the members
    okrs.teams[1].members = ("a1@example.com", "c1@example.com")
    store_okrs(okrs)
    changed = schedule(
        database,
        "t1",
        calendar=cal,
        now=NOW + dt.timedelta(hours=1),
        settings=CadenceSettings(workbook_url="https://example.com/okr.xlsx"),
    )
    assert changed.ok and changed.updated
    for event in graph_server.state.all_events():
        content = event["body"]["content"]
        assert links[event["id"]] in content, event["subject"]
        assert "https://example.com/okr.xlsx" in content
    # the status occurrences kept both the join link and the status
    for body in _occurrence_bodies(graph_server):
        assert "teams.microsoft.com" in body and extract(body, STATUS)


def test_a_mailbox_without_teams_is_reported_not_failed(database, store_okrs, graph_server, graph_calendar) -> None:  # type: ignore[no-untyped-def]
    store_okrs(make_okrs(2))
    graph_server.state.no_teams.add("lead1@example.com")
    report = schedule(database, "t1", calendar=graph_calendar(), now=NOW)
    assert report.ok and len(report.created) == 6
    assert {(w.team, w.kind) for w in report.warnings} == {("T1", "checkin"), ("T1", "review"), ("T1", "retro")}
    assert all("Teams join link" in w.message for w in report.warnings)


def test_refresh_sends_at_most_one_notice_per_occurrence_and_none_when_idle(
    database, store_okrs, graph_server, graph_calendar
) -> None:  # type: ignore[no-untyped-def]
    store_okrs(make_okrs(3))
    cal = graph_calendar()
    schedule(database, "t1", calendar=cal, now=NOW)
    invited = len(graph_server.state.notices)
    refresh_invites(database, "t1", now=NOW, calendar=cal)
    per_occurrence = graph_server.state.notices_per_occurrence()
    assert per_occurrence and set(per_occurrence.values()) == {1}
    after_first = len(graph_server.state.notices)
    assert after_first > invited
    # run again the same day, and the next day (same occurrences, same status): nothing
    requests = graph_server.state.http_requests
    for later in (NOW + dt.timedelta(minutes=5), NOW + dt.timedelta(hours=20)):
        again = refresh_invites(database, "t1", now=later, calendar=cal)
        assert again.ok and not again.updated
    assert len(graph_server.state.notices) == after_first
    assert graph_server.state.http_requests == requests  # an idle refresh writes nothing


def test_attendee_change_notifies_only_who_changed_and_keeps_exceptions(
    database, store_okrs, graph_server, graph_calendar
) -> None:  # type: ignore[no-untyped-def]
    okrs = make_okrs(2)
    store_okrs(okrs)
    cal = graph_calendar()
    schedule(database, "t1", calendar=cal, now=NOW)
    refresh_invites(database, "t1", now=NOW, calendar=cal)
    weekly = next(e for e in graph_server.state.mailbox_events("lead1@example.com") if "weekly" in e["subject"])
    assert graph_server.state.exceptions_of(weekly["id"])  # the status occurrence
    before = len(graph_server.state.notices)
    okrs.teams[1].members = ("a1@example.com", "b1@example.com", "c1@example.com")
    store_okrs(okrs)
    report = schedule(database, "t1", calendar=cal, now=NOW + dt.timedelta(hours=1))
    assert {(m.team, m.kind): m.changes for m in report.updated} == {
        ("T1", "checkin"): ("attendees",),
        ("T1", "retro"): ("attendees",),
    }
    new = graph_server.state.notices[before:]
    assert {(n.attendee, n.what) for n in new} == {("c1@example.com", "invitation")}
    assert len(new) == 2  # the series and the retro
    assert graph_server.state.exceptions_discarded == 0
    assert graph_server.state.exceptions_of(weekly["id"])
    # refresh knows the status occurrence is still there: nothing to re-send
    assert not refresh_invites(database, "t1", now=NOW + dt.timedelta(hours=2), calendar=cal).updated


def test_a_changed_recurrence_forgets_the_status_it_discarded(
    database, store_okrs, graph_server, graph_calendar
) -> None:  # type: ignore[no-untyped-def]
    okrs = make_okrs(1)
    store_okrs(okrs)
    cal = graph_calendar()
    schedule(database, "t1", calendar=cal, now=NOW)
    refresh_invites(database, "t1", now=NOW, calendar=cal)
    okrs.teams[0].timezone = "Europe/Paris"  # the recurrence's zone changes: re-sent
    store_okrs(okrs)
    assert schedule(database, "t1", calendar=cal, now=NOW).ok
    assert graph_server.state.exceptions_discarded == 1
    with database.read() as s:
        weekly = next(r for r in list_meetings(s, "t1") if r.kind == "checkin")
    assert weekly.body_hash is None  # the stored hash follows the calendar
    again = refresh_invites(database, "t1", now=NOW, calendar=cal)
    assert [u.kind for u in again.updated] == ["checkin"]


def test_mail_mode_sends_a_preread_and_never_edits_the_event(
    database, store_okrs, graph_server, graph_calendar
) -> None:  # type: ignore[no-untyped-def]
    store_okrs(make_okrs(2))
    cal = graph_calendar()
    schedule(database, "t1", calendar=cal, now=NOW)
    patches = graph_server.state.operations["PATCH event"]
    settings = CadenceSettings(invite_status="mail")
    report = refresh_invites(database, "t1", now=NOW, calendar=cal, settings=settings)
    assert report.ok and report.mode == "mail" and len(report.updated) == 2
    assert graph_server.state.operations["PATCH event"] == patches
    mails = graph_server.state.mails
    assert {m["mailbox"] for m in mails} == {"lead0@example.com", "lead1@example.com"}
    t1 = next(m["message"] for m in mails if m["mailbox"] == "lead1@example.com")
    assert {r["emailAddress"]["address"] for r in t1["toRecipients"]} == {"a1@example.com", "b1@example.com"}
    assert t1["subject"].startswith("Pre-read: T1: weekly OKR check-in")
    assert "key results" in t1["body"]["content"]
    # once per occurrence
    assert not refresh_invites(database, "t1", now=NOW + dt.timedelta(hours=1), calendar=cal, settings=settings).updated
    assert len(graph_server.state.mails) == 2


def test_off_mode_sends_nothing(database, store_okrs, graph_server, graph_calendar) -> None:  # type: ignore[no-untyped-def]
    store_okrs(make_okrs(2))
    cal = graph_calendar()
    schedule(database, "t1", calendar=cal, now=NOW)
    sent = graph_server.state.http_requests
    report = refresh_invites(database, "t1", now=NOW, calendar=cal, settings=CadenceSettings(invite_status="off"))
    assert report.ok and report.mode == "off" and not report.updated
    assert graph_server.state.http_requests == sent


def test_invite_status_setting_is_read_and_checked() -> None:
    assert cadence_settings({}).invite_status == "occurrence"
    assert cadence_settings({"OKR_INVITE_STATUS": " Mail "}).invite_status == "mail"
    with pytest.raises(InputError) as err:
        cadence_settings({"OKR_INVITE_STATUS": "always"})
    assert err.value.details["field"] == "OKR_INVITE_STATUS"


# -- the local Graph itself: what it accepts ---------------------------------------------------


def _event(zone: str, *, recurrence: bool = False) -> dict[str, object]:
    body: dict[str, object] = {
        "subject": "x",
        "start": {"dateTime": "2026-10-06T10:00:00", "timeZone": zone},
        "end": {"dateTime": "2026-10-06T10:30:00", "timeZone": zone},
    }
    if recurrence:
        body["recurrence"] = {
            "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["tuesday"]},
            "range": {
                "type": "endDate",
                "startDate": "2026-10-06",
                "endDate": "2026-10-27",
                "recurrenceTimeZone": zone,
            },
        }
    return body


@pytest.mark.parametrize(
    "zone, accepted",
    [
        ("Romance Standard Time", True),
        ("Eastern Standard Time", True),
        ("America/New_York", True),
        ("Asia/Kolkata", True),
        ("Europe/Kiev", True),
        ("UTC", True),
        ("Europe/Madrid", False),
        ("America/Montreal", False),
        ("Mars/Olympus", False),
    ],
)
def test_local_graph_accepts_exactly_the_documented_time_zones(graph_server, zone: str, accepted: bool) -> None:  # type: ignore[no-untyped-def]
    reply = httpx.post(
        f"{graph_server.base_url}/users/lead@example.com/events",
        json=_event(zone, recurrence=True),
        headers={"Authorization": "Bearer t0k3n"},
    )
    assert (reply.status_code == 201) is accepted, reply.text
    if not accepted:
        assert "Graph accepts" in reply.json()["error"]["message"]
        graph_server.state.violations.clear()  # refused on purpose here


def test_local_graph_throttles_past_four_requests_per_mailbox(graph_server) -> None:  # type: ignore[no-untyped-def]
    items = [
        {
            "id": str(i),
            "method": "POST",
            "url": f"/users/{box}/events",
            "headers": {"Content-Type": "application/json"},
            "body": _event("UTC"),
        }
        for i, box in enumerate(["one@example.com"] * 5 + ["two@example.com"])
    ]
    reply = httpx.post(
        f"{graph_server.base_url}/$batch", json={"requests": items}, headers={"Authorization": "Bearer t0k3n"}
    )
    statuses = {r["id"]: r for r in reply.json()["responses"]}
    assert [statuses[str(i)]["status"] for i in range(6)] == [201, 201, 201, 201, 429, 201]
    assert int(statuses["4"]["headers"]["Retry-After"]) >= 1
    assert len(graph_server.state.mailbox_events("one@example.com")) == 4
    graph_server.state.max_in_flight.clear()  # the test asked for 5 at once on purpose


def test_the_client_never_goes_past_four_per_mailbox(database, store_okrs, graph_server, graph_calendar) -> None:  # type: ignore[no-untyped-def]
    okrs = make_okrs(1)
    # one lead organising many teams' meetings: 15 events in one mailbox
    teams = [dataclasses.replace(okrs.teams[0], name=f"Team {i}") for i in range(5)]
    store_okrs(dataclasses.replace(okrs, teams=teams, objectives=[], key_results=[]))
    report = schedule(database, "t1", calendar=graph_calendar(), now=NOW)
    assert report.ok and len(report.created) == 15
    assert graph_server.state.operations["429 concurrency"] == 0
    assert graph_server.state.max_concurrency() <= 4


def test_a_rewritten_retro_body_keeps_its_status_so_unchanged_is_true(
    database, store_okrs, graph_server, graph_calendar
) -> None:  # type: ignore[no-untyped-def]
    store_okrs(make_okrs(1))
    cal = graph_calendar()
    schedule(database, "t1", calendar=cal, now=NOW)
    before_retro = dt.datetime(2026, 12, 27, 8, 0, tzinfo=dt.UTC)  # T0's retro: Monday 28th
    refreshed = refresh_invites(database, "t1", now=before_retro, calendar=cal)
    assert [u.kind for u in refreshed.updated] == ["retro"]
    retro = next(e for e in graph_server.state.all_events() if "retrospective" in e["subject"])
    status = extract(retro["body"]["content"], STATUS)
    assert status
    # schedule rewrites the retro's text (a workbook link): the status stays in the calendar
    report = schedule(
        database,
        "t1",
        calendar=cal,
        now=before_retro,
        settings=CadenceSettings(workbook_url="https://example.com/okr.xlsx"),
    )
    assert report.ok and ("T0", "retro") in {(m.team, m.kind) for m in report.updated}
    retro = next(e for e in graph_server.state.all_events() if "retrospective" in e["subject"])
    assert "https://example.com/okr.xlsx" in retro["body"]["content"]
    assert extract(retro["body"]["content"], STATUS) == status
    assert retro["onlineMeeting"]["joinUrl"] in retro["body"]["content"]
    # so "unchanged" is the truth: the status the calendar shows is the current one
    assert not refresh_invites(database, "t1", now=before_retro, calendar=cal).updated


def test_a_preread_goes_only_to_who_was_invited(database, store_okrs, graph_server, graph_calendar) -> None:  # type: ignore[no-untyped-def]
    from addin.graph.directory import forget
    from addin.outlook.mailbox_check import with_people_check

    okrs = make_okrs(2)
    okrs.teams[1].members = ("a1@example.com", "outsider@elsewhere.example")
    store_okrs(okrs)
    forget()
    graph_server.state.directory = {
        "lead0@example.com",
        "lead1@example.com",
        "a0@example.com",
        "b0@example.com",
        "a1@example.com",
    }
    cal = with_people_check(graph_calendar())
    try:
        assert schedule(database, "t1", calendar=cal, now=NOW).ok
        report = refresh_invites(database, "t1", now=NOW, calendar=cal, settings=CadenceSettings(invite_status="mail"))
    finally:
        forget()
    assert report.ok
    recipients = {r["emailAddress"]["address"] for m in graph_server.state.mails for r in m["message"]["toRecipients"]}
    assert "outsider@elsewhere.example" not in recipients and "a1@example.com" in recipients


def test_refresh_and_the_retro_pack_job_never_undo_each_others_writes(
    database, store_okrs, graph_server, graph_calendar
) -> None:  # type: ignore[no-untyped-def]
    from addin.outlook.retro_attach import ATTACH_FIELDS
    from addin.outlook.schedule import REFRESH_FIELDS
    from addin.store.meetings import get_meeting, recorder

    store_okrs(make_okrs(1))
    schedule(database, "t1", calendar=graph_calendar(), now=NOW)
    with database.read() as s:
        retro = next(r for r in list_meetings(s, "t1") if r.kind == "retro")
    # the pack job stores its attachment while a refresh holds the record it read before
    pack = {"id": "att-1", "sha256": "abc", "name": "pack.docx", "size": 1, "how": "file"}
    recorder(database, "t1", NOW, ATTACH_FIELDS)([retro.but(attachment=pack)])
    recorder(database, "t1", NOW, REFRESH_FIELDS)([retro.but(body_hash="h1", change_key="ck2")])
    with database.read() as s:
        stored = get_meeting(s, "t1", retro.key)
    assert stored is not None and stored.attachment == pack
    assert (stored.body_hash, stored.change_key) == ("h1", "ck2")
    # and the other way round: a pack recorded later keeps the status body refresh stored
    recorder(database, "t1", NOW, ATTACH_FIELDS)([retro.but(attachment={**pack, "id": "att-2"})])
    with database.read() as s:
        stored = get_meeting(s, "t1", retro.key)
    assert stored is not None and stored.body_hash == "h1" and stored.attachment["id"] == "att-2"
