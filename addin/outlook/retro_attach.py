"""``okr attach-retro``: each team's retro pack on its quarter-end retro meeting, before it starts.

Finds the stored retro meetings starting within a window, builds each team's pack from
the store (``addin.reports``) and has the calendar attach it: on Graph a fileAttachment
(an upload session when large), in .ics files an ATTACH on the retro VEVENT. The store
remembers what was attached (``MeetingRecord.attachment``, with a fingerprint of what the
pack says), so running it again attaches nothing twice; a pack whose content changed
replaces the older one.

The fingerprint is of the pack's *input* (the team, its objectives and key results, the
check-ins and the linter's history), not of the .docx bytes: those carry the day they were
made, so they differ every run even when nothing a reader would notice did.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from addin.okr.quarters import parse_quarter
from addin.outlook.calendar import Calendar, Failure, RetroPack
from addin.outlook.plan import RETRO
from addin.reports.naming import pack_name
from addin.store.meetings import CREATED, WRITTEN, MeetingRecord, list_meetings, recorder

ATTACHED = "attached"
REPLACED = "replaced"
UNCHANGED = "unchanged"
FAILED = "failed"

# what this job writes onto a stored meeting (and the .ics sequence): a refresh running beside
# it keeps the status body it recorded
ATTACH_FIELDS = ("attachment",)

# RetroInput -> .docx bytes; injectable so tests (and a task queue) choose how packs are made
Build = Callable[[Any], bytes]
# (team, quarter) -> an absolute URL where the pack can be downloaded, for packs too large to embed
Link = Callable[[str, str], str | None]


@dataclass(frozen=True, slots=True)
class AttachOutcome:
    """What happened to one retro meeting's pack."""

    key: str
    team: str
    quarter: str
    start: dt.datetime
    action: str  # attached | replaced | unchanged | failed
    size: int = 0  # bytes of the pack sent (0 when nothing was sent)
    message: str = ""


@dataclass(slots=True)
class AttachReport:
    calendar: str
    meetings: list[AttachOutcome] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    def _with(self, action: str) -> list[AttachOutcome]:
        return [m for m in self.meetings if m.action == action]

    @property
    def attached(self) -> list[AttachOutcome]:
        return self._with(ATTACHED)

    @property
    def replaced(self) -> list[AttachOutcome]:
        return self._with(REPLACED)

    @property
    def unchanged(self) -> list[AttachOutcome]:
        return self._with(UNCHANGED)

    @property
    def ok(self) -> bool:
        return not self.failures

    def as_dict(self) -> dict[str, Any]:
        return {
            "calendar": self.calendar,
            "meetings": [
                {
                    "key": m.key,
                    "team": m.team,
                    "quarter": m.quarter,
                    "start": m.start.isoformat(),
                    "action": m.action,
                    "size": m.size,
                    "message": m.message,
                }
                for m in self.meetings
            ],
            "failures": [
                {"key": f.key, "team": f.team, "kind": f.kind, "message": f.message, "transient": f.transient}
                for f in self.failures
            ],
        }


def attach_retro_packs(
    db: Any,
    tenant: str,
    *,
    now: dt.datetime,
    calendar: Calendar,
    within: dt.timedelta = dt.timedelta(days=7),
    build: Build | None = None,
    link: Link | None = None,
) -> AttachReport:
    """Attach each team's retro pack to its retro meeting starting within ``within`` of ``now``."""
    from addin.reports import gather_retro_input
    from addin.reports.data import for_team  # the pack's own rule for what it reads
    from addin.store import okr_sets

    make = build or _default_build
    report = AttachReport(calendar.name)
    todo: list[tuple[MeetingRecord, Any, str]] = []
    with db.read() as s:
        fy_start = okr_sets.load_settings(s, tenant).fiscal_year_start_month
        teams = {t.name.casefold(): t for t in okr_sets.list_teams(s, tenant)}
        for rec in _due(list_meetings(s, tenant), now, within):
            start = _start(rec)
            assert start is not None  # _due keeps only meetings with a start
            team = teams.get(rec.team.casefold())
            if team is None:  # the team is gone; okr schedule cancels its meetings
                continue
            # trimmed to what the pack reads: kept until built, so the store is not held meanwhile
            data = for_team(gather_retro_input(s, tenant, team, parse_quarter(rec.quarter, fy_start), now=now))
            digest = pack_fingerprint(data)
            if (rec.attachment or {}).get("sha256") == digest:
                report.meetings.append(AttachOutcome(rec.key, rec.team, rec.quarter, start, UNCHANGED))
                continue
            todo.append((rec, data, digest))
    packs = [
        RetroPack(
            rec, pack_name(rec.team, rec.quarter), make(data), digest, link(rec.team, rec.quarter) if link else None
        )
        for rec, data, digest in todo
    ]
    del todo  # the inputs are large; the packs are what is left to send
    failures = calendar.attach(tenant, packs, now=now, record=recorder(db, tenant, now, ATTACH_FIELDS)) if packs else []
    report.failures = failures
    failed = {f.key: f for f in failures}
    with db.read() as s:
        stored = {r.key: r for r in list_meetings(s, tenant)}
    for pack in packs:
        rec = pack.record
        start = _start(rec) or now
        after = (stored.get(rec.key) or rec).attachment or {}
        landed = after.get("sha256") == pack.sha256
        if rec.key in failed and not landed:
            report.meetings.append(
                AttachOutcome(rec.key, rec.team, rec.quarter, start, FAILED, message=failed[rec.key].message)
            )
            continue
        action = REPLACED if rec.attachment else ATTACHED
        report.meetings.append(
            AttachOutcome(
                rec.key,
                rec.team,
                rec.quarter,
                start,
                action,
                len(pack.content),
                failed[rec.key].message if rec.key in failed else "",
            )
        )
    return report


def pack_fingerprint(data: Any) -> str:
    """A hash of what a pack says: its input without the moment it was made, and without
    the other teams' key results the pack does not read (so one team's check-in does not
    make every team's pack "changed")."""
    from addin.reports.data import for_team  # the pack's own rule for what it reads

    data = for_team(data)
    fields = {f.name: getattr(data, f.name) for f in dataclasses.fields(data) if f.name != "generated_at"}
    text = json.dumps(_canonical(fields), sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def pack_link(base_url: str) -> Link:
    """Links to the API's pack download route (``/api/teams/{team}/retro/{quarter}.docx``)
    under the server's public address, for packs too large to embed."""
    from urllib.parse import quote

    root = base_url.strip().rstrip("/")

    def link(team: str, quarter: str) -> str:
        return f"{root}/api/teams/{quote(team, safe='')}/retro/{quote(quarter, safe='')}.docx"

    return link


# -- internals -------------------------------------------------------------------------


def _default_build(data: Any) -> bytes:
    from addin.reports import build_retro_pack

    return build_retro_pack(data)


def _start(rec: MeetingRecord) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str((rec.snapshot or {})["start"]))
    except (KeyError, ValueError):
        return None


def _due(records: Sequence[MeetingRecord], now: dt.datetime, within: dt.timedelta) -> list[MeetingRecord]:
    """Retro meetings in a calendar that have not started and start within the window."""
    out = []
    for rec in records:
        start = _start(rec)
        if rec.kind != RETRO or rec.state not in (CREATED, WRITTEN) or start is None:
            continue
        if now < start <= now + within:
            out.append(rec)
    return out


def _canonical(value: Any) -> Any:
    """Plain JSON values for hashing: dataclasses, enums, dates, sets (sorted)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return _canonical(value.value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((_canonical(v) for v in value), key=repr)
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if hasattr(value, "__dict__") or hasattr(value, "__slots__"):
        names = getattr(value, "__slots__", None) or vars(value)
        return {n: _canonical(getattr(value, n, None)) for n in names}
    return repr(value)
