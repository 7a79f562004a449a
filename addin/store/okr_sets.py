"""A tenant's OKRs read back as the domain's ``OkrSet`` (the whole tenant's, one team's, one quarter's).

An OKR set holds the settings, teams, objectives, key results, initiatives and check-ins
together; it is what the reports, the cadence and the status pages read. For one team only
what refers to its key results is read, so a team's view does not cost the whole tenant's.
``load_settings`` and ``list_teams`` are here too: a set carries both, and callers that need
only them read them alone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Sequence
from operator import attrgetter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from addin.okr.merge import normalise_id
from addin.okr.model import Initiative, Location, Objective, ObjectiveType, OkrSet, Settings, Team, Thresholds
from addin.okr.periods import period_contains
from addin.store.bulk import CHUNK, chunks
from addin.store.checkins import list_checkins
from addin.store.rows import TEAM_COLUMNS, kr_from_row, kr_select, team_from_row
from addin.store.tables import InitiativeRow, KeyResultRow, ObjectiveRow, SettingsRow, TeamRow, text_key

_K = KeyResultRow.__table__
_O = ObjectiveRow.__table__
_T = TeamRow.__table__
_I = InitiativeRow.__table__


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
    kr_query = kr_select(tenant)
    if not include_archived:
        kr_query = kr_query.where(_K.c.archived_at.is_(None))
    if team_key is not None:
        kr_query = kr_query.where(_T.c.name_key == team_key)
    if quarter is not None:
        kr_query = kr_query.where(_K.c.quarter == quarter)
    kr_rows = s.execute(kr_query.order_by(_K.c.id)).all()
    key_results = [kr_from_row(row) for row in kr_rows]
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


def load_settings(s: Session, tenant: str) -> Settings:
    """This tenant's settings (defaults when none were saved)."""
    row = s.get(SettingsRow, tenant)
    if row is None:
        return Settings()
    known = {f.name for f in dataclasses.fields(Thresholds)}
    thresholds = Thresholds(**{k: v for k, v in (row.thresholds or {}).items() if k in known})
    # holidays ride in the settings' JSON (no column of their own yet): see sync_writes._save_settings
    holidays = tuple(dt.date.fromisoformat(d) for d in (row.thresholds or {}).get("holidays") or ())
    return Settings(
        quarter=row.quarter,
        fiscal_year_start_month=row.fiscal_year_start_month,
        thresholds=thresholds,
        holidays=holidays,
    )


def list_teams(s: Session, tenant: str) -> list[Team]:
    """This tenant's teams, by name (sorted here: database collations differ)."""
    rows = s.execute(select(*TEAM_COLUMNS).where(_T.c.tenant_id == tenant).order_by(_T.c.id)).all()
    return sorted((team_from_row(row) for row in rows), key=lambda t: (t.name.casefold(), t.name))


def _load_objectives(
    s: Session, tenant: str, team_key: str | None, with_krs: set[int], quarter: str | None = None
) -> list[Objective]:
    """Objectives that hold a returned key result, or that hold none (and are of ``quarter``, if given)."""
    # rows, not ORM objects: a team page reads them on every data version, and nothing here writes them back
    query = (
        select(_O.c.id, _O.c.title, _O.c.type, _O.c.ref, _O.c.aligns_to, _O.c.weight, _O.c.period, _T.c.name)
        .join(_T, _T.c.id == _O.c.team_id)
        .where(_O.c.tenant_id == tenant, _T.c.tenant_id == tenant)
        .order_by(_O.c.id)
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
    types = {t.value: t for t in ObjectiveType}
    for row in s.execute(query).all():
        team = row.name
        empty_in_scope = row.id not in used and (quarter is None or period_contains(row.period, quarter))
        if row.id in with_krs or empty_in_scope:
            result.append(
                Objective(
                    team=team,
                    title=row.title,
                    type=types.get(row.type, ObjectiveType.COMMITTED),
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
    query = select(_I.c.id, _I.c.kr_ref, _I.c.title, _I.c.owner, _I.c.status).where(_I.c.tenant_id == tenant)
    query = query.order_by(_I.c.id)
    rows: list[Any] = []
    if kr_refs is None:
        rows = list(s.execute(query).all())
    else:
        for chunk in chunks(sorted(kr_refs), CHUNK):
            rows.extend(s.execute(query.where(_I.c.kr_ref.in_(chunk))).all())
        rows.sort(key=attrgetter("id"))
    return [Initiative(kr_ref=r.kr_ref, title=r.title, owner=r.owner, status=r.status) for r in rows]
