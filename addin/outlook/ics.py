"""The embedded default calendar: RFC 5545 .ics files, one per team and quarter.

Each file holds the team's series (VEVENT with RRULE, TZID-anchored DTSTART, VTIMEZONE,
ORGANIZER, ATTENDEE) under stable UIDs, and for each series its next occurrence as an
override (RECURRENCE-ID) carrying the current KR status: HTML in X-ALT-DESC, plain text
in DESCRIPTION. SEQUENCE comes from the store and is bumped by ``schedule`` whenever a
meeting or its status changes, so calendars that import the file again update in place.

The retro pack rides on the retro VEVENT as an ATTACH (inline base64, or a link when too
large) and survives every rewrite; the meetings of a team that is gone are marked
STATUS:CANCELLED (and the file METHOD:CANCEL once all its meetings are).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar

from addin.files import write_atomically
from addin.outlook.calendar import DOCX_TYPE, Failure, MeetingChange, OccurrenceBody, Record, RetroPack
from addin.outlook.invite import text_for_invite
from addin.outlook.plan import PlannedMeeting, localize
from addin.store.meetings import CANCELLED, WRITTEN, MeetingRecord

PRODID = "-//OKR Cadence//Cadence planner//EN"
UID_DOMAIN = "okr-cadence"
_BYDAY = {
    "monday": "MO",
    "tuesday": "TU",
    "wednesday": "WE",
    "thursday": "TH",
    "friday": "FR",
    "saturday": "SA",
    "sunday": "SU",
}
_INDEX = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
# packs up to this size are embedded (base64) in the .ics; larger ones become a link
ICS_EMBED_LIMIT = 3_000_000


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
    attachments: Mapping[str, Sequence[object]] | None = None,
) -> bytes:
    """One VCALENDAR with each meeting, and an override per meeting that has a body;
    ``attachments`` (key -> ATTACH values) go on the meeting's main VEVENT."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    bodies = bodies or {}
    attachments = attachments or {}
    for m in meetings:
        seq = sequences.get(m.key, 0)
        body = bodies.get(m.key)
        if m.recurrence is None and body is not None:
            # a single meeting carries its status itself
            cal.add_component(_with_attachments(_event(m, seq, stamp, body=body), attachments.get(m.key)))
            continue
        cal.add_component(_with_attachments(_event(m, seq, stamp), attachments.get(m.key)))
        if body is not None:
            cal.add_component(_event(m, seq, stamp, body=body, recurrence_id=body.start))
    cal.add_missing_timezones()
    return cal.to_ical()


def _event(
    m: PlannedMeeting,
    seq: int,
    stamp: dt.datetime,
    *,
    body: OccurrenceBody | None = None,
    recurrence_id: dt.datetime | None = None,
) -> icalendar.Event:
    ev = icalendar.Event()
    zone = ZoneInfo(m.timezone)
    start = m.start.astimezone(zone) if recurrence_id is None else recurrence_id.astimezone(zone)
    ev.add("uid", ics_uid(m.key))
    ev.add("dtstamp", stamp.astimezone(dt.UTC))
    ev.add("sequence", seq)
    if recurrence_id is not None:
        ev.add("recurrence-id", start)
    ev.add("dtstart", start)
    ev.add("dtend", start + m.duration)
    ev.add("summary", text_for_invite(m.subject))
    if recurrence_id is None and m.recurrence is not None:
        ev.add("rrule", rrule_of(m))
        if m.skip_dates:  # holidays, and check-ins a review replaces (RFC 5545 3.8.5.1)
            wall = m.start.astimezone(zone).timetz().replace(tzinfo=None)
            ev.add("exdate", [localize(d, wall, zone) for d in m.skip_dates])
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
    ev.add("description", text_for_invite(text_body))
    # vText: escaped like DESCRIPTION (a raw newline would let user text start a new property)
    ev.add("x-alt-desc", icalendar.vText(html_body), parameters={"FMTTYPE": "text/html"})
    ev.add("x-okr-meeting-key", m.key)
    return ev


def _with_attachments(ev: icalendar.Event, values: Sequence[object] | None) -> icalendar.Event:
    for value in values or ():
        ev.add("attach", value)
    return ev


def attach_value(pack: RetroPack) -> icalendar.vBinary | icalendar.vUri:
    """The ATTACH value for a pack: inline base64 (RFC 5545 3.2.7, 3.8.1.1), or a link
    when it is over ``ICS_EMBED_LIMIT`` and one is known."""
    if len(pack.content) <= ICS_EMBED_LIMIT or not pack.link:
        value: icalendar.vBinary | icalendar.vUri = icalendar.vBinary(pack.content)
        value.params["VALUE"] = "BINARY"
        value.params["ENCODING"] = "BASE64"
    else:
        value = icalendar.vUri(pack.link)
    value.params["FMTTYPE"] = DOCX_TYPE
    value.params["X-FILENAME"] = pack.name
    value.params["X-OKR-SHA256"] = pack.sha256
    return value


def rrule_of(m: PlannedMeeting) -> dict[str, object]:
    """The RRULE of a series, in the meeting's zone (UNTIL in UTC)."""
    rec = m.recurrence
    assert rec is not None
    # UNTIL must be in UTC when DTSTART has a TZID (RFC 5545 3.3.10): the last instant of
    # the range's last day in the meeting's zone.
    last = localize(rec.range_end, dt.time(23, 59, 59), ZoneInfo(m.timezone))
    until = last.astimezone(dt.UTC)
    if rec.pattern == "weekly":
        return {
            "freq": "WEEKLY",
            "interval": rec.interval,
            "byday": [_BYDAY[d] for d in rec.days_of_week],
            "until": until,
        }
    return {
        "freq": "MONTHLY",
        "interval": rec.interval,
        "byday": [f"{_INDEX[rec.index or 'first']}{_BYDAY[d]}" for d in rec.days_of_week],
        "until": until,
    }


def _text_of(m: PlannedMeeting) -> str:
    return f"{m.subject}\nThe key result status for each meeting is added the day before it.\n"


class IcsCalendar:
    """The .ics calendar: writes one file per team and quarter into ``folder``."""

    name = "ics"

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def path_for(self, team: str, quarter: str) -> Path:
        return self.folder / file_name(team, quarter)

    def apply(
        self, tenant: str, changes: Sequence[MeetingChange], *, now: dt.datetime, record: Record
    ) -> list[Failure]:
        """Write each team's file; a file whose meetings are all unchanged is left alone."""
        for (team, quarter), group in _by_file(changes).items():
            path = self.path_for(team, quarter)
            if path.exists() and all(c.action == "unchanged" and c.record.state == WRITTEN for c in group):
                continue
            self._write(path, group, now, attachments=_attachments_in(path))
            record(
                [
                    c.record.but(
                        state=WRITTEN,
                        ics_uid=ics_uid(c.meeting.key),
                        body_hash=c.body.body_hash if c.body else c.record.body_hash,
                        body_start=c.body.start.astimezone(dt.UTC) if c.body else c.record.body_start,
                    )
                    for c in group
                ]
            )
        return []

    def refresh(
        self, tenant: str, changes: Sequence[MeetingChange], *, now: dt.datetime, record: Record
    ) -> list[Failure]:
        """Rewrite the files with the new occurrence overrides (UIDs kept)."""
        return self.apply(tenant, changes, now=now, record=record)

    def attach(self, tenant: str, packs: Sequence[RetroPack], *, now: dt.datetime, record: Record) -> list[Failure]:
        """Put each pack on its retro VEVENT (UID kept, SEQUENCE bumped), replacing an older one."""
        failures = []
        for pack in packs:
            rec = pack.record
            path = self.path_for(rec.team, rec.quarter)
            if len(pack.content) > ICS_EMBED_LIMIT and not pack.link:
                failures.append(
                    Failure(
                        rec.key,
                        rec.team,
                        rec.kind,
                        f"the pack is {len(pack.content):,} bytes, too large to "
                        "embed in the .ics file, and no download link is known",
                        False,
                    )
                )
                continue
            cal = _read(path)
            event = _master(cal, rec.key) if cal is not None else None
            if cal is None or event is None:
                failures.append(
                    Failure(rec.key, rec.team, rec.kind, "the meeting is not in its .ics file; run okr schedule", True)
                )
                continue
            seq = rec.sequence + 1
            event.pop("ATTACH", None)  # the older pack goes
            event.add("attach", attach_value(pack))
            _stamp(event, seq, now)
            self._save(path, cal.to_ical())
            record(
                [
                    rec.but(
                        sequence=seq,
                        attachment={
                            "id": ics_uid(rec.key),
                            "sha256": pack.sha256,
                            "name": pack.name,
                            "size": len(pack.content),
                            "how": "ics" if len(pack.content) <= ICS_EMBED_LIMIT else "link",
                        },
                    )
                ]
            )
        return failures

    def cancel(
        self, tenant: str, records: Sequence[MeetingRecord], *, now: dt.datetime, record: Record, comment: str
    ) -> list[Failure]:
        """Mark the meetings STATUS:CANCELLED (SEQUENCE bumped, UIDs kept, their status
        overrides dropped); a file whose meetings are all cancelled becomes METHOD:CANCEL."""
        groups: dict[tuple[str, str], list[MeetingRecord]] = {}
        for rec in records:
            groups.setdefault((rec.team, rec.quarter), []).append(rec)
        for (team, quarter), group in groups.items():
            path = self.path_for(team, quarter)
            cal = _read(path)
            if cal is not None:
                keys = {r.key: r for r in group}
                for event in list(cal.subcomponents):
                    key = str(event.get("X-OKR-MEETING-KEY", ""))
                    if not isinstance(event, icalendar.Event) or key not in keys:
                        continue
                    if "RECURRENCE-ID" in event:
                        cal.subcomponents.remove(event)
                        continue
                    event["STATUS"] = icalendar.vText("CANCELLED")
                    event.pop("DESCRIPTION", None)
                    event.add("description", text_for_invite(comment))
                    _stamp(event, keys[key].sequence + 1, now)
                events = [e for e in cal.walk("VEVENT")]
                if events and all(str(e.get("STATUS", "")) == "CANCELLED" for e in events):
                    cal.pop("METHOD", None)
                    cal.add("method", "CANCEL")
                self._save(path, cal.to_ical())
            record([r.but(state=CANCELLED, sequence=r.sequence + 1) for r in group])
        return []

    def _write(
        self,
        path: Path,
        group: Sequence[MeetingChange],
        now: dt.datetime,
        *,
        attachments: Mapping[str, Sequence[object]] | None = None,
    ) -> None:
        data = build_ics(
            [c.meeting for c in group],
            sequences={c.meeting.key: c.record.sequence for c in group},
            bodies={c.meeting.key: c.body for c in group if c.body},
            stamp=now,
            attachments=attachments,
        )
        self._save(path, data)

    def _save(self, path: Path, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomically(path, data)  # a calendar client never reads half a calendar


def _read(path: Path) -> icalendar.Calendar | None:
    if not path.is_file():
        return None
    return icalendar.Calendar.from_ical(path.read_bytes())


def _master(cal: icalendar.Calendar, key: str) -> icalendar.Event | None:
    """The meeting's main VEVENT (not an occurrence override)."""
    for event in cal.walk("VEVENT"):
        if (
            isinstance(event, icalendar.Event)  # what icalendar parses a VEVENT into
            and str(event.get("X-OKR-MEETING-KEY", "")) == key
            and "RECURRENCE-ID" not in event
        ):
            return event
    return None


def _stamp(event: icalendar.Event, seq: int, now: dt.datetime) -> None:
    for name in ("SEQUENCE", "DTSTAMP"):
        event.pop(name, None)
    event.add("sequence", seq)
    event.add("dtstamp", now.astimezone(dt.UTC))


def _attachments_in(path: Path) -> dict[str, list[object]]:
    """The ATTACH values on each meeting's main VEVENT of an existing file (a rewrite by
    schedule or refresh-invites keeps the retro pack)."""
    cal = _read(path)
    out: dict[str, list[object]] = {}
    for event in cal.walk("VEVENT") if cal is not None else ():
        if "RECURRENCE-ID" in event or "ATTACH" not in event:
            continue
        values = event["ATTACH"]
        out[str(event.get("X-OKR-MEETING-KEY", ""))] = values if isinstance(values, list) else [values]
    return out


def _by_file(changes: Sequence[MeetingChange]) -> dict[tuple[str, str], list[MeetingChange]]:
    groups: dict[tuple[str, str], list[MeetingChange]] = {}
    for c in changes:
        groups.setdefault((c.meeting.team, c.meeting.quarter), []).append(c)
    return groups
