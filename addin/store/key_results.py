"""This tenant's key results as stored: read by id, counted, and which teams and quarters have any.

Reads only: the sync writes key results (``sync_writes``). Archived key results stay in the
store, told apart by ``archived_at``, because a workbook that brings one back restores it.
Every query filters by the tenant: another tenant's ids behave like ids that do not exist.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from addin.okr.model import KeyResult
from addin.store.rows import kr_from_row, kr_select
from addin.store.tables import KeyResultRow, ObjectiveRow, TeamRow, text_key

_K = KeyResultRow.__table__
_O = ObjectiveRow.__table__
_T = TeamRow.__table__


def load_key_results(
    s: Session, tenant: str, *, include_archived: bool = True, quarter: str | None = None, team: str | None = None
) -> dict[str, KeyResult]:
    """This tenant's key results by id (archived ones too, unless told otherwise; one quarter's, one team's if given)."""
    query = kr_select(tenant)
    if not include_archived:
        query = query.where(_K.c.archived_at.is_(None))
    if quarter is not None:
        query = query.where(_K.c.quarter == quarter)
    if team is not None:
        query = query.where(_T.c.name_key == text_key(team))
    # keyed by the row's public_id (its first column, NOT NULL), which kr_from_row makes the key result's id:
    # KeyResult.id itself is optional (a new row has none yet)
    return {row[0]: kr_from_row(row) for row in s.execute(query.order_by(_K.c.id)).all()}


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


def archived_ids(s: Session, tenant: str) -> set[str]:
    """Ids of this tenant's archived key results."""
    query = select(_K.c.public_id).where(_K.c.tenant_id == tenant, _K.c.archived_at.is_not(None))
    return set(s.scalars(query))
