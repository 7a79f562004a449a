"""Migration 0009: the calendar feeds table comes and goes without touching anything stored before."""

from __future__ import annotations

import datetime as dt

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from addin.store import feeds, okr_sets
from addin.store.db import Database, alembic_config

REVISION = "0009_calendar_feeds"
NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)


def _migrate(database: Database, revision: str, *, down: bool = False) -> None:
    cfg = alembic_config()
    with database.engine.connect() as connection:  # as Database.create_schema does
        cfg.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(cfg, revision)


def _before() -> str:
    """The revision 0009 follows (whatever the chain says, so a re-chained 0008 is honoured)."""
    revision = ScriptDirectory.from_config(alembic_config()).get_revision(REVISION)
    assert revision is not None and isinstance(revision.down_revision, str)
    return revision.down_revision


def _tables(database: Database) -> set[str]:
    with database.engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def test_up_down_and_up_again_keeps_what_was_stored(empty_database: Database) -> None:
    _migrate(empty_database, _before())
    assert "calendar_feeds" not in _tables(empty_database)
    with empty_database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO teams (tenant_id, name, name_key, members, checkin_weekday, checkin_time, "
                "timezone, meeting_minutes, created_at, updated_at) VALUES ('t1', 'Growth', 'k', '[]', 0, "
                "'10:00:00', 'UTC', 30, :at, :at)"
            ),
            {"at": NOW.replace(tzinfo=None)},
        )

    _migrate(empty_database, REVISION)
    assert "calendar_feeds" in _tables(empty_database)
    with empty_database.transaction() as s:
        token, _, _ = feeds.issue(s, "t1", "Growth", now=NOW, by="oid")
    with empty_database.read() as s:
        assert feeds.find_by_token(s, token) is not None

    _migrate(empty_database, _before(), down=True)
    assert "calendar_feeds" not in _tables(empty_database)
    with empty_database.read() as s:
        assert [t.name for t in okr_sets.list_teams(s, "t1")] == ["Growth"]

    _migrate(empty_database, "head")
    with empty_database.read() as s:
        assert feeds.find_by_token(s, token) is None  # a downgrade drops feeds: their URLs are gone
    with empty_database.transaction() as s:
        again, _, replaced = feeds.issue(s, "t1", "Growth", now=NOW, by="oid")
    assert not replaced and again != token


def test_the_token_hash_is_unique_on_the_database(empty_database: Database) -> None:
    _migrate(empty_database, "head")
    with empty_database.engine.connect() as conn:
        uniques = inspect(conn).get_unique_constraints("calendar_feeds")
    assert {tuple(u["column_names"]) for u in uniques} == {("token_hash",), ("tenant_id", "team_key")}
