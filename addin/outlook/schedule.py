"""``okr schedule`` and ``okr refresh-invites``: the cadence plan carried into a calendar.

``schedule`` plans every team's meetings for a quarter, compares the plan with the
meetings the store says exist, and has the calendar create what is missing and update
what changed; running it again changes nothing. ``refresh_invites`` puts the current KR
status on each meeting's next occurrence (within a window, for Graph; every series' next
occurrence, for .ics files).

The calendar is ``IcsCalendar`` (embedded default) or ``addin.graph.GraphCalendar``; the
edges pick one (``addin.calendars.default_calendar``) and hand it down.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from addin.errors import InputError, NotFound
from addin.okr.model import OkrSet
from addin.okr.periods import view_quarter
from addin.okr.quarters import Quarter, parse_quarter
from addin.outlook.calendar import (
    CREATE,
    UNCHANGED,
    UPDATE,
    Calendar,
    Failure,
    MeetingChange,
    OccurrenceBody,
)
from addin.outlook.invite import build_invite
from addin.outlook.mailbox_check import vet_plan
from addin.outlook.plan import (
    CadenceSettings,
    PlannedMeeting,
    Recurrence,
    Skipped,
    next_occurrence,
    occurrences,
    plan_cadence,
)
from addin.store.meetings import (
    CANCELLED,
    CREATED,
    FAILED,
    PENDING,
    WRITTEN,
    MeetingRecord,
    list_meetings,
    recorder,
)

LOCAL_TENANT = "local"
CANCEL = "cancelled"  # a MeetingOutcome action: the team is gone, so is its meeting
GONE_COMMENT = "This team is no longer in the OKR workbook, so its OKR meetings are cancelled."


@dataclass(frozen=True, slots=True)
class MeetingOutcome:
    """What ``schedule`` did (or, with --dry-run, would do) with one meeting."""

    key: str
    team: str
    kind: str
    subject: str
    start: dt.datetime
    recurrence: str  # "weekly on tuesday until 2026-12-31", "once"
    attendees: tuple[str, ...]
    action: str  # create | update | unchanged | failed | cancelled
    changes: tuple[str, ...] = ()
    message: str = ""


@dataclass(slots=True)
class ScheduleReport:
    quarter: str
    calendar: str
    dry_run: bool
    meetings: list[MeetingOutcome] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    def _with(self, action: str) -> list[MeetingOutcome]:
        return [m for m in self.meetings if m.action == action]

    @property
    def created(self) -> list[MeetingOutcome]:
        return self._with(CREATE)

    @property
    def updated(self) -> list[MeetingOutcome]:
        return self._with(UPDATE)

    @property
    def unchanged(self) -> list[MeetingOutcome]:
        return self._with(UNCHANGED)

    @property
    def cancelled(self) -> list[MeetingOutcome]:
        """Meetings of teams no longer in the store (cancelled, or to be, with --dry-run)."""
        return self._with(CANCEL)

    @property
    def warnings(self) -> list[Failure]:
        """Meetings made as planned with something the lead must know (no Teams link)."""
        return [f for f in self.failures if f.warning]

    @property
    def ok(self) -> bool:
        """True when every planned meeting is in the calendar as planned."""
        return not [f for f in self.failures if not f.warning]

    def rows(self) -> list[list[str]]:
        """The --dry-run / summary table: one row per meeting."""
        head = ["team", "meeting", "first", "repeats", "attendees", "action", "changes"]
        return [head] + [
            [
                m.team,
                m.kind,
                m.start.strftime("%Y-%m-%d %H:%M %Z"),
                m.recurrence,
                str(len(m.attendees)),
                m.action,
                ", ".join(m.changes) or m.message,
            ]
            for m in self.meetings
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "quarter": self.quarter,
            "calendar": self.calendar,
            "dry_run": self.dry_run,
            "meetings": [
                {
                    "key": m.key,
                    "team": m.team,
                    "kind": m.kind,
                    "subject": m.subject,
                    "start": m.start.isoformat(),
                    "recurrence": m.recurrence,
                    "attendees": list(m.attendees),
                    "action": m.action,
                    "changes": list(m.changes),
                    "message": m.message,
                }
                for m in self.meetings
            ],
            "skipped": [{"team": s.team, "reason": s.reason} for s in self.skipped],
            "failures": [
                {
                    "key": f.key,
                    "team": f.team,
                    "kind": f.kind,
                    "message": f.message,
                    "transient": f.transient,
                    "warning": f.warning,
                }
                for f in self.failures
            ],
        }


@dataclass(frozen=True, slots=True)
class RefreshedOccurrence:
    key: str
    team: str
    kind: str
    start: dt.datetime


@dataclass(slots=True)
class RefreshReport:
    calendar: str
    mode: str = "occurrence"  # OKR_INVITE_STATUS: occurrence | mail | off
    updated: list[RefreshedOccurrence] = field(default_factory=list)
    unchanged: int = 0
    failures: list[Failure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def as_dict(self) -> dict[str, Any]:
        return {
            "calendar": self.calendar,
            "mode": self.mode,
            "unchanged": self.unchanged,
            "updated": [
                {"key": u.key, "team": u.team, "kind": u.kind, "start": u.start.isoformat()} for u in self.updated
            ],
            "failures": [
                {"key": f.key, "team": f.team, "kind": f.kind, "message": f.message, "transient": f.transient}
                for f in self.failures
            ],
        }


def schedule(
    db: Any,
    tenant: str,
    *,
    team: str | None = None,
    quarter: str | None = None,
    dry_run: bool = False,
    calendar: Calendar,
    now: dt.datetime,
    settings: CadenceSettings = CadenceSettings(),
) -> ScheduleReport:
    """Plan the quarter's meetings and make the calendar match; never duplicates."""
    from addin.store import repo

    with db.read() as s:
        the_quarter = view_quarter(quarter, repo.load_settings(s, tenant), now.date())
        okrs = repo.load_okrs(s, tenant, quarter=the_quarter.label)
        records = {r.key: r for r in list_meetings(s, tenant)}
    quarter = the_quarter.label
    plan = plan_cadence(
        okrs, tenant=tenant, now=now, quarter=quarter, team=team, settings=settings, keep_start=_kept_starts(records)
    )
    cuts = _history_cuts(plan.meetings, records, now)
    if cuts:  # those series start afresh from today; the old ones end before the change
        kept = {k: v for k, v in _kept_starts(records).items() if k not in cuts}
        plan = plan_cadence(
            okrs, tenant=tenant, now=now, quarter=quarter, team=team, settings=settings, keep_start=kept
        )
    # organisers and attendees must be tenant users (Graph)
    plan = vet_plan(plan, calendar, tenant, allow_external=settings.allow_external_attendees)
    bodies = (
        _bodies(okrs, plan.meetings, plan.quarter, now, records, workbook_url=settings.workbook_url)
        if calendar.name == "ics"
        else {}
    )
    changes: list[MeetingChange] = []
    for m in plan.meetings:
        if m.key in cuts:
            changes.extend(_split(m, records[m.key], cuts[m.key], bodies.get(m.key)))
        else:
            changes.append(_change(m, records.get(m.key), bodies.get(m.key), calendar.name))
    changes += _ended_series(records, plan, cuts, calendar.name)
    report = ScheduleReport(plan.quarter.label, calendar.name, dry_run, skipped=list(plan.skipped))
    gone = _orphaned(records.values(), okrs, team, now)
    if not dry_run:
        report.failures = calendar.apply(tenant, changes, now=now, record=recorder(db, tenant, now))
        if gone:
            report.failures += calendar.cancel(
                tenant, gone, now=now, record=recorder(db, tenant, now), comment=GONE_COMMENT
            )
    failed = {f.key: f for f in report.failures if not f.warning}
    for rec in gone:
        snap = rec.snapshot or {}
        start = _snapshot_start(snap) or now
        report.meetings.append(
            MeetingOutcome(
                rec.key,
                rec.team,
                rec.kind,
                str(snap.get("subject") or ""),
                start,
                _snapshot_recurrence(snap),
                _listed(snap.get("attendees") or ()),
                "failed" if rec.key in failed else CANCEL,
                (),
                failed[rec.key].message if rec.key in failed else "the team is no longer in the store",
            )
        )
    for c in changes:
        m = c.meeting
        action, message = c.action, ""
        if m.key in failed:
            action, message = "failed", failed[m.key].message
        report.meetings.append(
            MeetingOutcome(
                m.key,
                m.team,
                m.kind,
                m.subject,
                m.start,
                describe_recurrence(m),
                m.attendees,
                action,
                c.changes,
                message,
            )
        )
    return report


def refresh_invites(
    db: Any,
    tenant: str,
    *,
    within: dt.timedelta = dt.timedelta(hours=48),
    now: dt.datetime,
    calendar: Calendar,
    settings: CadenceSettings = CadenceSettings(),
) -> RefreshReport:
    """Put the current KR status on each meeting's next occurrence starting within ``within``.

    The notification budget (Exchange sends every attendee an update for each event edit):
    an occurrence is updated at most once, and not at all when the rendered status is the
    one last sent. ``settings.invite_status`` picks the channel: ``occurrence`` (the
    occurrence's body), ``mail`` (a pre-read e-mail from the organiser, no event edit, when
    the calendar can send mail) or ``off`` (nothing is sent).

    .ics files always carry every series' next occurrence, so for them the window is
    ignored and a file is rewritten only when a status actually changed.
    """
    from addin.store import repo

    mode = settings.invite_status
    if mode == "off":
        return RefreshReport(calendar.name, mode)

    with db.read() as s:
        records = {r.key: r for r in list_meetings(s, tenant) if r.state in (CREATED, WRITTEN)}
        # each quarter's invites carry that quarter's key results only
        by_quarter = {
            label: repo.load_okrs(s, tenant, quarter=label) for label in {r.quarter for r in records.values()}
        }
    report = RefreshReport(calendar.name, mode)
    if not records:
        return report
    changes: list[MeetingChange] = []
    for label in sorted(by_quarter):
        okrs = by_quarter[label]
        q = parse_quarter(label, okrs.settings.fiscal_year_start_month)
        plan = plan_cadence(
            okrs, tenant=tenant, now=now, quarter=q, settings=settings, keep_start=_kept_starts(records)
        )
        meetings = [m for m in plan.meetings if m.key in records]
        window = None if calendar.name == "ics" else within
        bodies = _bodies(okrs, meetings, q, now, records, window=window, workbook_url=settings.workbook_url)
        for m in meetings:
            rec = records[m.key]
            body = bodies.get(m.key)
            if calendar.name == "ics":
                fresh = body is not None and (
                    body.body_hash != rec.body_hash or body.start.astimezone(dt.UTC) != rec.body_start
                )
            else:
                # once per occurrence, and only when the status changed since it was last sent
                fresh = (
                    body is not None
                    and body.start.astimezone(dt.UTC) != rec.body_start
                    and body.body_hash != rec.body_hash
                )
            if calendar.name == "ics":
                # the file is rewritten whole: every meeting of the team goes in it
                changes.append(
                    MeetingChange(
                        m,
                        UPDATE if fresh else UNCHANGED,
                        rec.but(sequence=rec.sequence + (1 if fresh else 0)),
                        body=body,
                    )
                )
            elif fresh:
                changes.append(MeetingChange(m, UPDATE, rec, body=body))
            if fresh and body is not None:
                report.updated.append(RefreshedOccurrence(m.key, m.team, m.kind, body.start))
            else:
                report.unchanged += 1
        # series ended by a mid-quarter change stay in the team's .ics file as they are
        changes += _ended_series(records, plan, {}, calendar.name)
    # a calendar that can e-mail the status as a pre-read (Graph's sendMail) has
    # preread(tenant, changes, *, now, record) -> failures, called like refresh
    preread = getattr(calendar, "preread", None)
    record = recorder(db, tenant, now, REFRESH_FIELDS)
    if mode == "mail" and preread is not None:
        report.failures = preread(tenant, changes, now=now, record=record)
    else:
        report.failures = calendar.refresh(tenant, changes, now=now, record=record)
    failed = {f.key for f in report.failures}
    report.updated = [u for u in report.updated if u.key not in failed]
    return report


def ics_folder(instance_path: str | os.PathLike[str], tenant: str) -> Path:
    """Where a tenant's .ics files live: ``<instance>/calendars/`` (+ a tenant folder)."""
    base = Path(instance_path) / "calendars"
    if tenant == LOCAL_TENANT:
        return base
    slug = re.sub(r"[^a-z0-9]+", "-", tenant.casefold()).strip("-")[:32] or "tenant"
    return base / f"{slug}-{hashlib.sha256(tenant.encode()).hexdigest()[:10]}"


def team_ics(instance_path: str | os.PathLike[str], tenant: str, team: str, quarter: str) -> bytes:
    """The .ics bytes of one team's quarter (for the API download route); NotFound if none."""
    from addin.outlook.ics import file_name

    path = ics_folder(instance_path, tenant) / file_name(team, quarter)
    if not path.is_file():
        raise NotFound(
            f"No calendar has been written for team {team!r} in {quarter}; run okr schedule first.",
            code="calendar_not_found",
            team=team,
            quarter=quarter,
        )
    return path.read_bytes()


_DURATION = re.compile(r"^\s*(\d{1,4})\s*(m|min|h|d)\s*$", re.IGNORECASE)


def parse_within(text: str) -> dt.timedelta:
    """Read ``--within`` values like "48h", "2d", "90m"; InputError otherwise."""
    match = _DURATION.match(text or "")
    if not match or int(match[1]) == 0:
        raise InputError(
            f"{text!r} is not a duration; write it like 48h, 2d or 90m.", code="bad_duration", field="within"
        )
    unit = match[2].lower()
    amount = int(match[1])
    return (
        dt.timedelta(minutes=amount)
        if unit in ("m", "min")
        else dt.timedelta(hours=amount)
        if unit == "h"
        else dt.timedelta(days=amount)
    )


def describe_recurrence(m: PlannedMeeting) -> str:
    """Short human text for a meeting's repetition."""
    rec = m.recurrence
    if rec is None:
        return "once"
    days = ", ".join(rec.days_of_week)
    if rec.pattern == "weekly":
        return f"weekly on {days} until {rec.range_end}"
    return f"monthly on the {rec.index} {days} until {rec.range_end}"


# -- internals -------------------------------------------------------------------------


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
        old = _planned_from_snapshot(rec)
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
    old = _planned_from_snapshot(rec)
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
        m = _planned_from_snapshot(rec)
        if m is not None:
            out.append(MeetingChange(m, UNCHANGED, rec))
    return out


def _planned_from_snapshot(rec: MeetingRecord) -> PlannedMeeting | None:
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


def _bodies(
    okrs: OkrSet,
    meetings: Sequence[PlannedMeeting],
    quarter: Quarter,
    now: dt.datetime,
    records: Mapping[str, MeetingRecord],
    *,
    window: dt.timedelta | None = None,
    workbook_url: str | None = None,
) -> dict[str, OccurrenceBody]:
    """The status body for each meeting's next occurrence (within ``window``, if given)."""
    from addin.okr.lint import lint

    out: dict[str, OccurrenceBody] = {}
    cache: dict[tuple[str, dt.date], Any] = {}
    findings: dict[dt.date, Any] = {}  # the linter looks at every team: run it once a day
    for m in meetings:
        start = next_occurrence(m, now)
        if start is None or (window is not None and start - now > window):
            continue
        today = now.astimezone(ZoneInfo(m.timezone)).date()
        if today not in findings:
            findings[today] = lint(okrs, today=today, quarter=quarter)
        key = (m.team, today)
        if key not in cache:
            cache[key] = build_invite(
                okrs,
                m.team,
                quarter=quarter,
                today=today,
                findings=findings[today],
                workbook_url=workbook_url,
                title=f"{m.team}: key results",
            )
        body = cache[key]
        digest = status_hash(body.text)
        out[m.key] = OccurrenceBody(m.key, start, body.html, body.text, digest)
    return out


def status_hash(text: str) -> str:
    """A hash of what the status says, without its "Status as of <date>" line: a status that
    did not change is not sent again just because a day passed."""
    lines = [line for line in text.splitlines() if not line.startswith("Status as of ")]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


# what refresh-invites may write: the body it put on an occurrence (and the ids, changeKey and
# .ics sequence that come with it), never what schedule or the retro pack job keep there
REFRESH_FIELDS = ("state", "graph_id", "ical_uid", "change_key", "ics_uid", "sequence", "body_hash", "body_start")
