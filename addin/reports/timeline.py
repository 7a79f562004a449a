"""The check-in notes that mattered: first and last word, big moves, confidence drops."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from .facts import KrFacts

BIG_MOVE = 0.15  # a change of 15 points of progress between two check-ins
CONFIDENCE_DROP = 0.2  # confidence falling by 0.2 or more between two check-ins
ENTRIES_PER_OBJECTIVE = 8


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: dt.datetime
    kr: KrFacts
    why: str  # "big move: +25 pts", "confidence 0.8 → 0.4", "first check-in"
    note: str
    weight: int  # higher is more worth showing


def notable_checkins(krs: Sequence[KrFacts], limit: int = ENTRIES_PER_OBJECTIVE) -> list[TimelineEntry]:
    """At most ``limit`` entries for these KRs, oldest first."""
    entries: list[TimelineEntry] = []
    for k in krs:
        pts = k.points
        for i, p in enumerate(pts):
            reasons: list[str] = []
            weight = 0
            prev = pts[i - 1] if i else None
            if prev is not None and p.progress is not None and prev.progress is not None:
                move = p.progress - prev.progress
                if abs(move) >= BIG_MOVE:
                    reasons.append(f"big move: {move * 100:+.0f} pts")
                    weight += 3
            if prev is not None and p.confidence is not None and prev.confidence is not None:
                if prev.confidence - p.confidence >= CONFIDENCE_DROP:
                    reasons.append(f"confidence {prev.confidence:.1f} → {p.confidence:.1f}")
                    weight += 4
            if p.note.strip():
                if i == 0:
                    reasons.append("first check-in")
                    weight += 2
                elif i == len(pts) - 1:
                    reasons.append("last check-in")
                    weight += 2
            if reasons:
                entries.append(
                    TimelineEntry(p.at, k, "; ".join(reasons), p.note, weight + (1 if p.note.strip() else 0))
                )
    # Keep the most telling entries, then tell them in order.
    entries.sort(key=lambda e: (-e.weight, e.at))
    return sorted(entries[:limit], key=lambda e: e.at)
