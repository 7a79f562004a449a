"""Meetings as Graph events: create/update series, find them again, set occurrence bodies.

``GraphCalendar`` is the Microsoft 365 calendar of ``addin.outlook.schedule``. Each
meeting is created in its organiser's mailbox as a recurring series (or a single event)
carrying our meeting key in a single-value extended property, so a lost reply or a
lost store still finds it again with ``$filter``; every create carries a transactionId
so a re-sent POST never makes a second event. The store is told about each step (pending
before a create is sent, created with ids after) through ``record``.

Looking an event up by key follows ``@odata.nextLink`` (a filtered listing may come back
in pages, some empty). A series whose organiser changed is created in the new mailbox
first; the old one is cancelled after (``MeetingRecord.retired`` keeps it until then).
Retro pack attachments and cancels are in ``addin.graph.attachments``.
"""

from __future__ import annotations

import datetime as dt
import uuid
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

from addin.graph.client import SDK_MODULES

with warnings.catch_warnings():
    # kiota-abstractions warns at import time about its own deprecated class (used by the
    # generated request builders); nothing we can change, and pytest runs with -W error
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=SDK_MODULES)
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.models.attendee import Attendee
    from msgraph.generated.models.attendee_type import AttendeeType
    from msgraph.generated.models.body_type import BodyType
    from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
    from msgraph.generated.models.day_of_week import DayOfWeek
    from msgraph.generated.models.email_address import EmailAddress
    from msgraph.generated.models.event import Event
    from msgraph.generated.models.item_body import ItemBody
    from msgraph.generated.models.message import Message
    from msgraph.generated.models.online_meeting_provider_type import OnlineMeetingProviderType
    from msgraph.generated.models.patterned_recurrence import PatternedRecurrence
    from msgraph.generated.models.recipient import Recipient
    from msgraph.generated.models.recurrence_pattern import RecurrencePattern
    from msgraph.generated.models.recurrence_pattern_type import RecurrencePatternType
    from msgraph.generated.models.recurrence_range import RecurrenceRange
    from msgraph.generated.models.recurrence_range_type import RecurrenceRangeType
    from msgraph.generated.models.single_value_legacy_extended_property import (
        SingleValueLegacyExtendedProperty,
    )
    from msgraph.generated.models.week_index import WeekIndex
    from msgraph.generated.users.item.events.events_request_builder import EventsRequestBuilder
    from msgraph.generated.users.item.events.item.instances.instances_request_builder import (
        InstancesRequestBuilder,
    )
    from msgraph.generated.users.item.send_mail.send_mail_post_request_body import (
        SendMailPostRequestBody,
    )

from addin.graph.attachments import MAX_PAGES, Attacher, cancel_call
from addin.graph.client import Call, GraphPermissionError, GraphSettings, Reply, Session, Stats, run_unit
from addin.outlook.body import ABOUT, STATUS, section, splice
from addin.outlook.calendar import UNCHANGED, Failure, MeetingChange, Record, RetroPack
from addin.outlook.plan import PlannedMeeting
from addin.outlook.timezones import windows_zone
from addin.store.meetings import CANCELLED, CREATED, FAILED, PENDING, MeetingRecord

# Our meeting key lives in this MAPI named property (a GUID of our own + a name).
KEY_PROPERTY = "String {3c1f6a52-8e0b-4f5e-9a37-6b2d1c0e4a91} Name okrCadenceMeetingKey"
_TXN_NAMESPACE = uuid.UUID("0b8c4f7e-2a61-4d3b-8f09-5e7a1c2d3b4f")
_SELECT = ["id", "iCalUId", "changeKey", "subject", "start", "type"]
_SELECT_BODY = [*_SELECT, "body"]
NO_JOIN_LINK = (
    "Outlook made no Teams join link for this meeting (does the organiser's mailbox "
    "have Teams?); attendees have no link to join online."
)
SKIPPED_COMMENT = "No OKR meeting on this day (a holiday, or the monthly review takes the check-in's place)."
RETIRED_COMMENT = "This OKR meeting moved to the team's new lead, who sends its invitations from now on."


def transaction_id(tenant: str, key: str, generation: int = 0) -> str:
    """The transactionId of a meeting's create (the same on every retry and every run)."""
    return str(uuid.uuid5(_TXN_NAMESPACE, f"{tenant}\x1f{key}\x1f{generation}"))


def to_event(m: PlannedMeeting, *, tenant: str, txn: str | None = None) -> Event:
    """The SDK ``Event`` for a planned meeting (the series, with its generic body)."""
    wall = m.start.replace(tzinfo=None)
    zone = windows_zone(m.timezone)  # Graph documents Windows names (and few IANA ones)
    event = Event(
        subject=m.subject,
        body=ItemBody(content_type=BodyType.Html, content=section(ABOUT, m.body_html)),
        start=DateTimeTimeZone(date_time=wall.isoformat(timespec="seconds"), time_zone=zone),
        end=DateTimeTimeZone(date_time=(wall + m.duration).isoformat(timespec="seconds"), time_zone=zone),
        attendees=[
            Attendee(email_address=EmailAddress(address=a), type=AttendeeType.Required)
            for a in m.attendees
            if a.casefold() != m.organizer.casefold()
        ],
        categories=list(m.categories),
        is_online_meeting=m.online_meeting,
        online_meeting_provider=OnlineMeetingProviderType.TeamsForBusiness if m.online_meeting else None,
        recurrence=_recurrence(m),
    )
    if txn is not None:
        # only on create: transactionId cannot change later; the property is how we find it
        event.transaction_id = txn
        event.single_value_extended_properties = [SingleValueLegacyExtendedProperty(id=KEY_PROPERTY, value=m.key)]
    return event


def _recurrence(m: PlannedMeeting) -> PatternedRecurrence | None:
    rec = m.recurrence
    if rec is None:
        return None
    pattern = RecurrencePattern(
        type=RecurrencePatternType.Weekly if rec.pattern == "weekly" else RecurrencePatternType.RelativeMonthly,
        interval=rec.interval,
        days_of_week=[DayOfWeek(d) for d in rec.days_of_week],
    )
    if rec.pattern == "weekly":
        pattern.first_day_of_week = DayOfWeek.Monday
    else:
        pattern.index = WeekIndex(rec.index or "first")
    return PatternedRecurrence(
        pattern=pattern,
        range=RecurrenceRange(
            type=RecurrenceRangeType.EndDate,
            start_date=rec.range_start,
            end_date=rec.range_end,
            recurrence_time_zone=windows_zone(m.timezone),
        ),
    )


# which Event properties carry each changed field of a PlannedMeeting (see schedule._snapshot)
_PROPERTIES = {
    "subject": ("subject",),
    "attendees": ("attendees",),
    "start": ("start", "end"),
    "duration": ("start", "end"),
    "timezone": ("start", "end", "recurrence"),
    "recurrence": ("start", "end", "recurrence"),
    "online_meeting": ("is_online_meeting", "online_meeting_provider"),
    "categories": ("categories",),
    "body_html": ("body",),
}


def patched_properties(changes: Sequence[str]) -> set[str]:
    """The Event properties a PATCH for these changed fields carries (empty: nothing to send,
    e.g. only skipped days changed: those are occurrence cancels)."""
    if "resend" in changes:
        return {"all"}
    return {p for change in changes for p in _PROPERTIES.get(change, ())}


def patch_event(m: PlannedMeeting, changes: Sequence[str], body: str | None = None) -> Event:
    """Only what changed: every PATCH sends attendees a notice (an attendees-only PATCH only
    to those added or removed), and re-sending ``recurrence`` discards the series' changed
    and cancelled occurrences. ``body`` is the spliced body, when ``body_html`` changed."""
    full = to_event(m, tenant="")
    names: set[str] = set()
    for change in changes:
        names.update(_PROPERTIES.get(change, ()))
    if "body" in names and body is None:
        names.discard("body")
    event = Event()
    for name in sorted(names):
        value = getattr(full, name)
        if value is not None:  # a single event has no recurrence to send
            setattr(event, name, value)
    if "body" in names:
        event.body = ItemBody(content_type=BodyType.Html, content=body)
    return event


def _key_filter(key: str) -> str:
    return f"singleValueExtendedProperties/Any(ep: ep/id eq '{KEY_PROPERTY}' and ep/value eq '{key}')"


class GraphCalendar:
    """Meetings in Microsoft 365 calendars, through msgraph-sdk (one unit of work per call)."""

    name = "graph"

    def __init__(self, settings: GraphSettings) -> None:
        self.settings = settings
        self.stats = Stats()

    def tenant_users(self, tenant: str, addresses: Iterable[str]) -> dict[str, bool]:
        """address -> whether it is a user of the tenant (the schedule's mailbox check asks)."""
        from addin.graph.directory import TenantDirectory

        return TenantDirectory(self.settings, tenant).users(addresses)

    def apply(
        self, tenant: str, changes: Sequence[MeetingChange], *, now: dt.datetime, record: Record
    ) -> list[Failure]:
        """Create missing series, patch changed ones; the store hears of every step."""
        todo = [c for c in changes if c.action != UNCHANGED or c.record.state != CREATED or c.record.retired]
        if not todo:
            return []
        return run_unit(self.settings, lambda s: _Sync(s, tenant, record, now).apply(todo), self.stats)

    def attach(self, tenant: str, packs: Sequence[RetroPack], *, now: dt.datetime, record: Record) -> list[Failure]:
        """Attach each retro pack to its event (a fileAttachment, or an upload session when
        large), then remove the older pack; ``record`` hears of each attachment made."""
        todo = [p for p in packs if p.record.graph_id]
        failures = [
            Failure(
                p.record.key, p.record.team, p.record.kind, "the meeting is not in Outlook yet; run okr schedule", True
            )
            for p in packs
            if not p.record.graph_id
        ]
        if not todo:
            return failures

        async def work(session: Session) -> list[Failure]:
            attacher = Attacher(session, record)
            out = await attacher.attach(todo)
            if attacher.forbidden is not None:
                raise GraphPermissionError(
                    "Microsoft Graph refused the app access to the calendars "
                    f"({attacher.forbidden.message()}); check the app's Calendars.ReadWrite "
                    "permission and consent.",
                    failed=len(out),
                )
            return out

        return failures + run_unit(self.settings, work, self.stats)

    def cancel(
        self, tenant: str, records: Sequence[MeetingRecord], *, now: dt.datetime, record: Record, comment: str
    ) -> list[Failure]:
        """Cancel the meetings in their organisers' mailboxes (found by key if a create's
        reply was lost); ``record`` each as cancelled."""
        if not records:
            return []
        return run_unit(self.settings, lambda s: _Sync(s, tenant, record).cancel(records, comment), self.stats)

    def refresh(
        self, tenant: str, changes: Sequence[MeetingChange], *, now: dt.datetime, record: Record
    ) -> list[Failure]:
        """Put each change's status body on its occurrence (found via /instances)."""
        todo = [c for c in changes if c.body is not None and c.record.graph_id]
        if not todo:
            return []
        return run_unit(self.settings, lambda s: _Sync(s, tenant, record).bodies(todo), self.stats)

    def preread(
        self, tenant: str, changes: Sequence[MeetingChange], *, now: dt.datetime, record: Record
    ) -> list[Failure]:
        """E-mail each change's status to its meeting's attendees from the organiser's
        mailbox (Mail.Send); ``record`` each as sent for that occurrence."""
        return _preread(self.settings, self.stats, tenant, changes, record)


def _preread(
    settings: GraphSettings, stats: Stats, tenant: str, changes: Sequence[MeetingChange], record: Record
) -> list[Failure]:
    todo = [c for c in changes if c.body is not None]
    if not todo:
        return []
    return run_unit(settings, lambda s: _Sync(s, tenant, record).prereads(todo), stats)


class _Sync:
    """One run's steps against Graph, inside one event loop."""

    def __init__(self, session: Session, tenant: str, record: Record, now: dt.datetime | None = None) -> None:
        self.now = now
        self.s = session
        self.tenant = tenant
        self.record = record
        self.failures: list[Failure] = []
        self.users = session.client.users
        self._forbidden: Reply | None = None

    # -- series ----------------------------------------------------------------------

    async def apply(self, changes: Sequence[MeetingChange]) -> list[Failure]:
        current = {c.meeting.key: c.record for c in changes}
        # 1. a create may have happened without us hearing back: look those up by key
        maybe = [c for c in changes if not c.record.graph_id and c.record.transaction_id]
        found = await self._lookup(maybe)
        for c in maybe:
            if c.meeting.key in found:
                current[c.meeting.key] = _with_ids(current[c.meeting.key], found[c.meeting.key])
        if found:
            self.record([current[k] for k in found])
        # 2. creates: mark pending with the transactionId first, then send
        unknown = {f.key for f in self.failures}  # lookup failed: creating could duplicate
        creates = [c for c in changes if not current[c.meeting.key].graph_id and c.meeting.key not in unknown]
        if creates:
            for c in creates:
                rec = current[c.meeting.key]
                current[c.meeting.key] = rec.but(
                    # a re-created meeting (new organiser, team back) has a higher sequence,
                    # so its transactionId is new: Graph must not hand back the old event
                    state=PENDING,
                    transaction_id=rec.transaction_id or transaction_id(self.tenant, c.meeting.key, rec.sequence),
                )
            self.record([current[c.meeting.key] for c in creates])
            calls = [
                Call(
                    c.meeting.organizer,
                    self.users.by_user_id(c.meeting.organizer).events.to_post_request_information(
                        to_event(c.meeting, tenant=self.tenant, txn=current[c.meeting.key].transaction_id)
                    ),
                )
                for c in creates
            ]
            replies = await self.s.run(calls)
            done = []
            for c, reply in zip(creates, replies):
                if reply.ok and isinstance(reply.body, dict):
                    current[c.meeting.key] = _with_ids(current[c.meeting.key], reply.body)
                    done.append(current[c.meeting.key])
                    self._check_join_link(c, reply.body)
                else:
                    self._fail(c, reply, current)
            failed = [current[c.meeting.key] for c in creates if current[c.meeting.key].state == FAILED]
            self.record(done + failed)
        # 3. updates (and series found by lookup, whose content we cannot vouch for)
        created_now = {c.meeting.key for c in creates}
        patches = [
            c
            for c in changes
            if current[c.meeting.key].graph_id
            and c.meeting.key not in unknown
            and c.meeting.key not in created_now
            and (c.action != UNCHANGED or c.meeting.key in found)
        ]
        await self._patch_series(patches, current)
        # 3b. occurrences not held (holidays, a review's day): cancelled, the series kept
        await self._skip_occurrences(
            [
                c
                for c in changes
                if c.meeting.skip_dates
                and current[c.meeting.key].graph_id
                and current[c.meeting.key].state == CREATED
                and (
                    c.meeting.key in created_now
                    or c.meeting.key in found
                    or "skip_dates" in c.changes
                    or _resends_recurrence(c)
                )
            ],
            current,
        )
        # 4. the new organiser's series exists: cancel the old one in the former lead's mailbox
        moved = [
            current[c.meeting.key]
            for c in changes
            if current[c.meeting.key].retired
            and current[c.meeting.key].graph_id
            and current[c.meeting.key].state == CREATED
        ]
        if moved:
            self.record(await self._retire(moved, RETIRED_COMMENT))
        self._raise_if_forbidden()
        return self.failures

    async def _lookup(self, changes: Sequence[MeetingChange]) -> dict[str, dict[str, Any]]:
        found, unknown = await self._find([(c.meeting.organizer, c.meeting.key) for c in changes])
        for c in changes:
            if c.meeting.key in unknown:
                # unknown whether it exists: do not create (could duplicate); next run retries
                self._fail(c, unknown[c.meeting.key], None)
        return found

    async def _find(self, wanted: Sequence[tuple[str, str]]) -> tuple[dict[str, dict[str, Any]], dict[str, Reply]]:
        """Events by our key in each (mailbox, key)'s mailbox, following every nextLink
        (Graph may answer a filtered listing with empty pages); also the keys it could not
        tell about, with the reply that said why."""
        found: dict[str, dict[str, Any]] = {}
        unknown: dict[str, Reply] = {}
        pending = []
        for mailbox, key in wanted:
            config = RequestConfiguration(
                query_parameters=EventsRequestBuilder.EventsRequestBuilderGetQueryParameters(
                    filter=_key_filter(key), select=_SELECT
                )
            )
            pending.append((mailbox, key, self.users.by_user_id(mailbox).events.to_get_request_information(config)))
        base = self.s.settings.base_url + "/"
        for _page in range(MAX_PAGES):
            if not pending:
                break
            replies = await self.s.run([Call(mailbox, request) for mailbox, _, request in pending])
            more = []
            for (mailbox, key, _), reply in zip(pending, replies):
                if not reply.ok or not isinstance(reply.body, dict):
                    unknown[key] = reply
                elif reply.body.get("value"):
                    found[key] = reply.body["value"][0]
                elif link := reply.body.get("@odata.nextLink"):
                    if not str(link).startswith(base):  # never send the token elsewhere
                        unknown[key] = Reply(0, {}, error=f"a nextLink outside Graph: {link!r}")
                        continue
                    more.append(
                        (
                            mailbox,
                            key,
                            self.users.by_user_id(mailbox).events.with_url(str(link)).to_get_request_information(),
                        )
                    )
            pending = more
        for _mailbox, key, _ in pending:
            unknown[key] = Reply(0, {}, error="too many pages looking the event up")
        return found, unknown

    # -- retired and cancelled events -------------------------------------------------------

    async def _retire(self, records: Sequence[MeetingRecord], comment: str) -> list[MeetingRecord]:
        """Cancel each record's replaced events (the series it took over from); the records
        with what is left to cancel (nothing, when every cancel landed)."""
        jobs = [(r, old) for r in records for old in (r.retired or [])]
        if not jobs:
            return list(records)
        calls = [cancel_call(self.s, old["organizer"], old["graph_id"], comment) for _, old in jobs]
        left: dict[str, list[dict[str, str]]] = {r.key: [] for r in records}
        for (r, old), reply in zip(jobs, await self.s.run(calls)):
            if reply.ok or reply.status == 404:  # 404: gone already (deleted in Outlook)
                continue
            left[r.key].append(old)
            self._fail_record(r, reply, "the replaced series could not be cancelled")
        return [r.but(retired=left[r.key] or None) for r in records]

    async def cancel(self, records: Sequence[MeetingRecord], comment: str) -> list[Failure]:
        maybe = [r for r in records if not r.graph_id and r.transaction_id]
        found, unknown = await self._find([(r.organizer, r.key) for r in maybe])
        targets = []
        done = []
        for r in records:
            if r.key in unknown:
                self._fail_record(r, unknown[r.key], "could not look the meeting up")
            elif r.graph_id or r.key in found:
                targets.append(r.but(graph_id=r.graph_id or found[r.key].get("id")))
            else:  # never created: nothing to cancel
                done.append(r.but(state=CANCELLED))
        calls = [cancel_call(self.s, r.organizer, r.graph_id or "", comment) for r in targets]
        for r, reply in zip(targets, await self.s.run(calls) if calls else []):
            if reply.ok or reply.status == 404:
                done.append(r.but(state=CANCELLED))
            else:
                self._fail_record(r, reply, "could not cancel the meeting")
        done = await self._retire(done, comment)
        if done:
            self.record(done)
        self._raise_if_forbidden()
        return self.failures

    def _fail_record(self, r: MeetingRecord, reply: Reply, what: str) -> None:
        transient = reply.status == 0 or reply.status in (429, 500, 502, 503, 504)
        self.failures.append(
            Failure(
                r.key,
                r.team,
                r.kind,
                f"{what}: Graph answered {reply.status or 'nothing'}: {reply.message()}",
                transient,
            )
        )
        if reply.status in (401, 403):
            self._forbidden = reply

    async def _patch_series(self, changes: Sequence[MeetingChange], current: dict[str, MeetingRecord]) -> None:
        # a PATCH with nothing in it still notifies every attendee: send none
        quiet = [current[c.meeting.key] for c in changes if not patched_properties(c.changes)]
        if quiet:
            self.record(quiet)
        pending = [c for c in changes if patched_properties(c.changes)]
        # the body is spliced: read it first (and its changeKey) for those whose text changed
        bodies: dict[str, str] = {}
        pending = await self._reread([c for c in pending if _body_changes(c)], current, bodies) + [
            c for c in pending if not _body_changes(c)
        ]
        for _round in range(3):  # a 412 costs a re-read and one more try
            if not pending:
                return
            calls = [
                self._patch_call(c.meeting.organizer, current[c.meeting.key], self._series_patch(c, bodies))
                for c in pending
            ]
            replies = await self.s.run(calls)
            done, stale = [], []
            for c, reply in zip(pending, replies):
                rec = current[c.meeting.key]
                if reply.ok:
                    rec = _with_ids(rec, reply.body or {})
                    if _resends_recurrence(c):
                        # the series' exceptions are gone, the status occurrence with them
                        rec = rec.but(body_hash=None, body_start=None)
                    current[c.meeting.key] = rec
                    done.append(current[c.meeting.key])
                elif reply.status == 412:
                    stale.append(c)
                elif reply.status == 404:
                    # deleted in Outlook: forget it, so the next run creates it afresh
                    current[c.meeting.key] = rec.but(
                        state=PENDING,
                        graph_id=None,
                        ical_uid=None,
                        change_key=None,
                        transaction_id=transaction_id(self.tenant, c.meeting.key, rec.sequence + 1),
                    )
                    done.append(current[c.meeting.key])
                    self.failures.append(
                        Failure(
                            c.meeting.key,
                            c.meeting.team,
                            c.meeting.kind,
                            "the event was deleted in Outlook; it will be created again on the next run",
                            True,
                        )
                    )
                else:
                    self._fail(c, reply, current)
                    done.append(current[c.meeting.key])
            if done:
                self.record(done)
            # someone changed the event since we read it: read the new changeKey, re-apply
            fresh = await self._reread(stale, current, bodies)
            pending = fresh
        for c in pending:
            self.failures.append(
                Failure(
                    c.meeting.key, c.meeting.team, c.meeting.kind, "the event kept changing while we updated it", True
                )
            )

    async def _skip_occurrences(self, changes: Sequence[MeetingChange], current: dict[str, MeetingRecord]) -> None:
        """Cancel each series' occurrences on its skipped days that are still to come."""
        today = (self.now or dt.datetime.now(dt.UTC)).date() - dt.timedelta(days=1)
        todo = [(c, [d for d in c.meeting.skip_dates if d >= today]) for c in changes]
        todo = [(c, days) for c, days in todo if days]
        if not todo:
            return
        calls = []
        for c, days in todo:
            config = RequestConfiguration(
                query_parameters=InstancesRequestBuilder.InstancesRequestBuilderGetQueryParameters(
                    start_date_time=f"{min(days) - dt.timedelta(days=1)}T00:00:00Z",
                    end_date_time=f"{max(days) + dt.timedelta(days=2)}T00:00:00Z",
                    select=_SELECT,
                )
            )
            calls.append(
                Call(
                    c.meeting.organizer,
                    self.users.by_user_id(c.meeting.organizer)
                    .events.by_event_id(current[c.meeting.key].graph_id or "")
                    .instances.to_get_request_information(config),
                )
            )
        cancels: list[tuple[MeetingChange, Call]] = []
        for (c, days), reply in zip(todo, await self.s.run(calls)):
            if not reply.ok or not isinstance(reply.body, dict):
                self._fail(c, reply, current)
                continue
            zone = c.meeting.start.tzinfo
            for item in reply.body.get("value") or []:
                start = item.get("start") or {}
                when = _parse_graph_time(start.get("dateTime"), start.get("timeZone"))
                if when is not None and when.astimezone(zone).date() in days:
                    cancels.append((c, cancel_call(self.s, c.meeting.organizer, item["id"], SKIPPED_COMMENT)))
        replies = await self.s.run([call for _, call in cancels]) if cancels else []
        failed = []
        for (c, _), reply in zip(cancels, replies):
            if not (reply.ok or reply.status == 404):
                self._fail(c, reply, current)
                failed.append(current[c.meeting.key])
        if failed:
            self.record(failed)

    def _series_patch(self, c: MeetingChange, bodies: dict[str, str]) -> Event:
        body = None
        if c.meeting.key in bodies:
            body = splice(bodies[c.meeting.key], ABOUT, c.meeting.body_html)
        if "resend" in c.changes:  # we cannot tell what differs: send everything
            event = to_event(c.meeting, tenant=self.tenant)
            if body is not None:
                event.body = ItemBody(content_type=BodyType.Html, content=body)
            return event
        return patch_event(c.meeting, c.changes, body)

    def _check_join_link(self, c: MeetingChange, event: dict[str, Any]) -> None:
        """Report an online meeting that Exchange made without a join link."""
        if not c.meeting.online_meeting:
            return
        online = event.get("onlineMeeting") or {}
        if not (isinstance(online, dict) and online.get("joinUrl")):
            self.failures.append(
                Failure(c.meeting.key, c.meeting.team, c.meeting.kind, NO_JOIN_LINK, False, warning=True)
            )

    async def _reread(
        self, changes: Sequence[MeetingChange], current: dict[str, MeetingRecord], bodies: dict[str, str] | None = None
    ) -> list[MeetingChange]:
        """Read each event again (its changeKey, and its body into ``bodies``)."""
        if not changes:
            return []
        calls = [
            Call(
                c.meeting.organizer,
                self.users.by_user_id(c.meeting.organizer)
                .events.by_event_id(current[c.meeting.key].graph_id or "")
                .to_get_request_information(),
            )
            for c in changes
        ]
        out = []
        for c, reply in zip(changes, await self.s.run(calls)):
            if reply.ok and isinstance(reply.body, dict):
                current[c.meeting.key] = _with_ids(current[c.meeting.key], reply.body)
                if bodies is not None:
                    bodies[c.meeting.key] = _body_of(reply.body)
                out.append(c)
            else:
                self._fail(c, reply, current)
        return out

    def _patch_call(
        self, mailbox: str, rec: MeetingRecord, body: Event, event_id: str | None = None, change_key: str | None = None
    ) -> Call:
        target = self.users.by_user_id(mailbox).events.by_event_id(event_id or rec.graph_id or "")
        request = target.to_patch_request_information(body)
        key = change_key if event_id else rec.change_key
        if key:
            request.headers.try_add("If-Match", f'W/"{key}"')
        return Call(mailbox, request)

    # -- occurrence bodies -----------------------------------------------------------------

    async def bodies(self, changes: Sequence[MeetingChange]) -> list[Failure]:
        """Splice each change's status into its occurrence's body (read first: the Teams
        block and whatever the organiser wrote stay), one PATCH per occurrence."""
        current = {c.meeting.key: c.record for c in changes}
        series = [c for c in changes if c.meeting.recurrence is not None]
        # the occurrence's own id, changeKey and body, from the series' instances around it
        calls = []
        for c in series:
            assert c.body is not None
            start = c.body.start.astimezone(dt.UTC)
            config = RequestConfiguration(
                query_parameters=InstancesRequestBuilder.InstancesRequestBuilderGetQueryParameters(
                    start_date_time=_iso(start - dt.timedelta(minutes=1)),
                    end_date_time=_iso(start + c.meeting.duration),
                    select=_SELECT_BODY,
                )
            )
            calls.append(
                Call(
                    c.meeting.organizer,
                    self.users.by_user_id(c.meeting.organizer)
                    .events.by_event_id(c.record.graph_id or "")
                    .instances.to_get_request_information(config),
                )
            )
        # target id -> (changeKey, body); single events are read whole
        targets: dict[str, tuple[str, str | None, str]] = {}
        for c, reply in zip(series, await self.s.run(calls) if calls else []):
            instance = _matching_instance(reply, c) if reply.ok else None
            if instance:
                targets[c.meeting.key] = (instance["id"], instance.get("changeKey"), _body_of(instance))
            elif reply.ok:
                self.failures.append(
                    Failure(
                        c.meeting.key, c.meeting.team, c.meeting.kind, "no occurrence at that time (cancelled?)", False
                    )
                )
            else:
                self._fail(c, reply, None)
        todo = [c for c in changes if c.meeting.key in targets] + await self._read_targets(
            [c for c in changes if c.meeting.recurrence is None], targets
        )
        for _round in range(3):
            if not todo:
                break
            calls = []
            for c in todo:
                assert c.body is not None
                event_id, change_key, body = targets[c.meeting.key]
                calls.append(
                    self._patch_call(
                        c.meeting.organizer,
                        current[c.meeting.key],
                        Event(body=ItemBody(content_type=BodyType.Html, content=splice(body, STATUS, c.body.html))),
                        event_id=event_id,
                        change_key=change_key,
                    )
                )
            done, stale = [], []
            for c, reply in zip(todo, await self.s.run(calls)):
                assert c.body is not None
                if reply.ok:
                    rec = current[c.meeting.key].but(
                        body_hash=c.body.body_hash, body_start=c.body.start.astimezone(dt.UTC)
                    )
                    if c.meeting.recurrence is None and isinstance(reply.body, dict):
                        rec = _with_ids(rec, reply.body)
                    current[c.meeting.key] = rec
                    done.append(rec)
                elif reply.status == 412:
                    stale.append(c)
                else:
                    self._fail(c, reply, None)
            if done:
                self.record(done)
            # the organiser edited these occurrences: read them again, splice again
            todo = await self._read_targets(stale, targets)
        self._raise_if_forbidden()
        return self.failures

    async def _read_targets(
        self, changes: Sequence[MeetingChange], targets: dict[str, tuple[str, str | None, str]]
    ) -> list[MeetingChange]:
        """GET each change's target event (its id in ``targets``, else the series' own id):
        the changeKey and body to splice into."""
        if not changes:
            return []
        ids = {
            c.meeting.key: (targets[c.meeting.key][0] if c.meeting.key in targets else c.record.graph_id or "")
            for c in changes
        }
        reads = [
            Call(
                c.meeting.organizer,
                self.users.by_user_id(c.meeting.organizer)
                .events.by_event_id(ids[c.meeting.key])
                .to_get_request_information(),
            )
            for c in changes
        ]
        out = []
        for c, got in zip(changes, await self.s.run(reads)):
            if got.ok and isinstance(got.body, dict):
                targets[c.meeting.key] = (ids[c.meeting.key], got.body.get("changeKey"), _body_of(got.body))
                out.append(c)
            else:
                self._fail(c, got, None)
        return out

    # -- pre-read e-mail ---------------------------------------------------------------------

    async def prereads(self, changes: Sequence[MeetingChange]) -> list[Failure]:
        """One e-mail per occurrence from the organiser's mailbox to its attendees, with the
        status (``OKR_INVITE_STATUS=mail``): the event itself is never touched."""
        calls = []
        for c in changes:
            assert c.body is not None
            m = c.meeting
            when = c.body.start.astimezone(c.body.start.tzinfo)
            message = Message(
                subject=f"Pre-read: {m.subject} ({when:%a %d %b %H:%M})",
                body=ItemBody(content_type=BodyType.Html, content=c.body.html),
                to_recipients=[
                    Recipient(email_address=EmailAddress(address=a))
                    for a in _invited(c)
                    if a.casefold() != m.organizer.casefold()
                ]
                or [Recipient(email_address=EmailAddress(address=m.organizer))],
            )
            request = SendMailPostRequestBody(message=message, save_to_sent_items=True)
            calls.append(
                Call(m.organizer, self.users.by_user_id(m.organizer).send_mail.to_post_request_information(request))
            )
        done = []
        for c, reply in zip(changes, await self.s.run(calls) if calls else []):
            assert c.body is not None
            if reply.ok:
                done.append(c.record.but(body_hash=c.body.body_hash, body_start=c.body.start.astimezone(dt.UTC)))
            else:
                self._fail(c, reply, None)
        if done:
            self.record(done)
        self._raise_if_forbidden()
        return self.failures

    # -- errors ------------------------------------------------------------------------

    def _fail(self, c: MeetingChange, reply: Reply, current: dict[str, MeetingRecord] | None) -> None:
        transient = reply.status == 0 or reply.status in (429, 500, 502, 503, 504)
        self.failures.append(
            Failure(
                c.meeting.key,
                c.meeting.team,
                c.meeting.kind,
                f"Graph answered {reply.status or 'nothing'}: {reply.message()}",
                transient,
            )
        )
        if reply.status in (401, 403):
            self._forbidden = reply
        if current is not None and c.meeting.key in current:
            rec = current[c.meeting.key]
            # keep the transactionId: a create that did land is found (or de-duplicated) next run
            # an update that failed must be re-sent next run: forget what we meant to send
            current[c.meeting.key] = rec.but(state=FAILED) if not rec.graph_id else rec.but(fingerprint="")

    def _raise_if_forbidden(self) -> None:
        reply = self._forbidden
        if reply is not None:
            raise GraphPermissionError(
                "Microsoft Graph refused the app access to the calendars "
                f"({reply.message()}); check the app's Calendars.ReadWrite permission and consent.",
                failed=len(self.failures),
            )


def _invited(c: MeetingChange) -> list[str]:
    """Who the invitation went to (the stored snapshot: after outside attendees were left
    out), so a pre-read reaches exactly the meeting's attendees."""
    sent = (c.record.snapshot or {}).get("attendees")
    return [str(a) for a in sent] if isinstance(sent, list) else list(c.meeting.attendees)


def _body_changes(c: MeetingChange) -> bool:
    return "body_html" in c.changes or "resend" in c.changes


def _resends_recurrence(c: MeetingChange) -> bool:
    return c.meeting.recurrence is not None and bool({"timezone", "recurrence", "resend"} & set(c.changes))


def _body_of(event: dict[str, Any]) -> str:
    body = event.get("body")
    return str(body.get("content") or "") if isinstance(body, dict) else ""


def _with_ids(rec: MeetingRecord, body: dict[str, Any]) -> MeetingRecord:
    return rec.but(
        state=CREATED,
        graph_id=body.get("id") or rec.graph_id,
        ical_uid=body.get("iCalUId") or rec.ical_uid,
        change_key=body.get("changeKey") or rec.change_key,
    )


def _matching_instance(reply: Reply, c: MeetingChange) -> dict[str, Any] | None:
    assert c.body is not None
    want = c.body.start.astimezone(dt.UTC)
    values = (reply.body or {}).get("value") or []
    for item in values:
        start = item.get("start") or {}
        when = _parse_graph_time(start.get("dateTime"), start.get("timeZone"))
        if when is not None and abs((when - want).total_seconds()) < 60:
            return item
    return values[0] if len(values) == 1 else None


def _parse_graph_time(value: str | None, zone: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value[:26].rstrip("Z"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        if zone and zone.upper() != "UTC":
            try:
                from zoneinfo import ZoneInfo

                from addin.outlook.timezones import iana_zone  # Graph may answer in Windows names

                return parsed.replace(tzinfo=ZoneInfo(iana_zone(zone))).astimezone(dt.UTC)
            except (KeyError, ValueError):
                return None
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
