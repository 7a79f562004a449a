"""Dependency answers: the depended-on team's accept or decline (with a note) of another team's
key result's dependency on it, kept per quarter; and the stored findings an answer changes.

One row per (tenant, quarter, dependent KR id, depended-on team); answering again replaces the
answer (the audit trail keeps every one). The team is matched by its name key, as teams are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable

from sqlalchemy import Index, String, UniqueConstraint, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from addin.okr.history import finding_key
from addin.okr.merge import normalise_id
from addin.okr.model import AnswerState, DependencyAnswer, Finding
from addin.store import versions
from addin.store.findings import finding_values
from addin.store.tables import (
    KEY_LEN,
    KR_ID_LEN,
    PERIOD_LEN,
    TENANT_LEN,
    Base,
    CleanString,
    CleanText,
    FindingRow,
    KeyResultRow,
    PrimaryKey,
    UtcDateTime,
    text_key,
)

STATE_LEN = 10
OBJECT_ID_LEN = 64


class DependencyAnswerRow(Base):
    __tablename__ = "dependency_answers"
    __table_args__ = (
        UniqueConstraint("tenant_id", "quarter", "kr_id", "team_key"),
        Index("ix_dependency_answers_tenant_id_quarter", "tenant_id", "quarter"),
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(TENANT_LEN))
    quarter: Mapped[str] = mapped_column(String(PERIOD_LEN))  # the dependent KR's quarter
    kr_id: Mapped[str] = mapped_column(CleanString(KR_ID_LEN))  # the dependent KR
    team: Mapped[str] = mapped_column(CleanText())  # the depended-on team, as stored
    team_key: Mapped[str] = mapped_column(String(KEY_LEN))  # tables.text_key(team)
    state: Mapped[str] = mapped_column(String(STATE_LEN))  # accepted | declined
    note: Mapped[str] = mapped_column(CleanText(), default="")
    answered_by: Mapped[str] = mapped_column(CleanText(), default="")  # e-mail, else display name
    answered_by_oid: Mapped[str] = mapped_column(String(OBJECT_ID_LEN))
    answered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


def save_answer(s: Session, tenant: str, answer: DependencyAnswer, *, actor_oid: str) -> None:
    """Keep ``answer`` as the team's answer to the KR's dependency (replacing an earlier one)."""
    versions.touch(s, tenant)  # a team's page shows the answer: it is rebuilt after this commits
    if answer.quarter is None:
        raise ValueError("a stored answer belongs to its key result's quarter")
    kr_id = normalise_id(answer.kr_id) or answer.kr_id
    where = (
        DependencyAnswerRow.tenant_id == tenant,
        DependencyAnswerRow.quarter == answer.quarter,
        DependencyAnswerRow.kr_id == kr_id,
        DependencyAnswerRow.team_key == text_key(answer.team),
    )
    values = {
        "team": answer.team,
        "state": str(answer.state),
        "note": answer.note,
        "answered_by": answer.answered_by,
        "answered_by_oid": actor_oid,
        "answered_at": answer.answered_at,
    }
    row_id = s.scalar(select(DependencyAnswerRow.id).where(*where))
    table = DependencyAnswerRow.__table__
    if row_id is None:
        s.execute(
            insert(table).values(
                tenant_id=tenant, quarter=answer.quarter, kr_id=kr_id, team_key=text_key(answer.team), **values
            )
        )
    else:
        s.execute(update(table).where(DependencyAnswerRow.id == row_id).values(**values))


def load_answers(s: Session, tenant: str, *, quarter: str | None = None) -> list[DependencyAnswer]:
    """The tenant's answers (one quarter's, if given), oldest first."""
    query = select(DependencyAnswerRow).where(DependencyAnswerRow.tenant_id == tenant)
    if quarter is not None:
        query = query.where(DependencyAnswerRow.quarter == quarter)
    return [_answer(row) for row in s.scalars(query.order_by(DependencyAnswerRow.id))]


def _answer(row: DependencyAnswerRow) -> DependencyAnswer:
    try:
        state = AnswerState(row.state)
    except ValueError:  # written by a newer version: not an answer this one understands
        state = AnswerState.DECLINED
    return DependencyAnswer(row.kr_id, row.team, state, row.note, row.answered_by, row.answered_at, row.quarter)


def kr_quarter(s: Session, tenant: str, kr_id: str) -> str | None:
    """The quarter of a stored key result that is not archived (None: no such KR for this tenant)."""
    return s.scalar(
        select(KeyResultRow.quarter).where(
            KeyResultRow.tenant_id == tenant,
            KeyResultRow.public_id == (normalise_id(kr_id) or ""),
            KeyResultRow.archived_at.is_(None),
        )
    )


def refresh_findings(
    s: Session,
    tenant: str,
    *,
    quarter: str,
    kr_id: str,
    rules: Collection[str],
    findings: Iterable[Finding],
    now: dt.datetime,
) -> None:
    """Bring one key result's stored findings of ``rules`` in ``quarter`` up to ``findings`` (the
    linter's current ones for it): new ones recorded, open ones no longer reported resolved, a
    resolved one reported again reopened -- what a sync does, for what an answer changes."""
    table = FindingRow.__table__
    wanted = normalise_id(kr_id)
    rows = s.execute(
        select(FindingRow.id, FindingRow.key, FindingRow.location, FindingRow.resolved_at).where(
            FindingRow.tenant_id == tenant, FindingRow.quarter == quarter, FindingRow.rule.in_(sorted(rules))
        )
    ).all()
    mine = {row.key: row for row in rows if normalise_id(str((row.location or {}).get("key_result") or "")) == wanted}
    current = {finding_key(f, quarter): f for f in findings}
    for key, finding in current.items():
        values = finding_values(finding, now)
        if key in mine:
            s.execute(update(table).where(FindingRow.id == mine[key].id).values(**values))
        else:
            s.execute(insert(table).values(tenant_id=tenant, key=key, quarter=quarter, first_seen=now, **values))
    gone = [row.id for key, row in mine.items() if key not in current and row.resolved_at is None]
    if gone:
        s.execute(update(table).where(FindingRow.id.in_(gone)).values(resolved_at=now))


__all__ = [
    "DependencyAnswerRow",
    "kr_quarter",
    "load_answers",
    "refresh_findings",
    "save_answer",
]
