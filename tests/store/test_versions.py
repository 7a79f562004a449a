"""Each tenant's data version moves with every committed change to its OKRs, and only then."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect

from addin.errors import NotFound
from addin.store import checkins, key_results, okr_sets, sync_writes, versions, workbooks
from addin.store.db import Database, alembic_config
from tests.factories import LATER, NOW, okrset
from tests.factories import row_kr as kr


def _version(database: Database, tenant: str) -> int:
    with database.read() as s:
        return versions.current(s, tenant)


def _sync(database: Database, tenant: str, *krs) -> None:  # type: ignore[no-untyped-def]
    with database.transaction() as s:
        sync_writes.sync_okrs(s, tenant, workbooks.new_workbook_id(s, tenant), okrset(*krs), now=NOW)


def test_a_sync_and_a_check_in_move_their_tenants_version_only(database: Database) -> None:
    assert _version(database, "t1") == 0
    _sync(database, "t1", kr("Grow revenue", baseline=0, target=10))
    after_sync = _version(database, "t1")
    assert after_sync > 0 and _version(database, "t2") == 0
    with database.read() as s:
        (kr_id,) = key_results.load_key_results(s, "t1")
    with database.transaction() as s:
        checkins.record_checkin(s, "t1", kr_id, value=4, confidence=None, at=LATER, source="api")
    assert _version(database, "t1") > after_sync
    assert _version(database, "t2") == 0


def test_a_write_that_fails_and_a_read_leave_the_version_alone(database: Database) -> None:
    _sync(database, "t1", kr("Grow revenue", baseline=0, target=10))
    before = _version(database, "t1")
    with pytest.raises(NotFound), database.transaction() as s:
        checkins.record_checkin(s, "t1", "KR-NOPE", value=1, confidence=None, at=LATER, source="api")
    with database.transaction() as s:  # the sync's own store, but nothing written
        okr_sets.load_okrs(s, "t1")
    with database.read() as s:
        okr_sets.load_okrs(s, "t1")
    assert _version(database, "t1") == before


def test_migration_0010_adds_the_versions_and_downgrades(database: Database) -> None:
    _sync(database, "t1", kr("Grow revenue", baseline=0, target=10))
    cfg = alembic_config(database.url.render_as_string(hide_password=False))
    command.downgrade(cfg, "0009_calendar_feeds")
    try:
        assert "data_versions" not in inspect(database.engine).get_table_names()
        with database.read() as s:
            assert len(key_results.load_key_results(s, "t1")) == 1  # the OKRs are untouched
    finally:
        command.upgrade(cfg, "head")
    assert "data_versions" in inspect(database.engine).get_table_names()
    assert _version(database, "t1") == 0  # a new table: versions start again, pages are rebuilt
    _sync(database, "t1", kr("Grow revenue", baseline=0, target=12))
    assert _version(database, "t1") == 1
