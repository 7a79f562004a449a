"""Repository functions: the only way the rest of the code reads and writes the store.

Every function takes the caller's session and a tenant, and every query filters by
that tenant: another tenant's ids behave exactly like ids that do not exist. Nothing
here commits -- the caller's ``Database.transaction()`` block decides (all or nothing).
Bulk writes use Core executemany in chunks (no per-row ORM flush), so a sync of
100,000 key results stays a matter of seconds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import math
import secrets
import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from operator import attrgetter
from typing import Any

from sqlalchemy import Select, String, delete, func, insert, select, text, type_coerce, update
from sqlalchemy.orm import Session

from addin.errors import Conflict, InputError, NotFound, RequestError
from addin.okr.history import FindingRecord, finding_key
from addin.okr.merge import MERGED_FIELDS, NEW_PREFIX, SyncPlan, latest_checkins, normalise_id, plan_sync
from addin.okr.model import (
    CheckIn,
    Finding,
    Initiative,
    KeyResult,
    KrKind,
    Location,
    Objective,
    ObjectiveType,
    OkrSet,
    Settings,
    Severity,
    Team,
    Thresholds,
)
from addin.okr.periods import annual_objectives, fiscal_year_of, link_rows, period_contains, place_in_quarters
from addin.okr.quarters import Quarter, quarter_of
from addin.store import versions
from addin.store.bulk import CHUNK, bulk_insert, bulk_update, chunks
from addin.store.db import advisory_lock
from addin.store.tables import (
    CheckInRow,
    FindingRow,
    InitiativeRow,
    KeyResultRow,
    ObjectiveRow,
    SettingsRow,
    TeamRow,
    WorkbookRow,
    text_for_store,
    text_key,
)

SOURCES = frozenset({"workbook", "cli", "api", "outlook"})
_K = KeyResultRow.__table__
_O = ObjectiveRow.__table__
_T = TeamRow.__table__
_C = CheckInRow.__table__
_F = FindingRow.__table__
_KR_FLOATS = ("baseline", "target", "current", "confidence", "weight")


# ---------------------------------------------------------------- reading


def load_key_results(
    s: Session, tenant: str, *, include_archived: bool = True, quarter: str | None = None, team: str | None = None
) -> dict[str, KeyResult]:
    """This tenant's key results by id (archived ones too, unless told otherwise; one quarter's, one team's if given)."""
    query = _kr_select(tenant)
    if not include_archived:
        query = query.where(_K.c.archived_at.is_(None))
    if quarter is not None:
        query = query.where(_K.c.quarter == quarter)
    if team is not None:
        query = query.where(_T.c.name_key == text_key(team))
    # a stored key result always has its id (public_id is NOT NULL); KeyResult.id is optional for new rows
    return {kr.id: kr for kr in map(_kr_from_row, s.execute(query.order_by(_K.c.id)))}  # type: ignore[misc]


def count_key_results(s: Session, tenant: str, *, quarters: Collection[str] | None = None) -> int:
    """How many key results this tenant has that are not archived (in these quarters, if given)."""
    query = select(func.count()).select_from(_K).where(_K.c.tenant_id == tenant, _K.c.archived_at.is_(None))
    if quarters is not None:
        query = query.where(_K.c.quarter.in_(sorted(quarters)))
    return s.scalar(query) or 0


def team_quarters(s: Session, tenant: str, team: str) -> list[str]:
    """The quarters in which this team has key results (not archived), oldest first."""
    query = (
        select(_K.c.quarter)
        .join(_O, _O.c.id == _K.c.objective_id)
        .join(_T, _T.c.id == _O.c.team_id)
        .where(
            _K.c.tenant_id == tenant,
            _T.c.tenant_id == tenant,
            _T.c.name_key == text_key(team),
            _K.c.archived_at.is_(None),
        )
        .distinct()
    )
    return sorted(s.scalars(query))


def teams_in_quarter(s: Session, tenant: str, quarter: str) -> list[str]:
    """Names of the teams that have key results (not archived) in this quarter."""
    query = (
        select(_T.c.name)
        .join(_O, _O.c.team_id == _T.c.id)
        .join(_K, _K.c.objective_id == _O.c.id)
        .where(_K.c.tenant_id == tenant, _T.c.tenant_id == tenant, _K.c.quarter == quarter, _K.c.archived_at.is_(None))
        .distinct()
    )
    return sorted(s.scalars(query), key=str.casefold)


def workbook_known(s: Session, tenant: str, workbook_id: str) -> bool:
    """Whether this tenant has synced a workbook with this id before."""
    query = select(WorkbookRow.id).where(
        WorkbookRow.tenant_id == tenant, WorkbookRow.workbook_id == workbook_id, WorkbookRow.snapshot.is_not(None)
    )
    return s.scalar(query) is not None


def archived_ids(s: Session, tenant: str) -> set[str]:
    """Ids of this tenant's archived key results."""
    query = select(_K.c.public_id).where(_K.c.tenant_id == tenant, _K.c.archived_at.is_not(None))
    return set(s.scalars(query))


def last_checkin_times(s: Session, tenant: str) -> dict[str, dt.datetime]:
    """Time of the newest stored check-in per key result id."""
    query = (
        select(_K.c.public_id, func.max(_C.c.at))
        .join(_K, _K.c.id == _C.c.key_result_id)
        .where(_C.c.tenant_id == tenant, _K.c.tenant_id == tenant)
        .group_by(_K.c.public_id)
    )
    return {kr_id: _aware(at) for kr_id, at in s.execute(query)}


def load_snapshot(s: Session, tenant: str, workbook_id: str) -> dict[str, KeyResult] | None:
    """The key results of this workbook as of its last sync (the merge base), or None."""
    snapshot = s.scalar(
        select(WorkbookRow.snapshot).where(WorkbookRow.tenant_id == tenant, WorkbookRow.workbook_id == workbook_id)
    )
    if snapshot is None:
        return None
    names = tuple(snapshot.get("fields") or _SNAPSHOT_FIELDS)
    standard = names == _SNAPSHOT_FIELDS
    rows = _snapshot_rows(snapshot)
    return {kr_id: _kr_from_snapshot(kr_id, names, values, standard) for kr_id, values in rows.items()}


def load_settings(s: Session, tenant: str) -> Settings:
    """This tenant's settings (defaults when none were saved)."""
    row = s.get(SettingsRow, tenant)
    if row is None:
        return Settings()
    known = {f.name for f in dataclasses.fields(Thresholds)}
    thresholds = Thresholds(**{k: v for k, v in (row.thresholds or {}).items() if k in known})
    # holidays ride in the settings' JSON (no column of their own yet): see _save_settings
    holidays = tuple(dt.date.fromisoformat(d) for d in (row.thresholds or {}).get("holidays") or ())
    return Settings(
        quarter=row.quarter,
        fiscal_year_start_month=row.fiscal_year_start_month,
        thresholds=thresholds,
        holidays=holidays,
    )


def list_teams(s: Session, tenant: str) -> list[Team]:
    """This tenant's teams, by name (sorted here: database collations differ)."""
    rows = s.scalars(select(TeamRow).where(TeamRow.tenant_id == tenant).order_by(TeamRow.id))
    return sorted((team_from_row(row) for row in rows), key=lambda t: (t.name.casefold(), t.name))


def load_okrs(
    s: Session,
    tenant: str,
    *,
    include_archived: bool = False,
    team: str | None = None,
    quarter: str | None = None,
    settings: Settings | None = None,
    teams_read: Sequence[Team] | None = None,
) -> OkrSet:
    """Everything stored for this tenant (or one team) as an OkrSet, check-ins included.

    With ``quarter`` ("2026-Q4") only that quarter's key results, and the objectives
    that hold them (or hold none and belong to that quarter or its fiscal year).
    ``settings`` and ``teams_read`` (the tenant's teams): already read in this session by the caller.
    """
    team_key = text_key(team) if team is not None else None
    kr_query = _kr_select(tenant)
    if not include_archived:
        kr_query = kr_query.where(_K.c.archived_at.is_(None))
    if team_key is not None:
        kr_query = kr_query.where(_T.c.name_key == team_key)
    if quarter is not None:
        kr_query = kr_query.where(_K.c.quarter == quarter)
    kr_rows = s.execute(kr_query.order_by(_K.c.id)).all()
    key_results = [_kr_from_row(row) for row in kr_rows]
    kr_ids = {kr.id for kr in key_results if kr.id}

    teams = [t for t in (teams_read or list_teams(s, tenant)) if team_key is None or text_key(t.name) == team_key]
    objectives = _load_objectives(s, tenant, team_key, {row.objective_id for row in kr_rows}, quarter)
    if team_key is None:
        initiatives = [
            ini
            for ini in _load_initiatives(s, tenant)
            if ini.kr_ref in kr_ids or normalise_id(ini.kr_ref) not in kr_ids
        ]
        checkins = [c for c in list_checkins(s, tenant) if c.kr_id in kr_ids]
    else:
        # one team's: read only what refers to its key results (a team view must not cost the whole tenant's)
        initiatives = _load_initiatives(s, tenant, kr_refs=kr_ids)
        checkins = list_checkins(s, tenant, kr_ids=kr_ids) if kr_ids else []
    return OkrSet(
        settings=settings or load_settings(s, tenant),
        teams=teams,
        objectives=objectives,
        key_results=key_results,
        initiatives=initiatives,
        checkins=checkins,
    )


def list_checkins(
    s: Session,
    tenant: str,
    *,
    kr_ids: Collection[str] | None = None,
    since: dt.datetime | dt.date | None = None,
    until: dt.datetime | dt.date | None = None,
) -> list[CheckIn]:
    """Check-ins, oldest first; ``since``/``until`` are inclusive (a date means that whole day)."""
    query = (
        select(_K.c.public_id, _C.c.at, _C.c.value, _C.c.confidence, _C.c.note, _C.c.source, _C.c.id)
        .join(_K, _K.c.id == _C.c.key_result_id)
        .where(_C.c.tenant_id == tenant, _K.c.tenant_id == tenant)
    )
    if since is not None:
        query = query.where(_C.c.at >= _naive(_start_of(since)))
    if isinstance(until, dt.datetime):
        query = query.where(_C.c.at <= _naive(until))
    elif until is not None:  # a date: up to the end of that day
        query = query.where(_C.c.at < _naive(_start_of(until) + dt.timedelta(days=1)))
    rows: list[Any] = []
    if kr_ids is None:
        rows = list(s.execute(query))
    else:
        wanted = sorted({i for i in map(normalise_id, kr_ids) if i})
        for chunk in chunks(wanted, CHUNK):
            rows.extend(s.execute(query.where(_K.c.public_id.in_(chunk))))
    rows.sort(key=lambda r: (r.at, r.id))
    return [
        CheckIn(
            kr_id=r.public_id, at=_aware(r.at), value=r.value, confidence=r.confidence, note=r.note, source=r.source
        )
        for r in rows
    ]


def finding_history(
    s: Session,
    tenant: str,
    *,
    team: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    quarter: str | None = None,
) -> list[FindingRecord]:
    """Findings reported at some time between ``since`` and ``until`` (inclusive), oldest first.

    With ``quarter``, only the findings of that quarter's OKRs (and reader problems).
    """
    query = select(FindingRow).where(FindingRow.tenant_id == tenant)
    if team is not None:
        query = query.where(FindingRow.team_key == text_key(team))
    if quarter is not None:
        query = query.where((FindingRow.quarter == quarter) | FindingRow.quarter.is_(None))
    if until is not None:
        query = query.where(FindingRow.first_seen <= _aware(until))
    if since is not None:
        query = query.where((FindingRow.resolved_at.is_(None)) | (FindingRow.resolved_at >= _aware(since)))
    rows = s.scalars(query.order_by(FindingRow.first_seen, FindingRow.id))
    return [
        FindingRecord(
            finding=_finding_from_row(row),
            first_seen=row.first_seen,
            resolved_at=row.resolved_at,
            last_seen=row.last_seen,
        )
        for row in rows
    ]


# ---------------------------------------------------------------- writing


def new_workbook_id(s: Session, tenant: str) -> str:
    """Reserve a new workbook id for this tenant (its snapshot stays empty until a sync)."""
    while True:
        workbook_id = f"WB-{uuid.uuid4().hex.upper()}"
        taken = s.scalar(
            select(WorkbookRow.id).where(WorkbookRow.tenant_id == tenant, WorkbookRow.workbook_id == workbook_id)
        )
        if taken is None:
            break
    s.execute(
        insert(WorkbookRow.__table__).values(
            tenant_id=tenant, workbook_id=workbook_id, snapshot=None, created_at=dt.datetime.now(dt.UTC)
        )
    )
    return workbook_id


def sync_okrs(
    s: Session,
    tenant: str,
    workbook_id: str,
    okrs: OkrSet,
    *,
    now: dt.datetime,
    hold: Collection[str] = (),
    default_quarter: Quarter | None = None,
    base: Mapping[str, KeyResult] | None = None,
) -> SyncPlan:
    """Plan and apply a workbook's sync in the caller's transaction; returns the applied plan.

    ``base``: the merge base of the copy being synced (its revision's); None: the workbook's latest.

    Loads everything the merge needs (stored key results, which are archived, this
    workbook's base, the newest check-in times) after taking the tenant's sync lock,
    so two syncs of one tenant never interleave. Every key result is first placed in
    its quarter (``okr.periods``; rows without one belong to ``default_quarter``), and
    only the quarters this workbook speaks for are merged: another quarter's key
    results are never archived or changed.
    """
    advisory_lock(s, "okr-sync", tenant)
    stored = load_key_results(s, tenant)
    default = default_quarter or quarter_of(now.date(), okrs.settings.fiscal_year_start_month)
    placement = place_in_quarters(okrs.key_results, stored, default)
    okrs = dataclasses.replace(okrs, key_results=placement.key_results)
    plan = plan_sync(
        okrs.key_results,
        stored,
        load_snapshot(s, tenant, workbook_id) if base is None else base,
        now=now,
        hold=hold,
        quarters=placement.quarters,
        archived=archived_ids(s, tenant),
        last_checkin=last_checkin_times(s, tenant),
        workbook_last_checkin=latest_checkins(okrs.checkins),
    )
    plan.quarters = placement.quarters
    apply_sync(s, tenant, workbook_id, okrs, plan, now=now)
    return plan


def apply_sync(
    s: Session, tenant: str, workbook_id: str, okrs: OkrSet, plan: SyncPlan, *, now: dt.datetime
) -> list[str]:
    """Write a sync plan (and the workbook's teams, objectives, initiatives, settings).

    Returns the ids given to ``plan.create``, in order. The plan is completed in place:
    created key results get their ids, check-ins of new key results get real ids,
    ``restore``/``archive`` are corrected to what the store actually changed.
    The new base snapshot of this workbook is stored last. Nothing is committed here.
    """
    now = _aware(now)
    _check_numbers(plan)
    versions.touch(s, tenant)
    # PostgreSQL: one sync per tenant at a time, so two never insert the same team/objective
    # (re-entrant: sync_okrs already holds it). SQLite: BEGIN IMMEDIATE did this already.
    advisory_lock(s, "okr-sync", tenant)
    _place_unplaced(plan, okrs.settings, now)
    merged_by_id = {kr.id: kr for kr in plan.merged if kr.id}
    _save_settings(s, tenant, okrs.settings, now)

    moved = (merged_by_id[i] for i, changes in plan.update.items() if {"team", "objective"} & changes.keys())
    placed = [*plan.create, *moved]  # key results that need their (team, objective) rows
    referenced = [kr.team for kr in placed] + [o.team for o in okrs.objectives]
    team_ids = _upsert_teams(s, tenant, okrs.teams, referenced, now)
    objectives = _objectives_in_periods(okrs, plan)
    objective_ids = _upsert_objectives(s, tenant, objectives, placed, team_ids, now)

    pks = _pairs(s, select(_K.c.public_id, _K.c.id).where(_K.c.tenant_id == tenant))
    new_ids = _assign_ids(plan.create, pks.keys())
    if new_ids:
        link_rows(plan.merged, set(new_ids))
    _insert_key_results(s, tenant, workbook_id, plan.create, objective_ids, now)
    if len(new_ids) > CHUNK:  # one scan beats many IN lists
        pks = _pairs(s, select(_K.c.public_id, _K.c.id).where(_K.c.tenant_id == tenant))
    else:
        pks.update(_pks_of(s, tenant, new_ids))

    _update_key_results(s, tenant, workbook_id, plan, merged_by_id, objective_ids, pks, now)
    _archive_and_restore(s, tenant, plan, merged_by_id, now)
    _insert_checkins(s, tenant, plan, new_ids, pks)
    _replace_initiatives(s, tenant, workbook_id, okrs.initiatives, plan.merged)
    _save_snapshot(s, tenant, workbook_id, plan, now)
    if len(plan.create) >= _ANALYZE_AFTER:
        refresh_statistics(s)
    return new_ids


_ANALYZE_AFTER = 1_000


def refresh_statistics(s: Session) -> None:
    """After a big bulk insert, let PostgreSQL's planner see the new rows.

    Without fresh statistics the planner believes the new tables are nearly empty and
    picks nested loops that turn the very next load (even in the same transaction) from
    a fraction of a second into many seconds. SQLite's planner needs no help here.
    """
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("ANALYZE teams, objectives, key_results, check_ins"))


def record_checkin(
    s: Session,
    tenant: str,
    kr_id: str,
    *,
    value: float | None,
    confidence: float | None,
    note: str = "",
    at: dt.datetime,
    source: str,
) -> CheckIn:
    """Record a check-in; the key result's current value and confidence follow the newest one.

    A back-dated check-in (older than the newest stored one) goes into the history
    without changing the key result. Unknown ids and other tenants' ids: NotFound.
    """
    nid = normalise_id(kr_id)
    row = s.execute(
        select(_K.c.id, _K.c.archived_at).where(_K.c.tenant_id == tenant, _K.c.public_id == nid).with_for_update()
    ).first()
    if row is None:
        raise NotFound(f"Key result {kr_id} was not found.", code="kr_not_found", key_result=kr_id)
    if row.archived_at is not None:
        raise Conflict(
            f"Key result {nid} is archived (it was removed from its workbook); check-ins are closed.",
            code="kr_archived",
            key_result=nid,
        )
    _check_checkin(value, confidence, source)
    at = _aware(at)
    newest = s.scalar(select(func.max(_C.c.at)).where(_C.c.tenant_id == tenant, _C.c.key_result_id == row.id))
    if newest is None or at >= _aware(newest):
        changes: dict[str, Any] = {"updated_at": at}
        if value is not None:
            changes["current"] = value
        if confidence is not None:
            changes["confidence"] = confidence
        s.execute(update(_K).where(_K.c.id == row.id, _K.c.tenant_id == tenant).values(**changes))
    checkin = CheckIn(
        kr_id=nid or "", at=at, value=value, confidence=confidence, note=text_for_store(note or ""), source=source
    )
    s.execute(insert(_C).values(tenant_id=tenant, **_checkin_values(row.id, checkin)))
    versions.touch(s, tenant)
    return checkin


def save_findings(
    s: Session,
    tenant: str,
    findings: Iterable[Finding],
    *,
    now: dt.datetime,
    teams: Collection[str] | None = None,
    quarter: str | None = None,
) -> None:
    """Remember the findings reported now; open findings no longer reported are resolved.

    ``findings`` is the complete current set for the scope: the whole tenant, or -- with
    ``teams`` -- only findings about those teams (so syncing one team's workbook does
    not resolve another team's findings), and -- with ``quarter`` -- only that quarter's
    (a sync of next quarter never resolves, or reopens, last quarter's findings). A
    resolved finding seen again is reopened (same record, ``first_seen`` kept).
    Identity: ``okr.history.finding_key`` within the quarter.
    """
    now = _aware(now)
    current: dict[str, Finding] = {}
    for finding in findings:
        current[finding_key(finding, quarter)] = finding
    existing = _pairs(s, select(_F.c.key, _F.c.id).where(_F.c.tenant_id == tenant))

    bulk_insert(
        s,
        _F,
        (_finding_values(key, f, now) for key, f in current.items() if key not in existing),
        constants={"tenant_id": tenant, "first_seen": now, "quarter": quarter},
    )
    seen = [{"id": existing[key], **_finding_values(key, f, now)} for key, f in current.items() if key in existing]
    bulk_update(s, _F, seen, scope={"tenant_id": tenant})

    resolve = update(_F).where(_F.c.tenant_id == tenant, _F.c.resolved_at.is_(None), _F.c.last_seen < _naive(now))
    if teams is not None:
        resolve = resolve.where(_F.c.team_key.in_([text_key(t) for t in teams]))
    if quarter is not None:
        resolve = resolve.where(_F.c.quarter == quarter)
    s.execute(resolve.values(resolved_at=_naive(now)))


# ---------------------------------------------------------------- sync helpers


def _check_numbers(plan: SyncPlan) -> None:
    """NaN and infinities are never stored: say which key result and field."""
    candidates: list[tuple[KeyResult, Iterable[str]]] = [(kr, _KR_FLOATS) for kr in plan.create]
    merged = {kr.id: kr for kr in plan.merged if kr.id}
    candidates += [(merged[i], [f for f in ch if f in _KR_FLOATS]) for i, ch in plan.update.items() if i in merged]
    for kr, names in candidates:
        for name in names:
            value = getattr(kr, name)
            if value is not None and not math.isfinite(value):
                where = kr.location
                raise InputError(
                    f"{name.capitalize()} of key result {kr.id or kr.title!r} is {value}, which is not a number; "
                    f"nothing was saved.",
                    code="non_finite_number",
                    field=name,
                    key_result=kr.id,
                    sheet=where.sheet,
                    row=where.row,
                    cell=where.cell,
                )


def _save_settings(s: Session, tenant: str, settings: Settings, now: dt.datetime) -> None:
    """A workbook's Settings replace the tenant's; a workbook without any keeps the stored ones."""
    if settings == Settings() and s.get(SettingsRow, tenant) is not None:
        return
    values = {
        "quarter": settings.quarter,
        "fiscal_year_start_month": settings.fiscal_year_start_month,
        "thresholds": {
            **dataclasses.asdict(settings.thresholds),
            **({"holidays": [d.isoformat() for d in settings.holidays]} if settings.holidays else {}),
        },
        "updated_at": now,
    }
    row = s.get(SettingsRow, tenant)
    if row is None:
        s.execute(insert(SettingsRow.__table__).values(tenant_id=tenant, **values))
    else:
        s.execute(update(SettingsRow.__table__).where(SettingsRow.tenant_id == tenant).values(**values))
        s.expire(row)


def _team_values(team: Team) -> dict[str, Any]:
    return {
        "name": team.name,
        "lead": team.lead,
        "members": list(team.members),
        "checkin_weekday": team.checkin_weekday,
        "checkin_time": team.checkin_time,
        "timezone": team.timezone,
        "meeting_minutes": team.meeting_minutes,
        "parent": team.parent,
    }


def _upsert_teams(
    s: Session, tenant: str, explicit: Sequence[Team], referenced: Iterable[str], now: dt.datetime
) -> dict[str, int]:
    """Insert missing teams, update the ones the workbook describes; never delete. name_key -> pk."""
    existing = _team_pks(s, tenant)
    described = {text_key(t.name): t for t in explicit}
    wanted = dict(described)
    for name in referenced:
        wanted.setdefault(text_key(name), Team(name=name))
    fresh = bulk_insert(
        s,
        _T,
        ({"name_key": key, **_team_values(team)} for key, team in wanted.items() if key not in existing),
        constants={"tenant_id": tenant, "created_at": now, "updated_at": now},
    )
    changed = [
        {"id": existing[key], **_team_values(team), "updated_at": now}
        for key, team in described.items()
        if key in existing
    ]
    bulk_update(s, _T, changed, scope={"tenant_id": tenant})
    return _team_pks(s, tenant) if fresh else existing


def _team_pks(s: Session, tenant: str) -> dict[str, int]:
    return _pairs(s, select(_T.c.name_key, _T.c.id).where(_T.c.tenant_id == tenant))


def _place_unplaced(plan: SyncPlan, settings: Settings, now: dt.datetime) -> None:
    """A plan made without ``okr.periods`` (a direct caller) puts its new key results in today's quarter."""
    if not plan.quarters:
        plan.quarters = (quarter_of(now.date(), settings.fiscal_year_start_month).label,)
    for kr in plan.create:
        if kr.quarter is None:
            kr.quarter = plan.quarters[0]


def _objectives_in_periods(okrs: OkrSet, plan: SyncPlan) -> list[Objective]:
    """The workbook's objectives, each in its period: its own, the fiscal year its KRs span, or their quarter.

    An objective without a key result belongs to the workbook's first quarter.
    """
    fy_start = okrs.settings.fiscal_year_start_month
    spanned = annual_objectives(okrs.objectives, plan.merged, fy_start)
    quarters: dict[tuple[str, str], str] = {}
    for kr in plan.merged:
        if kr.quarter:
            quarters.setdefault((kr.team, kr.objective), kr.quarter)
    fallback = plan.quarters[0] if plan.quarters else ""
    return [
        o if o.period else dataclasses.replace(o, period=quarters.get((o.team, o.title), fallback)) for o in spanned
    ]


def _objective_key(team: str, period: str, title: str) -> tuple[str, str, str]:
    return (text_key(team), period, text_key(title))


def _objective_values(objective: Objective) -> dict[str, Any]:
    return {
        "title": objective.title,
        "type": str(objective.type),
        "ref": objective.ref,
        "aligns_to": objective.aligns_to,
        "weight": objective.weight,
    }


def _upsert_objectives(
    s: Session,
    tenant: str,
    explicit: Sequence[Objective],
    placed: Iterable[KeyResult],
    team_ids: dict[str, int],
    now: dt.datetime,
) -> dict[tuple[str, str, str], int]:
    """Insert missing objectives, update the described ones. (team key, period, title key) -> pk.

    ``explicit`` objectives carry their period; a placed key result's objective is the
    one of the same title in its quarter, or the annual one of its fiscal year.
    """
    existing = _objective_pks(s, tenant)
    described = {_objective_key(o.team, o.period or "", o.title): o for o in explicit}
    wanted = dict(described)
    for kr in placed:
        wanted.setdefault(
            _kr_objective_key(kr, described), Objective(team=kr.team, title=kr.objective, period=kr.quarter)
        )
    fresh = bulk_insert(
        s,
        _O,
        (
            {"team_id": team_ids[team_key], "title_key": title_key, "period": period, **_objective_values(objective)}
            for (team_key, period, title_key), objective in wanted.items()
            if (team_key, period, title_key) not in existing
        ),
        constants={"tenant_id": tenant, "created_at": now, "updated_at": now},
    )
    changed = [
        {"id": existing[key], **_objective_values(o), "updated_at": now}
        for key, o in described.items()
        if key in existing
    ]
    bulk_update(s, _O, changed, scope={"tenant_id": tenant})
    return _objective_pks(s, tenant) if fresh else existing


def _objective_pks(s: Session, tenant: str) -> dict[tuple[str, str, str], int]:
    query = (
        select(_T.c.name_key, _O.c.period, _O.c.title_key, _O.c.id)
        .join(_T, _T.c.id == _O.c.team_id)
        .where(_O.c.tenant_id == tenant, _T.c.tenant_id == tenant)
    )
    return {(team_key, period, title_key): pk for team_key, period, title_key, pk in s.execute(query)}


def _kr_objective_key(kr: KeyResult, objectives: Collection[tuple[str, str, str]]) -> tuple[str, str, str]:
    """The key of the objective a key result sits under: in its quarter, else its fiscal year's."""
    own = _objective_key(kr.team, kr.quarter or "", kr.objective)
    if own in objectives or not kr.quarter:
        return own
    annual = _objective_key(kr.team, fiscal_year_of(kr.quarter), kr.objective)
    if annual in objectives:
        return annual
    return own


def _assign_ids(created: Sequence[KeyResult], taken: Collection[str]) -> list[str]:
    """Random "KR-" + 6 upper-case hex ids, unique within the tenant; set on the plan's objects."""
    used = set(taken)
    ids: list[str] = []
    for kr in created:
        if kr.id and kr.id not in used:  # the workbook's own id, adopted by the merge
            used.add(kr.id)
            ids.append(kr.id)
            continue
        for _attempt in range(1000):
            candidate = f"KR-{secrets.token_hex(3).upper()}"
            if candidate not in used:
                break
        else:  # 16.7 million ids per tenant: only reachable when nearly all are taken
            raise Conflict("No free key result id is left for this tenant.", code="kr_ids_exhausted")
        used.add(candidate)
        ids.append(candidate)
        kr.id = candidate
    return ids


def _kr_values(kr: KeyResult) -> dict[str, Any]:
    return {
        "title": kr.title,
        "ref": kr.ref,
        "owner": kr.owner,
        "baseline": kr.baseline,
        "target": kr.target,
        "current": kr.current,
        "unit": kr.unit or "",
        "confidence": kr.confidence,
        "due": kr.due,
        "kind": str(kr.kind) if kr.kind is not None else None,
        "aligns_to": kr.aligns_to,
        "depends_on": list(kr.depends_on or ()),
        "notes": kr.notes or "",
        "weight": kr.weight,
        "quarter": kr.quarter,
        "continues": kr.continues,
    }


def _insert_key_results(
    s: Session,
    tenant: str,
    workbook_id: str,
    created: Sequence[KeyResult],
    objective_ids: dict[tuple[str, str, str], int],
    now: dt.datetime,
) -> None:
    rows = (
        {
            "public_id": kr.id,
            "objective_id": objective_ids[_kr_objective_key(kr, objective_ids)],
            **_kr_values(kr),
        }
        for kr in created
    )
    constants = {"tenant_id": tenant, "workbook_id": workbook_id, "created_at": now, "updated_at": now}
    bulk_insert(s, _K, rows, constants=constants)


def _pks_of(s: Session, tenant: str, ids: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in chunks(ids, CHUNK):
        query = select(_K.c.public_id, _K.c.id).where(_K.c.tenant_id == tenant, _K.c.public_id.in_(chunk))
        found.update(_pairs(s, query))
    return found


def _update_key_results(
    s: Session,
    tenant: str,
    workbook_id: str,
    plan: SyncPlan,
    merged_by_id: dict[str, KeyResult],
    objective_ids: dict[tuple[str, str, str], int],
    pks: dict[str, int],
    now: dt.datetime,
) -> None:
    """One executemany per set of changed columns."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for kr_id, changes in plan.update.items():
        kr = merged_by_id[kr_id]
        values = _kr_values(kr)
        row: dict[str, Any] = {name: values[name] for name in changes if name in values}
        if {"team", "objective"} & changes.keys():
            row["objective_id"] = objective_ids[_kr_objective_key(kr, objective_ids)]
        row |= {"updated_at": now, "workbook_id": workbook_id}
        groups.setdefault(tuple(sorted(row)), []).append({"id": pks[kr_id], **row})
    for rows in groups.values():
        bulk_update(s, _K, rows, scope={"tenant_id": tenant})


def _archive_and_restore(
    s: Session, tenant: str, plan: SyncPlan, merged_by_id: dict[str, KeyResult], now: dt.datetime
) -> None:
    archived_now = archived_ids(s, tenant)
    plan.archive[:] = [i for i in plan.archive if i not in archived_now and i not in merged_by_id]
    restore = [i for i in dict.fromkeys([*plan.restore, *(i for i in merged_by_id if i in archived_now)])]
    plan.restore[:] = [i for i in restore if i in archived_now]
    for ids, value in ((plan.archive, _naive(now)), (plan.restore, None)):
        for chunk in chunks(ids, CHUNK):
            s.execute(
                update(_K)
                .where(_K.c.tenant_id == tenant, _K.c.public_id.in_(chunk))
                .values(archived_at=value, updated_at=_naive(now))
            )


def _checkin_values(kr_pk: int, checkin: CheckIn) -> dict[str, Any]:
    return {
        "key_result_id": kr_pk,
        "at": _aware(checkin.at),
        "value": checkin.value,
        "confidence": checkin.confidence,
        "note": checkin.note or "",
        "source": checkin.source,
    }


def _insert_checkins(s: Session, tenant: str, plan: SyncPlan, new_ids: list[str], pks: dict[str, int]) -> None:
    rows = []
    for checkin in plan.checkins:
        if checkin.kr_id.startswith(NEW_PREFIX):
            checkin.kr_id = new_ids[int(checkin.kr_id[len(NEW_PREFIX) :])]
        rows.append(_checkin_values(pks[checkin.kr_id], checkin))
    bulk_insert(s, _C, rows, constants={"tenant_id": tenant})


def _replace_initiatives(
    s: Session, tenant: str, workbook_id: str, initiatives: Sequence[Initiative], merged: Sequence[KeyResult]
) -> None:
    """A workbook's initiatives are its own: replaced wholesale at each sync (KR refs resolved to ids)."""
    ids = {kr.id for kr in merged if kr.id}
    by_ref = {kr.ref.strip(): kr.id for kr in merged if kr.ref and kr.id}
    s.execute(
        delete(InitiativeRow.__table__).where(
            InitiativeRow.tenant_id == tenant, InitiativeRow.workbook_id == workbook_id
        )
    )
    rows = []
    for ini in initiatives:
        nid = normalise_id(ini.kr_ref)
        ref = nid if nid in ids else by_ref.get((ini.kr_ref or "").strip(), ini.kr_ref or "")
        rows.append({"kr_ref": ref, "title": ini.title, "owner": ini.owner, "status": ini.status or ""})
    bulk_insert(s, InitiativeRow.__table__, rows, constants={"tenant_id": tenant, "workbook_id": workbook_id})


def _save_snapshot(s: Session, tenant: str, workbook_id: str, plan: SyncPlan, now: dt.datetime) -> None:
    """The merged state becomes the next base; ids on duplicate rows keep their old base entry."""
    where = (WorkbookRow.tenant_id == tenant, WorkbookRow.workbook_id == workbook_id)
    row_id = s.scalar(select(WorkbookRow.id).where(*where))
    rows = {kr.id: _snapshot_values(kr) for kr in plan.merged if kr.id}
    duplicated = {
        p.location.key_result
        for p in plan.problems
        if p.rule == "sync.duplicate-id" and p.location.key_result is not None
    }
    if duplicated and row_id is not None:
        previous = s.scalar(select(WorkbookRow.snapshot).where(*where)) or {}
        if list(previous.get("fields") or ()) == list(_SNAPSHOT_FIELDS):
            old_rows = _snapshot_rows(previous)
            for kr_id in duplicated & old_rows.keys():
                rows.setdefault(kr_id, old_rows[kr_id])
    snapshot = {"fields": list(_SNAPSHOT_FIELDS), "rows": rows}
    if row_id is None:
        s.execute(
            insert(WorkbookRow.__table__).values(
                tenant_id=tenant, workbook_id=workbook_id, snapshot=snapshot, created_at=now, synced_at=now
            )
        )
    else:
        s.execute(
            update(WorkbookRow.__table__)
            .where(WorkbookRow.id == row_id, WorkbookRow.tenant_id == tenant)
            .values(snapshot=snapshot, synced_at=now)
        )


# Snapshot format: {"fields": [...], "rows": {kr_id: [value per field]}} -- compact and
# quick to read back for 100,000 key results; "fields" keeps old snapshots readable.
_SNAPSHOT_FIELDS = MERGED_FIELDS
_snapshot_get = attrgetter(*_SNAPSHOT_FIELDS)
_DUE, _KIND, _DEPENDS = (_SNAPSHOT_FIELDS.index(n) for n in ("due", "kind", "depends_on"))


def _snapshot_values(kr: KeyResult) -> list[Any]:
    values = list(_snapshot_get(kr))
    due, kind, depends = values[_DUE], values[_KIND], values[_DEPENDS]
    values[_DUE] = due.isoformat() if due else None
    values[_KIND] = str(kind) if kind is not None else None
    values[_DEPENDS] = list(depends) if depends else []
    return values


def _snapshot_rows(snapshot: dict[str, Any]) -> dict[str, Any]:
    return snapshot.get("rows") or {}


def _kr_from_snapshot(kr_id: str, names: Sequence[str], values: Sequence[Any], standard: bool) -> KeyResult:
    fields = dict(zip(names, values, strict=False))
    if not standard:  # written by another version: keep what this one knows
        fields = {k: v for k, v in fields.items() if k in _KR_FIELD_NAMES}
    fields["due"] = _date(fields.get("due"))
    fields["kind"] = _kind(fields.get("kind"))
    fields["depends_on"] = tuple(fields.get("depends_on") or ())
    fields["unit"] = fields.get("unit") or ""
    fields["notes"] = fields.get("notes") or ""
    return KeyResult(id=kr_id, location=Location(key_result=kr_id), **fields)


_KR_FIELD_NAMES = frozenset(f.name for f in dataclasses.fields(KeyResult)) - {"id", "location"}


# ---------------------------------------------------------------- row mapping


def _kr_select(tenant: str) -> Select[Any]:
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
            type_coerce(_K.c.due, String).label("due"),  # parsed by _date: much faster than the SQLite type
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


def _kr_from_row(row: Any) -> KeyResult:
    """A row of _kr_select, unpacked by position (attribute access per field is slow at 100k rows)."""
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
        _date(due),
        _kind(kind),
        aligns_to,
        _list(depends_on),
        notes or "",
        weight,
        quarter,
        continues,
        Location(team=team, objective=objective, key_result=public_id),
    )


def _date(value: str | dt.date | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):  # PostgreSQL drivers return dates
        return value
    return dt.date.fromisoformat(value[:10])


@functools.lru_cache(maxsize=4096)  # the same few dependency lists repeat on many rows
def _list(value: str | None) -> tuple[str, ...]:
    if not value or value == "[]":
        return ()
    return tuple(json.loads(value))


def _kind(value: str | None) -> KrKind | None:
    try:
        return KrKind(value) if value else None
    except ValueError:  # written by a newer version: let scoring infer it
        return None


def team_from_row(row: TeamRow) -> Team:
    """A stored team row as the domain's Team."""
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


def _load_objectives(
    s: Session, tenant: str, team_key: str | None, with_krs: set[int], quarter: str | None = None
) -> list[Objective]:
    """Objectives that hold a returned key result, or that hold none (and are of ``quarter``, if given)."""
    query = (
        select(ObjectiveRow, _T.c.name)
        .join(_T, _T.c.id == ObjectiveRow.team_id)
        .where(ObjectiveRow.tenant_id == tenant, _T.c.tenant_id == tenant)
        .order_by(ObjectiveRow.id)
    )
    used_query = select(_K.c.objective_id).where(_K.c.tenant_id == tenant).distinct()
    if team_key is not None:
        query = query.where(_T.c.name_key == team_key)
        team_objectives = (
            select(_O.c.id).join(_T, _T.c.id == _O.c.team_id).where(_O.c.tenant_id == tenant, _T.c.name_key == team_key)
        )
        used_query = used_query.where(_K.c.objective_id.in_(team_objectives))
    used = set(s.scalars(used_query))
    result = []
    for row, team in s.execute(query):
        empty_in_scope = row.id not in used and (quarter is None or period_contains(row.period, quarter))
        if row.id in with_krs or empty_in_scope:
            result.append(
                Objective(
                    team=team,
                    title=row.title,
                    type=ObjectiveType(row.type) if row.type in set(ObjectiveType) else ObjectiveType.COMMITTED,
                    ref=row.ref,
                    aligns_to=row.aligns_to,
                    weight=row.weight,
                    period=row.period,
                    location=Location(team=team, objective=row.title),
                )
            )
    return result


def _load_initiatives(s: Session, tenant: str, *, kr_refs: Collection[str] | None = None) -> list[Initiative]:
    """The tenant's initiatives (only those referring to one of ``kr_refs``, as written, if given)."""
    query = select(InitiativeRow).where(InitiativeRow.tenant_id == tenant).order_by(InitiativeRow.id)
    if kr_refs is None:
        rows = list(s.scalars(query))
    else:
        rows = []
        for chunk in chunks(sorted(kr_refs), CHUNK):
            rows.extend(s.scalars(query.where(InitiativeRow.kr_ref.in_(chunk))))
        rows.sort(key=attrgetter("id"))
    return [Initiative(kr_ref=r.kr_ref, title=r.title, owner=r.owner, status=r.status) for r in rows]


def _finding_values(key: str, finding: Finding, now: dt.datetime) -> dict[str, Any]:
    loc = finding.location
    return {
        "key": key,
        "team_key": text_key(loc.team) if loc.team is not None else None,
        "rule": finding.rule,
        "pitfall": finding.pitfall,
        "severity": str(finding.severity),
        "location": loc.as_dict(),
        "message": finding.message,
        "suggestion": finding.suggestion or "",
        "last_seen": now,
        "resolved_at": None,
    }


def _finding_from_row(row: FindingRow) -> Finding:
    known = set(Location.__slots__)
    location = Location(**{k: v for k, v in (row.location or {}).items() if k in known})
    try:
        severity = Severity(row.severity)
    except ValueError:
        severity = Severity.WARNING
    return Finding(
        rule=row.rule,
        pitfall=row.pitfall,
        severity=severity,
        location=location,
        message=row.message,
        suggestion=row.suggestion,
    )


def _check_checkin(value: float | None, confidence: float | None, source: str) -> None:
    if value is not None and (isinstance(value, bool) or not math.isfinite(value)):
        raise RequestError(f"The check-in value {value!r} is not a number.", code="bad_value", field="value")
    if confidence is not None and (not math.isfinite(confidence) or not 0.0 <= confidence <= 1.0):
        raise RequestError(
            f"Confidence must be between 0 and 1, not {confidence!r}.", code="bad_confidence", field="confidence"
        )
    if source not in SOURCES:
        raise RequestError(
            f"Unknown check-in source {source!r}; use one of {', '.join(sorted(SOURCES))}.",
            code="bad_source",
            field="source",
        )


# ---------------------------------------------------------------- small helpers


def _pairs(s: Session, query: Select[Any]) -> dict[Any, Any]:
    """A two-column query as a dict."""
    return {key: value for key, value in s.execute(query)}


def _aware(value: dt.datetime) -> dt.datetime:
    """A UTC-aware datetime (naive input is taken as UTC)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _naive(value: dt.datetime) -> dt.datetime:
    """UTC without tzinfo, for comparisons in SQL against stored (naive UTC) columns."""
    return _aware(value).replace(tzinfo=None)


def _start_of(value: dt.datetime | dt.date) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
