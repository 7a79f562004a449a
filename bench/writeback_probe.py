"""Probe: status write-back vs a plain openpyxl load + save of the same workbook.

Builds a template workbook holding N key-result rows (default 100,000), then, each in
its own subprocess so peak memory is measured cleanly:

- write-back: set 5 columns (ID, Progress, Status, Last check-in, Flags) on every row
  and append N check-in rows to the Check-ins table;
- openpyxl: load_workbook + save of the same file (what the write-back replaces).

Prints wall time and peak RSS of each and their ratio. Usage:
    .venv/bin/python bench/writeback_probe.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def build(path: Path, rows: int) -> None:
    """A template with ``rows`` filled KR rows (filled through the write-back's append, which is fast)."""
    from addin.excel.template import write_template
    from addin.excel.writeback import write_back

    day = dt.date(2026, 12, 31)
    krs = [
        [
            f"Team {i % 40}",
            f"Objective {i % 400}",
            "committed",
            f"Increase metric {i} from 10 to 20",
            "increase",
            f"owner{i % 900}@example.com",
            10,
            20,
            12 + i % 7,
            "units",
            0.7,
            day,
            None,
            None,
            "note",
        ]
        for i in range(rows)
    ]
    path.write_bytes(write_back(write_template(today=dt.date(2026, 11, 25)), cells=[], append_rows={"OKRs": krs}))


def _status_cells(rows: int, day: dt.date) -> list:
    from addin.excel.writeback import CellWrite

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


def run_writeback(path: Path, rows: int) -> dict[str, float]:
    from addin.excel.writeback import write_back

    data = path.read_bytes()
    start = time.perf_counter()
    day = dt.date(2026, 11, 20)
    cells = _status_cells(rows, day)
    checkins = [[day, f"KR-{r:06X}", f"Increase metric {r}", 13, 0.7, "", "outlook"] for r in range(rows)]
    built = time.perf_counter()
    out = write_back(data, cells=cells, append_rows={"Check-ins": checkins}, workbook_id="bench")
    end = time.perf_counter()
    path.with_suffix(".out.xlsx").write_bytes(out)
    return {"seconds": end - start, "write_back_only": end - built, "out_mb": len(out) / 1e6}


def run_second_sync(path: Path, rows: int) -> dict[str, float]:
    """Write-back into its own output: every status cell now exists and is replaced."""
    from addin.excel.writeback import write_back

    data = path.with_suffix(".out.xlsx").read_bytes()
    start = time.perf_counter()
    cells = _status_cells(rows, dt.date(2026, 11, 27))
    built = time.perf_counter()
    write_back(data, cells=cells, workbook_id="bench")
    end = time.perf_counter()
    return {"seconds": end - start, "write_back_only": end - built}


def run_openpyxl(path: Path, rows: int) -> dict[str, float]:
    import io

    import openpyxl

    start = time.perf_counter()
    wb = openpyxl.load_workbook(path)
    buffer = io.BytesIO()
    wb.save(buffer)
    return {"seconds": time.perf_counter() - start}


def child(kind: str, path: str, rows: int) -> None:
    runs = {"writeback": run_writeback, "second": run_second_sync, "openpyxl": run_openpyxl}
    figures = runs[kind](Path(path), rows)
    figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(figures))


def measure(kind: str, path: Path, rows: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path), "--rows", str(rows)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def check(path: Path, rows: int) -> str:
    """Reopen the result in openpyxl (read-only) and look at a few cells."""
    import openpyxl

    wb = openpyxl.load_workbook(path.with_suffix(".out.xlsx"), read_only=True)
    last = next(wb["OKRs"].iter_rows(min_row=rows + 1, max_row=rows + 1, values_only=True))
    checkins = sum(1 for _ in wb["Check-ins"].iter_rows(min_row=2, values_only=True))
    return f"last KR row {last[15]} {last[16]} {last[17]}; check-in rows {checkins}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.rows)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "okrs.xlsx"
        start = time.perf_counter()
        build(path, args.rows)
        print(
            f"built {args.rows:,} KR rows in {time.perf_counter() - start:.1f} s ({path.stat().st_size / 1e6:.1f} MB)"
        )
        ours = measure("writeback", path, args.rows)
        again = measure("second", path, args.rows)
        base = measure("openpyxl", path, args.rows)
        print(
            f"write-back (5 cols x {args.rows:,} rows + {args.rows:,} check-ins appended): "
            f"{ours['seconds']:.1f} s (write_back call {ours['write_back_only']:.1f} s), peak {ours['peak_mb']:.0f} MB, "
            f"output {ours['out_mb']:.1f} MB"
        )
        print(
            f"write-back again on its output (5 existing cells per row replaced, no appends): "
            f"{again['seconds']:.1f} s (write_back call {again['write_back_only']:.1f} s), peak {again['peak_mb']:.0f} MB"
        )
        print(f"openpyxl load + save of the same file:  {base['seconds']:.1f} s, peak {base['peak_mb']:.0f} MB")
        print(
            f"ratio write-back / openpyxl: time {ours['seconds'] / base['seconds']:.2f}, "
            f"memory {ours['peak_mb'] / base['peak_mb']:.2f}"
        )
        print("check:", check(path, args.rows))


if __name__ == "__main__":
    main()
