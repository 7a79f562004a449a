"""A workbook's sync written to the store: ``okr.merge``'s plan applied in the caller's transaction.

Under the tenant's sync lock (two syncs of one tenant never interleave) it writes the
settings, teams, key results created, changed, archived and restored, check-ins and
initiatives, then the next merge base. Bulk writes use Core executemany in chunks (no
per-row ORM flush), so a sync of 100,000 key results stays a matter of seconds. Where the
objectives and new ids come from is ``sync_objectives``; nothing here commits.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.orm import Session

from addin.errors import InputError
from addin.okr.merge import NEW_PREFIX, SyncPlan, latest_checkins, normalise_id, plan_sync
from addin.okr.model import Initiative, KeyResult, OkrSet, Settings, Team
from addin.okr.periods import link_rows, place_in_quarters
from addin.okr.quarters import Quarter, quarter_of
from addin.store import versions
from addin.store.bulk import CHUNK, bulk_insert, bulk_update, chunks
from addin.store.checkins import checkin_values, last_checkin_times
from addin.store.db import advisory_lock
from addin.store.key_results import archived_ids, load_key_results
from addin.store.rows import aware, naive, pairs
from addin.store.sync_objectives import (
    assign_ids,
    kr_objective_key,
    objectives_in_periods,
    place_unplaced,
    upsert_objectives,
)
from addin.store.tables import CheckInRow, InitiativeRow, KeyResultRow, SettingsRow, TeamRow, text_key
from addin.store.workbooks import load_snapshot, save_snapshot

_K = KeyResultRow.__table__
_T = TeamRow.__table__
_C = CheckInRow.__table__


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
    now = aware(now)
    _check_numbers(plan)
    versions.touch(s, tenant)
    # PostgreSQL: one sync per tenant at a time, so two never insert the same team/objective
    # (re-entrant: sync_okrs already holds it). SQLite: BEGIN IMMEDIATE did this already.
    advisory_lock(s, "okr-sync", tenant)
    place_unplaced(plan, okrs.settings, now)
    merged_by_id = {kr.id: kr for kr in plan.merged if kr.id}
    _save_settings(s, tenant, okrs.settings, now)

    moved = (merged_by_id[i] for i, changes in plan.update.items() if {"team", "objective"} & changes.keys())
    placed = [*plan.create, *moved]  # key results that need their (team, objective) rows
    referenced = [kr.team for kr in placed] + [o.team for o in okrs.objectives]
    team_ids = _upsert_teams(s, tenant, okrs.teams, referenced, now)
    objectives = objectives_in_periods(okrs, plan)
    objective_ids = upsert_objectives(s, tenant, objectives, placed, team_ids, now)

    pks = pairs(s, select(_K.c.public_id, _K.c.id).where(_K.c.tenant_id == tenant))
    new_ids = assign_ids(plan.create, pks.keys())
    if new_ids:
        link_rows(plan.merged, set(new_ids))
    _insert_key_results(s, tenant, workbook_id, plan.create, objective_ids, now)
    if len(new_ids) > CHUNK:  # one scan beats many IN lists
        pks = pairs(s, select(_K.c.public_id, _K.c.id).where(_K.c.tenant_id == tenant))
    else:
        pks.update(_pks_of(s, tenant, new_ids))

    _update_key_results(s, tenant, workbook_id, plan, merged_by_id, objective_ids, pks, now)
    _archive_and_restore(s, tenant, plan, merged_by_id, now)
    _insert_checkins(s, tenant, plan, new_ids, pks)
    _replace_initiatives(s, tenant, workbook_id, okrs.initiatives, plan.merged)
    save_snapshot(s, tenant, workbook_id, plan, now)
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


_KR_FLOATS = ("baseline", "target", "current", "confidence", "weight")


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
    return pairs(s, select(_T.c.name_key, _T.c.id).where(_T.c.tenant_id == tenant))


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
            "objective_id": objective_ids[kr_objective_key(kr, objective_ids)],
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
        found.update(pairs(s, query))
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
            row["objective_id"] = objective_ids[kr_objective_key(kr, objective_ids)]
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
    for ids, value in ((plan.archive, naive(now)), (plan.restore, None)):
        for chunk in chunks(ids, CHUNK):
            s.execute(
                update(_K)
                .where(_K.c.tenant_id == tenant, _K.c.public_id.in_(chunk))
                .values(archived_at=value, updated_at=naive(now))
            )


def _insert_checkins(s: Session, tenant: str, plan: SyncPlan, new_ids: list[str], pks: dict[str, int]) -> None:
    rows = []
    for checkin in plan.checkins:
        if checkin.kr_id.startswith(NEW_PREFIX):
            checkin.kr_id = new_ids[int(checkin.kr_id[len(NEW_PREFIX) :])]
        rows.append(checkin_values(pks[checkin.kr_id], checkin))
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
