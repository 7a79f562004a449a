"""Quarters of a fiscal year whose first month is configurable.

A fiscal year is named for the calendar year it ends in (FY2026 with a July start
runs July 2025 - June 2026), as Microsoft's own does. With a January start the
fiscal year is the calendar year. Labels look like "2026-Q4".
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_LABEL = re.compile(
    r"^\s*(?:(?:FY)?(?P<y1>\d{4})\s*[-/ ]?\s*Q(?P<q1>[1-4])"
    r"|Q(?P<q2>[1-4])\s*[-/ ]?\s*(?:FY)?(?P<y2>\d{4}))\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Quarter:
    fiscal_year: int
    number: int  # 1..4
    fy_start_month: int = 1

    @property
    def label(self) -> str:
        return f"{self.fiscal_year}-Q{self.number}"

    @property
    def start(self) -> dt.date:
        """First day of the quarter."""
        months_in = (self.number - 1) * 3
        year = self.fiscal_year if self.fy_start_month == 1 else self.fiscal_year - 1
        month = self.fy_start_month + months_in
        year += (month - 1) // 12
        month = (month - 1) % 12 + 1
        return dt.date(year, month, 1)

    @property
    def end(self) -> dt.date:
        """Last day of the quarter (inclusive)."""
        return self.next().start - dt.timedelta(days=1)

    def next(self) -> Quarter:
        if self.number == 4:
            return Quarter(self.fiscal_year + 1, 1, self.fy_start_month)
        return Quarter(self.fiscal_year, self.number + 1, self.fy_start_month)

    def previous(self) -> Quarter:
        if self.number == 1:
            return Quarter(self.fiscal_year - 1, 4, self.fy_start_month)
        return Quarter(self.fiscal_year, self.number - 1, self.fy_start_month)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return self.label


MIN_YEAR, MAX_YEAR = 1900, 9998


def quarter_of(day: dt.date, fy_start_month: int = 1) -> Quarter:
    """The fiscal quarter that contains ``day``."""
    months_since_start = (day.month - fy_start_month) % 12
    number = months_since_start // 3 + 1
    fy = day.year if fy_start_month == 1 or day.month < fy_start_month else day.year + 1
    return Quarter(fy, number, fy_start_month)


def parse_quarter(text: str, fy_start_month: int = 1) -> Quarter:
    """Read "2026-Q4", "Q4 2026", "FY2026 Q4", "Q1-2026"; raise ValueError otherwise."""
    match = _LABEL.match(str(text))
    if not match:
        raise ValueError(f"{text!r} is not a quarter; write it like 2026-Q4")
    year = int(match["y1"] or match["y2"])
    number = int(match["q1"] or match["q2"])
    if not MIN_YEAR <= year <= MAX_YEAR:  # a quarter's end (the next one's start) must be a date
        raise ValueError(f"{text!r} is outside the years {MIN_YEAR}-{MAX_YEAR}; write it like 2026-Q4")
    return Quarter(year, number, fy_start_month)


def resolve_quarter(label: str | None, *, today: dt.date, fy_start_month: int = 1) -> Quarter:
    """The quarter named by ``label``, else the one containing ``today``.

    A label that is not a quarter is the user's input error (addin.errors is a leaf
    module with no imports, so the domain raises the project's own error directly).
    """
    from addin.errors import InputError

    if not label:
        return quarter_of(today, fy_start_month)
    try:
        return parse_quarter(label, fy_start_month)
    except ValueError as exc:
        raise InputError(str(exc), code="bad_quarter", field="quarter") from exc
