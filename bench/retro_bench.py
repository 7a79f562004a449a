"""Retro pack throughput: 100 teams (5 objectives x 4 KRs, 13 weekly check-ins each).

Prints documents per second without and with charts, the share of time spent rendering
charts, and the wall time of the --all path (a process pool over teams). Goal: 100 packs
with charts in under 30 s on a 2-core machine.

    .venv/bin/python bench/retro_bench.py [--teams 100] [--workers 2] [--out bench/out]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import addin.reports.build as build_module  # noqa: E402
from addin.okr.model import CheckIn, KeyResult, Objective, ObjectiveType, OkrSet, Team  # noqa: E402
from addin.okr.quarters import Quarter  # noqa: E402
from addin.reports import RetroInput, build_retro_pack, build_retro_packs  # noqa: E402

QUARTER = Quarter(2026, 4)
NOTES = [
    "",
    "",
    "",
    "On plan.",
    "Blocked on review, expect to catch up.",
    "Big customer signed!",
    "Vendor slipped a week.",
]


def team_input(i: int, okrs: OkrSet, rng: random.Random) -> RetroInput:
    """One team's quarter: 5 objectives x 4 KRs, 13 weekly check-ins per KR with noisy progress."""
    name = f"Team {i:03d}"
    team = Team(name)
    okrs.teams.append(team)
    checkins: list[CheckIn] = []
    start = dt.datetime.combine(QUARTER.start, dt.time(10), tzinfo=dt.UTC)
    for o in range(5):
        title = f"Objective {o + 1} of {name}: delight customers in segment {o}"
        kind = ObjectiveType.ASPIRATIONAL if o == 4 else ObjectiveType.COMMITTED
        okrs.objectives.append(Objective(team=name, title=title, type=kind, ref=str(o + 1)))
        for k in range(4):
            base, target = 100.0 * (k + 1), 100.0 * (k + 1) + rng.choice([50, 100, 400])
            kr = KeyResult(
                team=name,
                objective=title,
                title=f"Grow weekly active accounts in segment {o}.{k}",
                id=f"KR-{i:03d}{o}{k}",
                ref=f"{o + 1}.{k + 1}",
                owner=f"owner{k}@example.com",
                baseline=base,
                target=target,
                current=base,
            )
            okrs.key_results.append(kr)
            pace, value, conf = rng.uniform(0.0, 1.3), base, rng.uniform(0.5, 0.9)
            for w in range(13):
                value += (target - base) * pace / 13 * rng.uniform(0.2, 1.8)
                conf = min(1.0, max(0.0, conf + rng.uniform(-0.15, 0.1)))
                checkins.append(
                    CheckIn(
                        kr.id, start + dt.timedelta(days=7 * w + 2), round(value, 1), round(conf, 2), rng.choice(NOTES)
                    )
                )
    return RetroInput(
        team=team,
        quarter=QUARTER,
        okrs=okrs,
        checkins=checkins,
        findings=[],
        generated_at=dt.datetime(2027, 1, 2, tzinfo=dt.UTC),
        author="bench",
    )


def make_inputs(teams: int) -> list[RetroInput]:
    rng = random.Random(7)
    shared = OkrSet()  # every team sees all teams' OKRs, as gather_retro_input gives them
    return [team_input(i, shared, rng) for i in range(teams)]


def sequential(inputs: list[RetroInput], charts: bool) -> tuple[float, float, float, int]:
    """Wall seconds, CPU seconds, CPU seconds inside chart rendering, total bytes."""
    chart_seconds = 0.0
    real = build_module.render_objective_charts

    def timed(*args, **kwargs):
        nonlocal chart_seconds
        t = time.process_time()
        try:
            return real(*args, **kwargs)
        finally:
            chart_seconds += time.process_time() - t

    build_module.render_objective_charts = timed
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        size = sum(len(build_retro_pack(d, charts=charts)) for d in inputs)
        return time.perf_counter() - t0, time.process_time() - c0, chart_seconds, size
    finally:
        build_module.render_objective_charts = real


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=100)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, help="write the packs here (bench/out is git-ignored)")
    args = parser.parse_args()
    inputs = make_inputs(args.teams)
    n = len(inputs)
    print(
        f"{n} teams x 5 objectives x 4 KRs, 13 weekly check-ins; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.2f}"
    )
    build_retro_pack(inputs[0])  # warm imports, fonts and the reusable chart figures

    # Wall time depends on what else the machine runs; CPU time is what the packs cost.
    wall, cpu, _, size = sequential(inputs, charts=False)
    print(
        f"without charts, 1 process : wall {wall:6.2f} s ({n / wall:5.1f} docs/s)  cpu {cpu / n * 1000:4.0f} ms/doc"
        f"  {size / n / 1024:.0f} KiB/doc"
    )
    wall_c, cpu_c, chart_s, size = sequential(inputs, charts=True)
    print(
        f"with charts,    1 process : wall {wall_c:6.2f} s ({n / wall_c:5.1f} docs/s)  cpu {cpu_c / n * 1000:4.0f} ms/doc"
        f"  {size / n / 1024:.0f} KiB/doc"
    )
    print(
        f"  chart rendering share   : {chart_s / cpu_c * 100:5.1f} % of cpu ({chart_s / (n * 5) * 1000:.1f} ms cpu per"
        " objective picture, 5 per pack; picture insertion not counted)"
    )

    wall_p = float("inf")
    for method in ("spawn", "forkserver", "fork"):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        packs = list(build_retro_packs(inputs, charts=True, workers=args.workers, start_method=method))
        wall_m = time.perf_counter() - t0
        wall_p = min(wall_p, wall_m)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_m = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        # forkserver workers are the server's children, not ours: their CPU time is not seen here.
        cpu_text = "n/a" if method == "forkserver" else f"{cpu_m:.1f} s"
        print(
            f"with charts, {args.workers} processes ({method:10}): wall {wall_m:6.2f} s ({n / wall_m:5.1f} docs/s)"
            f"  workers' cpu {cpu_text} (includes starting the pool)"
        )
    best = min(wall_c, wall_p) * 100 / n
    print(
        f"goal: 100 packs with charts < 30 s -> {best:.1f} s wall for 100 ({'MET' if best < 30 else 'NOT MET'});"
        f" cpu-bound estimate on 2 idle cores {cpu_c * 100 / n / 2:.1f} s"
    )
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        for d, pack in zip(inputs, packs):
            (args.out / f"{d.team.name.replace(' ', '_')}.docx").write_bytes(pack)


if __name__ == "__main__":
    main()
