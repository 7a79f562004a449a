"""Scoring: kinds, progress, expected pace, status, grades and roll-ups."""

from __future__ import annotations

import datetime as dt

import pytest

from addin.okr.model import KeyResult, KrKind, ObjectiveType, Status, Thresholds
from addin.okr.quarters import Quarter, parse_quarter
from addin.okr.scoring import (
    expected_progress,
    grade,
    infer_kind,
    kr_status,
    objective_score,
    progress,
    team_score,
)
from tests.factories import QUARTER, TODAY, checkin, kr, objective


@pytest.mark.parametrize(
    ("title", "baseline", "target", "unit", "kind"),
    [
        ("Raise week-1 activation from 30% to 45%", 30, 45, "%", KrKind.INCREASE),
        ("Reduce monthly churn from 5% to 3%", 5, 3, "%", KrKind.DECREASE),
        ("Cut p95 latency to 300 ms", 450, 300, "ms", KrKind.DECREASE),
        ("Keep uptime above 99.9%", 99.95, 99.9, "%", KrKind.STAY_ABOVE),
        ("Uptime at least 99.9%", 99.95, 99.9, "%", KrKind.STAY_ABOVE),
        ("Keep support backlog under 40 tickets", 35, 40, "tickets", KrKind.STAY_BELOW),
        ("Maintain churn", 2, 2, "%", KrKind.STAY_BELOW),
        ("Mantener la satisfacción por encima de 8", 8.2, 8, "", KrKind.STAY_ABOVE),
        ("Manter o tempo de resposta abaixo de 2 horas", 1.5, 2, "h", KrKind.STAY_BELOW),
        ("Launch the new onboarding flow", 0, 1, "", KrKind.MILESTONE),
        ("Sign the partnership with Acme", None, 1, "done", KrKind.MILESTONE),
        ("Lançar o novo aplicativo", None, None, "", KrKind.MILESTONE),
        ("Get 1 enterprise reference customer", 0, 1, "customers", KrKind.INCREASE),
        ("Reach 1,000 paying teams", None, 1000, "teams", KrKind.INCREASE),
    ],
)
def test_kind_is_inferred_from_numbers_and_wording(title, baseline, target, unit, kind):
    assert infer_kind(kr(title, baseline=baseline, target=target, unit=unit)) is kind


def test_explicit_kind_wins_over_inference():
    item = kr("Keep uptime above 99.9%", baseline=99, target=99.9, kind=KrKind.INCREASE)
    assert infer_kind(item) is KrKind.INCREASE


def test_increase_and_decrease_progress_is_share_of_the_way():
    assert progress(kr(baseline=30, target=45, current=36)) == pytest.approx(0.4)
    churn = kr("Reduce churn from 5% to 3%", baseline=5, target=3, current=4.5)
    assert progress(churn) == pytest.approx(0.25)


def test_progress_is_not_clamped():
    assert progress(kr(baseline=30, target=45, current=50)) == pytest.approx(20 / 15)
    assert progress(kr(baseline=30, target=45, current=27)) == pytest.approx(-0.2)


def test_unmeasurable_progress_is_none_never_a_division_by_zero():
    assert progress(kr(baseline=10, target=10, current=12, kind=KrKind.INCREASE)) is None
    assert progress(kr(baseline=None, target=45, current=40)) is None
    assert progress(kr(target=None, current=40, title="Grow activation")) is None
    assert progress(kr(current=None)) is None


def test_bands_score_one_inside_and_zero_outside():
    above = dict(title="Keep uptime above 99.9%", baseline=99.95, target=99.9, unit="%")
    assert progress(kr(current=99.93, **above)) == 1.0
    assert progress(kr(current=99.9, **above)) == 1.0  # the bound itself is inside
    assert progress(kr(current=99.2, **above)) == 0.0
    below = dict(title="Keep the support backlog under 40 tickets", baseline=35, target=40)
    assert progress(kr(current=41, **below)) == 0.0
    assert progress(kr(current=12, **below)) == 1.0


def test_milestones_are_zero_or_one():
    launch = dict(title="Launch the new onboarding flow", baseline=0, target=1, unit="")
    assert progress(kr(current=0, **launch)) == 0.0
    assert progress(kr(current=None, **launch)) == 0.0
    assert progress(kr(current=1, **launch)) == 1.0


def test_expected_progress_follows_the_calendar():
    assert expected_progress(QUARTER, QUARTER.start) == pytest.approx(1 / 92)
    assert expected_progress(QUARTER, TODAY) == pytest.approx(46 / 92)
    assert expected_progress(QUARTER, QUARTER.end) == 1.0
    assert expected_progress(QUARTER, QUARTER.start - dt.timedelta(days=3)) == 0.0
    assert expected_progress(QUARTER, QUARTER.end + dt.timedelta(days=30)) == 1.0


def test_expected_progress_runs_to_an_earlier_due_date():
    due = dt.date(2026, 10, 31)  # 31 days into the quarter
    assert expected_progress(QUARTER, dt.date(2026, 10, 16), due) == pytest.approx(16 / 31)
    assert expected_progress(QUARTER, TODAY, due) == 1.0
    # A later due date does not stretch the quarter.
    assert expected_progress(QUARTER, TODAY, dt.date(2027, 2, 1)) == pytest.approx(46 / 92)
    # Due before the quarter even started: the whole period is over.
    assert expected_progress(QUARTER, TODAY, dt.date(2026, 9, 1)) == 1.0


def test_expected_progress_in_a_fiscal_year_starting_in_july():
    fy_q2 = parse_quarter("FY2027 Q2", fy_start_month=7)  # Oct-Dec 2026
    assert fy_q2.start == dt.date(2026, 10, 1)
    assert expected_progress(fy_q2, TODAY) == pytest.approx(46 / 92)
    fy_q1 = Quarter(2027, 1, fy_start_month=7)  # Jul-Sep 2026: over by mid-November
    assert expected_progress(fy_q1, TODAY) == 1.0
    feb = Quarter(2027, 1, fy_start_month=2)  # Feb-Apr 2026
    assert feb.start == dt.date(2026, 2, 1)
    assert expected_progress(feb, dt.date(2026, 2, 1)) == pytest.approx(1 / 89)


def status_of(item, today=TODAY, checkins=(), thresholds=None, objective_type=ObjectiveType.COMMITTED):
    return kr_status(
        item,
        quarter=QUARTER,
        today=today,
        thresholds=thresholds or Thresholds(),
        checkins=checkins,
        objective_type=objective_type,
    )


def test_status_from_pace_against_the_calendar():
    # Half-way through the quarter: 0.5 expected.
    assert status_of(kr(baseline=0, target=100, current=50)).status is Status.ON_TRACK
    assert status_of(kr(baseline=0, target=100, current=40)).status is Status.AT_RISK
    assert status_of(kr(baseline=0, target=100, current=20)).status is Status.OFF_TRACK
    assert status_of(kr(baseline=0, target=100, current=100)).status is Status.DONE
    assert status_of(kr(baseline=0, target=100, current=None)).status is Status.NOT_STARTED


def test_status_thresholds_come_from_settings():
    item = kr(baseline=0, target=100, current=40)  # 80 % of the expected pace
    assert status_of(item).status is Status.AT_RISK
    lenient = Thresholds(on_track_ratio=0.75, at_risk_ratio=0.5)
    assert status_of(item, thresholds=lenient).status is Status.ON_TRACK
    strict = Thresholds(on_track_ratio=0.95, at_risk_ratio=0.85)
    assert status_of(item, thresholds=strict).status is Status.OFF_TRACK


def test_low_confidence_turns_on_track_into_at_risk():
    item = kr(baseline=0, target=100, current=60, confidence=0.8)
    assert status_of(item).status is Status.ON_TRACK
    worried = [checkin(item.id, TODAY - dt.timedelta(days=2), 60, confidence=0.2)]
    assert status_of(item, checkins=worried).status is Status.AT_RISK
    assert status_of(item, checkins=worried, thresholds=Thresholds(low_confidence=0.1)).status is Status.ON_TRACK


def test_status_near_quarter_start_and_end():
    item = kr(baseline=0, target=100, current=1)
    assert status_of(item, today=QUARTER.start).status is Status.ON_TRACK  # 1 % of 1/92 expected
    assert status_of(item, today=QUARTER.start - dt.timedelta(days=1)).status is Status.NOT_STARTED
    assert status_of(kr(baseline=0, target=100, current=90), today=QUARTER.end).status is Status.ON_TRACK
    assert status_of(kr(baseline=0, target=100, current=70), today=QUARTER.end).status is Status.AT_RISK


def test_milestone_and_band_status():
    launch = kr("Launch the new onboarding flow", baseline=0, target=1, current=0, unit="")
    assert status_of(launch).status is Status.ON_TRACK
    assert status_of(launch, today=QUARTER.end).status is Status.OFF_TRACK
    assert (
        status_of(kr("Launch the new onboarding flow", baseline=0, target=1, current=1, unit="")).status is Status.DONE
    )
    band = dict(title="Keep uptime above 99.9%", baseline=99.95, target=99.9, unit="%")
    assert status_of(kr(current=99.95, **band)).status is Status.ON_TRACK
    assert status_of(kr(current=99.5, **band)).status is Status.OFF_TRACK
    assert status_of(kr(current=99.95, **band), today=QUARTER.end).status is Status.DONE


def test_aspirational_pace_and_grade_are_measured_against_0_7():
    item = kr(baseline=0, target=100, current=35)  # 0.35 at half-time: 0.7 of the pace
    assert status_of(item).status is Status.AT_RISK
    assert status_of(item, objective_type=ObjectiveType.ASPIRATIONAL).status is Status.ON_TRACK
    slow = kr(baseline=0, target=100, current=28)
    assert status_of(slow).status is Status.OFF_TRACK
    assert status_of(slow, objective_type=ObjectiveType.ASPIRATIONAL).status is Status.AT_RISK
    final = kr(baseline=0, target=100, current=70)
    assert grade(final, ObjectiveType.COMMITTED) == pytest.approx(0.7)
    assert grade(final, ObjectiveType.ASPIRATIONAL) == pytest.approx(1.0)
    assert grade(kr(baseline=0, target=100, current=35), ObjectiveType.ASPIRATIONAL) == pytest.approx(0.5)


def test_grade_is_clamped_and_none_when_unmeasurable():
    assert grade(kr(baseline=0, target=100, current=130), ObjectiveType.COMMITTED) == 1.0
    assert grade(kr(baseline=50, target=100, current=20), ObjectiveType.COMMITTED) == 0.0
    assert grade(kr(baseline=50, target=50, current=20, kind=KrKind.INCREASE), ObjectiveType.COMMITTED) is None
    milestone = kr("Launch the new onboarding flow", baseline=0, target=1, current=1, unit="")
    assert grade(milestone, ObjectiveType.ASPIRATIONAL) == 1.0


def test_status_reports_last_checkin_of_this_kr_only():
    item = kr(baseline=0, target=100, current=50)
    mine = checkin(item.id, TODAY - dt.timedelta(days=3), 50)
    other = checkin("KR-OTHER", TODAY, 10)
    result = status_of(item, checkins=[other, mine])
    assert result.last_checkin == mine.at
    assert result.expected == pytest.approx(0.5)
    assert result.progress == pytest.approx(0.5)
    assert result.grade == pytest.approx(0.5)


def test_objective_score_is_weighted_mean_of_grades():
    heavy, light, ungraded = kr(weight=3), kr(weight=None), kr()
    assert objective_score([(heavy, 1.0), (light, 0.0), (ungraded, None)]) == pytest.approx(0.75)
    assert objective_score([(ungraded, None)]) is None
    assert objective_score([]) is None
    assert objective_score([(kr(weight=0), 1.0), (kr(), 0.5)]) == pytest.approx(0.5)


def test_team_score_is_weighted_mean_of_objective_scores():
    big, small = objective("Big bet", weight=2), objective("Small bet")
    assert team_score([(big, 0.9), (small, 0.3)]) == pytest.approx(0.7)
    assert team_score([(big, None), (small, 0.3)]) == pytest.approx(0.3)
    assert team_score([]) is None


@pytest.mark.parametrize(
    ("title", "current", "target"), [("Raise NPS to 40", 45.0, 40.0), ("Cut first reply time to 4 hours", 3.0, 4.0)]
)
def test_a_key_result_past_its_target_without_a_baseline_is_done_not_not_started(title, current, target) -> None:
    item = KeyResult(team="T", objective="O", title=title, baseline=None, current=current, target=target)
    st = kr_status(item, quarter=Quarter(2026, 4), today=dt.date(2026, 11, 20), thresholds=Thresholds())
    assert st.status is Status.DONE and st.progress == 1.0


def test_without_a_baseline_short_of_its_target_progress_is_unknown() -> None:
    item = KeyResult(team="T", objective="O", title="Raise NPS to 40", baseline=None, current=30.0, target=40.0)
    st = kr_status(item, quarter=Quarter(2026, 4), today=dt.date(2026, 11, 20), thresholds=Thresholds())
    assert st.progress is None
