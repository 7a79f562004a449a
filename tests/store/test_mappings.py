"""Saved workbook mappings: one per workbook id and tenant, replaced when corrected, schema at head."""

from __future__ import annotations

import datetime as dt

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from addin.store import mappings
from addin.store.db import Database
from addin.store.tables import Base

NOW = dt.datetime(2026, 2, 1, 9, tzinfo=dt.UTC)
MAP = {"version": 1, "sheets": [{"sheet": "Tracker", "role": "key_results", "header_row": 1,
                                 "columns": {"key_result": "C"}}]}  # fmt: skip


def test_a_mapping_is_saved_per_workbook_and_tenant_and_replaced(database: Database) -> None:
    with database.transaction() as s:
        mappings.save_mapping(s, "t1", "WB-1", MAP, now=NOW)
    with database.read() as s:
        assert mappings.load_mapping(s, "t1", "WB-1") == MAP
        assert mappings.load_mapping(s, "t2", "WB-1") is None
        assert mappings.load_mapping(s, "t1", "WB-2") is None
    corrected = {**MAP, "sheets": [{**MAP["sheets"][0], "header_row": 3}]}
    with database.transaction() as s:
        mappings.save_mapping(s, "t1", "WB-1", corrected, now=NOW, actor="ana@example.com")
    with database.read() as s:
        assert mappings.load_mapping(s, "t1", "WB-1") == corrected


def test_the_mappings_table_matches_its_migration(database: Database) -> None:
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = [d for d in compare_metadata(context, Base.metadata) if "workbook_mappings" in repr(d)]
        assert diffs == []
