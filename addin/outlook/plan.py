"""The cadence planner: which meetings each team gets in a quarter.

Pure: takes the OKRs, the quarter and ``now`` and returns ``PlannedMeeting`` values.
Per team and quarter it plans

- a weekly check-in series (the team's weekday, time, zone and length; attendees the
  members and the lead; organiser the lead), ending at quarter end;
- a monthly review series (last Thursday of each month by default; attendees the lead,
  the parent team's lead and the leads of teams linked by a KR dependency either way);
- a quarter-end retrospective (one meeting in the last week of the quarter).

No two meetings of a team overlap: the retro replaces the quarter's last check-in (the
check-ins and reviews end the day before it, so nothing comes after it); a review replaces
the check-in on the same day (that occurrence is skipped); holidays (Settings "Holidays",
or ``CadenceSettings.holidays``) get no meeting: their occurrences are skipped (the series
is kept) and a retro on a holiday moves to the working day before.

Times are wall-clock times in the team's IANA zone; recurrences are expressed in that
zone, so a 10:00 meeting stays at 10:00 across a DST change.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import hashlib
import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import replace as dataclass_replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from addin.errors import InputError
from addin.okr.model import OkrSet, Team
from addin.okr.periods import view_quarter
from addin.okr.quarters import Quarter

CHECKIN = "checkin"
REVIEW = "review"
RETRO = "retro"
KINDS = (CHECKIN, REVIEW, RETRO)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
INDEXES = ("first", "second", "third", "fourth", "last")


@dataclass(frozen=True, slots=True)
class Recurrence:
    """A Graph-style patterned recurrence with an end-date range."""

    pattern: str  # "weekly" | "relativeMonthly"
    days_of_week: tuple[str, ...]  # e.g. ("thursday",)
    range_start: dt.date
    range_end: dt.date
    interval: int = 1
    index: str | None = None  # relativeMonthly only: first..fourth | last


@dataclass(frozen=True, slots=True)
class PlannedMeeting:
    """One meeting (a series or a single event) the cadence wants in a calendar."""

    key: str  # our stable meeting id: tenant + team + quarter + kind
    kind: str  # checkin | review | retro
    team: str
    quarter: str  # label, e.g. "2026-Q4"
    subject: str
    organizer: str
    attendees: tuple[str, ...]
    start: dt.datetime  # first occurrence, aware, in the team's zone
    duration: dt.timedelta
    timezone: str  # IANA name
    recurrence: Recurrence | None
    body_html: str
    online_meeting: bool = True
    categories: tuple[str, ...] = ()
    skip_dates: tuple[dt.date, ...] = ()  # occurrences not held (holiday, review that day)

    @property
    def end(self) -> dt.datetime:
        """End of the first occurrence."""
        return self.start + self.duration

    def fingerprint(self) -> str:
        """A hash of everything that, when changed, must be sent to the calendar."""
        rec = self.recurrence
        parts = [
            self.subject,
            self.organizer,
            ",".join(self.attendees),
            self.start.isoformat(),
            str(int(self.duration.total_seconds())),
            self.timezone,
            ""
            if rec is None
            else f"{rec.pattern}|{','.join(rec.days_of_week)}|{rec.index}|"
            f"{rec.interval}|{rec.range_start}|{rec.range_end}",
            self.body_html,
            str(self.online_meeting),
            ",".join(self.categories),
            ",".join(d.isoformat() for d in self.skip_dates),
        ]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CadenceSettings:
    """Knobs for the cadence; defaults follow the product's usual rhythm."""

    review_weekday: int = 3  # Thursday
    review_index: str = "last"  # which such weekday of the month
    review_minutes: int = 60
    retro_minutes: int = 60
    online_meeting: bool = True
    categories: tuple[str, ...] = ("OKR",)
    workbook_url: str | None = None  # https link back to the workbook, shown in bodies
    # how attendees get the KR status: "occurrence" (the next occurrence's body, once, within
    # refresh-invites' window), "mail" (a pre-read e-mail, no event edit) or "off"
    invite_status: str = "occurrence"
    holidays: tuple[dt.date, ...] = ()  # added to the Settings sheet's holidays
    # keep attendees outside the tenant in Graph invitations (else left out, and reported)
    allow_external_attendees: bool = False


@dataclass(frozen=True, slots=True)
class Skipped:
    """A team the planner could not schedule, and why (shown by --dry-run)."""

    team: str
    reason: str


@dataclass(frozen=True, slots=True)
class CadencePlan:
    quarter: Quarter
    meetings: tuple[PlannedMeeting, ...]
    skipped: tuple[Skipped, ...] = ()


def meeting_key(tenant: str, team: str, quarter: str, kind: str) -> str:
    """Our stable meeting id, the same on every run for the same team/quarter/kind."""
    digest = hashlib.sha256(f"{tenant}\x1f{team.casefold()}\x1f{quarter}\x1f{kind}".encode())
    return f"okr-{kind}-{digest.hexdigest()[:24]}"


def plan_cadence(
    okrs: OkrSet,
    *,
    tenant: str,
    now: dt.datetime,
    quarter: str | Quarter | None = None,
    team: str | None = None,
    settings: CadenceSettings = CadenceSettings(),
    keep_start: Mapping[str, dt.date] | None = None,
) -> CadencePlan:
    """Plan the check-in, review and retro meetings of every team (or one) for a quarter
    (``quarter``: a Quarter or a label; None: today's, as every view picks it).

    A new series starts at the first slot on or after ``now`` (or the quarter start);
    ``keep_start`` maps meeting keys already in a calendar to the first day they were
    given, so a re-run later in the quarter does not move an existing series.
    """
    q = view_quarter(quarter, okrs.settings, now.date())
    keep_start = keep_start or {}
    teams = okrs.teams
    if team is not None:
        teams = [t for t in teams if t.name.casefold() == team.casefold()]
        if not teams:
            raise InputError(f"There is no team called {team!r}.", code="unknown_team", team=team)
    meetings: list[PlannedMeeting] = []
    skipped: list[Skipped] = []
    for t in teams:
        if not t.lead:
            skipped.append(Skipped(t.name, "the team has no lead to organise its meetings"))
            continue
        zone = _zone(t)
        holidays = frozenset((*settings.holidays, *okrs.settings.holidays))
        retro_day = _retro_day(t, q, holidays)
        mine: dict[str, PlannedMeeting] = {}
        for kind in (RETRO, REVIEW, CHECKIN):  # each later one gives way to those before
            key = meeting_key(tenant, t.name, q.label, kind)
            floor = keep_start.get(key) or _local_day(now, zone)
            m = _plan_one(
                kind,
                key,
                t,
                q,
                okrs,
                settings,
                zone,
                max(floor, q.start),
                retro_day=retro_day,
                holidays=holidays,
                review=mine.get(REVIEW),
            )
            if m is None:
                skipped.append(Skipped(t.name, f"no {kind} slot is left in {q.label}"))
            else:
                mine[kind] = m
        meetings.extend(mine[k] for k in KINDS if k in mine)
    return CadencePlan(q, tuple(meetings), tuple(skipped))


def occurrences(meeting: PlannedMeeting) -> list[dt.datetime]:
    """Every start of the meeting, aware, in its zone (wall time kept across DST)."""
    rec = meeting.recurrence
    zone = ZoneInfo(meeting.timezone)
    wall = meeting.start.timetz().replace(tzinfo=None)
    if rec is None:
        return [meeting.start]
    days: list[dt.date] = []
    if rec.pattern == "weekly":
        wanted = {WEEKDAYS.index(d) for d in rec.days_of_week}
        day = rec.range_start
        week0 = rec.range_start - dt.timedelta(days=rec.range_start.weekday())
        while day <= rec.range_end:
            weeks = ((day - dt.timedelta(days=day.weekday())) - week0).days // 7
            if day.weekday() in wanted and weeks % rec.interval == 0:
                days.append(day)
            day += dt.timedelta(days=1)
    elif rec.pattern == "relativeMonthly":
        weekday = WEEKDAYS.index(rec.days_of_week[0])
        y, m = rec.range_start.year, rec.range_start.month
        n = 0
        while dt.date(y, m, 1) <= rec.range_end:
            if n % rec.interval == 0:
                day = nth_weekday(y, m, weekday, rec.index or "first")
                if rec.range_start <= day <= rec.range_end:
                    days.append(day)
            m, y, n = (1, y + 1, n + 1) if m == 12 else (m + 1, y, n + 1)
    else:
        raise ValueError(f"unknown recurrence pattern {rec.pattern!r}")
    skip = set(meeting.skip_dates)
    return [localize(d, wall, zone) for d in days if d not in skip]


def series_days(meeting: PlannedMeeting) -> list[dt.date]:
    """Every day the series' pattern gives, skipped days included (what a calendar expands)."""
    return [s.date() for s in occurrences(dataclass_replace(meeting, skip_dates=()))]


def next_occurrence(meeting: PlannedMeeting, after: dt.datetime) -> dt.datetime | None:
    """The first start at or after ``after`` (aware), or None when the series is over."""
    for start in occurrences(meeting):
        if start >= after:
            return start
    return None


def nth_weekday(year: int, month: int, weekday: int, index: str) -> dt.date:
    """The first..fourth or last given weekday (0 = Monday) of a month."""
    if index == "last":
        last = dt.date(year, month, _calendar.monthrange(year, month)[1])
        return last - dt.timedelta(days=(last.weekday() - weekday) % 7)
    first = dt.date(year, month, 1)
    first += dt.timedelta(days=(weekday - first.weekday()) % 7)
    return first + dt.timedelta(weeks=INDEXES.index(index))


def localize(day: dt.date, wall: dt.time, zone: ZoneInfo) -> dt.datetime:
    """``day`` at wall time ``wall`` in ``zone``; a time in a DST gap moves forward."""
    naive = dt.datetime.combine(day, wall)
    aware = naive.replace(tzinfo=zone)
    # A wall time that does not exist (spring forward) does not survive a UTC round trip;
    # Outlook shows such a meeting at the same instant, one hour later on the clock.
    back = aware.astimezone(dt.UTC).astimezone(zone)
    if back.replace(tzinfo=None) != naive:
        return back
    return aware


# -- one meeting -------------------------------------------------------------------------


def _plan_one(
    kind: str,
    key: str,
    team: Team,
    q: Quarter,
    okrs: OkrSet,
    settings: CadenceSettings,
    zone: ZoneInfo,
    floor: dt.date,
    *,
    retro_day: dt.date | None,
    holidays: frozenset[dt.date],
    review: PlannedMeeting | None,
) -> PlannedMeeting | None:
    lead = team.lead or ""
    members = _unique((*team.members, lead))
    # the retro replaces the last check-in and ends the quarter's rhythm: series end before it
    last = (retro_day - dt.timedelta(days=1)) if retro_day else q.end
    skip: set[dt.date] = set()
    if kind == CHECKIN:
        first = _next_weekday(floor, team.checkin_weekday)
        if first > last:
            return None
        rec = Recurrence("weekly", (WEEKDAYS[team.checkin_weekday],), first, last)
        subject = f"{team.name}: weekly OKR check-in"
        attendees, minutes = members, team.meeting_minutes
        if review is not None:  # the review replaces that day's check-in
            skip.update(s.date() for s in occurrences(review))
    elif kind == REVIEW:
        first_review = _first_relative(floor, last, settings.review_weekday, settings.review_index)
        if first_review is None:
            return None
        first = first_review
        rec = Recurrence(
            "relativeMonthly", (WEEKDAYS[settings.review_weekday],), first, last, index=settings.review_index
        )
        subject = f"{team.name}: monthly OKR review"
        attendees, minutes = _review_attendees(team, okrs), settings.review_minutes
    else:
        if retro_day is None or retro_day < floor:
            return None
        first = retro_day
        rec = None
        subject = f"{team.name}: {q.label} OKR retrospective"
        attendees, minutes = members, settings.retro_minutes
    start = localize(first, team.checkin_time, zone)
    m = PlannedMeeting(
        key=key,
        kind=kind,
        team=team.name,
        quarter=q.label,
        subject=plain_text(subject),
        organizer=lead,
        attendees=attendees,
        start=start,
        duration=dt.timedelta(minutes=minutes),
        timezone=team.timezone,
        recurrence=rec,
        body_html=_series_body(kind, team, q, settings, key),
        online_meeting=settings.online_meeting,
        categories=settings.categories,
    )
    if rec is None:
        return m
    days = series_days(m)
    skip.update(d for d in days if d in holidays)
    kept = [d for d in days if d not in skip]
    if not kept:
        return None
    # the series starts on its first day held (a skipped first day would still be sent)
    if kept[0] != days[0]:
        rec = dataclass_replace(rec, range_start=kept[0])
        m = dataclass_replace(m, recurrence=rec, start=localize(kept[0], team.checkin_time, zone))
    # only days inside the series (a skipped first day is simply not part of it: re-runs,
    # which start from the kept first day, plan the same series)
    return dataclass_replace(m, skip_dates=tuple(sorted(d for d in skip if d in set(days) and d >= kept[0])))


def _retro_day(team: Team, q: Quarter, holidays: frozenset[dt.date]) -> dt.date | None:
    """The team's usual weekday in the quarter's last seven days; a holiday moves it to the
    working day before (never out of the quarter's last two weeks)."""
    day = _next_weekday(q.end - dt.timedelta(days=6), team.checkin_weekday)
    for _ in range(8):
        if day not in holidays and day.weekday() < 5 and day >= q.start:
            return day
        day -= dt.timedelta(days=1)
    return None


def plain_text(text: str) -> str:
    """One line of plain text: control characters and line breaks become spaces.

    A subject must never smuggle a header ("\nBcc: ...") or a raw control character.
    """
    out = []
    for ch in text:
        code = ord(ch)
        if code < 32 or 0x7F <= code < 0xA0 or 0xD800 <= code < 0xE000 or ch in "\ufffe\uffff":
            out.append(" ")
        elif ch in "\u2028\u2029":
            out.append(" ")
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def _review_attendees(team: Team, okrs: OkrSet) -> tuple[str, ...]:
    """The lead, the parent's lead and the leads of teams linked by a dependency."""
    by_name = {t.name.casefold(): t for t in okrs.teams}
    kr_team = {kr.id.casefold(): kr.team for kr in okrs.key_results if kr.id}
    linked: list[str] = []
    me = team.name.casefold()
    for kr in okrs.key_results:
        targets = {_dependency_team(d, by_name, kr_team) for d in kr.depends_on}
        if kr.team.casefold() == me:
            linked.extend(t for t in targets if t and t != me)
        elif me in targets:
            linked.append(kr.team.casefold())
    leads = [team.lead]
    parent = by_name.get((team.parent or "").casefold())
    if parent:
        leads.append(parent.lead)
    leads += [by_name[n].lead for n in sorted(set(linked)) if n in by_name]
    return _unique(x for x in leads if x)


def _dependency_team(dep: str, by_name: Mapping[str, Team], kr_team: Mapping[str, str]) -> str | None:
    """The team (casefolded name) a ``depends_on`` entry points at: a team name or a KR id."""
    text = dep.strip().casefold()
    if text in by_name:
        return text
    owner = kr_team.get(text)
    return owner.casefold() if owner else None


def _series_body(kind: str, team: Team, q: Quarter, settings: CadenceSettings, key: str) -> str:
    """The series' generic body; each occurrence gets that week's status table instead.

    It ends with the meeting key in plain text: the Outlook pane reads it from the body (in
    the organiser's and the attendees' forms alike, whatever Outlook did to the HTML) to
    know which team's meeting it is in."""
    what = {CHECKIN: "weekly OKR check-in", REVIEW: "monthly OKR review", RETRO: "quarter-end OKR retrospective"}[kind]
    parts = [
        f"<p>{html.escape(team.name)} &mdash; {what} for {html.escape(q.label)}.</p>",
        "<p>The key result status for each meeting is added the day before it.</p>",
    ]
    url = settings.workbook_url
    if url and url.lower().startswith("https://"):
        parts.append(f'<p><a href="{html.escape(url, quote=True)}">Open the OKR workbook</a></p>')
    parts.append(f'<p style="color:#605E5C;font-size:11px">OKR meeting {MEETING_KEY_LABEL}{key}</p>')
    return "".join(parts)


MEETING_KEY_LABEL = "key: "  # the pane looks for "key: okr-<kind>-<hex>" in the body text


def _zone(team: Team) -> ZoneInfo:
    try:
        return ZoneInfo(team.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InputError(
            f"Team {team.name!r} has time zone {team.timezone!r}, which is not an IANA zone "
            "name such as Europe/Madrid.",
            code="bad_timezone",
            team=team.name,
            field="timezone",
            **team.location.as_dict(),
        ) from exc


def _local_day(now: dt.datetime, zone: ZoneInfo) -> dt.date:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(zone).date()


def _next_weekday(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def _first_relative(floor: dt.date, last: dt.date, weekday: int, index: str) -> dt.date | None:
    y, m = floor.year, floor.month
    while dt.date(y, m, 1) <= last:
        day = nth_weekday(y, m, weekday, index)
        if floor <= day <= last:
            return day
        m, y = (1, y + 1) if m == 12 else (m + 1, y)
    return None


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for item in items:
        if item and item.casefold() not in seen:
            seen[item.casefold()] = item
    return tuple(seen.values())


__all__ = [
    "CHECKIN",
    "REVIEW",
    "RETRO",
    "KINDS",
    "Recurrence",
    "PlannedMeeting",
    "CadenceSettings",
    "CadencePlan",
    "Skipped",
    "meeting_key",
    "plan_cadence",
    "occurrences",
    "next_occurrence",
    "nth_weekday",
    "localize",
    "plain_text",
    "series_days",
]
