"""The cadence planner: slots, attendees, keys, time zones, DST, quarters, fiscal years."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from addin.errors import InputError
from addin.okr.model import KeyResult, OkrSet, Settings, Team
from addin.okr.quarters import Quarter
from addin.outlook.plan import (
    CHECKIN,
    RETRO,
    REVIEW,
    CadenceSettings,
    localize,
    meeting_key,
    next_occurrence,
    nth_weekday,
    occurrences,
    plan_cadence,
)
from tests.outlook.conftest import NOW, make_okrs


def _by(plan, team: str, kind: str):  # type: ignore[no-untyped-def]
    return next(m for m in plan.meetings if m.team == team and m.kind == kind)


def test_each_team_gets_weekly_monthly_and_retro() -> None:
    plan = plan_cadence(make_okrs(3), tenant="t1", now=NOW)
    assert plan.quarter.label == "2026-Q4"
    assert sorted((m.team, m.kind) for m in plan.meetings) == sorted(
        (f"T{i}", k) for i in range(3) for k in (CHECKIN, REVIEW, RETRO)
    )


def test_weekly_checkin_uses_team_slot_and_ends_at_quarter_end() -> None:
    plan = plan_cadence(make_okrs(3), tenant="t1", now=NOW)
    m = _by(plan, "T1", CHECKIN)  # Tuesday 10:30 New York, 30 minutes
    assert m.start == dt.datetime(2026, 10, 6, 10, 30, tzinfo=ZoneInfo("America/New_York"))
    assert m.start.tzinfo == ZoneInfo("America/New_York")
    assert m.duration == dt.timedelta(minutes=30)
    assert m.recurrence is not None and m.recurrence.pattern == "weekly"
    assert m.recurrence.days_of_week == ("tuesday",)
    # the retro (Tuesday 29 December) replaces the last check-in: the series ends the day before
    assert m.recurrence.range_end == dt.date(2026, 12, 28)
    starts = occurrences(m)
    assert len(starts) == 12 and starts[-1].date() == dt.date(2026, 12, 22)
    assert m.organizer == "lead1@example.com"
    assert set(m.attendees) == {"a1@example.com", "b1@example.com", "lead1@example.com"}


def test_wall_time_kept_across_dst_change() -> None:
    # Europe/Madrid leaves summer time on 25 October 2026; New York on 1 November
    plan = plan_cadence(make_okrs(2), tenant="t1", now=NOW)
    madrid = occurrences(_by(plan, "T0", CHECKIN))
    assert {s.time() for s in madrid} == {dt.time(9, 30)}
    assert {s.utcoffset() for s in madrid} == {dt.timedelta(hours=2), dt.timedelta(hours=1)}
    before = [s for s in madrid if s.date() < dt.date(2026, 10, 25)]
    after = [s for s in madrid if s.date() > dt.date(2026, 10, 25)]
    assert all(s.astimezone(dt.UTC).hour == 7 for s in before)
    assert all(s.astimezone(dt.UTC).hour == 8 for s in after)


def test_time_in_dst_gap_moves_forward_not_backward() -> None:
    zone = ZoneInfo("Europe/Madrid")
    # 02:30 does not exist on 29 March 2026 in Madrid
    moved = localize(dt.date(2026, 3, 29), dt.time(2, 30), zone)
    assert moved.astimezone(dt.UTC) == dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC)
    assert moved.hour == 3


def test_monthly_review_is_last_thursday_with_linked_leads() -> None:
    plan = plan_cadence(make_okrs(3), tenant="t1", now=NOW)
    review = _by(plan, "T1", REVIEW)
    assert review.recurrence is not None
    assert (review.recurrence.pattern, review.recurrence.index) == ("relativeMonthly", "last")
    # 31 December would come after the retro (29 December): nothing after the retro
    assert [s.date() for s in occurrences(review)] == [dt.date(2026, 10, 29), dt.date(2026, 11, 26)]
    # own lead, parent T0's lead (also a dependency), T2's lead (T2 depends on T1)
    assert review.attendees == ("lead1@example.com", "lead0@example.com", "lead2@example.com")
    root = _by(plan, "T0", REVIEW)
    assert set(root.attendees) == {"lead0@example.com", "lead1@example.com"}


def test_dependency_on_a_kr_id_links_its_team() -> None:
    okrs = make_okrs(3)
    okrs.key_results[-1].depends_on = ("kr-0000b",)  # T2's KR depends on T0's KR, any case
    plan = plan_cadence(okrs, tenant="t1", now=NOW)
    assert "lead2@example.com" in _by(plan, "T0", REVIEW).attendees


def test_review_day_is_configurable() -> None:
    plan = plan_cadence(
        make_okrs(1), tenant="t1", now=NOW, settings=CadenceSettings(review_weekday=0, review_index="first")
    )
    review = _by(plan, "T0", REVIEW)
    assert [s.date() for s in occurrences(review)] == [dt.date(2026, 10, 5), dt.date(2026, 11, 2), dt.date(2026, 12, 7)]


def test_retro_is_in_last_week_of_quarter() -> None:
    plan = plan_cadence(make_okrs(5), tenant="t1", now=NOW)
    for i in range(5):
        retro = _by(plan, f"T{i}", RETRO)
        assert retro.recurrence is None
        assert dt.date(2026, 12, 25) <= retro.start.date() <= dt.date(2026, 12, 31)
        assert retro.start.weekday() == i % 5


def test_keys_are_stable_and_distinct() -> None:
    a = plan_cadence(make_okrs(3), tenant="t1", now=NOW)
    b = plan_cadence(
        make_okrs(3),
        tenant="t1",
        now=NOW + dt.timedelta(days=20),
        keep_start={m.key: (m.recurrence.range_start if m.recurrence else m.start.date()) for m in a.meetings},
    )
    assert [m.key for m in a.meetings] == [m.key for m in b.meetings]
    assert [m.fingerprint() for m in a.meetings] == [m.fingerprint() for m in b.meetings]
    other = plan_cadence(make_okrs(3), tenant="t2", now=NOW)
    assert not {m.key for m in a.meetings} & {m.key for m in other.meetings}
    assert len({m.key for m in a.meetings}) == 9
    assert meeting_key("t1", "T0", "2026-Q4", "checkin") != meeting_key("t1", "T0", "2027-Q1", "checkin")


def test_series_starts_at_now_mid_quarter() -> None:
    later = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)
    plan = plan_cadence(make_okrs(1), tenant="t1", now=later)
    checkin = _by(plan, "T0", CHECKIN)
    assert checkin.start.date() == dt.date(2026, 11, 23)  # next Monday
    assert next_occurrence(checkin, later) == checkin.start


def test_fiscal_year_quarters() -> None:
    # FY2027 starts in July 2026: Q2 is October - December 2026
    okrs = make_okrs(1, quarter=None, fy_start=7)
    plan = plan_cadence(okrs, tenant="t1", now=NOW)
    assert plan.quarter == Quarter(2027, 2, 7)
    assert _by(plan, "T0", CHECKIN).recurrence.range_end == dt.date(2026, 12, 27)  # retro: 28th
    # FY with an April start, Q4 = January - March: crosses the calendar year and DST
    okrs = make_okrs(1, quarter="2027-Q4", fy_start=4)
    plan = plan_cadence(okrs, tenant="t1", now=NOW, quarter="2027-Q4")
    checkin = _by(plan, "T0", CHECKIN)
    assert checkin.start.date() == dt.date(2027, 1, 4)
    assert occurrences(checkin)[-1].date() == dt.date(2027, 3, 22)
    retro = _by(plan, "T0", RETRO)
    assert retro.start.date() == dt.date(2027, 3, 29)  # in place of that day's check-in


def test_leap_year_february_last_thursday() -> None:
    assert nth_weekday(2028, 2, 3, "last") == dt.date(2028, 2, 24)
    assert nth_weekday(2026, 4, 3, "last") == dt.date(2026, 4, 30)
    assert nth_weekday(2026, 10, 0, "first") == dt.date(2026, 10, 5)


def test_team_without_lead_is_skipped_with_reason() -> None:
    okrs = make_okrs(2)
    okrs.teams[1].lead = None
    plan = plan_cadence(okrs, tenant="t1", now=NOW)
    assert {m.team for m in plan.meetings} == {"T0"}
    assert plan.skipped[0].team == "T1" and "lead" in plan.skipped[0].reason


def test_bad_time_zone_names_the_team() -> None:
    okrs = OkrSet(
        settings=Settings(quarter="2026-Q4"), teams=[Team("Ops", lead="o@example.com", timezone="Mars/Olympus")]
    )
    with pytest.raises(InputError) as err:
        plan_cadence(okrs, tenant="t1", now=NOW)
    assert err.value.code == "bad_timezone" and err.value.details["team"] == "Ops"


def test_unknown_team_and_bad_quarter_are_input_errors() -> None:
    with pytest.raises(InputError):
        plan_cadence(make_okrs(1), tenant="t1", now=NOW, team="nope")
    with pytest.raises(InputError):
        plan_cadence(make_okrs(1), tenant="t1", now=NOW, quarter="Q5 2026")


def test_subject_never_carries_a_header_line() -> None:
    okrs = OkrSet(
        settings=Settings(quarter="2026-Q4"),
        teams=[Team("Ops\r\nBcc: evil@example.com", lead="o@example.com")],
        key_results=[KeyResult("Ops", "o", "x")],
    )
    plan = plan_cadence(okrs, tenant="t1", now=NOW)
    for m in plan.meetings:
        assert "\n" not in m.subject and "\r" not in m.subject
        assert "Bcc: evil@example.com" in m.subject  # kept as text, on one line
