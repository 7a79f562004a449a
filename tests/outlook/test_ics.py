"""The .ics calendar: parsed back with icalendar; stable UIDs, SEQUENCE, overrides, re-runs."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from addin.calendars import default_calendar
from addin.errors import InputError, NotFound
from addin.outlook.ics import IcsCalendar, file_name
from addin.outlook.plan import CadenceSettings
from addin.outlook.schedule import (
    parse_within,
    refresh_invites,
    schedule,
    team_ics,
)
from tests.outlook.conftest import NOW, make_okrs


def _read(path: Path) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(path.read_bytes())


def _events(cal: icalendar.Calendar) -> list[icalendar.Event]:
    return list(cal.walk("VEVENT"))


def _text(prop: object) -> str:
    """An X- property's value unescaped as TEXT (RFC 5545 3.3.11); icalendar leaves
    unknown properties raw."""
    raw = prop.to_ical().decode() if hasattr(prop, "to_ical") else str(prop)
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], raw)


@pytest.fixture
def ics_setup(database, store_okrs, tmp_path: Path):  # type: ignore[no-untyped-def]
    store_okrs(make_okrs(2))
    return database, IcsCalendar(tmp_path / "calendars")


def test_schedule_writes_one_rfc5545_file_per_team(ics_setup) -> None:  # type: ignore[no-untyped-def]
    db, cal = ics_setup
    report = schedule(db, "t1", calendar=cal, now=NOW)
    assert len(report.created) == 6 and report.ok
    files = sorted(p.name for p in cal.folder.iterdir())
    assert files == sorted([file_name("T0", "2026-Q4"), file_name("T1", "2026-Q4")])
    parsed = _read(cal.path_for("T1", "2026-Q4"))
    assert parsed["VERSION"] == "2.0" and parsed["PRODID"]
    assert [tz["TZID"] for tz in parsed.walk("VTIMEZONE")] == ["America/New_York"]
    events = _events(parsed)
    masters = [e for e in events if "RECURRENCE-ID" not in e]
    overrides = [e for e in events if "RECURRENCE-ID" in e]
    assert len(masters) == 3 and len(overrides) == 2  # the retro carries its status itself
    weekly = next(e for e in masters if "weekly" in str(e["SUMMARY"]))
    start = weekly.decoded("DTSTART")
    assert start == dt.datetime(2026, 10, 6, 10, 30, tzinfo=ZoneInfo("America/New_York"))
    assert weekly["DTSTART"].params["TZID"] == "America/New_York"
    rule = weekly["RRULE"]
    assert rule["FREQ"] == ["WEEKLY"] and rule["BYDAY"] == ["TU"]
    # the last check-in is the day before the retro (Tuesday 29 December)
    assert rule["UNTIL"][0] == dt.datetime(2026, 12, 29, 4, 59, 59, tzinfo=dt.UTC)
    assert str(weekly["ORGANIZER"]) == "mailto:lead1@example.com"
    attendees = {str(a) for a in weekly.get("ATTENDEE")}
    assert attendees == {"mailto:a1@example.com", "mailto:b1@example.com"}
    assert weekly["UID"] == f"{report.created[0].key}@okr-cadence" or weekly["UID"].endswith("@okr-cadence")
    monthly = next(e for e in masters if "monthly" in str(e["SUMMARY"]))
    assert monthly["RRULE"]["FREQ"] == ["MONTHLY"] and monthly["RRULE"]["BYDAY"] == ["-1TH"]
    # the next weekly occurrence carries the KR status
    override = next(e for e in overrides if e["UID"] == weekly["UID"])
    assert override.decoded("RECURRENCE-ID") == start
    assert override["X-ALT-DESC"].params["FMTTYPE"] == "text/html"
    html = _text(override["X-ALT-DESC"])
    assert "<table" in html and "Grow signups of T1" in html
    assert "Grow signups of T1" in str(override["DESCRIPTION"]) and "<" not in str(override["DESCRIPTION"])
    assert override["SEQUENCE"] == weekly["SEQUENCE"] == 0


def test_rerun_changes_nothing_and_keeps_the_file(ics_setup) -> None:  # type: ignore[no-untyped-def]
    db, cal = ics_setup
    schedule(db, "t1", calendar=cal, now=NOW)
    path = cal.path_for("T0", "2026-Q4")
    before = path.read_bytes()
    again = schedule(db, "t1", calendar=cal, now=NOW + dt.timedelta(hours=1))
    assert [m.action for m in again.meetings] == ["unchanged"] * 6
    assert path.read_bytes() == before
    assert len(list(cal.folder.iterdir())) == 2  # no duplicate, no temp file left


def test_a_change_bumps_sequence_and_keeps_uids(ics_setup, store_okrs) -> None:  # type: ignore[no-untyped-def]
    db, cal = ics_setup
    schedule(db, "t1", calendar=cal, now=NOW)
    uids = {str(e["UID"]) for e in _events(_read(cal.path_for("T0", "2026-Q4")))}
    okrs = make_okrs(2)
    okrs.teams[0].checkin_time = dt.time(11, 0)
    okrs.teams[0].members = ("a0@example.com", "new@example.com")
    store_okrs(okrs)
    # before the first check-in (07:30 UTC): no history yet, the series itself changes
    report = schedule(db, "t1", calendar=cal, now=NOW + dt.timedelta(minutes=10))
    changed = {(m.team, m.kind): m for m in report.updated}
    assert set(changed) == {("T0", "checkin"), ("T0", "retro"), ("T0", "review")}
    assert "start" in changed[("T0", "checkin")].changes
    assert "attendees" in changed[("T0", "checkin")].changes
    assert all(m.team == "T1" for m in report.unchanged)
    events = _events(_read(cal.path_for("T0", "2026-Q4")))
    assert {str(e["UID"]) for e in events} == uids
    weekly = next(e for e in events if "RECURRENCE-ID" not in e and "weekly" in str(e["SUMMARY"]))
    assert weekly["SEQUENCE"] == 1
    assert weekly.decoded("DTSTART").time() == dt.time(11, 0)
    assert "mailto:new@example.com" in {str(a) for a in weekly.get("ATTENDEE")}


def test_refresh_rewrites_overrides_with_new_status(ics_setup, database) -> None:  # type: ignore[no-untyped-def]
    db, cal = ics_setup
    schedule(db, "t1", calendar=cal, now=NOW)
    path = cal.path_for("T0", "2026-Q4")
    from addin.store import checkins, key_results

    with database.read() as s:
        kr_id = next(k for k, kr in key_results.load_key_results(s, "t1").items() if kr.team == "T0")
    with database.transaction() as s:
        checkins.record_checkin(
            s,
            "t1",
            kr_id,
            value=77,
            confidence=0.9,
            note="big jump <i>!</i>",
            at=NOW + dt.timedelta(days=3),
            source="cli",
        )
    later = NOW + dt.timedelta(days=7)  # Monday 12 October 09:00 Madrid, before the 09:30 check-in
    report = refresh_invites(db, "t1", now=later, calendar=cal)
    assert {(u.team, u.kind) for u in report.updated} >= {("T0", "checkin")}
    events = _events(_read(path))
    override = next(e for e in events if "RECURRENCE-ID" in e and "weekly" in str(e["SUMMARY"]))
    assert override.decoded("RECURRENCE-ID").date() == dt.date(2026, 10, 12)
    assert "big jump &lt;i&gt;!&lt;/i&gt;" in _text(override["X-ALT-DESC"])
    assert "big jump <i>!</i>" in str(override["DESCRIPTION"])
    master = next(e for e in events if e["UID"] == override["UID"] and "RECURRENCE-ID" not in e)
    assert override["SEQUENCE"] == master["SEQUENCE"] == 1
    # nothing new to say: a second refresh leaves the file alone
    before = path.read_bytes()
    second = refresh_invites(db, "t1", now=later, calendar=cal)
    assert not second.updated and path.read_bytes() == before


def test_default_calendar_is_ics_in_instance_and_downloadable(ics_setup, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, _ = ics_setup
    cal = default_calendar(tmp_path / "inst", "t1", environ={})
    assert cal.name == "ics"
    schedule(db, "t1", calendar=cal, now=NOW)
    data = team_ics(tmp_path / "inst", "t1", "T0", "2026-Q4")
    assert icalendar.Calendar.from_ical(data).walk("VEVENT")
    with pytest.raises(NotFound):
        team_ics(tmp_path / "inst", "other-tenant", "T0", "2026-Q4")
    local = default_calendar(tmp_path / "inst", "local", environ={})
    assert local.folder == tmp_path / "inst" / "calendars"  # type: ignore[attr-defined]


def test_dry_run_writes_nothing(ics_setup) -> None:  # type: ignore[no-untyped-def]
    db, cal = ics_setup
    report = schedule(db, "t1", calendar=cal, now=NOW, dry_run=True)
    assert len(report.created) == 6 and report.dry_run
    assert not cal.folder.exists()
    assert report.rows()[0][0] == "team" and len(report.rows()) == 7
    assert len(schedule(db, "t1", calendar=cal, now=NOW).created) == 6


def test_hostile_text_cannot_add_calendar_properties(database, store_okrs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    okrs = make_okrs(1)
    evil = "Ship it\r\nATTENDEE:mailto:evil@example.com\r\nEND:VEVENT\r\nBEGIN:VEVENT, <b>x</b>; y"
    okrs.key_results[0].title = evil
    okrs.key_results[0].notes = evil
    store_okrs(okrs)
    cal = IcsCalendar(tmp_path / "c")
    schedule(database, "t1", calendar=cal, now=NOW)
    parsed = _read(cal.path_for("T0", "2026-Q4"))
    events = _events(parsed)
    assert len(events) == 5  # 3 meetings + 2 overrides, nothing smuggled in
    everyone = {str(a) for e in events for a in (e.get("ATTENDEE") or [])}
    assert "mailto:evil@example.com" not in everyone
    override = next(e for e in events if "RECURRENCE-ID" in e and "weekly" in str(e["SUMMARY"]))
    assert "ATTENDEE:mailto:evil@example.com" in str(override["DESCRIPTION"])
    assert "&lt;b&gt;x&lt;/b&gt;; y" in _text(override["X-ALT-DESC"])


def test_workbook_link_is_in_every_body(ics_setup) -> None:  # type: ignore[no-untyped-def]
    db, cal = ics_setup
    link = "https://contoso.sharepoint.com/sites/okr/OKRs.xlsx"
    schedule(db, "t1", calendar=cal, now=NOW, settings=CadenceSettings(workbook_url=link))
    events = _events(_read(cal.path_for("T0", "2026-Q4")))
    assert all(f'href="{link}"' in _text(e["X-ALT-DESC"]) for e in events)


def test_parse_within() -> None:
    assert parse_within("48h") == dt.timedelta(hours=48)
    assert parse_within("2d") == dt.timedelta(days=2)
    assert parse_within(" 90m ") == dt.timedelta(minutes=90)
    for bad in ("", "0h", "48", "-1h", "1w"):
        with pytest.raises(InputError):
            parse_within(bad)
