"""schedule / refresh_invites against the local Graph, through the real msgraph-sdk over HTTP."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections import Counter

import pytest

from addin.graph import KEY_PROPERTY, GraphPermissionError
from addin.outlook.schedule import refresh_invites, schedule
from addin.store.meetings import CREATED, FAILED, list_meetings
from tests.outlook.conftest import NOW, make_okrs
from tests.outlook.graph_server import Faults


def _keys(server) -> Counter[str]:  # type: ignore[no-untyped-def]
    """How many events carry each meeting key (must be 1 each)."""
    out: Counter[str] = Counter()
    for event in server.state.all_events():
        for prop in event.get("singleValueExtendedProperties", []):
            if prop["id"] == KEY_PROPERTY:
                out[prop["value"]] += 1
    return out


def test_schedule_creates_each_series_once_in_the_leads_mailbox(
    database, store_okrs, graph_server, graph_calendar
) -> None:  # type: ignore[no-untyped-def]
    store_okrs(make_okrs(3))
    cal = graph_calendar()
    report = schedule(database, "t1", calendar=cal, now=NOW)
    assert report.ok and len(report.created) == 9
    assert set(_keys(graph_server).values()) == {1} and len(_keys(graph_server)) == 9
    events = graph_server.state.mailbox_events("lead1@example.com")
    assert len(events) == 3
    weekly = next(e for e in events if e["subject"] == "T1: weekly OKR check-in")
    # Graph is given the Windows name CLDR maps the IANA zone to
    assert weekly["start"] == {"dateTime": "2026-10-06T10:30:00", "timeZone": "Eastern Standard Time"}
    assert weekly["end"]["dateTime"] == "2026-10-06T11:00:00"
    assert weekly["recurrence"]["pattern"] == {
        "type": "weekly",
        "interval": 1,
        "daysOfWeek": ["tuesday"],
        "firstDayOfWeek": "monday",
    }
    assert weekly["recurrence"]["range"] == {
        "type": "endDate",
        "startDate": "2026-10-06",
        "endDate": "2026-12-28",
        "recurrenceTimeZone": "Eastern Standard Time",
    }
    assert {a["emailAddress"]["address"] for a in weekly["attendees"]} == {"a1@example.com", "b1@example.com"}
    assert weekly["isOnlineMeeting"] is True and weekly["onlineMeetingProvider"] == "teamsForBusiness"
    assert weekly["categories"] == ["OKR"] and weekly["transactionId"]
    review = next(e for e in events if "review" in e["subject"])
    assert review["recurrence"]["pattern"]["type"] == "relativeMonthly"
    assert review["recurrence"]["pattern"]["index"] == "last"
    with database.read() as s:
        stored = list_meetings(s, "t1")
    assert {r.state for r in stored} == {CREATED}
    by_id = {e["id"]: e for e in graph_server.state.all_events()}
    for r in stored:
        assert by_id[r.graph_id]["iCalUId"] == r.ical_uid and by_id[r.graph_id]["changeKey"] == r.change_key
    # batched: 9 creates in one $batch (at most 4 per mailbox per batch)
    assert graph_server.state.http_requests == 1


def test_rerun_is_idempotent_and_sends_nothing(database, store_okrs, graph_server, graph_calendar) -> None:  # type: ignore[no-untyped-def]
    store_okrs(make_okrs(3))
    cal = graph_calendar()
    schedule(database, "t1", calendar=cal, now=NOW)
    sent = graph_server.state.http_requests
    again = schedule(database, "t1", calendar=cal, now=NOW + dt.timedelta(days=9))
    assert [m.action for m in again.meetings] == ["unchanged"] * 9
    assert graph_server.state.http_requests == sent
    assert len(graph_server.state.all_events()) == 9


def test_change_is_patched_with_if_match_and_reported(database, store_okrs, graph_server, graph_calendar) -> None:  # type: ignore[no-untyped-def]
    okrs = make_okrs(2)
    store_okrs(okrs)
    cal = graph_calendar()
    schedule(database, "t1", calendar=cal, now=NOW)
    okrs.teams[1].checkin_time = dt.time(14, 0)
    okrs.teams[1].members = ("a1@example.com",)
    store_okrs(okrs)
    report = schedule(database, "t1", calendar=cal, now=NOW + dt.timedelta(days=1))
    updated = {(m.team, m.kind): m.changes for m in report.updated}
    assert set(updated) == {("T1", "checkin"), ("T1", "review"), ("T1", "retro")}
    assert {"start", "attendees"} <= set(updated[("T1", "checkin")])
    weekly = next(e for e in graph_server.state.mailbox_events("lead1@example.com") if "weekly" in e["subject"])
    assert weekly["start"]["dateTime"] == "2026-10-06T14:00:00"  # series start kept
    assert [a["emailAddress"]["address"] for a in weekly["attendees"]] == ["a1@example.com"]
    assert len(graph_server.state.all_events()) == 6
    assert graph_server.state.operations["PATCH event"] == 3


def test_organiser_edit_between_read_and_patch_is_reread_and_reapplied(
    database, store_okrs, graph_server, graph_calendar
) -> None:  # type: ignore[no-untyped-def]
    okrs = make_okrs(1)
    store_okrs(okrs)
    cal = graph_calendar()
    schedule(database, "t1", calendar=cal, now=NOW)
    weekly = next(e for e in graph_server.state.all_events() if "weekly" in e["subject"])
    graph_server.state.edit(weekly["id"], location={"displayName": "Room 4"})  # changeKey moves on
    okrs.teams[0].meeting_minutes = 45
    store_okrs(okrs)
    report = schedule(database, "t1", calendar=cal, now=NOW)
    assert report.ok
    ops = graph_server.state.operations
    assert ops["PATCH event"] >= 2 and ops["GET event"] == 1  # 412, re-read, re-applied
    event = next(e for e in graph_server.state.all_events() if e["id"] == weekly["id"])
    assert event["end"]["dateTime"].endswith("10:15:00")  # our change landed
    assert event["location"] == {"displayName": "Room 4"}  # theirs was not lost
    with database.read() as s:
        rec = next(r for r in list_meetings(s, "t1") if r.graph_id == weekly["id"])
    assert rec.change_key == event["changeKey"]


def test_thirty_percent_faults_still_end_with_each_meeting_exactly_once(
    database, store_okrs, graph_server, graph_calendar, sleeps
) -> None:  # type: ignore[no-untyped-def]
    store_okrs(make_okrs(12))
    # a quarter of items throttled or failing inside each $batch, a quarter of HTTP answers lost
    graph_server.state.faults = Faults(throttle=0.15, unavailable=0.1, drop=0.25, retry_after=1)
    cal = graph_calendar()
    runs = 0
    report = None
    while runs < 4 and (report is None or not report.ok):
        report = schedule(database, "t1", calendar=cal, now=NOW)
        runs += 1
    assert report is not None and report.ok
    keys = _keys(graph_server)
    assert len(keys) == 36 and set(keys.values()) == {1}
    assert len(graph_server.state.all_events()) == 36
    with database.read() as s:
        assert {r.state for r in list_meetings(s, "t1")} == {CREATED}
    # faults of every kind happened, inside $batch too, and were waited out
    ops = graph_server.state.operations
    assert ops["429 injected"] and ops["503 injected"] and ops["dropped"]
    assert sleeps.waits and min(sleeps.waits) >= 0.5
    assert graph_server.state.max_concurrency() <= 4
    assert schedule(database, "t1", calendar=cal, now=NOW).unchanged


def test_lost_replies_are_found_again_not_duplicated(database, store_okrs, graph_server, graph_calendar) -> None:  # type: ignore[no-untyped-def]
    store_okrs(make_okrs(2))
    # every answer is lost after the work is done (GR-3 / a crash mid-run, GR-5)
    graph_server.state.faults = Faults(drop=1.0)
    cal = graph_calendar(max_attempts=2)
    first = schedule(database, "t1", calendar=cal, now=NOW)
    assert not first.ok and all(f.transient for f in first.failures)
    assert len(graph_server.state.all_events()) == 6  # created, but we never heard
    assert graph_server.state.operations["POST deduplicated"] >= 6  # the retry re-used the transactionId
    with database.read() as s:
        pending = list_meetings(s, "t1")
    assert {r.state for r in pending} == {FAILED} and all(r.transaction_id for r in pending)
    graph_server.state.faults = Faults()
    second = schedule(database, "t1", calendar=cal, now=NOW)
    assert second.ok
    assert set(_keys(graph_server).values()) == {1} and len(graph_server.state.all_events()) == 6
    assert graph_server.state.operations["GET events"] == 6  # found by the extended property
    with database.read() as s:
        assert {r.state for r in list_meetings(s, "t1")} == {CREATED}


def test_retry_after_is_honoured_and_attempts_are_bounded(
    database, store_okrs, graph_server, graph_calendar, sleeps
) -> None:  # type: ignore[no-untyped-def]
    store_okrs(make_okrs(1))
    graph_server.state.faults = Faults(throttle=1.0, retry_after=7)
    cal = graph_calendar(max_attempts=3)
    report = schedule(database, "t1", calendar=cal, now=NOW)
    assert not report.ok and {f.transient for f in report.failures} == {True}
    assert sleeps.waits == [7.0, 7.0]  # two waits between three attempts, each >= Retry-After
    assert graph_server.state.http_requests == 3
    assert not graph_server.state.all_events()


def test_rejected_request_is_not_retried_and_is_reported(
    database, store_okrs, graph_server, graph_calendar, sleeps
) -> None:  # type: ignore[no-untyped-def]
    okrs = make_okrs(1)
    okrs.teams[0].members = ("not an address",)
    store_okrs(okrs)
    report = schedule(database, "t1", calendar=graph_calendar(), now=NOW)
    graph_server.state.violations.clear()  # this test sends a bad body on purpose
    failed = [m for m in report.meetings if m.action == "failed"]
    assert {m.kind for m in failed} == {"checkin", "retro"}
    assert all(not f.transient and "400" in f.message for f in report.failures)
    assert not sleeps.waits and graph_server.state.http_requests == 1
    assert len(graph_server.state.all_events()) == 1  # the review (leads only) went through


def test_missing_permission_is_a_clear_error(database, store_okrs, graph_server, graph_calendar) -> None:  # type: ignore[no-untyped-def]
    store_okrs(make_okrs(1))
    with pytest.raises(GraphPermissionError) as err:
        schedule(database, "t1", calendar=graph_calendar(token_provider=lambda: ""), now=NOW)
    assert err.value.code == "graph_permission_denied" and err.value.status == 403
    with database.read() as s:  # the store says what happened: nothing exists
        assert {r.graph_id for r in list_meetings(s, "t1")} == {None}


def test_at_most_four_requests_per_mailbox_and_batches_of_twenty(
    database, store_okrs, graph_server, graph_calendar
) -> None:  # type: ignore[no-untyped-def]
    okrs = make_okrs(10)
    for team in okrs.teams:
        team.lead = "boss@example.com"  # one mailbox organises 30 meetings
    store_okrs(okrs)
    graph_server.state.faults = Faults(latency=0.02)
    cal = graph_calendar()
    report = schedule(database, "t1", calendar=cal, now=NOW)
    assert report.ok and len(graph_server.state.mailbox_events("boss@example.com")) == 30
    assert graph_server.state.max_concurrency() <= 4
    assert cal.stats.max_in_flight_per_mailbox <= 4  # type: ignore[attr-defined]
    # 30 creates, 4 per batch; then T3 and T8 (Thursdays) lose two check-ins each to their
    # reviews: one batch reads those occurrences, one cancels the four
    assert graph_server.state.operations["$batch"] == 8 + 2


def test_refresh_puts_status_on_the_next_occurrence_only(database, store_okrs, graph_server, graph_calendar) -> None:  # type: ignore[no-untyped-def]
    okrs = make_okrs(2)
    okrs.key_results[0].title = "<script>alert(1)</script> & grow"
    store_okrs(okrs)
    cal = graph_calendar()
    schedule(database, "t1", calendar=cal, now=NOW)
    soon = dt.datetime(2026, 10, 12, 6, 0, tzinfo=dt.UTC)  # T0 meets Monday 09:30 Madrid
    report = refresh_invites(database, "t1", now=soon, calendar=cal, within=dt.timedelta(hours=24))
    assert [(u.team, u.kind) for u in report.updated] == [("T0", "checkin")] and report.ok
    weekly = next(e for e in graph_server.state.all_events() if e["subject"] == "T0: weekly OKR check-in")
    exceptions = graph_server.state.exceptions_of(weekly["id"])
    assert len(exceptions) == 1
    (occurrence,) = exceptions.values()
    assert occurrence["start"]["dateTime"].startswith("2026-10-12T07:30:00")
    html = occurrence["body"]["content"]
    assert occurrence["body"]["contentType"] == "html"
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; grow" in html and "<script" not in html
    assert "Status as of 2026-10-12" in html
    assert "status for each meeting" in weekly["body"]["content"]  # the series stays generic
    patches = graph_server.state.operations["PATCH event"]
    again = refresh_invites(database, "t1", now=soon, calendar=cal, within=dt.timedelta(hours=24))
    assert not again.updated and graph_server.state.operations["PATCH event"] == patches


def test_slow_answers_time_out_and_are_retried_without_duplicates(
    database, store_okrs, graph_server, graph_calendar
) -> None:  # type: ignore[no-untyped-def]
    store_okrs(make_okrs(1))
    graph_server.state.faults = Faults(slow=0.5, slow_seconds=0.6, seed=7)
    cal = graph_calendar(timeout=0.3, max_attempts=6)
    report = schedule(database, "t1", calendar=cal, now=NOW)
    assert graph_server.state.operations["slow"] and cal.stats.retries  # type: ignore[attr-defined]
    if not report.ok:  # a run may give up; the next one completes
        graph_server.state.faults = Faults()
        report = schedule(database, "t1", calendar=graph_calendar(), now=NOW)
    assert report.ok and set(_keys(graph_server).values()) == {1} and len(_keys(graph_server)) == 3


def test_schedule_dry_run_touches_no_calendar(database, store_okrs, graph_server, graph_calendar) -> None:  # type: ignore[no-untyped-def]
    store_okrs(make_okrs(2))
    report = schedule(database, "t1", calendar=graph_calendar(), now=NOW, dry_run=True)
    assert len(report.created) == 6 and graph_server.state.http_requests == 0
    with database.read() as s:
        assert list_meetings(s, "t1") == []


def test_tenants_do_not_see_each_others_meetings(database, store_okrs, graph_server, graph_calendar) -> None:  # type: ignore[no-untyped-def]
    store_okrs(make_okrs(1), tenant="t1")
    store_okrs(make_okrs(1), tenant="t2")
    cal = graph_calendar()
    schedule(database, "t1", calendar=cal, now=NOW)
    report = schedule(database, "t2", calendar=cal, now=NOW)
    assert len(report.created) == 3  # t2's own, not "unchanged" from t1's
    with database.read() as s:
        assert {r.key for r in list_meetings(s, "t1")}.isdisjoint({r.key for r in list_meetings(s, "t2")})


def test_cli_paths_do_not_import_graph() -> None:
    code = (
        "import sys; import addin.outlook.schedule, addin.outlook.plan, addin.outlook.invite; "
        "sys.exit(1 if any(m.split('.')[0] in ('msgraph', 'msgraph_core', 'kiota_http', 'httpx') "
        "for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_token_failure_is_a_project_error(database, store_okrs, graph_server, graph_calendar) -> None:  # type: ignore[no-untyped-def]
    store_okrs(make_okrs(1))

    def broken() -> str:
        raise RuntimeError("AADSTS700016: application not found")

    with pytest.raises(GraphPermissionError) as err:
        schedule(database, "t1", calendar=graph_calendar(token_provider=broken), now=NOW)
    assert err.value.code == "graph_token_failed" and "AADSTS700016" in err.value.message
    assert graph_server.state.http_requests == 0


def test_failed_creates_are_reported_as_created_when_a_later_run_succeeds(
    database, store_okrs, graph_server, graph_calendar
) -> None:  # type: ignore[no-untyped-def]
    store_okrs(make_okrs(1))
    graph_server.state.faults = Faults(unavailable=1.0)
    first = schedule(database, "t1", calendar=graph_calendar(max_attempts=1), now=NOW)
    assert [m.action for m in first.meetings] == ["failed"] * 3
    graph_server.state.faults = Faults()
    second = schedule(database, "t1", calendar=graph_calendar(), now=NOW)
    assert [m.action for m in second.meetings] == ["create"] * 3 and second.ok
    assert len(graph_server.state.all_events()) == 3
