"""A corpus of generated workbooks shaped like the ones managers really keep.

Each builder reproduces one structure seen in published OKR workbooks (a headerless
outline under an instruction text, per-quarter blocks with Spanish headers, linked
Objectives / Key Results tables, a Viva Goals export ...) with invented content, and
says what a correct read finds: the objectives, the key results and their values.
``CASES`` lists them all; tests/excel/test_corpus.py reads each one whole.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    objectives: list[tuple[str, str]]  # (team, title), in any order
    key_results: list[dict[str, Any]]  # "objective" and "title" always; other KeyResult fields to compare
    filename: str = "book.xlsx"
    today: dt.date = dt.date(2026, 2, 15)
    quarter: str | None = None  # passed to read_workbook
    synced_quarter: str | None = None  # settings.quarter the read must arrive at
    layout: str | None = None
    note_contains: tuple[str, ...] = ()  # words the layout note must carry
    initiatives: list[tuple[str, str]] = field(default_factory=list)  # (kr ref, title)
    allowed_rules: frozenset[str] = frozenset()  # warnings/errors a correct read still reports


CASES: list[Callable[[], Case]] = []


def case(builder: Callable[[], Case]) -> Callable[[], Case]:
    """Register a builder in CASES."""
    CASES.append(builder)
    return builder


# importing the modules registers their builders
from tests.excel.corpus import linked, outline, package, periods, tables, vendor  # noqa: E402,F401
