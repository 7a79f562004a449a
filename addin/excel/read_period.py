"""The period a workbook says it covers, and the quarter a sync of it belongs to.

Managers write periods as a quarter ("Q1-2026"), a year ("2026"), a fiscal year
("FY2025"), a date or a date range ("2025-04-01 to 2025-06-30"), or a horizon of
several years ("2025-2027"). A plan for 2025 read in 2026 is synced into 2025's last
quarter, never silently into today's; the reason is said in the layout note.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from addin.okr import values as v
from addin.okr.quarters import Quarter, parse_quarter, quarter_of

_FISCAL = re.compile(r"^\s*(?:FY|AF|EF|AÑO FISCAL|ANO FISCAL)\s*[-/ ]?\s*(\d{2}|\d{4})\s*$", re.IGNORECASE)
_YEAR = re.compile(r"^\s*((?:19|20)\d{2})\s*$")
_YEARS = re.compile(
    r"^\s*(?:FY)?\s*((?:19|20)\d{2})\s*(?:-|–|—|to|a|até|hasta|/)\s*(?:FY)?\s*((?:19|20)\d{2})\s*$", re.IGNORECASE
)
_RANGE_SPLIT = re.compile(r"\s+(?:-|–|—|to|a|até|hasta|al)\s+|\s*[–—]\s*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Period:
    text: str  # as written
    start: dt.date
    end: dt.date
    fiscal_year: int | None = None  # set when the period is one (fiscal) year
    quarter: Quarter | None = None  # set when the period is one quarter

    @property
    def objective_period(self) -> str | None:
        """What Objective.period says for this period ("FY2026", "2026-Q1"), if it is one."""
        if self.quarter is not None:
            return self.quarter.label
        return f"FY{self.fiscal_year}" if self.fiscal_year is not None else None


def _fiscal_year(year: int, fy: int, text: str) -> Period:
    first, last = Quarter(year, 1, fy), Quarter(year, 4, fy)
    return Period(text, first.start, last.end, fiscal_year=year)


def parse_period(value: object, fy_start_month: int = 1) -> Period | None:
    """The period a label's value names, or None when it names none."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and float(value).is_integer() and 1900 < value < 2200:
        return _fiscal_year(int(value), fy_start_month, str(int(value)))
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        q = quarter_of(value, fy_start_month)
        return Period(value.isoformat(), q.start, q.end, quarter=q)
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        q = parse_quarter(text, fy_start_month)
        return Period(text, q.start, q.end, quarter=q)
    except ValueError:
        pass
    if m := _FISCAL.match(text):
        year = int(m[1]) + (2000 if len(m[1]) == 2 else 0)
        return _fiscal_year(year, fy_start_month, text)
    if m := _YEAR.match(text):
        return _fiscal_year(int(m[1]), fy_start_month, text)
    if m := _YEARS.match(text):
        first, last = sorted((int(m[1]), int(m[2])))
        return Period(text, Quarter(first, 1, fy_start_month).start, Quarter(last, 4, fy_start_month).end)
    return _date_range(text, fy_start_month)


def _date_range(text: str, fy: int) -> Period | None:
    parts = [p for p in _RANGE_SPLIT.split(text) if p.strip()]
    if not 1 <= len(parts) <= 2:
        return None
    try:
        parsed = [v.parse_date(p.strip(), fy_start_month=fy) for p in parts]
    except v.ValueProblem:
        return None
    days = [d for d in parsed if d is not None]
    if len(days) != len(parsed):
        return None
    start, end = min(days), max(days)
    q = quarter_of(start, fy)
    one = q if (q.start, q.end) == (start, end) or len(parts) == 1 else None
    return Period(text, start, end, quarter=one)


def quarter_for(period: Period, today: dt.date, fy_start_month: int = 1) -> tuple[Quarter, str]:
    """The quarter a sync of a plan for ``period`` belongs to, and why (for the layout note)."""
    if period.quarter is not None:
        return period.quarter, f"the workbook's period {period.text} is that quarter"
    if period.start <= today <= period.end:
        q = quarter_of(today, fy_start_month)
        return q, f"the workbook's period {period.text} includes today, which is in {q.label}"
    if today > period.end:
        q = quarter_of(period.end, fy_start_month)
        return (
            q,
            f"the workbook's period {period.text} ended on {period.end.isoformat()}, so its last quarter, {q.label}",
        )
    q = quarter_of(period.start, fy_start_month)
    return (
        q,
        f"the workbook's period {period.text} starts on {period.start.isoformat()}, so its first quarter, {q.label}",
    )


def quarter_of_due_dates(dues: list[dt.date], today: dt.date, fy_start_month: int = 1) -> tuple[Quarter, str] | None:
    """The quarter every due date falls in, when that quarter has already ended (a past plan)."""
    if not dues:
        return None
    quarters = {quarter_of(d, fy_start_month) for d in dues}
    if len(quarters) != 1:
        return None
    (q,) = quarters
    if q.end >= today:
        return None
    return q, f"no period is written, and every due date falls in {q.label}, which has ended"
