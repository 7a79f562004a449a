"""Alembic environment of the OKR store.

``Database.create_schema`` passes its own connection in ``config.attributes["connection"]``;
run from the alembic command line (``alembic -c addin/store/alembic.ini upgrade head``),
the URL comes from ``DATABASE_URL`` (read by ``addin.config``, the one reader of the
environment) or the ini's ``sqlalchemy.url``.
"""

from __future__ import annotations

import contextlib
import importlib

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from addin.config import database_url
from addin.store.tables import Base

# Other store modules add their tables to the same metadata (for autogenerate only).
with contextlib.suppress(ImportError):
    importlib.import_module("addin.store.meetings")
    importlib.import_module("addin.store.people")
    importlib.import_module("addin.store.audit")
    importlib.import_module("addin.store.revisions")
    importlib.import_module("addin.store.versions")
with contextlib.suppress(ImportError):
    importlib.import_module("addin.store.mappings")
    importlib.import_module("addin.store.dependencies")
with contextlib.suppress(ImportError):
    importlib.import_module("addin.store.feeds")

config = context.config
target_metadata = Base.metadata
_LOCK = 7_341_204_117  # advisory lock: one migrator at a time on PostgreSQL


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # SQLite's batch mode rebuilds a table (copy, drop, rename); with foreign keys on,
        # dropping a table other rows point to fails. SQLite's own recipe for schema
        # changes: keys off outside the transaction, foreign_key_check before commit.
        _sqlite_foreign_keys(connection, on=False)
    try:
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})
            context.run_migrations()
            if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                raise RuntimeError("The migration left rows pointing at rows that do not exist; nothing was changed.")
    finally:
        if sqlite:
            _sqlite_foreign_keys(connection, on=True)


def _sqlite_foreign_keys(connection: Connection, *, on: bool) -> None:
    """PRAGMA foreign_keys, on the driver connection: it is a no-op inside a transaction."""
    if connection.in_transaction():
        return
    driver = connection.connection.dbapi_connection
    if driver is None:  # only a closed connection has none
        return
    cursor = driver.cursor()
    try:
        cursor.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")
    finally:
        cursor.close()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = database_url() or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("Set DATABASE_URL (or sqlalchemy.url) to migrate a database.")
    # the Database class applies the SQLite pragmas and BEGIN IMMEDIATE
    from addin.store.db import Database

    database = Database(url)
    try:
        with database.engine.execution_options(okr_write=True).connect() as conn:
            _run(conn)
    finally:
        database.dispose()


if context.is_offline_mode():
    url = database_url() or config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
