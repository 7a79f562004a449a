"""The Graph client's rules (backoff, Retry-After, occurrence conflicts) and the test
server's own checks (a body real Graph would reject must fail here too)."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import time

import pytest

from addin.calendars import default_calendar
from addin.graph import GraphCalendar, to_event
from addin.graph.client import parse_retry_after
from addin.outlook.plan import plan_cadence
from addin.outlook.schedule import refresh_invites, schedule
from tests.outlook.conftest import NOW, make_okrs
from tests.outlook.graph_server import Faults, GraphState


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 0 ") == 0.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= (parse_retry_after(later) or 0) <= 31


def test_503_without_retry_after_backs_off_exponentially_with_jitter(
    database, store_okrs, graph_server, graph_calendar, sleeps
) -> None:  # type: ignore[no-untyped-def]
    store_okrs(make_okrs(1))
    graph_server.state.faults = Faults(unavailable=1.0)
    report = schedule(database, "t1", calendar=graph_calendar(max_attempts=4, backoff_base=1.0), now=NOW)
    assert not report.ok and all(f.transient for f in report.failures)
    assert len(sleeps.waits) == 3 and graph_server.state.http_requests == 4
    for attempt, wait in enumerate(sleeps.waits):
        assert 2**attempt / 2 <= wait <= 2**attempt  # half the ceiling plus jitter


def test_occurrence_edited_by_organiser_is_reread_and_reapplied(
    database, store_okrs, graph_server, graph_calendar
) -> None:  # type: ignore[no-untyped-def]
    store_okrs(make_okrs(1))
    cal = graph_calendar()
    schedule(database, "t1", calendar=cal, now=NOW)
    soon = dt.datetime(2026, 10, 12, 6, 0, tzinfo=dt.UTC)
    weekly = next(e for e in graph_server.state.all_events() if "weekly" in e["subject"])
    # the organiser edits next Monday's occurrence between our read and our PATCH
    iid = f"{weekly['id']}_20261012T073000Z"
    graph_server.state.edit_before_patch.add(iid)
    report = refresh_invites(database, "t1", now=soon, calendar=cal, within=dt.timedelta(hours=24))
    assert report.ok and [u.kind for u in report.updated] == ["checkin"]
    occurrence = graph_server.state.exceptions_of(weekly["id"])[iid]
    assert "Status as of 2026-10-12" in occurrence["body"]["content"]
    assert graph_server.state.operations["PATCH event"] == 2  # 412, then re-applied
    assert graph_server.state.operations["GET event"] == 1  # the re-read


def test_sdk_event_body_passes_the_published_schema() -> None:
    """What the SDK serialises for each kind of meeting is a valid Graph event."""
    from kiota_serialization_json.json_serialization_writer import JsonSerializationWriter

    state = GraphState()
    for m in plan_cadence(make_okrs(3), tenant="t1", now=NOW).meetings:
        writer = JsonSerializationWriter()
        writer.write_object_value(None, to_event(m, tenant="t1", txn="00000000-0000-0000-0000-000000000001"))
        body = json.loads(writer.get_serialized_content())
        assert state._validate(body, create=True) is None, body
    assert not state.violations


@pytest.mark.parametrize(
    "body, why",
    [
        ({"subjekt": "typo"}, "subjekt"),
        ({"subject": "x", "showAs": "sometimes"}, "sometimes"),
        (
            {
                "subject": "x",
                "start": {"dateTime": "next monday", "timeZone": "UTC"},
                "end": {"dateTime": "2026-01-01T10:00:00", "timeZone": "UTC"},
            },
            "dateTime",
        ),
        (
            {
                "subject": "x",
                "start": {"dateTime": "2026-01-01T10:00:00", "timeZone": "Mars/Base"},
                "end": {"dateTime": "2026-01-01T11:00:00", "timeZone": "Mars/Base"},
            },
            "timeZone",
        ),
        (
            {
                "recurrence": {
                    "pattern": {"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["thursday"]},
                    "range": {"type": "endDate", "startDate": "2026-01-01", "endDate": "2026-03-31"},
                },
                "start": {"dateTime": "2026-01-01T10:00:00", "timeZone": "UTC"},
                "end": {"dateTime": "2026-01-01T11:00:00", "timeZone": "UTC"},
            },
            "index",
        ),
        ({"attendees": [{"emailAddress": {"address": 42}}]}, "42"),
    ],
)
def test_server_rejects_what_graph_would(body: dict, why: str) -> None:  # type: ignore[type-arg]
    state = GraphState()
    problem = state._validate(body, create=False)
    assert problem and why in problem
    assert state.violations == [problem]


def test_default_calendar_uses_graph_only_when_configured(tmp_path, graph_server) -> None:  # type: ignore[no-untyped-def]
    env = {"OKR_CLIENT_ID": "app", "OKR_GRAPH_BASE_URL": graph_server.base_url}
    cal = default_calendar(tmp_path, "t1", environ=env, token_provider=lambda: "test-token")
    assert isinstance(cal, GraphCalendar) and cal.settings.base_url == graph_server.base_url
    assert default_calendar(tmp_path, "t1", environ=env).name == "ics"  # no token: no Graph
    assert default_calendar(tmp_path, "t1", environ={}, token_provider=lambda: "x").name == "ics"
    assert (
        default_calendar(tmp_path, "t1", environ=env, token_provider=lambda: "x", ics_dir=tmp_path / "out").name
        == "ics"
    )  # --ics DIR wins


def test_graph_calls_work_from_a_thread_that_already_runs_an_event_loop():
    """An async host (or a test driving a browser) must not break the sync Graph API."""
    import asyncio

    from addin.graph.client import GraphSettings, run_unit

    async def work(session):
        return "done"

    async def host():
        return run_unit(GraphSettings(token_provider=lambda: "token", base_url="http://127.0.0.1:9"), work)

    assert asyncio.run(host()) == "done"
