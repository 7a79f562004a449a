"""Why the write-back edits a plain worksheet as bytes: both of its paths timed, in one process.

``addin/excel/write_sheet.py`` edits a sheet two ways. The general path parses every row
with lxml and serialises it again; the byte path (``write_rows.split_sheet`` +
``write_splice``) copies the rows nobody writes to as they are and splices the new
cells into the others. Both write the same bytes (tests/excel/test_writeback.py checks
it). This benchmark builds a template workbook holding N key-result rows and times
``write_back`` setting the five status columns on every row, as a sync does:

  first   the status cells do not exist yet (a workbook's first sync)
  again   they exist and are replaced (every later sync)

each through the byte path and through lxml alone (the byte path switched off), the
two interleaved, and prints the median of each and the ratio lxml / bytes.

    .venv/bin/python bench/write_sheet_bench.py [--rows 20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from addin.excel import write_sheet
from addin.excel.template import write_template
from addin.excel.writeback import CellWrite, write_back


def workbook(rows: int) -> bytes:
    """A template whose OKRs sheet holds ``rows`` filled key-result rows."""
    day = dt.date(2026, 12, 31)
    krs = [
        [
            *(f"Team {i % 40}", f"Objective {i % 400}", "committed", f"Increase metric {i} from 10 to 20"),
            *("increase", f"owner{i % 900}@example.com", 10, 20, 12 + i % 7, "units", 0.7, day, None, None, "note"),
        ]
        for i in range(rows)
    ]
    return write_back(write_template(today=dt.date(2026, 11, 25)), cells=[], append_rows={"OKRs": krs})


def status_cells(rows: int) -> list[CellWrite]:
    """ID, Progress, Status, Last check-in and Flags of every row, as a sync writes them."""
    day = dt.date(2026, 11, 20)
    cells = []
    for r in range(2, rows + 2):
        cells += [
            CellWrite("OKRs", r, 16, f"KR-{r:06X}", "text"),
            CellWrite("OKRs", r, 17, (r % 100) / 100, "percent"),
            CellWrite("OKRs", r, 18, "on-track", "text"),
            CellWrite("OKRs", r, 19, day, "date"),
            CellWrite("OKRs", r, 20, "stale: no check-in for 21 days", "text"),
        ]
    return cells


def timed(data: bytes, cells: list[CellWrite], *, bytes_path: bool) -> tuple[float, bytes]:
    """Seconds of one write_back, through the byte path or lxml alone; and its output."""
    split = write_sheet.split_sheet
    if not bytes_path:
        write_sheet.split_sheet = lambda data, part: None  # what the byte path gets for an unusual sheet
    try:
        start = time.perf_counter()
        out = write_back(data, cells=cells, workbook_id="bench")
        return time.perf_counter() - start, out
    finally:
        write_sheet.split_sheet = split


def compare(data: bytes, cells: list[CellWrite], repeat: int) -> tuple[float, float]:
    """Median seconds (bytes, lxml), the two runs interleaved so both see the same machine."""
    fast: list[float] = []
    slow: list[float] = []
    for _ in range(repeat):
        fast.append(timed(data, cells, bytes_path=True)[0])
        slow.append(timed(data, cells, bytes_path=False)[0])
    return statistics.median(fast), statistics.median(slow)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    start = time.perf_counter()
    data = workbook(args.rows)
    cells = status_cells(args.rows)
    _, synced = timed(data, cells, bytes_path=True)
    print(f"{args.rows:,} KR rows, 5 status cells each ({time.perf_counter() - start:.1f} s to build)")
    print(f"{'write-back':<26} {'bytes s':>8} {'lxml s':>8} {'lxml / bytes':>12} {'saved s':>8}")
    for label, source in (("first (cells added)", data), ("again (cells replaced)", synced)):
        fast, slow = compare(source, cells, args.repeat)
        print(f"{label:<26} {fast:>8.2f} {slow:>8.2f} {slow / fast:>12.2f} {slow - fast:>8.2f}")


if __name__ == "__main__":
    main()
