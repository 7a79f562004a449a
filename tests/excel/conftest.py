"""Fixtures of the workbook tests; the in-memory workbook factories are in tests/excel/factories.py."""

from __future__ import annotations

import datetime as dt

import pytest


@pytest.fixture
def reader_today() -> dt.date:
    """A fixed day in 2026-Q1, so the quarter a reader picks does not depend on the calendar."""
    return dt.date(2026, 2, 15)
