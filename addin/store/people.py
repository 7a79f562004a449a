"""Who is who inside a tenant: e-mail / UPN bound to the object id of the person who first acted
with it, and the stored team facts the authority rules read (lead, members, KR owners)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String, UniqueConstraint, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from addin.okr.authority import Actor, email_key, team_key
from addin.okr.merge import normalise_id
from addin.okr.model import KeyResult, Team
from addin.store.rows import TEAM_COLUMNS, team_from_row
from addin.store.tables import (
    TENANT_LEN,
    Base,
    CleanString,
    KeyResultRow,
    ObjectiveRow,
    TeamRow,
    UtcDateTime,
)

OBJECT_ID_LEN = 64
EMAIL_LEN = 320


class PersonRow(Base):
    """An address bound to an object id: from then on only that account is that person."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("tenant_id", "email_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(TENANT_LEN))
    email_key: Mapped[str] = mapped_column(CleanString(EMAIL_LEN))
    object_id: Mapped[str] = mapped_column(String(OBJECT_ID_LEN))
    bound_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


def bindings(s: Session, tenant: str) -> dict[str, str]:
    """email_key -> object id for every bound address of the tenant."""
    rows = s.execute(select(PersonRow.email_key, PersonRow.object_id).where(PersonRow.tenant_id == tenant))
    return {row.email_key: row.object_id for row in rows}


def bind(s: Session, tenant: str, actor: Actor, *, now: dt.datetime) -> dict[str, str]:
    """Bind the actor's address to their object id if nobody holds it yet; the tenant's bindings."""
    known = bindings(s, tenant)
    key = email_key(actor.email)
    if key and key not in known and actor.object_id != "local":
        s.execute(
            insert(PersonRow.__table__).values(tenant_id=tenant, email_key=key, object_id=actor.object_id, bound_at=now)
        )
        known[key] = actor.object_id
    return known


def stored_teams(s: Session, tenant: str) -> dict[str, Team]:
    """The tenant's teams keyed by authority.team_key."""
    from addin.store.okr_sets import list_teams

    return {team_key(t.name): t for t in list_teams(s, tenant)}


def stored_team_of(s: Session, tenant: str, kr_id: str) -> tuple[KeyResult, Team] | None:
    """A key result's team, owner and id as stored (None when there is no such KR)."""
    nid = normalise_id(kr_id)
    row = s.execute(
        select(
            KeyResultRow.public_id,
            KeyResultRow.owner,
            KeyResultRow.title,
            ObjectiveRow.title.label("objective"),
            *TEAM_COLUMNS,  # not the ORM object: a check-in is the most frequent write
        )
        .join(ObjectiveRow, ObjectiveRow.id == KeyResultRow.objective_id)
        .join(TeamRow, TeamRow.id == ObjectiveRow.team_id)
        .where(KeyResultRow.tenant_id == tenant, KeyResultRow.public_id == nid)
    ).first()
    if row is None:
        return None
    team = team_from_row(row)  # its own team only: a check-in must not read the whole tenant's
    kr = KeyResult(team=team.name, objective=row.objective, title=row.title, id=row.public_id, owner=row.owner)
    return kr, team
