"""Bounds on one sync, checked before the heavy work (merge, store, lint, write-back)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from addin.errors import WorkbookTooLarge
from addin.excel.reader import ReadResult

DEFAULT_MAX_KR_ROWS = 20_000


def max_kr_rows(env: Mapping[str, str] | None = None) -> int:
    """OKR_MAX_KR_ROWS (default 20,000): key result rows one sync may hold."""
    env = os.environ if env is None else env
    raw = (env.get("OKR_MAX_KR_ROWS") or "").strip()
    if not raw:
        return DEFAULT_MAX_KR_ROWS
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"OKR_MAX_KR_ROWS must be a positive whole number, got {raw!r}")
    return int(raw)


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
