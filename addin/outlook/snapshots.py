"""A meeting as last sent to a calendar, stored with its record (``MeetingRecord.snapshot``) and read back:
what a re-run compares with, and what a cancelled team's meetings are reported from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from addin.outlook.plan import (
    PlannedMeeting,
    Recurrence,
)
from addin.store.meetings import (
    MeetingRecord,
)


def _snapshot_start(snap: Mapping[str, Any]) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(snap["start"]))
    except (KeyError, ValueError):
        return None


def _snapshot_last_day(snap: Mapping[str, Any]) -> dt.date | None:
    """The last day a stored meeting happens (its series' end date, or its one day)."""
    rec = snap.get("recurrence")
    try:
        if isinstance(rec, dict):
            return dt.date.fromisoformat(str(rec["end"]))
    except (KeyError, ValueError):
        return None
    start = _snapshot_start(snap)
    return start.date() if start else None


def _snapshot_recurrence(snap: Mapping[str, Any]) -> str:
    rec = snap.get("recurrence")
    if not isinstance(rec, dict):
        return "once"
    return f"{rec.get('pattern')} on {', '.join(rec.get('days') or [])} until {rec.get('end')}"


def planned_from_record(rec: MeetingRecord) -> PlannedMeeting | None:
    """The meeting as last sent, from its stored snapshot (None when it cannot be read)."""
    snap = rec.snapshot or {}
    try:
        zone = ZoneInfo(str(snap["timezone"]))
        start = dt.datetime.fromisoformat(str(snap["start"])).astimezone(zone)
        r = snap.get("recurrence")
        recurrence = (
            None
            if not isinstance(r, dict)
            else Recurrence(
                str(r["pattern"]),
                tuple(r["days"]),
                dt.date.fromisoformat(str(r["start"])),
                dt.date.fromisoformat(str(r["end"])),
                int(r.get("interval") or 1),
                r.get("index"),
            )
        )
        return PlannedMeeting(
            key=rec.key,
            kind=rec.kind,
            team=rec.team,
            quarter=rec.quarter,
            subject=str(snap["subject"]),
            organizer=str(snap["organizer"]),
            attendees=_listed(snap["attendees"]),
            start=start,
            duration=dt.timedelta(seconds=_whole(snap["duration"])),
            timezone=str(snap["timezone"]),
            recurrence=recurrence,
            body_html=str(snap["body_html"]),
            online_meeting=bool(snap.get("online_meeting", True)),
            categories=_listed(snap.get("categories") or ()),
            skip_dates=tuple(dt.date.fromisoformat(d) for d in _listed(snap.get("skip_dates") or ())),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _listed(value: object) -> tuple[str, ...]:
    """A list of strings as a snapshot stores it (attendees, categories, skipped days)."""
    if not isinstance(value, list | tuple):
        raise TypeError(f"a snapshot holds {type(value).__name__} where a list belongs")
    return tuple(str(v) for v in value)


def _whole(value: object) -> int:
    """A snapshot's whole number (seconds)."""
    if not isinstance(value, int | float | str):
        raise TypeError(f"a snapshot holds {type(value).__name__} where a number belongs")
    return int(value)


def _snapshot(m: PlannedMeeting) -> dict[str, Any]:
    rec = m.recurrence
    extra = {"skip_dates": [d.isoformat() for d in m.skip_dates]} if m.skip_dates else {}
    return {
        **extra,
        "subject": m.subject,
        "organizer": m.organizer,
        "attendees": list(m.attendees),
        "start": m.start.isoformat(),
        "duration": int(m.duration.total_seconds()),
        "timezone": m.timezone,
        "body_html": m.body_html,
        "online_meeting": m.online_meeting,
        "categories": list(m.categories),
        "recurrence": None
        if rec is None
        else {
            "pattern": rec.pattern,
            "days": list(rec.days_of_week),
            "index": rec.index,
            "interval": rec.interval,
            "start": rec.range_start.isoformat(),
            "end": rec.range_end.isoformat(),
        },
    }
