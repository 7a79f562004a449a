"""What every finding carries, the rule catalogue, its documentation and the lint's order."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

from addin.okr.lint import PITFALLS, RULES, lint
from addin.okr.model import (
    AnswerState,
    DependencyAnswer,
    Finding,
    KrKind,
    Location,
    OkrSet,
    Severity,
    Team,
    Thresholds,
)
from addin.okr.quarters import Quarter
from tests.factories import QUARTER, TODAY, checkin, healthy_okrs, kr, objective, weekly_checkins

DOCS = Path(__file__).resolve().parents[2] / "docs" / "lint-rules.md"
DAY = dt.timedelta(days=1)
NOON = dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.UTC)


def messy_org() -> tuple[OkrSet, list]:
    """An org with at least one example of every rule."""
    okrs = healthy_okrs()
    okrs.teams += [
        Team("Sales", parent="Company", location=Location(sheet="Teams", row=5)),
        Team("Finance", parent="Compnay", location=Location(sheet="Teams", row=6)),
    ]
    okrs.objectives += [
        objective("Revenue $2M", team="Sales", aligns_to="Be everywhere"),
        objective("Be loved by admins", aligns_to="Company"),
    ]
    okrs.objectives += [objective(f"Side quest {n}", team="Finance") for n in range(6)]
    bad = [
        kr("Launch the new onboarding flow", target=None, baseline=None, current=None, unit=""),
        kr("Grow self-serve MRR", target=None, owner=None),
        kr("Reach 1,000 paying teams", baseline=None, target=1000, current=700, owner="Ana Ruiz"),
        kr("Maintain NPS above 40", baseline=42, target=40, current=43, due=dt.date(2027, 2, 1)),
        kr("Raise NPS", baseline=40, target=40, current=40, due=dt.date(2026, 9, 1)),
        kr("raise  NPS.", baseline=40, target=41, current=40),
        kr("Raise repeat purchases to 45%", kind=KrKind.INCREASE, baseline=50, target=45, current=51),
        kr(
            "Raise trial starts from 0 to 100",
            baseline=0,
            target=100,
            current=6,
            unit="",
            depends_on=("Data Team", "Sales"),
        ),
        kr(
            "Raise invites from 10 to 20",
            baseline=10,
            target=20,
            current=12,
            unit="",
            confidence=0.2,
            aligns_to="Be the default for everyone",
        ),
        kr(
            "Raise average discount from 10% to 15%",
            team="Sales",
            objective="Revenue $2M",
            baseline=10,
            target=15,
            current=12,
            depends_on=("Finance",),
        ),
        kr(
            "Cut the average discount from 12% to 8%",
            team="Finance",
            objective="Side quest 0",
            baseline=12,
            target=8,
            current=11,
        ),
    ]
    bad += [
        kr(
            f"Raise side metric {n} from 1 to 2",
            objective="Too many",
            baseline=1,
            target=2,
            current=1.5,
            unit="",
            aligns_to="Company",
        )
        for n in range(6)
    ]
    okrs.key_results += bad
    # Sales declined the trial-starts KR's dependency on it (Finance never answered Sales)
    okrs.dependency_answers = [
        DependencyAnswer(bad[7].id, "Sales", AnswerState.DECLINED, "No capacity this quarter.", "sam@example.com", NOON)
    ]
    history = [c for c in weekly_checkins(okrs) if c.kr_id not in {bad[7].id, bad[8].id}]
    history += [checkin(bad[7].id, QUARTER.start + d * DAY, v) for d, v in [(7, 2), (21, 4), (42, 6)]]
    history += [
        checkin(bad[8].id, QUARTER.start + 3 * DAY, 20.5),
        checkin(bad[8].id, TODAY - 40 * DAY, 11, 0.3),
        checkin(bad[8].id, TODAY - 30 * DAY, 12, 0.2),
    ]
    okrs.settings.thresholds = Thresholds(max_krs_per_owner=6)
    return okrs, history


def test_messy_org_trips_every_rule_and_every_pitfall():
    okrs, history = messy_org()
    findings = lint(okrs, today=TODAY, checkins=history)
    okrs.settings.quarter = "the one after this"
    findings += lint(okrs, today=TODAY, checkins=history)
    assert {f.rule for f in findings} == set(RULES)
    assert {f.pitfall for f in findings} == set(PITFALLS)


def test_every_finding_is_complete_and_matches_the_catalogue():
    okrs, history = messy_org()
    for finding in lint(okrs, today=TODAY, checkins=history):
        rule = RULES[finding.rule]
        assert finding.pitfall == rule.pitfall and finding.severity is rule.severity
        assert len(finding.message) > 40 and len(finding.suggestion) > 20, finding
        loc = finding.location
        assert loc.team, finding
        assert loc.sheet and loc.row, finding
        if finding.location.key_result:
            item = next(k for k in okrs.key_results if k.id == loc.key_result)
            assert (loc.sheet, loc.row, loc.cell) == (item.location.sheet, item.location.row, item.location.cell)
            assert (loc.team, loc.objective) == (item.team, item.objective)
        as_dict = finding.as_dict()
        assert as_dict["severity"] in {"error", "warning", "info"}


def test_location_names_the_column_when_the_cell_is_unknown():
    okrs = healthy_okrs()
    item = okrs.key_results[2]
    item.owner = None
    item.location = replace(item.location, cell=None, column=None)
    found = [f for f in lint(okrs, today=TODAY, checkins=weekly_checkins(okrs)) if f.rule == "missing-owner"]
    assert found[0].location.column == "Owner"
    assert "row" in found[0].location.describe() and "(Owner)" in found[0].location.describe()


def test_findings_are_sorted_by_place_and_repeatable():
    okrs, history = messy_org()
    first = lint(okrs, today=TODAY, checkins=history)
    places = [(f.location.sheet or "", f.location.row or 0) for f in first]
    assert places == sorted(places)
    assert first == lint(okrs, today=TODAY, checkins=list(reversed(history)))


def test_duplicate_checkins_from_store_and_workbook_count_once():
    okrs = healthy_okrs()
    okrs.settings.thresholds = Thresholds(low_confidence_checkins=3)
    item = okrs.key_results[2]
    history = [c for c in weekly_checkins(okrs) if c.kr_id != item.id or c.at.date() < TODAY - 20 * DAY]
    low = [checkin(item.id, TODAY - 8 * DAY, 36, 0.3), checkin(item.id, TODAY - DAY, 38, 0.2)]
    okrs.checkins = list(low)  # the workbook's Check-ins sheet holds the same two
    assert "low-confidence-no-plan" not in {f.rule for f in lint(okrs, today=TODAY, checkins=[*history, *low])}
    third = checkin(item.id, TODAY - 15 * DAY, 35, 0.35)
    assert "low-confidence-no-plan" in {f.rule for f in lint(okrs, today=TODAY, checkins=[*history, *low, third])}


def test_quarter_argument_overrides_settings():
    okrs = healthy_okrs()
    okrs.key_results[2].due = dt.date(2027, 2, 15)
    history = weekly_checkins(okrs)
    assert "due-after-quarter" in {f.rule for f in lint(okrs, today=TODAY, checkins=history)}
    next_q = Quarter(2027, 1)
    assert "due-after-quarter" not in {f.rule for f in lint(okrs, today=TODAY, checkins=history, quarter=next_q)}


def test_fiscal_year_settings_choose_the_quarter():
    okrs = healthy_okrs()
    okrs.settings.quarter = None
    okrs.settings.fiscal_year_start_month = 11  # FY2027 Q1 = Nov 2026 - Jan 2027
    okrs.key_results[2].due = dt.date(2027, 1, 20)
    rules = {f.rule for f in lint(okrs, today=TODAY, checkins=weekly_checkins(okrs))}
    assert "due-after-quarter" not in rules
    okrs.settings.fiscal_year_start_month = 1
    rules = {f.rule for f in lint(okrs, today=TODAY, checkins=weekly_checkins(okrs))}
    assert "due-after-quarter" in rules


def test_empty_and_hostile_text_never_crash():
    okrs = OkrSet()
    assert lint(okrs, today=TODAY) == []
    okrs = healthy_okrs()
    okrs.key_results += [
        kr("", target=None, baseline=None, current=None),
        kr('=HYPERLINK("http://x")\u202e\u0000 ' + "x" * 32767, ref="9.9"),
        kr("\U0001f680\u200d Lançar 🚀 o app", target=None, baseline=None, current=None),
    ]
    okrs.key_results[-1].depends_on = ("", "  ")
    findings = lint(okrs, today=TODAY)
    assert all(isinstance(f, Finding) for f in findings)


def test_catalogue_covers_every_pitfall_with_known_severities():
    assert len(PITFALLS) == 18 and len(set(PITFALLS)) == 18
    assert {r.pitfall for r in RULES.values()} == set(PITFALLS)
    assert all(isinstance(r.severity, Severity) and r.description for r in RULES.values())
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule) for rule in RULES)


def test_docs_list_every_rule_pitfall_and_threshold():
    text = DOCS.read_text(encoding="utf-8")
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `([a-z0-9-]+)` \|.*$", text, re.M)}
    assert set(rows) == set(RULES)
    for rule, info in RULES.items():
        assert f"`{info.pitfall}`" in rows[rule] and str(info.severity) in rows[rule]
    for name in Thresholds.__dataclass_fields__:
        assert f"`{name}`" in text
