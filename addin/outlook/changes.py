"""What the calendar must do so its meetings match the plan: create, update, split a series whose
history must stay, end or cancel the meetings of teams that are gone."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from addin.okr.model import OkrSet
from addin.outlook.calendar import (
    CREATE,
    UNCHANGED,
    UPDATE,
    MeetingChange,
    OccurrenceBody,
)
from addin.outlook.plan import (
    PlannedMeeting,
    occurrences,
)
from addin.outlook.snapshots import (
    _snapshot,
    _snapshot_last_day,
    planned_from_record,
)
from addin.store.meetings import (
    CANCELLED,
    CREATED,
    FAILED,
    PENDING,
    WRITTEN,
    MeetingRecord,
)


def _orphaned(records: Any, okrs: OkrSet, team: str | None, now: dt.datetime) -> list[MeetingRecord]:
    """Stored meetings of teams no longer in the store that still have meetings to come."""
    present = {t.name.casefold() for t in okrs.teams}
    out = []
    for rec in records:
        if rec.team.casefold() in present or rec.state == CANCELLED:
            continue
        if team is not None and rec.team.casefold() != team.casefold():
            continue
        last = _snapshot_last_day(rec.snapshot or {})
        if last is None or last >= now.date() - dt.timedelta(days=1):  # zones: a day's slack
            out.append(rec)
    return out


def _kept_starts(records: Mapping[str, MeetingRecord]) -> dict[str, dt.date]:
    return {k: r.series_start for k, r in records.items() if r.series_start is not None}


def _history_cuts(
    meetings: Sequence[PlannedMeeting], records: Mapping[str, MeetingRecord], now: dt.datetime
) -> dict[str, dt.date]:
    """Series whose weekday, time, zone, organiser or attendees changed after they began, each
    with the last day the old series keeps (its last occurrence before now): history is not
    rewritten. Before a series began, a change is an update of it (attendees-only when only
    attendees changed)."""
    out: dict[str, dt.date] = {}
    for m in meetings:
        rec = records.get(m.key)
        if m.recurrence is None or rec is None or rec.state not in (CREATED, WRITTEN):
            continue
        old = planned_from_record(rec)
        if old is None or old.recurrence is None:
            continue
        o, n = old.recurrence, m.recurrence
        moved = (
            old.start.timetz().replace(tzinfo=None) != m.start.timetz().replace(tzinfo=None)
            or old.duration != m.duration
            or old.timezone != m.timezone
            or old.organizer.casefold() != m.organizer.casefold()
            # who was there is history too: past occurrences keep their attendees
            or {a.casefold() for a in old.attendees} != {a.casefold() for a in m.attendees}
            or (o.pattern, o.days_of_week, o.index, o.interval) != (n.pattern, n.days_of_week, n.index, n.interval)
        )
        if not moved:
            continue
        past = [s.date() for s in occurrences(old) if s < now]
        if past:
            out[m.key] = past[-1]
    return out


def _split(m: PlannedMeeting, rec: MeetingRecord, cut: dt.date, body: OccurrenceBody | None) -> list[MeetingChange]:
    """The old series ends on ``cut`` (kept under a key of its own, in its organiser's
    mailbox); the planned one is created afresh (in the new lead's mailbox if it changed)."""
    old = planned_from_record(rec)
    assert old is not None and old.recurrence is not None
    ended_key = f"{m.key}-until-{cut:%Y%m%d}"
    ended = dataclasses.replace(
        old,
        key=ended_key,
        recurrence=dataclasses.replace(old.recurrence, range_end=cut),
        skip_dates=tuple(d for d in old.skip_dates if d <= cut),
    )
    snap = {**_snapshot(ended), "ended": True}
    ended_rec = rec.but(key=ended_key, fingerprint=ended.fingerprint(), snapshot=snap, sequence=rec.sequence + 1)
    first_day = m.recurrence.range_start if m.recurrence else m.start.date()
    fresh = MeetingRecord(
        key=m.key,
        team=m.team,
        kind=m.kind,
        quarter=m.quarter,
        organizer=m.organizer,
        state=PENDING,
        fingerprint=m.fingerprint(),
        series_start=first_day,
        snapshot=_snapshot(m),
        sequence=rec.sequence + 1,
    )
    return [MeetingChange(ended, UPDATE, ended_rec, ("recurrence",)), MeetingChange(m, CREATE, fresh, body=body)]


def _ended_series(
    records: Mapping[str, MeetingRecord], plan: Any, cuts: Mapping[str, dt.date], calendar: str
) -> list[MeetingChange]:
    """Series ended by an earlier change, kept as they are (an .ics file is written whole)."""
    if calendar != "ics":
        return []
    teams = {m.team.casefold() for m in plan.meetings}
    out = []
    for rec in records.values():
        snap = rec.snapshot or {}
        if not snap.get("ended") or rec.quarter != plan.quarter.label or rec.team.casefold() not in teams:
            continue
        m = planned_from_record(rec)
        if m is not None:
            out.append(MeetingChange(m, UNCHANGED, rec))
    return out


def _change(m: PlannedMeeting, rec: MeetingRecord | None, body: OccurrenceBody | None, calendar: str) -> MeetingChange:
    if rec is not None and rec.state == CANCELLED:
        # its team came back: a new meeting (the cancelled event is gone from the calendar)
        rec = rec.but(
            state=PENDING,
            graph_id=None,
            ical_uid=None,
            change_key=None,
            transaction_id=None,
            attachment=None,
            fingerprint="",
            sequence=rec.sequence + 1,
        )
    change = _compare(m, rec, body)
    exists = change.record.graph_id if calendar == "graph" else change.record.state == WRITTEN
    if change.action != CREATE and not exists:
        # known to the store but not (yet) in this calendar: a failed or interrupted
        # create, or a switch between .ics and Graph; the calendar creates it (or finds it)
        return MeetingChange(m, CREATE, change.record, change.changes, body)
    return change


def _compare(m: PlannedMeeting, rec: MeetingRecord | None, body: OccurrenceBody | None) -> MeetingChange:
    fp = m.fingerprint()
    snap = _snapshot(m)
    first_day = m.recurrence.range_start if m.recurrence else m.start.date()
    if rec is None:
        return MeetingChange(
            m,
            CREATE,
            MeetingRecord(
                key=m.key,
                team=m.team,
                kind=m.kind,
                quarter=m.quarter,
                organizer=m.organizer,
                state=PENDING,
                fingerprint=fp,
                series_start=first_day,
                snapshot=snap,
            ),
            body=body,
        )
    body_changed = body is not None and body.body_hash != rec.body_hash
    if rec.fingerprint == fp:
        return MeetingChange(m, UNCHANGED, rec.but(sequence=rec.sequence + int(body_changed)), body=body)
    old = rec.snapshot or {}
    changed = tuple(k for k in {**snap, **old} if k != "ended" and old.get(k) != snap.get(k)) or ("resend",)
    new = rec.but(
        fingerprint=fp,
        snapshot=snap,
        sequence=rec.sequence + 1,
        organizer=m.organizer,
        series_start=rec.series_start or first_day,
    )
    if rec.organizer.casefold() != m.organizer.casefold() and rec.graph_id:
        # a series cannot move to another mailbox: create it in the new organiser's
        # created in the new organiser's mailbox first; the old series is cancelled after
        # (``retired`` keeps it known until that cancel lands)
        new = new.but(
            graph_id=None,
            ical_uid=None,
            change_key=None,
            transaction_id=None,
            state=PENDING,
            attachment=None,
            retired=[*(rec.retired or []), {"organizer": rec.organizer, "graph_id": rec.graph_id}],
        )
    if rec.state == FAILED and not rec.graph_id:
        new = new.but(state=FAILED)
    return MeetingChange(m, UPDATE, new, changed, body=body)
