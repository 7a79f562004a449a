"""Calendar feed tokens in the store: only their hash is kept; rotating and revoking stop the old one."""

from __future__ import annotations

import datetime as dt
import hashlib

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from addin.store import feeds
from addin.store.db import Database
from addin.store.feeds import FeedRow, find_by_token, hash_token, issue, revoke, team_feed

NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)


def _all_stored_text(database: Database) -> str:
    with database.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM calendar_feeds")).all()
    return repr(rows)


def test_only_the_hash_of_a_token_is_stored(database: Database) -> None:
    with database.transaction() as s:
        token, record, replaced = issue(s, "t1", "Growth", now=NOW, by="oid-1")

    assert len(token) == 43 and feeds.TOKEN_PATTERN.fullmatch(token)
    assert not replaced and record.active and record.created_by == "oid-1"
    stored = _all_stored_text(database)
    assert token not in stored
    assert hashlib.sha256(token.encode()).hexdigest() in stored
    with database.read() as s:
        found = find_by_token(s, token)
    assert found is not None and (found.tenant, found.team, found.created_at) == ("t1", "Growth", NOW)


def test_rotating_stops_the_old_token_and_revoking_the_new(database: Database) -> None:
    with database.transaction() as s:
        old, _, _ = issue(s, "t1", "Growth", now=NOW, by="oid-1")
    with database.transaction() as s:
        new, record, replaced = issue(s, "t1", " growth ", now=NOW + dt.timedelta(hours=1), by="oid-2")
    assert replaced and new != old

    with database.read() as s:
        assert find_by_token(s, old) is None
        assert find_by_token(s, new) is not None
    with database.transaction() as s:
        gone = revoke(s, "t1", "Growth", now=NOW + dt.timedelta(hours=2), by="oid-3")
        assert revoke(s, "t1", "Growth", now=NOW, by="oid-3") is None  # nothing left to revoke
    assert gone is not None and not gone.active and gone.revoked_by == "oid-3"
    with database.read() as s:
        assert find_by_token(s, new) is None
        kept = team_feed(s, "t1", "GROWTH")
    assert kept is not None and not kept.active and kept.revoked_at == NOW + dt.timedelta(hours=2)

    with database.transaction() as s:  # a revoked feed can be opened again, with a new token
        again, _, replaced = issue(s, "t1", "Growth", now=NOW + dt.timedelta(hours=3), by="oid-1")
    assert not replaced
    with database.read() as s:
        assert find_by_token(s, again) is not None and find_by_token(s, new) is None


def test_a_token_names_its_own_tenant_and_team_only(database: Database) -> None:
    with database.transaction() as s:
        token_a, _, _ = issue(s, "tenant-a", "Growth", now=NOW, by=None)
        token_b, _, _ = issue(s, "tenant-b", "Growth", now=NOW, by=None)
    with database.read() as s:
        a, b = find_by_token(s, token_a), find_by_token(s, token_b)
        assert team_feed(s, "tenant-c", "Growth") is None
    assert a is not None and b is not None
    assert (a.tenant, b.tenant) == ("tenant-a", "tenant-b")
    assert token_a != token_b


def test_text_that_is_not_a_token_is_never_looked_up(database: Database) -> None:
    with database.transaction() as s:
        token, _, _ = issue(s, "t1", "Growth", now=NOW, by=None)
    with database.read() as s:
        for guess in (
            "",
            token[:-1],
            token + "A",
            token.upper() if token.upper() != token else token.lower(),
            "' OR 1=1 --" + "x" * 32,
            hash_token(token),
            "ü" * 43,
        ):
            assert find_by_token(s, guess) is None, guess


def test_the_feeds_table_matches_its_migration(database: Database) -> None:
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = [d for d in compare_metadata(context, FeedRow.metadata) if FeedRow.__tablename__ in repr(d)]
    assert diffs == []
