"""Each tenant's data version: a number that grows with every committed change to its OKRs.

A reader that reads the version *before* the data may keep what it built from that data
until the version moves (a team page is rebuilt only after the tenant's next write). The
store's write functions mark the tenant in their session (:func:`touch`); the version is
raised by ``Database.transaction()`` just before it commits, so the version row is locked
only for the commit itself and writers of one tenant do not queue behind each other's
long transactions. The number moves in the same transaction as the change: no reader sees
the new data under the old number once it is committed.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, String, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from addin.store.tables import TENANT_LEN, Base

_TOUCHED = "okr_touched_tenants"


class DataVersionRow(Base):
    __tablename__ = "data_versions"

    tenant_id: Mapped[str] = mapped_column(String(TENANT_LEN), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


def touch(s: Session, tenant: str) -> None:
    """This transaction changes the tenant's OKRs: its version moves when it commits."""
    s.info.setdefault(_TOUCHED, set()).add(tenant)


def current(s: Session, tenant: str) -> int:
    """The tenant's data version (0 before its first write)."""
    return s.scalar(select(DataVersionRow.version).where(DataVersionRow.tenant_id == tenant)) or 0


def raise_touched(s: Session) -> None:
    """Raise the version of every tenant this transaction touched (``Database.transaction`` calls it last)."""
    table = DataVersionRow.__table__
    dialect = postgresql if s.get_bind().dialect.name == "postgresql" else sqlite  # the two the store runs on
    for tenant in sorted(s.info.pop(_TOUCHED, ())):  # one order: two transactions never wait on each other
        s.execute(
            dialect.insert(table)
            .values(tenant_id=tenant, version=1)
            .on_conflict_do_update(index_elements=[table.c.tenant_id], set_={"version": table.c.version + 1})
        )
