"""A plan without collisions: per team no overlaps, nothing after the retro, holidays free."""

from __future__ import annotations

import dataclasses
import datetime as dt
from itertools import combinations

from addin.outlook.plan import CHECKIN, RETRO, REVIEW, CadenceSettings, occurrences, plan_cadence
from addin.outlook.schedule import schedule
from tests.outlook.conftest import NOW, make_okrs


def _slots(plan, team: str) -> list[tuple[dt.datetime, dt.datetime, str]]:  # type: ignore[no-untyped-def]
    return [(s, s + m.duration, m.kind) for m in plan.meetings if m.team == team for s in occurrences(m)]


def test_no_team_has_overlapping_meetings_or_meetings_after_its_retro() -> None:
    plan = plan_cadence(make_okrs(5), tenant="t1", now=NOW)  # check-ins Monday..Friday
    for team in ("T0", "T1", "T2", "T3", "T4"):
        slots = _slots(plan, team)
        for (a0, a1, ka), (b0, b1, kb) in combinations(slots, 2):
            assert a1 <= b0 or b1 <= a0, f"{team}: {ka} {a0} overlaps {kb} {b0}"
        retro = next(s for s, _, k in slots if k == RETRO)
        assert max(s for s, _, _ in slots) == retro


def test_the_review_replaces_the_thursday_check_in_and_the_retro_the_last_one() -> None:
    plan = plan_cadence(make_okrs(4), tenant="t1", now=NOW)
    t3 = {m.kind: m for m in plan.meetings if m.team == "T3"}  # checks in on Thursdays
    reviews = [s.date() for s in occurrences(t3[REVIEW])]
    assert reviews == [dt.date(2026, 10, 29), dt.date(2026, 11, 26)]
    checkins = [s.date() for s in occurrences(t3[CHECKIN])]
    assert not set(reviews) & set(checkins)
    assert t3[CHECKIN].skip_dates == tuple(reviews)  # skipped, the series kept
    assert t3[RETRO].start.date() == dt.date(2026, 12, 31)
    assert checkins[-1] == dt.date(2026, 12, 24)


def test_holidays_get_no_meeting_and_a_retro_on_a_holiday_moves_earlier() -> None:
    okrs = make_okrs(2)
    okrs = dataclasses.replace(
        okrs, settings=dataclasses.replace(okrs.settings, holidays=(dt.date(2026, 10, 12), dt.date(2026, 12, 28)))
    )
    plan = plan_cadence(okrs, tenant="t1", now=NOW, settings=CadenceSettings(holidays=(dt.date(2026, 10, 13),)))
    t0 = {m.kind: m for m in plan.meetings if m.team == "T0"}  # Mondays
    days = [s.date() for s in occurrences(t0[CHECKIN])]
    assert dt.date(2026, 10, 12) not in days and dt.date(2026, 10, 19) in days
    assert t0[CHECKIN].recurrence.range_start == dt.date(2026, 10, 5)  # the series is kept
    assert t0[RETRO].start.date() == dt.date(2026, 12, 25)  # Mon 28th is a holiday: Fri 25th
    t1 = {m.kind: m for m in plan.meetings if m.team == "T1"}  # Tuesdays
    assert dt.date(2026, 10, 13) not in [s.date() for s in occurrences(t1[CHECKIN])]


def test_skipped_occurrences_are_cancelled_in_outlook_the_series_kept(
    database, store_okrs, graph_server, graph_calendar
) -> None:  # type: ignore[no-untyped-def]
    store_okrs(make_okrs(4))
    report = schedule(database, "t1", calendar=graph_calendar(), now=NOW)
    assert report.ok
    weekly = next(e for e in graph_server.state.mailbox_events("lead3@example.com") if "weekly" in e["subject"])
    with graph_server.state.lock:
        ev = graph_server.state.events[weekly["id"]]
        cancelled = sorted(i.rsplit("_", 1)[1][:8] for i in ev.cancelled)
    assert cancelled == ["20261029", "20261126"]
    # its attendees heard of each cancelled day once; no one else got a cancellation
    notices = [n for n in graph_server.state.notices if n.what == "cancellation"]
    assert {n.attendee for n in notices} == {"a3@example.com", "b3@example.com"}
    assert len(notices) == 4
    # a re-run sends nothing
    sent = graph_server.state.http_requests
    assert schedule(database, "t1", calendar=graph_calendar(), now=NOW).ok
    assert graph_server.state.http_requests == sent


def test_the_settings_sheet_holidays_reach_the_plan() -> None:
    from addin.excel.reader import read_workbook
    from tests.excel.factories import make_template_workbook

    data = make_template_workbook(settings={"Quarter": "2026-Q4", "Holidays": "2026-10-12; 2026-12-08"})
    result = read_workbook(data, today=dt.date(2026, 10, 1))
    assert result.okrs.settings.holidays == (dt.date(2026, 10, 12), dt.date(2026, 12, 8))
    bad = read_workbook(make_template_workbook(settings={"Holidays": "next Monday"}), today=dt.date(2026, 10, 1))
    (problem,) = [p for p in bad.problems if "Holidays" in p.message]
    assert "2026-12-24" in problem.message and problem.location.sheet == "Settings"


def test_holidays_synced_from_the_workbook_reach_schedule(database, store_okrs, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from addin.outlook.ics import IcsCalendar

    okrs = make_okrs(1)
    okrs = dataclasses.replace(okrs, settings=dataclasses.replace(okrs.settings, holidays=(dt.date(2026, 10, 12),)))
    assert store_okrs(okrs).settings.holidays == (dt.date(2026, 10, 12),)
    cal = IcsCalendar(tmp_path / "ics")
    assert schedule(database, "t1", calendar=cal, now=NOW).ok
    text = cal.path_for("T0", "2026-Q4").read_text()
    assert "EXDATE;TZID=Europe/Madrid:20261012T093000" in text


def test_a_series_whose_first_day_is_skipped_plans_the_same_on_every_run() -> None:
    # T3 checks in on Thursdays; from 20 November its first Thursday (26th) is review day
    now = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
    first = plan_cadence(make_okrs(4), tenant="t1", now=now)
    checkin = next(m for m in first.meetings if m.team == "T3" and m.kind == CHECKIN)
    assert checkin.recurrence.range_start == dt.date(2026, 12, 3) and checkin.skip_dates == ()
    again = plan_cadence(
        make_okrs(4),
        tenant="t1",
        now=now,
        keep_start={m.key: (m.recurrence.range_start if m.recurrence else m.start.date()) for m in first.meetings},
    )
    assert again.meetings == first.meetings


def test_skipped_days_are_cancelled_even_when_the_create_reply_was_lost(
    database, store_okrs, graph_server, graph_calendar
) -> None:  # type: ignore[no-untyped-def]
    from tests.outlook.graph_server import Faults

    store_okrs(make_okrs(4))
    graph_server.state.faults = Faults(drop=1.0)  # created, but we never hear back
    assert not schedule(database, "t1", calendar=graph_calendar(max_attempts=1), now=NOW).ok
    graph_server.state.faults = Faults()
    assert schedule(database, "t1", calendar=graph_calendar(), now=NOW).ok  # found by key
    weekly = next(e for e in graph_server.state.mailbox_events("lead3@example.com") if "weekly" in e["subject"])
    with graph_server.state.lock:
        assert len(graph_server.state.events[weekly["id"]].cancelled) == 2
