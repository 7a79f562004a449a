"""Fixtures shared by every test folder: an instance folder, the app, its client and the CLI,
and ``database``: a fresh, migrated store per test, on SQLite and (when it answers) PostgreSQL.

PostgreSQL: one throwaway database ``okr_test_<random>`` per test run on the local server
(127.0.0.1:5432, user postgres, trust auth), migrated once, emptied after each test and
dropped at the end. Without a server the postgres parameter is skipped with the reason.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text

from addin.store.db import Database, default_database_url
from addin.store.tables import Base

# Mid Q4 2026: far enough into the quarter for pace and staleness to mean something.
FIXED_NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)

_ENV_VARS = (
    "DATABASE_URL",
    "OKR_CLIENT_ID",
    "OKR_CLIENT_SECRET",
    "OKR_AUTHORITY",
    "OKR_TENANT",
    "OKR_ALLOWED_TENANTS",
    "OKR_GRAPH_BASE_URL",
    "OKR_MAX_UPLOAD_MB",
)


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty instance folder and an environment with the embedded defaults."""
    folder = tmp_path / "instance"
    for name in _ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OKR_INSTANCE_PATH", str(folder))
    monkeypatch.setenv("OKR_NOW", FIXED_NOW.isoformat())
    monkeypatch.chdir(tmp_path)  # no stray .env is read from the checkout
    return folder


@pytest.fixture
def app(instance: Path):  # type: ignore[no-untyped-def]
    from addin import create_app

    return create_app({"TESTING": True, "OKR_CLOCK": lambda: FIXED_NOW})


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def app_database(app):  # type: ignore[no-untyped-def]
    """The app's database (SQLite in the instance folder), where uploads and the CLI store."""
    return app.extensions["okr_db"]


@pytest.fixture
def okr(instance: Path) -> Iterator:
    """Run the `okr` command in-process: okr("sync", "a.xlsx") -> click Result."""
    from click.testing import CliRunner

    from addin.cli import main

    runner = CliRunner()

    def run(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(main, list(args), catch_exceptions=False)

    yield run


# ---------------------------------------------------------------- databases
PG_HOST = os.environ.get("OKR_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("OKR_TEST_PG_PORT", "5432"))
PG_ADMIN_URL = f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/postgres"


def _postgres_answers() -> str | None:
    """None when a PostgreSQL server accepts us, else why not."""
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            pass
    except OSError as exc:
        return f"no PostgreSQL server answers at {PG_HOST}:{PG_PORT} ({exc})"
    try:
        import psycopg

        with psycopg.connect(host=PG_HOST, port=PG_PORT, user="postgres", dbname="postgres", connect_timeout=3):
            pass
    except Exception as exc:  # noqa: BLE001 - any failure means "skip", with the reason
        return f"PostgreSQL at {PG_HOST}:{PG_PORT} refused the test user: {exc}"
    return None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway, migrated PostgreSQL database for this test run."""
    reason = _postgres_answers()
    if reason:
        pytest.skip(reason)
    with throwaway_postgres("okr_test") as url:
        database = Database(url)
        database.create_schema()
        database.dispose()
        yield url


@contextmanager
def throwaway_postgres(prefix: str) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped afterwards."""
    import psycopg

    name = f"{prefix}_{secrets.token_hex(4)}"
    with psycopg.connect(host=PG_HOST, port=PG_PORT, user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with psycopg.connect(host=PG_HOST, port=PG_PORT, user="postgres", dbname="postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _empty_postgres(database: Database) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with database.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database: a SQLite file in tmp, or the run's PostgreSQL database."""
    if request.param == "sqlite":
        (tmp_path / "instance").mkdir(exist_ok=True)
        database = Database(default_database_url(str(tmp_path / "instance")))
        database.create_schema()
        yield database
        database.dispose()
        return
    url = request.getfixturevalue("postgres_url")
    database = Database(url)
    try:
        yield database
    finally:
        _empty_postgres(database)
        database.dispose()


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[Database]:
    """SQLite only (pragmas, file locking)."""
    (tmp_path / "instance").mkdir(exist_ok=True)
    database = Database(default_database_url(str(tmp_path / "instance")))
    database.create_schema()
    yield database
    database.dispose()
