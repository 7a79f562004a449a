"""Meetings as Graph events: create and update series, find them again, cancel them.

Each meeting is created in its organiser's mailbox as a recurring series (or a single event)
carrying our meeting key in a single-value extended property, so a lost reply or a
lost store still finds it again with ``$filter``; every create carries a transactionId
so a re-sent POST never makes a second event. The store is told about each step (pending
before a create is sent, created with ids after) through ``record``.

Looking an event up by key follows ``@odata.nextLink`` (a filtered listing may come back
in pages, some empty). A series whose organiser changed is created in the new mailbox
first; the old one is cancelled after (``MeetingRecord.retired`` keeps it until then).
``GraphCalendar`` (``addin.graph.calendar``) runs these steps; the event itself is built in
``addin.graph.event_model``, occurrence bodies are set in ``addin.graph.occurrences`` and retro
packs attached in ``addin.graph.attachments``.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence
from typing import Any

from addin.graph.client import SDK_MODULES

with warnings.catch_warnings():
    # kiota-abstractions warns at import time about its own deprecated class (used by the
    # generated request builders); nothing we can change, and pytest runs with -W error
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=SDK_MODULES)
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.models.body_type import BodyType
    from msgraph.generated.models.event import Event
    from msgraph.generated.models.item_body import ItemBody
    from msgraph.generated.users.item.events.events_request_builder import EventsRequestBuilder
    from msgraph.generated.users.item.events.item.instances.instances_request_builder import (
        InstancesRequestBuilder,
    )

from addin.graph.attachments import MAX_PAGES, cancel_call
from addin.graph.client import Call, GraphPermissionError, Reply, Session
from addin.graph.event_model import (
    _SELECT,
    _body_changes,
    _body_of,
    _key_filter,
    _parse_graph_time,
    _resends_recurrence,
    _with_ids,
    patch_event,
    patched_properties,
    to_event,
    transaction_id,
)
from addin.outlook.body import ABOUT, splice
from addin.outlook.calendar import UNCHANGED, Failure, MeetingChange, Record
from addin.store.meetings import CANCELLED, CREATED, FAILED, PENDING, MeetingRecord

NO_JOIN_LINK = (
    "Outlook made no Teams join link for this meeting (does the organiser's mailbox "
    "have Teams?); attendees have no link to join online."
)
SKIPPED_COMMENT = "No OKR meeting on this day (a holiday, or the monthly review takes the check-in's place)."
RETIRED_COMMENT = "This OKR meeting moved to the team's new lead, who sends its invitations from now on."


class _Sync:
    """One run's series steps against Graph (create, patch, look up, cancel), inside one event loop."""

    def __init__(self, session: Session, tenant: str, record: Record, now: dt.datetime | None = None) -> None:
        self.now = now
        self.s = session
        self.tenant = tenant
        self.record = record
        self.failures: list[Failure] = []
        self.users = session.client.users
        self._forbidden: Reply | None = None

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
