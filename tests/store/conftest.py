"""Fixtures of the store's tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from addin.store.db import Database, default_database_url
from tests.conftest import _postgres_answers, throwaway_postgres


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database with no schema yet (the migrations under test build it)."""
    if request.param == "sqlite":
        database = Database(default_database_url(str(tmp_path)))  # tmp_path exists; SQLite makes no folders
        yield database
        database.dispose()
        return
    reason = _postgres_answers()
    if reason:
        pytest.skip(reason)
    with throwaway_postgres("okr_migrate") as url:
        database = Database(url)
        yield database
        database.dispose()
