"""Fixtures of the workbook-reader tests (workbook factories: tests/excel/factories.py)."""

from __future__ import annotations

import datetime as dt

import pytest


@pytest.fixture
def today() -> dt.date:
    """A fixed day in 2026-Q1, so quarter choices do not depend on the calendar."""
    return dt.date(2026, 2, 15)
