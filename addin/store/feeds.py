"""Calendar feeds: the secret that lets a calendar app read one team's meetings without signing in.

One row per (tenant, team). The token itself is never stored: it is shown once, when it is
made, and the row keeps its SHA-256. A token is 32 random bytes (``secrets.token_urlsafe``),
so a plain hash is enough (nobody can search 2**256 inputs for a match, so no salt or slow
hash is needed), and looking a token up means hashing what the caller sent and finding that
hash: the comparison never runs over the secret itself. Rotating replaces the hash (the old
token stops at once); revoking clears it and keeps who and when.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import Integer, String, UniqueConstraint, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from addin.store.tables import KEY_LEN, TENANT_LEN, Base, CleanString, CleanText, UtcDateTime, text_key

TOKEN_BYTES = 32
# what secrets.token_urlsafe(32) gives: 43 characters of the URL-safe base64 alphabet
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
ACTOR_LEN = 64


@dataclass(frozen=True, slots=True)
class FeedRecord:
    """A team's feed as stored (never the token)."""

    tenant: str
    team: str
    created_at: dt.datetime  # when the current (or last) token was made
    created_by: str | None  # the object id of who made it
    revoked_at: dt.datetime | None = None
    revoked_by: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class FeedRow(Base):
    __tablename__ = "calendar_feeds"
    __table_args__ = (UniqueConstraint("tenant_id", "team_key"), UniqueConstraint("token_hash"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(TENANT_LEN))
    team: Mapped[str] = mapped_column(CleanText())
    team_key: Mapped[str] = mapped_column(String(KEY_LEN))  # tables.text_key, as teams.name_key
    token_hash: Mapped[str | None] = mapped_column(String(KEY_LEN), nullable=True)  # None: revoked
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str | None] = mapped_column(CleanString(ACTOR_LEN), nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(CleanString(ACTOR_LEN), nullable=True)


def hash_token(token: str) -> str:
    """The SHA-256 (hex) a token is stored and looked up by."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def issue(s: Session, tenant: str, team: str, *, now: dt.datetime, by: str | None) -> tuple[str, FeedRecord, bool]:
    """Make a new token for the team's feed: (token, record, whether an active one was replaced).

    The token is returned here and nowhere else; an older token stops working in the same
    transaction."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    key = text_key(team)
    row = _row(s, tenant, key)
    values = {"team": team, "token_hash": hash_token(token), "created_at": now, "created_by": by}
    values |= {"revoked_at": None, "revoked_by": None}
    if row is None:
        s.execute(insert(FeedRow.__table__).values(tenant_id=tenant, team_key=key, **values))
        replaced = False
    else:
        replaced = row.token_hash is not None
        s.execute(update(FeedRow.__table__).where(FeedRow.id == row.id).values(**values))
    return token, FeedRecord(tenant, team, now, by), replaced


def revoke(s: Session, tenant: str, team: str, *, now: dt.datetime, by: str | None) -> FeedRecord | None:
    """Stop the team's feed (its URL answers 404 from now on); None when it has no active feed."""
    row = _row(s, tenant, text_key(team))
    if row is None or row.token_hash is None:
        return None
    s.execute(
        update(FeedRow.__table__).where(FeedRow.id == row.id).values(token_hash=None, revoked_at=now, revoked_by=by)
    )
    return FeedRecord(tenant, row.team, row.created_at, row.created_by, now, by)


def team_feed(s: Session, tenant: str, team: str) -> FeedRecord | None:
    """The team's feed, active or revoked (None when it never had one)."""
    row = _row(s, tenant, text_key(team))
    return None if row is None else _record(row)


def find_by_token(s: Session, token: str) -> FeedRecord | None:
    """The active feed whose token this is, in whichever tenant; None for anything else.

    Malformed text is refused before the database is asked; the match is made on the hash
    (``compare_digest`` keeps even that comparison's time independent of where they differ)."""
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    wanted = hash_token(token)
    row = s.scalars(select(FeedRow).where(FeedRow.token_hash == wanted)).first()
    if row is None or row.token_hash is None or not hmac.compare_digest(row.token_hash, wanted):
        return None
    return _record(row)


def _row(s: Session, tenant: str, key: str) -> FeedRow | None:
    return s.scalars(select(FeedRow).where(FeedRow.tenant_id == tenant, FeedRow.team_key == key)).first()


def _record(row: FeedRow) -> FeedRecord:
    return FeedRecord(row.tenant_id, row.team, row.created_at, row.created_by, row.revoked_at, row.revoked_by)
