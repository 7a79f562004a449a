"""Benchmark (not a test): lint 100,000 KRs with 100,000 check-ins and print the time.

Run: .venv/bin/python tests/okr/lint_bench.py [KRS]
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from addin.okr.lint import lint  # noqa: E402
from addin.okr.model import CheckIn, KeyResult, Location, Objective, OkrSet, Settings, Team  # noqa: E402

TITLES = [
    "Raise week-1 activation from {a}% to {b}%",
    "Cut p95 latency of {t} from {a} ms to {b} ms",
    "Grow {t} pipeline from ${a}k to ${b}k",
    "Launch the new {t} onboarding flow",
    "Keep uptime of {t} above 99.9%",
    "Reduce churn in {t} from {a}% to {b}%",
    "Lanzar la nueva página de {t}",
    "Implementar o novo checkout de {t}",
]


def generate(n_krs: int, seed: int = 7) -> tuple[OkrSet, list[CheckIn]]:
    rng = random.Random(seed)
    per_team = 25  # 5 objectives x 5 KRs
    n_teams = max(1, n_krs // per_team)
    teams = [Team(f"Team {i}", parent=f"Team {i // 10}" if i else None,
                  location=Location(sheet="Teams", row=i + 2)) for i in range(n_teams)]
    objectives, krs, checkins = [], [], []
    start = dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC)
    row = 2
    for i in range(n_krs):
        team = f"Team {i // per_team}"
        obj = f"Objective {(i // 5) % 5} of {team}"
        if i % 5 == 0:
            objectives.append(Objective(team, obj, aligns_to=f"Objective 0 of Team {(i // per_team) // 10}",
                                        location=Location(sheet="Objectives", row=len(objectives) + 2)))
        a = rng.randint(1, 50)
        b = a + rng.randint(-20, 40)
        title = rng.choice(TITLES).format(a=a, b=b, t=f"area {rng.randint(1, 5000)}")
        has_numbers = "{a}" in title or any(ch.isdigit() for ch in title)
        kr = KeyResult(team=team, objective=obj, title=title, id=f"KR-{i:06X}", ref=f"{(i // 5) % 5 + 1}.{i % 5 + 1}",
                       owner=f"owner{rng.randint(0, n_krs // 5)}@example.com",
                       baseline=float(a) if has_numbers else None, target=float(b) if has_numbers else None,
                       current=float(a + rng.randint(-5, 20)), unit="%", confidence=rng.random(),
                       due=dt.date(2026, 12, 31) if rng.random() < 0.9 else dt.date(2027, 1, 15),
                       depends_on=(f"Team {rng.randint(0, n_teams - 1)}",) if rng.random() < 0.1 else (),
                       location=Location(sheet="OKRs", row=row, cell=f"C{row}"))
        row += 1
        krs.append(kr)
        checkins.append(CheckIn(kr.id, start + dt.timedelta(days=rng.randint(0, 45), hours=rng.randint(0, 8)),
                                kr.current, confidence=rng.random(), note=rng.choice(["", "", "on it"])))
    okrs = OkrSet(settings=Settings(quarter="2026-Q4"), teams=teams, objectives=objectives, key_results=krs)
    return okrs, checkins


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    okrs, checkins = generate(n)
    best = None
    for _ in range(3):
        t0 = time.perf_counter()
        findings = lint(okrs, today=dt.date(2026, 11, 15), checkins=checkins)
        elapsed = time.perf_counter() - t0
        best = elapsed if best is None else min(best, elapsed)
        print(f"{n} KRs, {len(checkins)} check-ins: {elapsed:.2f} s, {len(findings)} findings")
    print(f"best of 3: {best:.2f} s")


if __name__ == "__main__":
    main()
