"""``okr schedule`` and ``okr refresh-invites``: the cadence plan carried into a calendar.

``schedule`` plans every team's meetings for a quarter, compares the plan with the
meetings the store says exist, and has the calendar create what is missing and update
what changed; running it again changes nothing. ``refresh_invites`` puts the current KR
status on each meeting's next occurrence (within a window, for Graph; every series' next
occurrence, for .ics files).

What the calendar must do is worked out in ``changes.py`` (from ``snapshots.py``: the meetings
as last sent); what a run reports is in ``outcomes.py``.

The calendar is ``IcsCalendar (embedded default) or ``addin.graph.GraphCalendar``; the
edges pick one (``addin.calendars.default_calendar``) and hand it down.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from addin.errors import InputError, NotFound
from addin.okr.model import OkrSet
from addin.okr.periods import view_quarter
from addin.okr.quarters import Quarter, parse_quarter
from addin.outlook.calendar import (
    UNCHANGED,
    UPDATE,
    Calendar,
    MeetingChange,
    OccurrenceBody,
)
from addin.outlook.changes import (
    _change,
    _ended_series,
    _history_cuts,
    _kept_starts,
    _orphaned,
    _split,
)
from addin.outlook.invite import build_invite
from addin.outlook.mailbox_check import vet_plan
from addin.outlook.outcomes import (
    CANCEL,
    MeetingOutcome,
    RefreshedOccurrence,
    RefreshReport,
    ScheduleReport,
)
from addin.outlook.plan import (
    CadenceSettings,
    PlannedMeeting,
    next_occurrence,
    plan_cadence,
)
from addin.outlook.snapshots import (
    _listed,
    _snapshot_recurrence,
    _snapshot_start,
)
from addin.store.meetings import (
    CREATED,
    WRITTEN,
    MeetingRecord,
    list_meetings,
    recorder,
)

LOCAL_TENANT = "local"


GONE_COMMENT = "This team is no longer in the OKR workbook, so its OKR meetings are cancelled."


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
    from addin.store import dependencies, okr_sets

    with db.read() as s:
        the_quarter = view_quarter(quarter, okr_sets.load_settings(s, tenant), now.date())
        okrs = okr_sets.load_okrs(s, tenant, quarter=the_quarter.label)
        okrs.dependency_answers = dependencies.load_answers(s, tenant, quarter=the_quarter.label)
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
    from addin.store import dependencies, okr_sets

    mode = settings.invite_status
    if mode == "off":
        return RefreshReport(calendar.name, mode)

    with db.read() as s:
        records = {r.key: r for r in list_meetings(s, tenant) if r.state in (CREATED, WRITTEN)}
        # each quarter's invites carry that quarter's key results only
        by_quarter = {
            label: okr_sets.load_okrs(s, tenant, quarter=label) for label in {r.quarter for r in records.values()}
        }
        for label, okrs in by_quarter.items():  # the invites' "To discuss" follows the other teams' answers
            okrs.dependency_answers = dependencies.load_answers(s, tenant, quarter=label)
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
