"""Each lint rule fires on a realistic bad OKR and stays quiet on a good one.

Over 500 lines: a bad and a good OKR for every lint rule, all rules in one place.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import replace

import pytest

from addin.okr.lint import lint
from addin.okr.model import (
    KeyResult,
    KrKind,
    OkrSet,
    Severity,
    Team,
)
from tests.factories import QUARTER, TODAY, checkin, kr, objective, weekly_checkins, with_kr

DAY = dt.timedelta(days=1)


def rules(okrs: OkrSet, checkins=None, today: dt.date = TODAY) -> dict[str, list]:
    """Findings of ``lint`` grouped by rule id (healthy weekly check-ins unless given)."""
    if checkins is None:
        checkins = weekly_checkins(okrs, today)
    out: dict[str, list] = {}
    for finding in lint(okrs, today=today, checkins=checkins):
        out.setdefault(finding.rule, []).append(finding)
    return out


def growth_kr(okrs: OkrSet, ref: str = "1.1") -> KeyResult:
    return next(k for k in okrs.key_results if k.team == "Growth" and k.ref == ref)


def set_thresholds(okrs: OkrSet, **values) -> OkrSet:
    okrs.settings.thresholds = replace(okrs.settings.thresholds, **values)
    return okrs


def add_objective(okrs: OkrSet, title: str, krs: int = 2, team: str = "Growth") -> OkrSet:
    okrs.objectives.append(objective(title, team=team, aligns_to="Become the obvious choice for mid-size teams"))
    owners = iter(f"owner{i}@example.com" for i in range(100))
    for n in range(krs):
        okrs.key_results.append(
            kr(
                f"Raise {title.lower()} score {n} from 10 to 20",
                team=team,
                objective=title,
                baseline=10,
                target=20,
                current=15,
                unit="",
                owner=next(owners),
            )
        )
    return okrs


def test_the_healthy_org_has_no_findings(okrs, history):
    assert lint(okrs, today=TODAY, checkins=history) == []


# --- too-many-objectives / too-many-krs / too-few-krs -------------------------------


def test_too_many_objectives(okrs):
    for n in range(4):
        add_objective(okrs, f"Delight segment {n}")
    assert "objectives-over-limit" not in rules(okrs)  # 5 is the limit
    add_objective(okrs, "Delight one segment too many")
    found = rules(okrs)["objectives-over-limit"]
    assert len(found) == 1 and found[0].location.team == "Growth"
    assert "6 objectives" in found[0].message
    assert "objectives-over-limit" not in rules(set_thresholds(okrs, max_objectives=6))


def test_too_many_krs(okrs):
    add_objective(okrs, "Win back lapsed users", krs=5)
    assert "krs-over-limit" not in rules(okrs)
    add_objective(okrs, "Grow the partner channel", krs=6)
    found = rules(okrs)["krs-over-limit"]
    assert [f.location.objective for f in found] == ["Grow the partner channel"]
    assert "krs-over-limit" not in rules(set_thresholds(okrs, max_krs_per_objective=6))


def test_objective_without_krs_is_an_error(okrs):
    okrs.objectives.append(objective("Be loved by admins", aligns_to="Company"))
    found = rules(okrs)["objective-without-krs"]
    assert found[0].severity is Severity.ERROR
    assert found[0].location.objective == "Be loved by admins"
    assert found[0].location.sheet == "Objectives"


def test_too_few_krs(okrs):
    add_objective(okrs, "Win back lapsed users", krs=1)
    assert rules(okrs)["krs-under-limit"][0].location.objective == "Win back lapsed users"
    assert "krs-under-limit" not in rules(set_thresholds(okrs, min_krs_per_objective=1))


# --- activity-not-result -----------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "rewrite"),
    [
        ("Launch the new onboarding flow", "Raise week-1 activation from X% to Y% with the new onboarding flow"),
        (
            "Migrate billing to the new cloud account",
            "Cut monthly infrastructure cost from X to Y by migrating billing to the new cloud account",
        ),
        ("Hold monthly webinars", "Raise qualified leads per month from X to Y by holding monthly webinars"),
        (
            "1.3 Lanzar la nueva página de precios",
            "Aumentar average revenue per account de X a Y con la nueva página de precios",
        ),
        ("Implementar o novo checkout", "Aumentar checkout conversion de X% para Y% com o novo checkout"),
    ],
)
def test_activity_kr_gets_an_outcome_rewrite(okrs, title, rewrite):
    okrs = with_kr(okrs, kr(title, ref="1.3", baseline=None, target=None, current=None, unit=""))
    found = rules(okrs)["activity-verb"]
    assert len(found) == 1
    assert rewrite in found[0].suggestion
    assert "missing-target" not in rules(okrs)  # one finding for one problem


def test_activity_with_a_number_or_outcome_is_fine(okrs):
    okrs = with_kr(
        okrs,
        kr(
            "Launch 3 partner integrations used by 50 customers",
            ref="1.3",
            baseline=0,
            target=50,
            current=10,
            unit="customers",
        ),
    )
    okrs = with_kr(okrs, kr("Raise sign-up conversion from 2% to 3%", ref="1.4", baseline=2, target=3, current=2.5))
    assert "activity-verb" not in rules(okrs)


# --- no-measurable-target ----------------------------------------------------------


def test_missing_target_is_an_error_and_points_at_the_number_in_the_title(okrs):
    okrs = with_kr(okrs, kr("Grow self-serve MRR to 50k", ref="1.3", target=None, current=32))
    found = rules(okrs)["missing-target"]
    assert found[0].severity is Severity.ERROR
    assert "50k" in found[0].suggestion


def test_missing_baseline(okrs):
    okrs = with_kr(
        okrs, kr("Reach 1,000 paying teams", ref="1.3", baseline=None, target=1000, current=700, unit="teams")
    )
    assert rules(okrs)["missing-baseline"][0].location.column == "Key Result"  # cell known
    assert "missing-target" not in rules(okrs)


# --- kpi-not-okr -------------------------------------------------------------------


@pytest.mark.parametrize("title", ["Maintain NPS above 40", "Keep uptime at 99.9%", "Mantener el NPS por encima de 40"])
def test_maintain_wording_is_a_health_metric(okrs, title):
    okrs = with_kr(okrs, kr(title, ref="1.3", baseline=42, target=40, current=43, unit="points"))
    assert len(rules(okrs)["maintain-wording"]) == 1


def test_target_equal_to_baseline_is_a_health_metric(okrs):
    okrs = with_kr(okrs, kr("Raise NPS", ref="1.3", baseline=40, target=40, current=41, unit=""))
    found = rules(okrs)
    assert "flat-target" in found and "maintain-wording" not in found


# --- objective-is-metric -----------------------------------------------------------


@pytest.mark.parametrize("title", ["Revenue $2M", "NPS", "30% churn reduction"])
def test_objective_that_is_a_metric(okrs, title):
    okrs.objectives[1] = replace(okrs.objectives[1], title=title)
    for item in okrs.key_results:
        if item.team == "Growth":
            item.objective = title
    assert rules(okrs)["objective-metric"][0].location.objective == title


def test_objective_with_a_year_is_not_a_metric(okrs):
    okrs.objectives[1] = replace(okrs.objectives[1], title="Win the 2027 enterprise market in Q4")
    for item in okrs.key_results:
        if item.team == "Growth":
            item.objective = "Win the 2027 enterprise market in Q4"
    assert "objective-metric" not in rules(okrs)


# --- unrealistic-target ------------------------------------------------------------


def crawling(okrs: OkrSet) -> tuple[OkrSet, list]:
    item = growth_kr(okrs)
    item.baseline, item.target, item.current = 0, 100, 6
    history = [c for c in weekly_checkins(okrs) if c.kr_id != item.id]
    history += [checkin(item.id, QUARTER.start + d * DAY, v) for d, v in [(7, 2), (21, 4), (42, 6)]]
    return okrs, history


def test_pace_far_behind_what_the_target_needs(okrs):
    okrs, history = crawling(okrs)
    found = rules(okrs, history)["pace-far-behind"]
    assert found[0].location.key_result == growth_kr(okrs).id
    assert "a week" in found[0].message
    assert "pace-far-behind" not in rules(set_thresholds(okrs, unrealistic_pace_factor=20), history)


def test_too_little_history_says_nothing_about_pace(okrs):
    okrs, history = crawling(okrs)
    early = QUARTER.start + 10 * DAY
    assert "pace-far-behind" not in rules(okrs, [c for c in history if c.at.date() <= early], early)


# --- trivial-target ----------------------------------------------------------------


def test_baseline_already_meets_target(okrs):
    okrs = with_kr(
        okrs, kr("Raise repeat purchases to 45%", ref="1.3", kind=KrKind.INCREASE, baseline=50, target=45, current=51)
    )
    assert "baseline-meets-target" in rules(okrs)


def test_target_met_in_the_first_days(okrs):
    item = growth_kr(okrs)
    history = weekly_checkins(okrs)
    history.append(checkin(item.id, QUARTER.start + 3 * DAY, 46))
    assert "met-at-start" in rules(okrs, history)
    later = [*weekly_checkins(okrs), checkin(item.id, QUARTER.start + 40 * DAY, 46)]
    assert "met-at-start" not in rules(okrs, later)


# --- no-owner / owner-overloaded ---------------------------------------------------


@pytest.mark.parametrize("owner", [None, "", "   "])
def test_missing_owner_is_an_error(okrs, owner):
    growth_kr(okrs).owner = owner
    found = rules(okrs)["missing-owner"]
    assert found[0].severity is Severity.ERROR and found[0].location.key_result


def test_owner_that_is_not_an_email(okrs):
    growth_kr(okrs).owner = "Ana Ruiz"
    assert "ana.ruiz@example.com" in rules(okrs)["owner-not-email"][0].suggestion


def test_owner_overloaded_across_teams(okrs):
    for n in range(3):
        okrs.key_results.append(
            kr(
                f"Raise partner NPS {n} from 10 to 20",
                team="Platform",
                objective="Make the product feel instant",
                owner="ANA@example.com",
                baseline=10,
                target=20,
                current=15,
                unit="",
                aligns_to="Growth",
            )
        )
    okrs.key_results.append(
        kr(
            "Raise trial starts from 100 to 200",
            ref="1.3",
            owner="ana@example.com",
            baseline=100,
            target=200,
            current=150,
            unit="",
        )
    )
    assert "owner-over-limit" not in rules(okrs)  # ana owns 5, limit 6
    okrs.key_results.append(
        kr("Raise demo bookings from 10 to 40", ref="1.4", baseline=10, target=40, current=25, unit="")
    )
    okrs.key_results.append(kr("Raise invites sent from 1 to 3", ref="1.5", baseline=1, target=3, current=2, unit=""))
    found = rules(okrs)["owner-over-limit"]
    assert len(found) == 1 and "7 key results across 2 team(s)" in found[0].message
    assert "owner-over-limit" not in rules(set_thresholds(okrs, max_krs_per_owner=7))


# --- stale -------------------------------------------------------------------------


def test_stale_kr(okrs):
    item = growth_kr(okrs)
    history = [c for c in weekly_checkins(okrs) if c.kr_id != item.id or c.at.date() <= dt.date(2026, 10, 20)]
    found = rules(okrs, history)["no-recent-checkin"]
    assert [f.location.key_result for f in found] == [item.id]
    assert "31 days" in found[0].message and "2026-10-15" in found[0].message
    assert "no-recent-checkin" not in rules(set_thresholds(okrs, stale_days=35), history)


def test_checkin_from_the_workbook_counts(okrs):
    item = growth_kr(okrs)
    history = [c for c in weekly_checkins(okrs) if c.kr_id != item.id]
    assert "no-recent-checkin" in rules(okrs, history)
    okrs.checkins.append(checkin(item.id, TODAY - 2 * DAY, 39))
    assert "no-recent-checkin" not in rules(okrs, history)


def test_never_checked_in_counts_from_quarter_start(okrs):
    assert len(rules(okrs, [])["no-recent-checkin"]) == len(okrs.key_results)
    assert "no-recent-checkin" not in rules(okrs, [], QUARTER.start + 10 * DAY)


# --- not-aligned -------------------------------------------------------------------


def test_objective_of_child_team_must_align(okrs):
    okrs.objectives[1] = replace(okrs.objectives[1], aligns_to=None)
    found = rules(okrs)["objective-not-aligned"]
    assert [f.location.objective for f in found] == ["Make the first week delightful"]
    growth_kr(okrs).aligns_to = "Become the obvious choice for mid-size teams"
    assert "objective-not-aligned" not in rules(okrs)  # a KR carries the alignment


def test_alignment_to_nothing_known(okrs):
    growth_kr(okrs).aligns_to = "Be the default for everyone"
    found = rules(okrs)["alignment-unknown"]
    assert found[0].location.key_result == growth_kr(okrs).id
    growth_kr(okrs).aligns_to = "company: become the obvious choice for mid-size teams"
    assert "alignment-unknown" not in rules(okrs)


def test_unknown_parent_team(okrs):
    okrs.teams[1] = replace(okrs.teams[1], parent="Compnay")
    assert rules(okrs)["parent-team-unknown"][0].location.team == "Growth"


# --- unacknowledged-dependency -----------------------------------------------------


def platform_kr(okrs: OkrSet) -> KeyResult:
    return next(k for k in okrs.key_results if k.team == "Platform" and k.ref == "1.1")


def test_dependency_nobody_acknowledged(okrs):
    platform_kr(okrs).aligns_to = None
    found = rules(okrs)["dependency-unacknowledged"]
    assert found[0].location.key_result == growth_kr(okrs, "1.2").id
    assert "Platform" in found[0].message


@pytest.mark.parametrize("how", ["team", "kr id", "team and ref"])
def test_dependency_acknowledged_by_the_other_team(okrs, how):
    platform_kr(okrs).aligns_to = None
    needing = growth_kr(okrs, "1.2")
    needing.depends_on = (platform_kr(okrs).id,)  # on a KR of Platform, by id
    names = {"team": "Growth", "kr id": needing.id, "team and ref": "Growth: 1.2"}
    platform_kr(okrs).depends_on = (names[how],)
    assert "dependency-unacknowledged" not in rules(okrs)


def test_dependency_on_something_unknown(okrs):
    growth_kr(okrs, "1.2").depends_on = ("Data Team",)
    assert "dependency-unknown" in rules(okrs)


# --- conflicting-krs ---------------------------------------------------------------


def test_two_teams_pulling_one_metric_both_ways(okrs):
    okrs.teams += [Team("Sales"), Team("Finance")]
    okrs.key_results += [
        kr(
            "Raise average discount from 10% to 15%",
            team="Sales",
            objective="Win mid-market deals",
            baseline=10,
            target=15,
            current=12,
            owner="sam@example.com",
        ),
        kr(
            "Cut the average discount from 12% to 8%",
            team="Finance",
            objective="Protect margin",
            baseline=12,
            target=8,
            current=11,
            owner="fin@example.com",
        ),
    ]
    found = rules(okrs)["opposite-directions"]
    assert sorted(f.location.team for f in found) == ["Finance", "Sales"]


def test_same_direction_or_other_unit_is_no_conflict(okrs):
    okrs.key_results += [
        kr(
            "Raise average discount from 10% to 15%",
            team="Sales",
            objective="Win deals",
            baseline=10,
            target=15,
            current=12,
        ),
        kr(
            "Raise average discount from 12% to 14%",
            team="Finance",
            objective="Grow",
            baseline=12,
            target=14,
            current=13,
        ),
        kr(
            "Cut average discount from 900 to 500",
            team="Ops",
            objective="Save",
            baseline=900,
            target=500,
            current=800,
            unit="USD",
        ),
    ]
    assert "opposite-directions" not in rules(okrs)


# --- wrong-cadence -----------------------------------------------------------------


def test_due_after_or_before_the_quarter(okrs):
    growth_kr(okrs).due = dt.date(2027, 1, 31)
    growth_kr(okrs, "1.2").due = dt.date(2026, 9, 15)
    found = rules(okrs)
    assert found["due-after-quarter"][0].location.key_result == growth_kr(okrs).id
    assert found["due-before-quarter"][0].location.key_result == growth_kr(okrs, "1.2").id


def test_due_inside_the_quarter_is_fine(okrs):
    growth_kr(okrs).due = QUARTER.end
    growth_kr(okrs, "1.2").due = QUARTER.start
    assert not {"due-after-quarter", "due-before-quarter"} & set(rules(okrs))


def test_unreadable_settings_quarter(okrs):
    okrs.settings.quarter = "next quarter"
    found = rules(okrs)["quarter-unreadable"]
    assert found[0].severity is Severity.ERROR and "2026-Q4" in found[0].message


# --- duplicate-kr ------------------------------------------------------------------


def test_duplicate_title_after_case_space_and_unicode_folding(okrs):
    okrs = with_kr(okrs, kr("  raise WEEK-1 activation   from 30% to 45%.", ref="1.3"))
    nfc = "Reducir la espera en el café de 8 a 4 minutos"
    nfd = unicodedata.normalize("NFD", nfc)
    okrs = with_kr(okrs, kr(nfc, ref="1.4", baseline=8, target=4, current=6, unit="min"))
    okrs = with_kr(okrs, kr(nfd, ref="1.5", baseline=8, target=4, current=6, unit="min"))
    found = rules(okrs)["duplicate-title"]
    assert len(found) == 2


def test_same_title_in_another_team_is_no_duplicate(okrs):
    okrs = with_kr(
        okrs,
        kr(
            "Raise week-1 activation from 30% to 45%",
            team="Platform",
            objective="Make the product feel instant",
            ref="1.3",
        ),
    )
    assert "duplicate-title" not in rules(okrs)


# --- low-confidence-unaddressed ----------------------------------------------------


def worried(okrs: OkrSet, notes=("", "")) -> list:
    item = growth_kr(okrs)
    history = [c for c in weekly_checkins(okrs) if c.kr_id != item.id or c.at.date() < TODAY - 10 * DAY]
    history += [
        checkin(item.id, TODAY - 8 * DAY, 36, 0.3, notes[0]),
        checkin(item.id, TODAY - 1 * DAY, 38, 0.2, notes[1]),
    ]
    return history


def test_low_confidence_without_a_plan(okrs):
    found = rules(okrs, worried(okrs))["low-confidence-no-plan"]
    assert found[0].location.key_result == growth_kr(okrs).id


def test_low_confidence_with_a_plan_or_only_once(okrs):
    plan = ("", "Blocked on the email vendor; switching provider next week")
    assert "low-confidence-no-plan" not in rules(okrs, worried(okrs, plan))
    once = weekly_checkins(okrs) + [checkin(growth_kr(okrs).id, TODAY - DAY, 38, 0.2)]
    assert "low-confidence-no-plan" not in rules(okrs, once)
    assert "low-confidence-no-plan" in rules(set_thresholds(okrs, low_confidence_checkins=1), once)
    assert "low-confidence-no-plan" not in rules(
        set_thresholds(okrs, low_confidence=0.15, low_confidence_checkins=2), worried(okrs)
    )
