"""A team's calendar feed: its meetings as an iCalendar object that calendar apps subscribe to.

Outlook ("Subscribe from web" / Internet Calendar Subscription), Google Calendar ("From URL")
and Apple Calendar fetch the URL again every few hours, without cookies or headers: the URL
(``/feeds/<token>.ics``) is the only credential, so the token in it is secret, unguessable
(``addin.store.feeds``) and revocable by the team's lead, members or an admin
(``addin.outlook.feed_access``).

The object is an iTIP ``METHOD:PUBLISH`` (RFC 5546 3.2.1): each VEVENT has ORGANIZER, DTSTAMP,
DTSTART, SEQUENCE, SUMMARY and UID and no ATTENDEE, so a client shows the meetings as
read-only entries of a calendar of their own, never as invitations to answer. The .ics
files of the embedded calendar (``addin.outlook.ics``) keep their form: the meetings with
ORGANIZER, ATTENDEEs and the status in the body, and no METHOD (a snapshot, RFC 5545 3.7.2).
PUBLISH forbids their attendees; REQUEST would make every re-import an invitation to answer.

What a feed holds is what a leaked URL gives away, so it is the least that places the
meetings: the team's name, each meeting's title, times, time zone and recurrence. No
attendees, no organiser's address (ORGANIZER is a placeholder under the reserved ``.invalid``
domain, RFC 6761: RFC 5546 requires one, and nothing can ever be sent to it), no body,
no key results, no Teams link. UIDs are derived from the meeting keys but are not the
invitations' UIDs: a client that holds the invitation too never merges the read-only
copy into it.

Which meetings: the cadence plan of today's quarter and the next, for that team. A series
already in a calendar keeps the first day it was given (so the feed shows the meetings
people were invited to); a quarter not scheduled yet is planned from its first day, so the
feed does not change with the time it is fetched. Series ended by a mid-quarter change
(``okr schedule`` keeps their history) are in it too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import icalendar

from addin.errors import NotFound
from addin.okr.periods import view_quarter
from addin.okr.quarters import Quarter
from addin.outlook.ics import PRODID, rrule_of
from addin.outlook.invite import text_for_invite
from addin.outlook.plan import KINDS, CadenceSettings, PlannedMeeting, localize, meeting_key, plan_cadence
from addin.outlook.snapshots import planned_from_record
from addin.store.meetings import CANCELLED, MeetingRecord, list_meetings

FEED_UID_DOMAIN = "feed.okr-cadence"
# RFC 5546 wants an ORGANIZER on a published event; the real one is the team lead's address,
# which a leaked URL must not give away. ".invalid" is reserved (RFC 6761): no mail can reach it.
ORGANIZER = "mailto:noreply@okr-cadence.invalid"
# how often a client should fetch it again (RFC 7986 REFRESH-INTERVAL; Outlook's X-PUBLISHED-TTL)
REFRESH = dt.timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class FeedMeeting:
    meeting: PlannedMeeting
    sequence: int


@dataclass(frozen=True, slots=True)
class TeamFeed:
    """A team's feed content: its name, its zone (for an empty feed) and its meetings."""

    team: str
    timezone: str
    meetings: tuple[FeedMeeting, ...]


# -- what a feed holds --------------------------------------------------------------------


def team_feed(
    db: Any, tenant: str, team: str, *, now: dt.datetime, settings: CadenceSettings = CadenceSettings()
) -> TeamFeed:
    """The team's meetings of today's quarter and the next (NotFound once the team is gone)."""
    from addin.store import okr_sets

    with db.read() as s:
        current = view_quarter(None, okr_sets.load_settings(s, tenant), now.date())
        quarters = (current, current.next())
        okrs = {q.label: okr_sets.load_okrs(s, tenant, team=team, quarter=q.label) for q in quarters}
        teams = okrs[current.label].teams
        if not teams:
            raise NotFound(f"There is no team called {team!r}.", code="unknown_team", team=team)
        name = teams[0].name
        records = {r.key: r for q in quarters for r in list_meetings(s, tenant, team=name, quarter=q.label)}
    meetings: list[FeedMeeting] = []
    for q in quarters:
        meetings += _quarter_meetings(okrs[q.label], tenant, name, q, records, now, settings)
    return TeamFeed(name, teams[0].timezone, tuple(meetings))


def _quarter_meetings(
    okrs: Any,
    tenant: str,
    team: str,
    q: Quarter,
    records: dict[str, MeetingRecord],
    now: dt.datetime,
    settings: CadenceSettings,
) -> list[FeedMeeting]:
    keys = [meeting_key(tenant, team, q.label, kind) for kind in KINDS]
    # scheduled series keep their first day; the others start with the quarter (not "today",
    # which would move the feed's series every time it is fetched)
    keep = {k: _first_day(records.get(k), q) for k in keys}
    plan = plan_cadence(okrs, tenant=tenant, now=now, quarter=q, team=team, settings=settings, keep_start=keep)
    out = [FeedMeeting(m, _sequence(m, records.get(m.key))) for m in plan.meetings]
    for rec in records.values():
        if rec.quarter == q.label and (rec.snapshot or {}).get("ended") and rec.state != CANCELLED:
            ended = planned_from_record(rec)
            if ended is not None:
                out.append(FeedMeeting(ended, rec.sequence))
    return out


def _first_day(rec: MeetingRecord | None, q: Quarter) -> dt.date:
    return rec.series_start if rec is not None and rec.series_start is not None else q.start


def _sequence(m: PlannedMeeting, rec: MeetingRecord | None) -> int:
    """The stored SEQUENCE when the feed shows the meeting as it was sent; one more when the
    plan moved it since (the next ``okr schedule`` bumps the stored one to the same number)."""
    if rec is None:
        return 0
    sent = planned_from_record(rec)
    return rec.sequence if sent is not None and _visible(sent) == _visible(m) else rec.sequence + 1


def _visible(m: PlannedMeeting) -> tuple[object, ...]:
    """What the feed shows of a meeting (attendees, bodies and organiser never reach it)."""
    return (m.subject, m.start, m.duration, m.timezone, m.recurrence, m.skip_dates)


# -- the iCalendar object -----------------------------------------------------------------


def build_feed(feed: TeamFeed, *, stamp: dt.datetime) -> bytes:
    """The feed as a METHOD:PUBLISH VCALENDAR (folded at 75 octets, text escaped by icalendar)."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    title = f"{_one_line(feed.team)}: OKR meetings"
    # vText for both: icalendar writes an X- property it does not know raw, unescaped
    cal.add("name", icalendar.vText(title))  # RFC 7986
    cal.add("x-wr-calname", icalendar.vText(title))  # the calendar's name in Outlook, Google and Apple
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", icalendar.vDuration(REFRESH))
    for item in feed.meetings:
        cal.add_component(_event(item.meeting, item.sequence, stamp, feed.team))
    if feed.meetings:
        cal.add_missing_timezones()
    else:
        # RFC 5545 wants at least one component; the team's zone says where its meetings will be
        cal.add_component(icalendar.Timezone.from_tzid(_zone_name(feed.timezone)))
    return cal.to_ical()


def feed_uid(key: str) -> str:
    """A meeting's UID in feeds: stable with its key, never the invitation's UID."""
    return f"{hashlib.sha256(key.encode()).hexdigest()[:32]}@{FEED_UID_DOMAIN}"


def feed_etag(data: bytes) -> str:
    """An entity tag of what the feed says: DTSTAMP (the time of the answer) left out, so a
    client polling an unchanged feed gets 304."""
    lines = [line for line in data.split(b"\r\n") if not line.startswith(b"DTSTAMP")]
    return hashlib.sha256(b"\r\n".join(lines)).hexdigest()[:32]


def _event(m: PlannedMeeting, seq: int, stamp: dt.datetime, team: str) -> icalendar.Event:
    ev = icalendar.Event()
    zone = ZoneInfo(m.timezone)
    start = m.start.astimezone(zone)
    ev.add("uid", feed_uid(m.key))
    ev.add("dtstamp", stamp.astimezone(dt.UTC))
    ev.add("sequence", seq)
    ev.add("dtstart", start)
    ev.add("dtend", start + m.duration)
    ev.add("summary", _one_line(m.subject))
    if m.recurrence is not None:
        ev.add("rrule", rrule_of(m))
        if m.skip_dates:  # holidays, and check-ins a review replaces (RFC 5545 3.8.5.1)
            wall = start.timetz().replace(tzinfo=None)
            ev.add("exdate", [localize(d, wall, zone) for d in m.skip_dates])
    organizer = icalendar.vCalAddress(ORGANIZER)
    organizer.params["CN"] = icalendar.vText(_one_line(team))
    ev.add("organizer", organizer)
    ev.add("status", "CONFIRMED")
    ev.add("transp", "OPAQUE")
    return ev


def _one_line(text: str) -> str:
    """User text for a one-line field: controls and bidi overrides gone, whitespace collapsed."""
    return " ".join(text_for_invite(text).split())


def _zone_name(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ValueError, KeyError):
        return "UTC"
    return name


__all__ = [
    "FeedMeeting",
    "TeamFeed",
    "build_feed",
    "feed_etag",
    "feed_uid",
    "team_feed",
]
