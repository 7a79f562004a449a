"""A team's calendar feed: an iTIP PUBLISH object (RFC 5546 3.2.1) that calendar apps subscribe to.

Read back twice: with icalendar (what a client makes of it) and with a strict content-line
reader (tests/outlook/ics_lines.py: 75-octet folding, escaping, grammar) that forgives nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import icalendar
import pytest

from addin.errors import NotFound
from addin.okr.model import Team
from addin.outlook.feed import build_feed, feed_etag, feed_uid, team_feed
from addin.outlook.ics import IcsCalendar, ics_uid
from addin.outlook.schedule import schedule
from addin.store.meetings import list_meetings
from tests.outlook import ics_lines
from tests.outlook.conftest import NOW, make_okrs

# RFC 5546 3.2.1, PUBLISH: each VEVENT has exactly one of these ...
REQUIRED = ("DTSTAMP", "DTSTART", "ORGANIZER", "SUMMARY", "UID")
# ... (SEQUENCE: "1 if not 0"; the feed always writes it) and no ATTENDEE.


def _feed(db, team: str = "T1", *, now: dt.datetime = NOW, tenant: str = "t1") -> bytes:  # type: ignore[no-untyped-def]
    return build_feed(team_feed(db, tenant, team, now=now), stamp=now)


def _events(data: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(data).walk("VEVENT"))


def test_the_feed_is_a_publish_object_with_the_teams_meetings_of_two_quarters(database, store_okrs) -> None:  # type: ignore[no-untyped-def]
    okrs = store_okrs(make_okrs(2))
    data = _feed(database)

    cal = icalendar.Calendar.from_ical(data)
    assert cal["METHOD"] == "PUBLISH" and cal["VERSION"] == "2.0" and cal["PRODID"]
    assert str(cal["X-WR-CALNAME"]) == "T1: OKR meetings" == str(cal["NAME"])
    events = _events(data)
    assert sorted(str(e["SUMMARY"]) for e in events) == sorted(
        [
            "T1: weekly OKR check-in",
            "T1: monthly OKR review",
            "T1: 2026-Q4 OKR retrospective",
            "T1: weekly OKR check-in",
            "T1: monthly OKR review",
            "T1: 2027-Q1 OKR retrospective",
        ]
    )
    strict = ics_lines.parse(data)
    for event in events:
        for name in REQUIRED:
            assert name in event, name
        assert int(event["SEQUENCE"]) >= 0
        assert event["DTSTART"].dt.tzinfo is not None and event["DTSTART"].params["TZID"] == "America/New_York"
    for name in (*REQUIRED, "SEQUENCE"):
        assert len(strict.named(name, "VEVENT")) == len(events), name
    assert strict.named("ATTENDEE") == []
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["America/New_York"]
    # nothing of the tenant beyond the meetings' titles and times: no address, no key result, no body
    text = data.decode()
    for kr in okrs.key_results:
        assert kr.title not in text
    for team in okrs.teams:
        for person in (team.lead, *team.members):
            assert person and person not in text
    for name in ("DESCRIPTION", "X-ALT-DESC", "ATTACH", "LOCATION", "X-OKR-MEETING-KEY", "CATEGORIES"):
        assert strict.named(name) == [], name


def test_folding_escaping_and_bidi_controls_in_a_hostile_team_name(database, store_okrs) -> None:  # type: ignore[no-untyped-def]
    hostile = 'R&D, "Ops"; EMEA\nATTENDEE:mailto:x@evil.example\u202e lanimret \u202c' + " é" * 30 + "部" * 20
    okrs = make_okrs(1)
    team = dataclasses.replace(okrs.teams[0], name=hostile)
    okrs = dataclasses.replace(
        okrs,
        teams=[team],
        objectives=[dataclasses.replace(o, team=hostile) for o in okrs.objectives],
        key_results=[dataclasses.replace(k, team=hostile, depends_on=()) for k in okrs.key_results],
    )
    store_okrs(okrs)

    data = _feed(database, hostile)

    strict = ics_lines.parse(data)  # every physical line <= 75 octets, no UTF-8 character split
    assert max(len(line) for line in strict.physical_lines) <= 75
    assert any(line.startswith(b" ") for line in strict.physical_lines)  # long lines were folded
    assert "\u202e" not in data.decode() and "\u202c" not in data.decode()
    assert strict.named("ATTENDEE") == []  # the newline did not start a property
    one_line = 'R&D, "Ops"; EMEA ATTENDEE:mailto:x@evil.example lanimret' + " é" * 30 + "部" * 20
    summaries = {ics_lines.unescape_text(p.value) for p in strict.named("SUMMARY")}
    assert f"{one_line}: weekly OKR check-in" in summaries
    raw = next(p.value for p in strict.named("SUMMARY"))
    assert raw.startswith(r'R&D\, "Ops"\; EMEA ATTENDEE:mailto')
    for name in ("NAME", "X-WR-CALNAME"):
        assert ics_lines.unescape_text(strict.named(name)[0].value) == f"{one_line}: OKR meetings", name
    # what a client reads back: the same text, the organiser's name with its quotes (RFC 6868)
    events = _events(data)
    assert f"{one_line}: weekly OKR check-in" in {str(e["SUMMARY"]) for e in events}
    assert {e["ORGANIZER"].params["CN"] for e in events} == {one_line}


def test_uids_are_stable_and_never_the_invitations_uids(database, store_okrs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store_okrs(make_okrs(2))
    schedule(database, "t1", calendar=IcsCalendar(tmp_path / "calendars"), now=NOW)
    with database.read() as s:
        keys = [r.key for r in list_meetings(s, "t1", team="T1")]

    first = {str(e["UID"]) for e in _events(_feed(database))}
    again = {str(e["UID"]) for e in _events(_feed(database, now=NOW + dt.timedelta(hours=5)))}

    assert first == again and len(first) == 6
    assert {feed_uid(k) for k in keys} <= first
    assert not first & {ics_uid(k) for k in keys}


def test_an_unscheduled_feed_does_not_change_with_the_time_it_is_fetched(database, store_okrs) -> None:  # type: ignore[no-untyped-def]
    store_okrs(make_okrs(2))
    early, later = _feed(database), _feed(database, now=NOW + dt.timedelta(days=20))

    assert early != later  # DTSTAMP is the time of the answer (RFC 5545 3.8.7.2 with METHOD)
    assert feed_etag(early) == feed_etag(later)
    weekly = next(e for e in _events(later) if "check-in" in str(e["SUMMARY"]))
    assert weekly["DTSTART"].dt.date() == dt.date(2026, 10, 6)  # the quarter's first Tuesday


def test_a_scheduled_team_shows_its_series_as_sent_and_a_change_bumps_sequence(
    database, store_okrs, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    okrs = make_okrs(2)
    store_okrs(okrs)
    calendar = IcsCalendar(tmp_path / "calendars")
    later = NOW + dt.timedelta(days=3)  # Thursday 8 October
    schedule(database, "t1", calendar=calendar, now=later)
    with database.read() as s:
        weekly = next(r for r in list_meetings(s, "t1", team="T1", quarter="2026-Q4") if r.kind == "checkin")

    def checkins(data: bytes) -> list[icalendar.Event]:
        return sorted(
            (e for e in _events(data) if "check-in" in str(e["SUMMARY"]) and e["DTSTART"].dt.year == 2026),
            key=lambda e: e["DTSTART"].dt,
        )

    (sent,) = checkins(_feed(database, now=later + dt.timedelta(days=10)))
    assert (
        sent["DTSTART"].dt.date() == weekly.series_start == dt.date(2026, 10, 13)
    )  # as invited, not the quarter's start
    assert int(sent["SEQUENCE"]) == weekly.sequence
    assert str(sent["UID"]) == feed_uid(weekly.key)

    # the team moves its check-in to Friday: the feed shows it at once, with a higher SEQUENCE
    moved = dataclasses.replace(okrs.teams[1], checkin_weekday=4)
    store_okrs(dataclasses.replace(okrs, teams=[okrs.teams[0], moved]))
    (now_friday,) = checkins(_feed(database, now=later + dt.timedelta(days=10)))
    assert now_friday["DTSTART"].dt.weekday() == 4
    assert int(now_friday["SEQUENCE"]) == weekly.sequence + 1

    # okr schedule keeps the history: the old series ends, the new one starts; the feed has both
    schedule(database, "t1", calendar=calendar, now=later + dt.timedelta(days=10))
    ended, fresh = checkins(_feed(database, now=later + dt.timedelta(days=11)))
    assert ended["DTSTART"].dt.weekday() == 1 and ended["RRULE"]["UNTIL"][0].date() <= dt.date(2026, 10, 16)
    assert fresh["DTSTART"].dt.weekday() == 4 and str(fresh["UID"]) == feed_uid(weekly.key)
    assert int(fresh["SEQUENCE"]) >= weekly.sequence + 1


def test_a_team_without_meetings_still_gets_a_valid_calendar(database, store_okrs) -> None:  # type: ignore[no-untyped-def]
    okrs = make_okrs(1)
    store_okrs(dataclasses.replace(okrs, teams=[dataclasses.replace(okrs.teams[0], lead=None)]))

    data = _feed(database, "T0")

    cal = icalendar.Calendar.from_ical(data)
    assert cal["METHOD"] == "PUBLISH" and list(cal.walk("VEVENT")) == []
    # RFC 5545 wants one component at least: the team's zone
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Madrid"]
    ics_lines.parse(data)


def test_a_team_that_is_gone_has_no_feed(database, store_okrs) -> None:  # type: ignore[no-untyped-def]
    store_okrs(make_okrs(1))
    with pytest.raises(NotFound):
        team_feed(database, "t1", "Nobody", now=NOW)
    with pytest.raises(NotFound):
        team_feed(database, "another-tenant", "T0", now=NOW)


def test_the_strict_reader_catches_what_it_is_there_for() -> None:
    good = b"BEGIN:VCALENDAR\r\nSUMMARY:a\\, b\r\nEND:VCALENDAR\r\n"
    assert ics_lines.unescape_text(ics_lines.parse(good).named("SUMMARY")[0].value) == "a, b"
    for bad in (
        b"BEGIN:VCALENDAR\nEND:VCALENDAR\r\n",  # bare LF
        b"BEGIN:VCALENDAR\r\nSUMMARY:" + b"x" * 80 + b"\r\nEND:VCALENDAR\r\n",  # over 75 octets
        b"BEGIN:VCALENDAR\r\nSUMMARY:" + "é".encode() * 33 + b"\xc3\r\n \xa9\r\nEND:VCALENDAR\r\n",  # split é
        b"BEGIN:VCALENDAR\r\nSUMMARY:a\x01\r\nEND:VCALENDAR\r\n",  # a control character
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n",  # unbalanced
    ):
        with pytest.raises(ics_lines.ContentLineError):
            ics_lines.parse(bad)
    with pytest.raises(ics_lines.ContentLineError):
        ics_lines.unescape_text("a, b")


def test_team_names_pick_their_own_meetings(database, store_okrs) -> None:  # type: ignore[no-untyped-def]
    okrs = make_okrs(2)
    store_okrs(okrs)
    store_okrs(dataclasses.replace(okrs, teams=[Team("T1", lead="other@example.com", timezone="Asia/Tokyo")]), "t2")

    mine, theirs = _feed(database, "T1"), _feed(database, "T1", tenant="t2")

    assert {e["DTSTART"].params["TZID"] for e in _events(mine)} == {"America/New_York"}
    assert {e["DTSTART"].params["TZID"] for e in _events(theirs)} == {"Asia/Tokyo"}
    assert not {str(e["UID"]) for e in _events(mine)} & {str(e["UID"]) for e in _events(theirs)}
