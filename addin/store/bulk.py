"""Bulk INSERT / UPDATE of many rows through one executemany per chunk.

SQLAlchemy's per-row parameter processing dominates a 100,000-row sync on SQLite, so
on SQLite the column types' bind processors are looked up once and applied in a tight
loop, values shared by every row (tenant, timestamps) are processed once, and the
statement goes to the driver's ``executemany``. Every value still passes its column
type (the store's text rule, UTC times, finite floats). On PostgreSQL with psycopg 3
inserts stream through COPY and updates go to psycopg's executemany (same processing:
SQLAlchemy's own path was a tenth of a 50-KR sync's CPU); other databases take
SQLAlchemy's own executemany path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, and_, bindparam, insert, update
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

if TYPE_CHECKING:
    import psycopg

CHUNK = 2_000


def bulk_insert(
    s: Session, table: Table, rows: Iterable[Mapping[str, Any]], *, constants: Mapping[str, Any] | None = None
) -> int:
    """Insert rows (dicts with the same keys), each completed with ``constants``; returns the count."""
    constants = dict(constants or {})
    count = 0
    connection = s.connection()
    dialect = connection.dialect
    columns: list[str] | None = None
    sql = ""
    convert: Callable[[Mapping[str, Any]], tuple[Any, ...]] | None = None
    fixed: tuple[Any, ...] = ()
    copy = dialect.name == "postgresql" and dialect.driver == "psycopg"
    for chunk in chunks(rows, CHUNK):
        count += len(chunk)
        if dialect.name != "sqlite" and not copy:
            s.execute(insert(table), [{**row, **constants} for row in chunk])
            continue
        if columns is None:
            columns = [c for c in chunk[0] if c not in constants]
            names = [*columns, *constants]
            quote = dialect.identifier_preparer.quote
            column_list = ", ".join(map(quote, names))
            if copy:  # PostgreSQL: COPY is many times faster than multi-row INSERTs
                sql = f"COPY {quote(table.name)} ({column_list}) FROM STDIN"
            else:
                sql = f"INSERT INTO {quote(table.name)} ({column_list}) VALUES ({', '.join('?' for _ in names)})"
            convert = _converter(table, columns, dialect)
            fixed = tuple(_process(_processor(table, c, dialect), v) for c, v in constants.items())
        assert convert is not None
        if copy:
            _copy_rows(connection, sql, (convert(row) + fixed for row in chunk))
        else:
            connection.exec_driver_sql(sql, [convert(row) + fixed for row in chunk])
    return count


def _copy_rows(connection: Connection, sql: str, rows: Iterable[tuple[Any, ...]]) -> None:
    """Stream rows through psycopg's COPY, on the session's own connection and transaction."""
    # COPY is only taken on PostgreSQL, whose driver is psycopg 3; SQLAlchemy only knows a DB-API connection
    raw = cast("psycopg.Connection[Any] | None", connection.connection.dbapi_connection)
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def bulk_update(
    s: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    key: str = "id",
    scope: Mapping[str, Any] | None = None,
) -> None:
    """UPDATE ... SET <row's other columns> WHERE key = row[key] AND <scope columns> (same keys per row)."""
    if not rows:
        return
    scope = dict(scope or {})
    columns = [c for c in rows[0] if c != key]
    connection = s.connection()
    dialect = connection.dialect
    placeholder = {"sqlite": "?", "postgresql": "%s"}.get(dialect.name)
    if dialect.name == "postgresql" and dialect.driver != "psycopg":
        placeholder = None
    if placeholder is None:
        statement = (
            update(table)
            .where(and_(table.c[key] == bindparam("w_key"), *(table.c[c] == v for c, v in scope.items())))
            .values({c: bindparam(f"v_{c}") for c in columns})
        )
        for chunk in chunks(rows, CHUNK):
            s.execute(statement, [{"w_key": r[key], **{f"v_{c}": r[c] for c in columns}} for r in chunk])
        return
    quote = dialect.identifier_preparer.quote
    where = [key, *scope]
    sql = (
        f"UPDATE {quote(table.name)} SET {', '.join(f'{quote(c)} = {placeholder}' for c in columns)} "
        f"WHERE {' AND '.join(f'{quote(c)} = {placeholder}' for c in where)}"
    )
    convert = _converter(table, [*columns, key], dialect)
    fixed = tuple(_process(_processor(table, c, dialect), v) for c, v in scope.items())
    for chunk in chunks(rows, CHUNK):
        connection.exec_driver_sql(sql, [convert(r) + fixed for r in chunk])


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Lists of at most ``size`` items."""
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _processor(table: Table, column: str, dialect: Dialect) -> Callable[[Any], Any] | None:
    column_type = table.c[column].type
    # the store's own types: skip the wrapper layers
    fast: Callable[[Any], Any] | None = getattr(column_type, "fast_bind", None)
    if (
        fast is not None
        and isinstance(column_type, TypeDecorator)
        and column_type.impl_instance.dialect_impl(dialect).bind_processor(dialect) is None
    ):
        return fast
    return column_type.dialect_impl(dialect).bind_processor(dialect)


def _process(processor: Callable[[Any], Any] | None, value: Any) -> Any:
    return value if processor is None else processor(value)


def _converter(
    table: Table, columns: Sequence[str], dialect: Dialect
) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """row dict -> parameter tuple, running only the processors that exist (None stays None)."""
    pick = itemgetter(*columns) if len(columns) > 1 else (lambda row: (row[columns[0]],))
    steps = [(i, p) for i, c in enumerate(columns) if (p := _processor(table, c, dialect)) is not None]

    def convert(row: Mapping[str, Any]) -> tuple[Any, ...]:
        values = list(pick(row))
        for i, process in steps:
            value = values[i]
            if value is not None:
                values[i] = process(value)
        return tuple(values)

    return convert
