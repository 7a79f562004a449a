"""The database itself: pragmas (DB-1), concurrent writers (DB-2), migrations, error translation."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import insert, inspect, text

import addin.store.db as db_module
from addin.errors import Conflict, ServiceUnavailable
from addin.store import checkins, key_results, okr_sets, sync_writes, workbooks
from addin.store.db import Database, alembic_config, default_database_url
from addin.store.tables import Base, TeamRow
from tests.factories import NOW, okrset, row_kr

MY_TABLES = {
    "teams",
    "objectives",
    "key_results",
    "check_ins",
    "initiatives",
    "settings",
    "workbooks",
    "findings",
    "data_versions",
}


def test_default_url_is_a_sqlite_file_in_the_instance_folder(tmp_path: Path) -> None:
    folder = tmp_path / "does" / "not" / "exist"
    url = default_database_url(str(folder))
    assert url.startswith("sqlite") and not folder.exists()  # naming it makes nothing (okr lint)
    folder.mkdir(parents=True)
    database = Database(url)
    database.create_schema()
    database.dispose()
    assert (folder / "okr.sqlite3").is_file()


@pytest.mark.parametrize("use", ["read", "transaction"])
def test_every_sqlite_connection_has_wal_busy_timeout_and_foreign_keys(sqlite_database: Database, use: str) -> None:
    sqlite_database.dispose()  # make the next session open a brand-new connection
    with getattr(sqlite_database, use)() as s:
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert s.execute(text("PRAGMA busy_timeout")).scalar() > 0
        assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_a_write_transaction_takes_the_write_lock_up_front(sqlite_database: Database) -> None:
    path = sqlite_database.url.database
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with sqlite_database.transaction() as s:
            s.execute(text("SELECT 1"))  # nothing written yet: BEGIN IMMEDIATE already holds the lock
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # released at commit
        other.execute("ROLLBACK")
        with sqlite_database.read() as s:  # readers never take it
            s.execute(text("SELECT count(*) FROM teams")).scalar()
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
    finally:
        other.close()


def test_a_writer_that_cannot_get_the_lock_gets_a_clean_retryable_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_MS", 100)
    database = Database(default_database_url(str(tmp_path)))
    database.create_schema()
    blocker = sqlite3.connect(database.url.database, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(ServiceUnavailable) as caught, database.transaction() as s:
            workbooks.new_workbook_id(s, "local")
        assert caught.value.code == "database_busy"
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
        database.dispose()


def test_unique_violations_become_conflicts(database: Database) -> None:
    row = {
        "tenant_id": "t",
        "name": "A",
        "name_key": "k",
        "members": [],
        "checkin_weekday": 0,
        "checkin_time": dt.time(10),
        "timezone": "UTC",
        "meeting_minutes": 30,
        "created_at": NOW,
        "updated_at": NOW,
    }
    with pytest.raises(Conflict) as caught, database.transaction() as s:
        s.execute(insert(TeamRow), [row, row])
    assert caught.value.code == "store_conflict"
    with database.read() as s:
        assert okr_sets.list_teams(s, "t") == []


def _sync_many(url: str, tenant: str, rounds: int) -> None:
    """Worker: several syncs and check-ins, each its own write transaction."""
    database = Database(url)
    try:
        for n in range(rounds):
            with database.transaction() as s:
                workbook_id = workbooks.new_workbook_id(s, tenant)
                # a title of this thread's own: a never-synced workbook naming a stored key
                # result's team, objective and title is matched to it, not created again
                title = f"{tenant}-{n}-{threading.get_ident()}"
                plan = sync_writes.sync_okrs(s, tenant, workbook_id, okrset(row_kr(title, current=1.0)), now=NOW)
            with database.transaction() as s:
                checkins.record_checkin(
                    s,
                    tenant,
                    plan.create[0].id,
                    value=2.0,
                    confidence=None,
                    note="",
                    at=NOW + dt.timedelta(hours=1),
                    source="api",
                )
    finally:
        database.dispose()


def test_concurrent_threads_all_land(database: Database) -> None:
    url = database.url.render_as_string(hide_password=False)
    errors: list[BaseException] = []

    def run(tenant: str) -> None:
        try:
            _sync_many(url, tenant, 5)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(f"t{i}",)) for i in range(6)]
    # a shared tenant too: syncs of one tenant must serialise, not fail
    threads += [threading.Thread(target=run, args=("shared",)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with database.read() as s:
        for i in range(6):
            assert len(key_results.load_key_results(s, f"t{i}")) == 5
            assert len(checkins.list_checkins(s, f"t{i}")) == 10
        assert len(key_results.load_key_results(s, "shared")) == 15


def test_concurrent_processes_all_land(database: Database) -> None:
    url = database.url.render_as_string(hide_password=False)
    database.dispose()
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_sync_many, args=(url, f"p{i}", 4)) for i in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    with database.read() as s:
        assert all(len(key_results.load_key_results(s, f"p{i}")) == 4 for i in range(4))
        assert all(len(checkins.list_checkins(s, f"p{i}")) == 8 for i in range(4))


def test_schema_is_at_head_and_matches_the_models(database: Database) -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert "0001_initial" in {r.revision for r in script.walk_revisions()}
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert context.get_current_revision() == script.get_current_head()
        diffs = [d for d in compare_metadata(context, Base.metadata) if _table_of(d) in MY_TABLES]
        assert diffs == []
        assert MY_TABLES <= set(inspect(conn).get_table_names())
    database.create_schema()  # idempotent


def _table_of(diff: object) -> str | None:
    """The table an alembic compare_metadata diff is about."""
    kind, *args = diff[0] if isinstance(diff, list) else diff  # modify_* diffs come as lists
    if kind in ("add_table", "remove_table"):
        return args[0].name
    if kind.startswith(("add_", "remove_")) and kind not in ("add_column", "remove_column"):
        return args[0].table.name  # index, constraint, foreign key
    return args[1]  # (schema, table, ...) for columns and modify_*


def test_migrations_run_from_any_working_directory(tmp_path: Path) -> None:
    """The packaged migrations are found without an alembic.ini in the current directory."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = (
        "from addin.store.db import Database, default_database_url\n"
        f"d = Database(default_database_url({str(tmp_path)!r})); d.create_schema()\n"
        "from sqlalchemy import inspect\n"
        "print(sorted(inspect(d.engine).get_table_names()))\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert "key_results" in done.stdout and "alembic_version" in done.stdout


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "postgresql+psycopg"])
def test_postgres_urls_use_psycopg_3(scheme: str) -> None:
    database = Database(f"{scheme}://user@127.0.0.1:5432/okr")
    assert database.url.drivername == "postgresql+psycopg"
    database.dispose()
