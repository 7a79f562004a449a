"""Benchmark (not a test): lint 100,000 KRs with 100,000 check-ins and print the time.

Run: .venv/bin/python bench/lint_bench.py [KRS]
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from addin.okr.lint import lint  # noqa: E402
from addin.okr.model import CheckIn, KeyResult, Location, Objective, OkrSet, Settings, Team  # noqa: E402

# (title, goes up?) - numbers are filled in so that the direction matches the wording.
TITLES = [
    ("Raise week-1 activation in {t} from {a}% to {b}%", True),
    ("Cut p95 latency of {t} from {a} ms to {b} ms", False),
    ("Grow {t} pipeline from ${a}k to ${b}k", True),
    ("Launch the new {t} onboarding flow", None),
    ("Keep uptime of {t} above 99.9%", None),
    ("Reduce churn in {t} from {a}% to {b}%", False),
    ("Lanzar la nueva página de {t}", None),
    ("Aumentar la conversión de {t} del {a}% al {b}%", True),
]
WORDS = [
    "billing",
    "search",
    "mobile",
    "checkout",
    "partners",
    "support",
    "docs",
    "admin",
    "reporting",
    "exports",
    "alerts",
    "sso",
    "pricing",
    "trials",
    "referrals",
    "api",
]
GOALS = [
    "Make {w} effortless",
    "Win the {w} market",
    "Delight {w} users",
    "Make {w} reliable",
    "Turn {w} into a growth engine",
]


def generate(n_krs: int, seed: int = 7, noisy: bool = False) -> tuple[OkrSet, list[CheckIn]]:
    """An org of n_krs KRs (25 per team) with one check-in each; noisy: far more findings."""
    rng = random.Random(seed)
    per_team = 25  # 5 objectives x 5 KRs
    n_teams = max(1, n_krs // per_team)
    teams = [
        Team(f"Team {i}", parent=f"Team {i // 10}" if i else None, location=Location(sheet="Teams", row=i + 2))
        for i in range(n_teams)
    ]
    objectives, krs, checkins = [], [], []
    today = dt.datetime(2026, 11, 15, 9, tzinfo=dt.UTC)
    row = 2
    for i in range(n_krs):
        team_no = i // per_team
        team = f"Team {team_no}"
        obj = GOALS[(i // 5) % 5].format(w=WORDS[(i // 5 + team_no) % len(WORDS)])
        if i % 5 == 0:
            objectives.append(
                Objective(
                    team,
                    obj,
                    aligns_to=GOALS[0].format(w=WORDS[(team_no // 10) % len(WORDS)]),
                    location=Location(sheet="Objectives", row=len(objectives) + 2),
                )
            )
        template, up = rng.choice(TITLES)
        a = rng.randint(10, 50)
        b = a + rng.randint(5, 40) * (1 if up or up is None else -1)
        if noisy:
            b = a + rng.randint(-20, 40)
        title = template.format(a=a, b=max(b, 0), t=f"{rng.choice(WORDS)} {rng.randint(1, 9999)}")
        numeric = up is not None
        kr = KeyResult(
            team=team,
            objective=obj,
            title=title,
            id=f"KR-{i:06X}",
            ref=f"{(i // 5) % 5 + 1}.{i % 5 + 1}",
            owner=f"owner{rng.randint(0, n_krs // 4)}@example.com",
            baseline=float(a) if numeric else (99.95 if "uptime" in title else 0.0),
            target=float(max(b, 0)) if numeric else (99.9 if "uptime" in title else 1.0),
            current=float(a + (b - a) * rng.random()) if numeric else 0.0,
            unit="%",
            confidence=0.5 + rng.random() / 2,
            due=dt.date(2026, 12, 31) if rng.random() < 0.97 else dt.date(2027, 1, 15),
            depends_on=(f"Team {rng.randint(0, n_teams - 1)}",) if rng.random() < 0.05 else (),
            aligns_to=f"Team {rng.randint(0, n_teams - 1)}" if rng.random() < 0.05 else None,
            location=Location(sheet="OKRs", row=row, cell=f"C{row}"),
        )
        row += 1
        krs.append(kr)
        back = rng.randint(0, 45) if noisy or rng.random() < 0.1 else rng.randint(0, 12)
        checkins.append(
            CheckIn(
                kr.id,
                today - dt.timedelta(days=back, hours=rng.randint(0, 8)),
                kr.current,
                confidence=kr.confidence,
                note=rng.choice(["", "on it"]),
            )
        )
    okrs = OkrSet(settings=Settings(quarter="2026-Q4"), teams=teams, objectives=objectives, key_results=krs)
    return okrs, checkins


def reference_seconds() -> float:
    """CPU time of a fixed pure-Python workload, to compare runs on a busy machine."""
    start = time.process_time()
    table: dict[int, str] = {}
    for i in range(1_000_000):
        table[i] = "x"
    return time.process_time() - start


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    reference = min(reference_seconds() for _ in range(3))
    print(
        f"reference workload (1M dict inserts): {reference:.3f} s CPU; "
        "lint times below are also given in these units, to compare machines"
    )
    for noisy in (False, True):
        okrs, checkins = generate(n, noisy=noisy)
        best = None
        for _ in range(3):
            wall, cpu = time.perf_counter(), time.process_time()
            findings = lint(okrs, today=dt.date(2026, 11, 15), checkins=checkins)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            best = wall if best is None else min(best, wall)
            print(
                f"{'noisy' if noisy else 'typical'}: {n} KRs, {len(checkins)} check-ins: "
                f"{wall:.2f} s wall, {cpu:.2f} s CPU ({cpu / reference:.1f} x the reference), "
                f"{len(findings)} findings"
            )
        print(f"best of 3: {best:.2f} s")


if __name__ == "__main__":
    main()
