"""How long a full `okr sync` takes against a plain openpyxl load + save of the same file.

For 1,000, 10,000 and 100,000 key-result rows it generates a workbook, then measures,
each in a fresh process (so peak memory is that run's own):

  baseline  openpyxl.load_workbook + save of the file
  sync      okr sync: read, merge, lint, store (SQLite), write-back

and prints seconds, peak RSS and the sync/baseline ratios. Goal: ratio <= 1.5 in time
and <= 1.0 in memory at 10k and 100k rows.

    python bench/sync_bench.py [--rows 1000,10000,100000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

HEADER = [
    "Team",
    "Objective",
    "Objective type",
    "Key Result",
    "Kind",
    "Owner (email)",
    "Baseline",
    "Target",
    "Current",
    "Unit",
    "Confidence (0–1)",
    "Due",
    "Aligns to",
    "Depends on",
    "Notes",
    "ID",
    "Progress",
    "Status",
    "Last check-in",
    "Flags",
]

METRICS = [
    ("Raise week-1 activation", 20, 40, "%"),
    ("Cut p95 checkout latency", 900, 400, "ms"),
    ("Grow weekly active teams", 1200, 2000, ""),
    ("Reduce monthly churn", 4.0, 2.5, "%"),
    ("Lift NPS of new customers", 21, 35, ""),
]


def generate(path: Path, rows: int) -> None:
    """A template-shaped workbook: teams of 5 objectives x 5 KRs, written in streaming mode."""
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    okrs = wb.create_sheet("OKRs")
    okrs.append(HEADER)
    teams = wb.create_sheet("Teams")
    teams.append(
        [
            "Team",
            "Lead (email)",
            "Members (emails, separated by ;)",
            "Check-in weekday",
            "Check-in time",
            "Time zone",
            "Meeting minutes",
            "Parent team",
        ]
    )
    for i in range(rows):
        team, objective, kr = i // 25, (i // 5) % 5, i % 5
        title, baseline, target, unit = METRICS[kr]
        if kr == 0 and objective == 0:
            teams.append(
                [
                    f"Team {team:05d}",
                    f"lead{team}@example.com",
                    f"m{team}@example.com",
                    "Tuesday",
                    "10:00",
                    "Europe/Madrid",
                    30,
                    None,
                ]
            )
        current = baseline + (target - baseline) * ((i * 7919) % 100) / 150
        okrs.append(
            [
                f"Team {team:05d}",
                f"Objective {objective + 1} of team {team}",
                "committed",
                f"{title} in segment {i}",
                None,
                f"owner{(i // 3) % 9000}@example.com",
                baseline,
                target,
                round(current, 2),
                unit,
                0.6 + (i % 4) / 10,
                None,
                None,
                None,
                "steady progress",
                None,
                None,
                None,
                None,
                None,
            ]
        )
    settings = wb.create_sheet("Settings")
    settings.append(["Setting", "Value"])
    settings.append(["Quarter", "2026-Q4"])
    settings.append(["Fiscal year start month", 1])
    wb.save(path)


BASELINE = """
import io, json, resource, sys, time, openpyxl
start = time.perf_counter()
wb = openpyxl.load_workbook(sys.argv[1])
out = io.BytesIO(); wb.save(out)
print(json.dumps({"seconds": time.perf_counter() - start,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

SYNC = """
import datetime as dt, json, resource, sys, time
from pathlib import Path
from addin.excel.sync import sync_workbook
from addin.store.db import Database
db = Database("sqlite:///" + sys.argv[2]); db.create_schema()
now = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
start = time.perf_counter()
report = sync_workbook(db, "bench", Path(sys.argv[1]).read_bytes(), now=now)
Path(sys.argv[1] + ".out.xlsx").write_bytes(report.workbook)
print(json.dumps({"seconds": time.perf_counter() - start,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "created": report.created, "findings": len(report.findings)}))
"""


def measure(script: str, *args: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1000,10000,100000")
    args = parser.parse_args()
    print(
        f"{'rows':>7} | {'openpyxl s':>10} {'MB':>6} | {'okr sync s':>10} {'MB':>6} | "
        f"{'time x':>6} {'mem x':>6} | created findings"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for rows in (int(r) for r in args.rows.split(",")):
            path = Path(tmp) / f"okrs-{rows}.xlsx"
            began = time.perf_counter()
            generate(path, rows)
            generated = time.perf_counter() - began
            base = measure(BASELINE, str(path))
            sync = measure(SYNC, str(path), str(Path(tmp) / f"db-{rows}.sqlite"))
            print(
                f"{rows:>7} | {base['seconds']:>10.2f} {base['peak_mb']:>6.0f} | {sync['seconds']:>10.2f} "
                f"{sync['peak_mb']:>6.0f} | {sync['seconds'] / base['seconds']:>6.2f} "
                f"{sync['peak_mb'] / base['peak_mb']:>6.2f} | {sync['created']:>7} {sync['findings']:>8}"
                f"   (file {path.stat().st_size / 1e6:.1f} MB, generated in {generated:.1f} s)",
                flush=True,
            )


if __name__ == "__main__":
    main()
