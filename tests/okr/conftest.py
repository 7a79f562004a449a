"""Fixtures for the domain tests: a healthy org, its check-ins, the quarter and today."""

from __future__ import annotations

import datetime as dt

import pytest

from addin.okr.model import CheckIn, OkrSet
from addin.okr.quarters import Quarter

from .factories import QUARTER, TODAY, healthy_okrs, weekly_checkins


@pytest.fixture
def today() -> dt.date:
    return TODAY


@pytest.fixture
def quarter() -> Quarter:
    return QUARTER


@pytest.fixture
def okrs() -> OkrSet:
    return healthy_okrs()


@pytest.fixture
def history(okrs: OkrSet) -> list[CheckIn]:
    return weekly_checkins(okrs)
