"""Fixtures for the domain tests: a healthy org and its weekly check-ins."""

from __future__ import annotations

import pytest

from addin.okr.model import CheckIn, OkrSet
from tests.factories import healthy_okrs, weekly_checkins


@pytest.fixture
def okrs() -> OkrSet:
    """Three teams with well-made OKRs (fresh for every test, so tests may change it)."""
    return healthy_okrs()


@pytest.fixture
def history(okrs: OkrSet) -> list[CheckIn]:
    """Weekly check-ins of every KR in ``okrs`` up to the tests' today."""
    return weekly_checkins(okrs)
