"""``GraphCalendar``: the Microsoft 365 calendar of ``addin.outlook.schedule`` (its Calendar protocol).

Each call is one unit of work (``addin.graph.client.run_unit``): series are created, patched and
cancelled by ``addin.graph.events``, occurrence bodies and pre-read mails sent by
``addin.graph.occurrences``, retro packs attached by ``addin.graph.attachments``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from addin.graph.attachments import Attacher
from addin.graph.client import GraphPermissionError, GraphSettings, Session, Stats, run_unit
from addin.graph.events import _Sync
from addin.graph.occurrences import _OccurrenceSync
from addin.outlook.calendar import UNCHANGED, Failure, MeetingChange, Record, RetroPack
from addin.store.meetings import CREATED, MeetingRecord


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
        return run_unit(self.settings, lambda s: _OccurrenceSync(s, tenant, record).bodies(todo), self.stats)

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
    return run_unit(settings, lambda s: _OccurrenceSync(s, tenant, record).prereads(todo), stats)
