"""Where a sync puts what it writes: each key result in a quarter, each objective in its period
and row, and each new key result under a new id.

New key results without a quarter go into today's; an objective's period is its own, the
fiscal year its key results span, or their quarter; objectives are inserted or updated by
(team, period, title), and a key result finds its objective in its quarter or else in its
fiscal year. New key results get random ids unique within the tenant. ``sync_writes`` writes
the rows with these keys.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from addin.errors import Conflict
from addin.okr.merge import SyncPlan
from addin.okr.model import KeyResult, Objective, OkrSet, Settings
from addin.okr.periods import annual_objectives, fiscal_year_of
from addin.okr.quarters import quarter_of
from addin.store.bulk import bulk_insert, bulk_update
from addin.store.tables import ObjectiveRow, TeamRow, text_key

_O = ObjectiveRow.__table__
_T = TeamRow.__table__


def place_unplaced(plan: SyncPlan, settings: Settings, now: dt.datetime) -> None:
    """A plan made without ``okr.periods`` (a direct caller) puts its new key results in today's quarter."""
    if not plan.quarters:
        plan.quarters = (quarter_of(now.date(), settings.fiscal_year_start_month).label,)
    for kr in plan.create:
        if kr.quarter is None:
            kr.quarter = plan.quarters[0]


def objectives_in_periods(okrs: OkrSet, plan: SyncPlan) -> list[Objective]:
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


def upsert_objectives(
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
            kr_objective_key(kr, described), Objective(team=kr.team, title=kr.objective, period=kr.quarter)
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


def kr_objective_key(kr: KeyResult, objectives: Collection[tuple[str, str, str]]) -> tuple[str, str, str]:
    """The key of the objective a key result sits under: in its quarter, else its fiscal year's."""
    own = _objective_key(kr.team, kr.quarter or "", kr.objective)
    if own in objectives or not kr.quarter:
        return own
    annual = _objective_key(kr.team, fiscal_year_of(kr.quarter), kr.objective)
    if annual in objectives:
        return annual
    return own


def assign_ids(created: Sequence[KeyResult], taken: Collection[str]) -> list[str]:
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
