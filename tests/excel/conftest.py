"""Fixtures of the workbook tests; the in-memory workbook factories are in tests/excel/factories.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from tests.excel import hostile_files as h


@pytest.fixture
def reader_today() -> dt.date:
    """A fixed day in 2026-Q1, so the quarter a reader picks does not depend on the calendar."""
    return dt.date(2026, 2, 15)


@pytest.fixture
def listener() -> Iterator[h.Listener]:
    """A local port a hostile file points at; nothing may connect to it (G5)."""
    with h.listening() as listening:
        yield listening
        assert listening.connections() == 0, "something connected to the payload's address (G5)"
