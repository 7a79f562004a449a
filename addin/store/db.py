"""The database: engine set-up, schema migrations and transactions.

SQLite (the embedded default) is configured on every new connection for many
concurrent writers: WAL journal, a busy timeout, foreign keys on. pysqlite's own
transaction handling is switched off (``isolation_level = None``) and SQLAlchemy emits
the BEGIN itself -- the recipe of SQLAlchemy's SQLite dialect documentation, section
"Enabling Non-Legacy SQLite Transactional Modes" -- so a write transaction starts with
``BEGIN IMMEDIATE``: it takes the write lock up front, waiting up to the busy timeout,
instead of failing with "database is locked" when it tries to upgrade a read lock.

PostgreSQL is used through psycopg 3 (``postgresql+psycopg://...``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, exc, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.orm import Session as Session  # re-exported: the rest of the code types its sessions with it
from sqlalchemy.orm import sessionmaker

from addin.errors import Conflict, OkrError, ServiceUnavailable

BUSY_TIMEOUT_MS = 30_000
_WRITE = "okr_write"
_MIGRATIONS = Path(__file__).with_name("migrations")


def database_exists(url: str) -> bool:
    """False only for a SQLite file that was never created (a server database is assumed)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return True
    return Path(parsed.database).is_file()


def default_database_url(instance_path: str) -> str:
    """The embedded default: a SQLite file in the instance folder (whoever opens it makes the folder)."""
    folder = Path(instance_path).expanduser().resolve()
    return URL.create("sqlite+pysqlite", database=str(folder / "okr.sqlite3")).render_as_string()


def alembic_config(url: str | None = None) -> Config:
    """Alembic configuration pointing at the packaged migrations (no alembic.ini, no CWD)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


class Database:
    """One database: ``transaction()`` for writes (all or nothing), ``read()`` for reads."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        if self.url.drivername in ("postgres", "postgresql"):  # the installed driver is psycopg 3
            self.url = self.url.set(drivername="postgresql+psycopg")
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        options: dict[str, Any] = {}
        if self.is_sqlite:
            options["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000}
        else:
            options["pool_pre_ping"] = True
            # okr serve runs 16 threads per worker (config.DEFAULT_THREADS): keep a connection for each
            # (beyond the pool, every request would open and close its own PostgreSQL connection)
            options["pool_size"] = 16
        self.engine: Engine = create_engine(self.url, **options)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_on_connect)
            event.listen(self.engine, "begin", _sqlite_on_begin)
        self._writer = self.engine.execution_options(**{_WRITE: True})
        self._write_sessions = sessionmaker(bind=self._writer, expire_on_commit=False, autoflush=False)
        self._read_sessions = sessionmaker(bind=self.engine, expire_on_commit=False, autoflush=False)

    def create_schema(self) -> None:
        """Bring the schema to the newest revision (alembic upgrade head)."""
        cfg = alembic_config()
        with _translated(), self._writer.connect() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One write transaction: committed when the block ends, rolled back if it raises."""
        from addin.store.versions import raise_touched

        with _translated(), self._write_sessions() as session, session.begin():
            yield session
            raise_touched(session)  # last: the version row stays locked only for the commit

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only view of one consistent state; never commits."""
        with _translated(), self._read_sessions() as session:
            try:
                yield session
            finally:
                session.rollback()

    def dispose(self) -> None:
        """Close every pooled connection (call before a process forks or exits)."""
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Database({self.url.render_as_string(hide_password=True)!r})"


def lock_key(*parts: str) -> int:
    """A signed 64-bit number naming a lock (for PostgreSQL advisory locks)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def advisory_lock(session: Session, *parts: str) -> None:
    """Serialise writers on the same thing (e.g. one tenant's sync) until the transaction ends.

    SQLite needs nothing: ``BEGIN IMMEDIATE`` already admits one writer at a time.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(*parts)})


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite would otherwise BEGIN on its own (deferred, and only before DML)
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")  # durable enough with WAL, much faster
    finally:
        cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    if connection.get_execution_options().get(_WRITE):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


@contextmanager
def _translated() -> Iterator[None]:
    """Turn SQLAlchemy/driver exceptions into the project's own (the store is their home)."""
    try:
        yield
    except exc.StatementError as error:
        if isinstance(error.orig, OkrError):  # raised by a column type (e.g. a NaN)
            raise error.orig from error
        if isinstance(error, exc.IntegrityError):
            raise Conflict(
                "The stored data changed while this was being saved; nothing was saved. Try again.",
                code="store_conflict",
            ) from error
        if isinstance(error, exc.OperationalError):
            reason = str(error.orig).lower()
            if "locked" in reason or "busy" in reason or "deadlock" in reason:
                raise ServiceUnavailable(
                    "The database is busy; nothing was saved. Try again in a moment.",
                    code="database_busy",
                ) from error
            raise ServiceUnavailable("The database cannot be reached.", code="database_unavailable") from error
        raise
