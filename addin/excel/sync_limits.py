"""Bounds on one sync, checked before the heavy work (merge, store, lint, write-back)."""

from __future__ import annotations

from addin.errors import WorkbookTooLarge
from addin.excel.reader import ReadResult

DEFAULT_MAX_KR_ROWS = 20_000  # OKR_MAX_KR_ROWS (addin.config.max_kr_rows)


def check_row_cap(read: ReadResult, limit: int) -> None:
    """Refuse a workbook with more key result rows than ``limit`` (413), naming the count and limit."""
    count = len(read.okrs.key_results)
    if count > limit:
        sheets = sorted({kr.location.sheet for kr in read.okrs.key_results if kr.location.sheet})
        raise WorkbookTooLarge(
            f"The workbook holds {count:,} key result rows; one sync takes at most {limit:,} "
            "(OKR_MAX_KR_ROWS). Split it into one workbook per team or group of teams.",
            code="too_many_key_results",
            sheet=", ".join(sheets) or None,
            rows=count,
            limit=limit,
        )
