"""The KR status on a meeting's next occurrence: spliced into that occurrence's body (read first,
so the Teams block and what the organiser wrote stay), or e-mailed as a pre-read from the
organiser's mailbox (``OKR_INVITE_STATUS=mail``), never touching the event.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence

from addin.graph.client import SDK_MODULES

with warnings.catch_warnings():
    # kiota-abstractions warns at import time about its own deprecated class (used by the
    # generated request builders); nothing we can change, and pytest runs with -W error
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=SDK_MODULES)
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.models.body_type import BodyType
    from msgraph.generated.models.email_address import EmailAddress
    from msgraph.generated.models.event import Event
    from msgraph.generated.models.item_body import ItemBody
    from msgraph.generated.models.message import Message
    from msgraph.generated.models.recipient import Recipient
    from msgraph.generated.users.item.events.item.instances.instances_request_builder import (
        InstancesRequestBuilder,
    )
    from msgraph.generated.users.item.send_mail.send_mail_post_request_body import (
        SendMailPostRequestBody,
    )

from addin.graph.client import Call
from addin.graph.event_model import (
    _SELECT_BODY,
    _body_of,
    _invited,
    _iso,
    _matching_instance,
    _with_ids,
)
from addin.graph.events import _Sync
from addin.outlook.body import STATUS, splice
from addin.outlook.calendar import Failure, MeetingChange


class _OccurrenceSync(_Sync):
    """One run's occurrence steps against Graph (status bodies, pre-reads), inside one event loop."""

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
