"""One page of the teams that have key results in a quarter: how many there are, which are on the
page, and those teams' OKRs -- read for that page only.

A listing that loaded and scored every team of a tenant to cut a page out of the result cost the
whole tenant on every page. Here the database counts and pages: the order is the teams' names in
code-point order (what Python's ``sorted`` gives), which is byte order of UTF-8 on both SQLite
(BINARY, its default) and PostgreSQL (``COLLATE "C"``), so it is defined without scoring anything
and pages neither overlap nor skip a team, whichever database holds them.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from addin.okr.model import Location, Objective, ObjectiveType, OkrSet
from addin.store import checkins, okr_sets
from addin.store.rows import TEAM_COLUMNS, kr_from_row, kr_select, team_from_row  # the key result query and row mapping
from addin.store.tables import KeyResultRow, ObjectiveRow, TeamRow

_K = KeyResultRow.__table__
_O = ObjectiveRow.__table__
_T = TeamRow.__table__


def count_teams(s: Session, tenant: str, quarter: str) -> int:
    """How many teams have key results (not archived) in this quarter."""
    return s.scalar(select(func.count()).select_from(_T).where(*_listed(tenant, quarter))) or 0


def page_of_teams(s: Session, tenant: str, quarter: str, *, offset: int, limit: int) -> list[int]:
    """The stored ids of the teams on this page (by name, code-point order), in that order."""
    query = (
        select(_T.c.id)
        .where(*_listed(tenant, quarter))
        .order_by(_in_code_point_order(s, _T.c.name), _T.c.id)
        .offset(offset)
        .limit(limit)
    )
    return list(s.scalars(query))


def load_teams_okrs(s: Session, tenant: str, quarter: str, team_ids: Collection[int]) -> OkrSet:
    """These teams' key results of the quarter (not archived), the objectives holding them, their
    check-ins, the teams themselves and the tenant's settings: nothing of any other team."""
    ids = sorted(team_ids)
    if not ids:
        return OkrSet(settings=okr_sets.load_settings(s, tenant))
    kr_query = (
        kr_select(tenant).where(_T.c.id.in_(ids), _K.c.quarter == quarter, _K.c.archived_at.is_(None)).order_by(_K.c.id)
    )
    rows = s.execute(kr_query).all()
    key_results = [kr_from_row(row) for row in rows]
    objective_query = (
        select(ObjectiveRow, _T.c.name)
        .join(_T, _T.c.id == ObjectiveRow.team_id)
        .where(ObjectiveRow.tenant_id == tenant, _T.c.tenant_id == tenant)
        .where(ObjectiveRow.id.in_(sorted({row.objective_id for row in rows})))
        .order_by(ObjectiveRow.id)
    )
    teams = s.execute(select(*TEAM_COLUMNS).where(_T.c.tenant_id == tenant, _T.c.id.in_(ids))).all()
    return OkrSet(
        settings=okr_sets.load_settings(s, tenant),
        teams=sorted((team_from_row(row) for row in teams), key=lambda team: team.name),  # the page's order
        objectives=[_objective(row, team) for row, team in s.execute(objective_query).all()],
        key_results=key_results,
        checkins=checkins.list_checkins(s, tenant, kr_ids=[kr.id for kr in key_results if kr.id]),
    )


def _listed(tenant: str, quarter: str) -> tuple[ColumnElement[bool], ...]:
    """Teams of the tenant with a key result (not archived) in the quarter."""
    with_key_results = (
        select(_O.c.team_id)
        .join(_K, _K.c.objective_id == _O.c.id)
        .where(_O.c.tenant_id == tenant, _K.c.tenant_id == tenant, _K.c.quarter == quarter)
        .where(_K.c.archived_at.is_(None))
    )
    return (_T.c.tenant_id == tenant, _T.c.id.in_(with_key_results))


def _in_code_point_order(s: Session, column: Any) -> Any:
    # PostgreSQL sorts by the database's locale unless told otherwise; SQLite compares bytes already
    return column.collate("C") if s.get_bind().dialect.name == "postgresql" else column


def _objective(row: ObjectiveRow, team: str) -> Objective:
    return Objective(
        team=team,
        title=row.title,
        type=ObjectiveType(row.type) if row.type in set(ObjectiveType) else ObjectiveType.COMMITTED,
        ref=row.ref,
        aligns_to=row.aligns_to,
        weight=row.weight,
        period=row.period,
        location=Location(team=team, objective=row.title),
    )
