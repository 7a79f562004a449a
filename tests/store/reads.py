"""What a piece of code reads from the database, counted in rows rather than timed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass
class Reads:
    statements: list[tuple[str, Any]] = field(default_factory=list)
    rows: int = 0  # rows the SELECTs returned, counted once the block is over


@contextmanager
def rows_read(engine: Engine) -> Iterator[Reads]:
    """Record every SELECT run on ``engine`` in the block; afterwards, run each again (the data has
    not changed) and count the rows it returns: what the block read, however it consumed them."""
    reads = Reads()

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            reads.statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield reads
    finally:
        event.remove(engine, "before_cursor_execute", record)
    with engine.connect() as conn:
        for statement, parameters in reads.statements:
            reads.rows += len(conn.exec_driver_sql(statement, parameters).fetchall())
