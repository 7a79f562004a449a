"""The embedded default calendar: RFC 5545 .ics files, one per team and quarter.

Each file holds the team's series (VEVENT with RRULE, TZID-anchored DTSTART, VTIMEZONE,
ORGANIZER, ATTENDEE) under stable UIDs, and for each series its next occurrence as an
override (RECURRENCE-ID) carrying the current KR status: HTML in X-ALT-DESC, plain text
in DESCRIPTION. SEQUENCE comes from the store and is bumped by ``schedule`` whenever a
meeting or its status changes, so calendars that import the file again update in place.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar

from addin.outlook.calendar import Failure, MeetingChange, OccurrenceBody, Record
from addin.outlook.invite import clean_text
from addin.outlook.plan import PlannedMeeting, localize
from addin.store.meetings import WRITTEN

PRODID = "-//OKR Cadence//Cadence planner//EN"
UID_DOMAIN = "okr-cadence"
_BYDAY = {"monday": "MO", "tuesday": "TU", "wednesday": "WE", "thursday": "TH",
          "friday": "FR", "saturday": "SA", "sunday": "SU"}
_INDEX = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}


def ics_uid(key: str) -> str:
    """The UID of a meeting's VEVENTs: stable for as long as the key is."""
    return f"{key}@{UID_DOMAIN}"


def file_name(team: str, quarter: str) -> str:
    """A safe file name for a team's quarter (no path tricks, unique per team name)."""
    slug = re.sub(r"[^a-z0-9]+", "-", team.casefold()).strip("-")[:40] or "team"
    digest = hashlib.sha256(team.casefold().encode()).hexdigest()[:8]
    return f"{slug}-{digest}-{quarter}.ics"


def build_ics(
    meetings: Sequence[PlannedMeeting],
    *,
    sequences: Mapping[str, int],
    bodies: Mapping[str, OccurrenceBody] | None = None,
    stamp: dt.datetime,
) -> bytes:
    """One VCALENDAR with each meeting, and an override per meeting that has a body."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    bodies = bodies or {}
    for m in meetings:
        seq = sequences.get(m.key, 0)
        body = bodies.get(m.key)
        if m.recurrence is None and body is not None:
            # a single meeting carries its status itself
            cal.add_component(_event(m, seq, stamp, body=body))
            continue
        cal.add_component(_event(m, seq, stamp))
        if body is not None:
            cal.add_component(_event(m, seq, stamp, body=body, recurrence_id=body.start))
    cal.add_missing_timezones()
    return cal.to_ical()


def _event(m: PlannedMeeting, seq: int, stamp: dt.datetime, *, body: OccurrenceBody | None = None,
           recurrence_id: dt.datetime | None = None) -> icalendar.Event:
    ev = icalendar.Event()
    zone = ZoneInfo(m.timezone)
    start = m.start.astimezone(zone) if recurrence_id is None else recurrence_id.astimezone(zone)
    ev.add("uid", ics_uid(m.key))
    ev.add("dtstamp", stamp.astimezone(dt.timezone.utc))
    ev.add("sequence", seq)
    if recurrence_id is not None:
        ev.add("recurrence-id", start)
    ev.add("dtstart", start)
    ev.add("dtend", start + m.duration)
    ev.add("summary", clean_text(m.subject))
    if recurrence_id is None and m.recurrence is not None:
        ev.add("rrule", _rrule(m))
    organizer = icalendar.vCalAddress(f"mailto:{m.organizer}")
    organizer.params["CN"] = icalendar.vText(m.organizer)
    ev.add("organizer", organizer)
    for person in m.attendees:
        if person.casefold() == m.organizer.casefold():
            continue  # the organiser is not also an attendee
        att = icalendar.vCalAddress(f"mailto:{person}")
        att.params["ROLE"] = icalendar.vText("REQ-PARTICIPANT")
        att.params["PARTSTAT"] = icalendar.vText("NEEDS-ACTION")
        att.params["RSVP"] = icalendar.vText("TRUE")
        ev.add("attendee", att)
    if m.categories:
        ev.add("categories", list(m.categories))
    html_body, text_body = (body.html, body.text) if body else (m.body_html, _text_of(m))
    ev.add("description", clean_text(text_body))
    # vText: escaped like DESCRIPTION (a raw newline would let user text start a new property)
    ev.add("x-alt-desc", icalendar.vText(html_body), parameters={"FMTTYPE": "text/html"})
    ev.add("x-okr-meeting-key", m.key)
    return ev


def _rrule(m: PlannedMeeting) -> dict[str, object]:
    rec = m.recurrence
    assert rec is not None
    # UNTIL must be in UTC when DTSTART has a TZID (RFC 5545 3.3.10): the last instant of
    # the range's last day in the meeting's zone.
    last = localize(rec.range_end, dt.time(23, 59, 59), ZoneInfo(m.timezone))
    until = last.astimezone(dt.timezone.utc)
    if rec.pattern == "weekly":
        return {"freq": "WEEKLY", "interval": rec.interval,
                "byday": [_BYDAY[d] for d in rec.days_of_week], "until": until}
    return {"freq": "MONTHLY", "interval": rec.interval,
            "byday": [f"{_INDEX[rec.index or 'first']}{_BYDAY[d]}" for d in rec.days_of_week],
            "until": until}


def _text_of(m: PlannedMeeting) -> str:
    return f"{m.subject}\nThe key result status for each meeting is added the day before it.\n"


class IcsCalendar:
    """The .ics calendar: writes one file per team and quarter into ``folder``."""

    name = "ics"

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def path_for(self, team: str, quarter: str) -> Path:
        return self.folder / file_name(team, quarter)

    def apply(self, tenant: str, changes: Sequence[MeetingChange], *, now: dt.datetime,
              record: Record) -> list[Failure]:
        """Write each team's file; a file whose meetings are all unchanged is left alone."""
        for (team, quarter), group in _by_file(changes).items():
            path = self.path_for(team, quarter)
            if path.exists() and all(c.action == "unchanged" and c.record.state == WRITTEN
                                     for c in group):
                continue
            self._write(path, group, now)
            record([c.record.but(state=WRITTEN, ics_uid=ics_uid(c.meeting.key),
                                 body_hash=c.body.body_hash if c.body else c.record.body_hash,
                                 body_start=c.body.start.astimezone(dt.timezone.utc)
                                 if c.body else c.record.body_start) for c in group])
        return []

    def refresh(self, tenant: str, changes: Sequence[MeetingChange], *, now: dt.datetime,
                record: Record) -> list[Failure]:
        """Rewrite the files with the new occurrence overrides (UIDs kept)."""
        return self.apply(tenant, changes, now=now, record=record)

    def _write(self, path: Path, group: Sequence[MeetingChange], now: dt.datetime) -> None:
        data = build_ics(
            [c.meeting for c in group],
            sequences={c.meeting.key: c.record.sequence for c in group},
            bodies={c.meeting.key: c.body for c in group if c.body},
            stamp=now,
        )
        self.folder.mkdir(parents=True, exist_ok=True)
        # write-then-rename: a reader never sees half a calendar
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".ics", dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _by_file(changes: Sequence[MeetingChange]) -> dict[tuple[str, str], list[MeetingChange]]:
    groups: dict[tuple[str, str], list[MeetingChange]] = {}
    for c in changes:
        groups.setdefault((c.meeting.team, c.meeting.quarter), []).append(c)
    return groups
