"""What a calendar backend (the .ics writer or Microsoft Graph) is asked to do.

``schedule`` decides per meeting whether it is new, changed or unchanged; a calendar
carries that out and reports each meeting's new state through ``record`` as soon as it
is known, so the store is right even when a later request fails.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from addin.outlook.plan import PlannedMeeting
from addin.store.meetings import MeetingRecord

CREATE = "create"
UPDATE = "update"
UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class OccurrenceBody:
    """The status body for one occurrence of a meeting (the next one, usually)."""

    key: str  # meeting key
    start: dt.datetime  # the occurrence's start, aware
    html: str
    text: str
    body_hash: str


@dataclass(frozen=True, slots=True)
class MeetingChange:
    """One meeting and what the calendar must do with it."""

    meeting: PlannedMeeting
    action: str  # create | update | unchanged
    record: MeetingRecord  # the record to carry out (sequence already bumped for updates)
    changes: tuple[str, ...] = ()  # field names that changed (updates)
    body: OccurrenceBody | None = None  # the next occurrence's status, when known


# Called with meetings whose state changed, in as few calls as is natural (one store
# transaction per call), before the calendar moves on to its next step.
Record = Callable[[Sequence[MeetingRecord]], None]


@dataclass(frozen=True, slots=True)
class Failure:
    """A meeting the calendar could not create or update this time."""

    key: str
    team: str
    kind: str
    message: str
    transient: bool  # True: try again later (throttled, down); False: Graph refused it
    warning: bool = False  # True: done, but something the lead must know (no Teams link)


@dataclass(frozen=True, slots=True)
class RetroPack:
    """A team's retro pack to put on its stored retro meeting."""

    record: MeetingRecord  # the retro meeting as stored
    name: str  # file name shown in Outlook
    content: bytes  # the .docx
    sha256: str  # fingerprint of what the pack says (not of the bytes: those carry a date)
    link: str | None = None  # where the pack can be downloaded, for packs too large to embed


# what a retro pack is, for calendars that need to say so
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class Calendar(Protocol):
    """A place meetings go: ``IcsCalendar`` (default) or ``GraphCalendar`` (Microsoft 365)."""

    name: str

    def apply(
        self, tenant: str, changes: Sequence[MeetingChange], *, now: dt.datetime, record: Record
    ) -> list[Failure]:
        """Create/update the meetings; call ``record`` with each meeting's new state."""
        ...

    def refresh(
        self, tenant: str, changes: Sequence[MeetingChange], *, now: dt.datetime, record: Record
    ) -> list[Failure]:
        """Put each change's ``body`` on that occurrence; call ``record`` per meeting."""
        ...

    def attach(self, tenant: str, packs: Sequence[RetroPack], *, now: dt.datetime, record: Record) -> list[Failure]:
        """Put each pack on its meeting, replacing an older pack; ``record`` each success."""
        ...

    def cancel(
        self, tenant: str, records: Sequence[MeetingRecord], *, now: dt.datetime, record: Record, comment: str
    ) -> list[Failure]:
        """Cancel these meetings (their team is gone); ``record`` each as cancelled."""
        ...
