"""Numbers in findings, invites and packs read as people write them."""

from __future__ import annotations

import datetime as dt

import pytest

from addin.okr.lint import lint
from addin.okr.model import CheckIn, OkrSet, Team
from addin.okr.numbers import readable
from addin.okr.quarters import Quarter
from tests.factories import kr, objective


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (11400.3, "11,400"),
        (136300.0, "136,300"),
        (1_250_000, "1,250,000"),
        (20.626, "20.63"),
        (0.45, "0.45"),
        (150.26, "150.3"),
        (0.00123, "0.00123"),
        (-3.5, "-3.5"),
        (7.0, "7"),
    ],
)
def test_readable(value: float, text: str) -> None:
    assert readable(value) == text


def test_a_pace_finding_says_forty_nine_thousand_a_week_not_an_exponent() -> None:
    quarter = Quarter(2026, 4)
    item = kr(
        "Grow weekly sign-ups", id="KR-AAAAAA", baseline=100_000, target=400_000, current=101_000, due=quarter.end
    )
    okrs = OkrSet(teams=[Team("Growth")], objectives=[objective(item.objective)], key_results=[item])
    history = [
        CheckIn("KR-AAAAAA", dt.datetime(2026, 10, 5, tzinfo=dt.UTC), 100_000),
        CheckIn("KR-AAAAAA", dt.datetime(2026, 11, 16, tzinfo=dt.UTC), 101_000),
    ]
    findings = lint(okrs, today=dt.date(2026, 11, 20), checkins=history, quarter=quarter)
    (pace,) = [f for f in findings if f.rule == "pace-far-behind"]
    assert "needs 49,833 a week to reach 400,000" in pace.message
    assert "ends near 101,913" in pace.message and "about 101,913" in pace.suggestion
