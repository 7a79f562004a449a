"""How stored rows become domain objects, and the small helpers every repository module shares.

The key result query (``kr_select``) and its row mapping (``kr_from_row``) serve the key
results, the OKR sets and the team pages alike, so they are written once, here; a row is
unpacked by position and its dates, kinds and dependency lists parsed by hand because the
mapping runs for each of 100,000 key results. ``aware`` and ``naive`` move times between the
domain (UTC-aware) and the stored columns (naive UTC); ``pairs`` reads a two-column query.
Where a query returns many rows they are taken with ``.all()``: one fetchall, where iterating
the result would call the driver once per row (a tenth of a team page's CPU).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Any

from sqlalchemy import Row, Select, String, select, type_coerce
from sqlalchemy.orm import Session

from addin.okr.model import KeyResult, KrKind, Location, Team
from addin.store.tables import KeyResultRow, ObjectiveRow, TeamRow

_K = KeyResultRow.__table__
_O = ObjectiveRow.__table__
_T = TeamRow.__table__


def kr_select(tenant: str) -> Select[Any]:
    """This tenant's key results with their team's name and objective's title, the columns of kr_from_row."""
    return (
        select(
            _K.c.public_id,
            _K.c.objective_id,
            _T.c.name.label("team"),
            _O.c.title.label("objective"),
            _K.c.title,
            _K.c.ref,
            _K.c.owner,
            _K.c.baseline,
            _K.c.target,
            _K.c.current,
            _K.c.unit,
            _K.c.confidence,
            type_coerce(_K.c.due, String).label("due"),  # parsed by as_date: much faster than the SQLite type
            _K.c.kind,
            _K.c.aligns_to,
            type_coerce(_K.c.depends_on, String).label("depends_on"),  # parsed by _list
            _K.c.notes,
            _K.c.weight,
            _K.c.quarter,
            _K.c.continues,
        )
        .join(_O, _O.c.id == _K.c.objective_id)
        .join(_T, _T.c.id == _O.c.team_id)
        .where(_K.c.tenant_id == tenant, _O.c.tenant_id == tenant, _T.c.tenant_id == tenant)
    )


def kr_from_row(row: Any) -> KeyResult:
    """A row of kr_select, unpacked by position (attribute access per field is slow at 100k rows)."""
    (public_id, _objective_id, team, objective, title, ref, owner, baseline, target, current, unit,
     confidence, due, kind, aligns_to, depends_on, notes, weight, quarter, continues) = row  # fmt: skip
    return KeyResult(
        team,
        objective,
        title,
        public_id,
        ref,
        owner,
        baseline,
        target,
        current,
        unit or "",
        confidence,
        as_date(due),
        as_kind(kind),
        aligns_to,
        _list(depends_on),
        notes or "",
        weight,
        quarter,
        continues,
        Location(team=team, objective=objective, key_result=public_id),
    )


# what team_from_row reads: a query selects these, not the ORM object (teams are read on every
# team page and check-in, and nothing there writes them back)
TEAM_COLUMNS = tuple(
    _T.c[name]
    for name in ("name", "lead", "members", "checkin_weekday", "checkin_time", "timezone", "meeting_minutes", "parent")
)


def team_from_row(row: TeamRow | Row[Any]) -> Team:
    """A stored team (its ORM object, or a row of the teams table's columns) as the domain's Team."""
    return Team(
        name=row.name,
        lead=row.lead,
        members=tuple(row.members or ()),
        checkin_weekday=row.checkin_weekday,
        checkin_time=row.checkin_time,
        timezone=row.timezone,
        meeting_minutes=row.meeting_minutes,
        parent=row.parent,
        location=Location(team=row.name),
    )


def as_date(value: str | dt.date | None) -> dt.date | None:
    """A stored date (SQLite gives its ISO text) as a date."""
    if value is None or isinstance(value, dt.date):  # PostgreSQL drivers return dates
        return value
    return dt.date.fromisoformat(value[:10])


@functools.lru_cache(maxsize=4096)  # the same few dependency lists repeat on many rows
def _list(value: str | None) -> tuple[str, ...]:
    if not value or value == "[]":
        return ()
    return tuple(json.loads(value))


def as_kind(value: str | None) -> KrKind | None:
    """A stored kind as the domain's KrKind (None when unset or unknown)."""
    try:
        return KrKind(value) if value else None
    except ValueError:  # written by a newer version: let scoring infer it
        return None


def pairs(s: Session, query: Select[Any]) -> dict[Any, Any]:
    """A two-column query as a dict."""
    return {key: value for key, value in s.execute(query).all()}


def aware(value: dt.datetime) -> dt.datetime:
    """A UTC-aware datetime (naive input is taken as UTC)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def naive(value: dt.datetime) -> dt.datetime:
    """UTC without tzinfo, for comparisons in SQL against stored (naive UTC) columns."""
    return aware(value).replace(tzinfo=None)
