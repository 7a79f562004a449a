"""The dependency handshake in the domain: answers, the linter's view of them, both directions, notes."""

from __future__ import annotations

import datetime as dt

import pytest

from addin.errors import RequestError
from addin.okr.authority import Actor, may_answer_dependency
from addin.okr.dependencies import (
    MAX_NOTE,
    clean_note,
    dependency_links,
    find_link,
    parse_state,
    team_dependencies,
)
from addin.okr.lint import DEPENDENCY_RULES, lint, lint_dependencies
from addin.okr.model import AnswerState, DependencyAnswer, KeyResult, OkrSet, Team
from tests.factories import QUARTER, TODAY, kr, weekly_checkins

AT = dt.datetime(2026, 11, 10, 16, 0, tzinfo=dt.UTC)


def growth_kr(okrs: OkrSet) -> KeyResult:
    """Growth 1.2 "Cut time to first value", which depends on Platform."""
    return next(k for k in okrs.key_results if k.team == "Growth" and k.ref == "1.2")


def unacknowledged(okrs: OkrSet) -> OkrSet:
    """The healthy org with Platform no longer naming Growth back."""
    for k in okrs.key_results:
        if k.team == "Platform":
            k.aligns_to = None
    return okrs


def answer(kr_id: str, state: AnswerState, note: str = "", team: str = "Platform") -> DependencyAnswer:
    return DependencyAnswer(kr_id, team, state, note, "pat@example.com", AT, QUARTER.label)


def dependency_findings(okrs: OkrSet) -> list:
    return [f for f in lint(okrs, today=TODAY, checkins=weekly_checkins(okrs)) if f.rule in DEPENDENCY_RULES]


def test_an_unanswered_dependency_nobody_names_back_is_unacknowledged(okrs):
    (found,) = dependency_findings(unacknowledged(okrs))
    assert found.rule == "dependency-unacknowledged"
    assert found.location.key_result == growth_kr(okrs).id
    assert "has not accepted it" in found.message


def test_an_unanswered_dependency_named_back_stays_acknowledged_as_today(okrs):
    assert dependency_findings(okrs) == []  # Platform 1.1 aligns to Growth
    (link,) = [x for x in dependency_links(okrs) if x.team]
    assert link.state == "unanswered" and link.named_back and link.acknowledged


def test_an_accepted_dependency_clears_the_finding(okrs):
    okrs = unacknowledged(okrs)
    okrs.dependency_answers = [answer(growth_kr(okrs).id.lower(), AnswerState.ACCEPTED, team=" platform ")]
    assert dependency_findings(okrs) == []  # id and team matched as the linter matches names
    (link,) = dependency_links(okrs)
    assert (link.state, link.acknowledged, link.named_back) == ("accepted", True, False)


def test_a_declined_dependency_is_reported_with_the_note_who_and_when(okrs):
    okrs.dependency_answers = [answer(growth_kr(okrs).id, AnswerState.DECLINED, "Scheduler migration\ncomes first")]
    (found,) = dependency_findings(okrs)  # a decline wins over Platform naming Growth back
    assert found.rule == "dependency-declined" and found.pitfall == "unacknowledged-dependency"
    assert found.location.key_result == growth_kr(okrs).id and found.location.team == "Growth"
    assert "\u201cScheduler migration comes first\u201d" in found.message
    assert "pat@example.com" in found.message and "2026-11-10" in found.message
    (link,) = dependency_links(okrs)
    assert (link.state, link.acknowledged) == ("declined", False)


def test_an_answer_for_another_team_or_key_result_changes_nothing(okrs):
    okrs = unacknowledged(okrs)
    okrs.dependency_answers = [
        answer(growth_kr(okrs).id, AnswerState.ACCEPTED, team="Company"),  # Growth 1.2 does not depend on Company
        answer("KR-FFFFFF", AnswerState.ACCEPTED),
    ]
    assert [f.rule for f in dependency_findings(okrs)] == ["dependency-unacknowledged"]


def test_lint_dependencies_reports_what_the_whole_lint_does(okrs):
    okrs = unacknowledged(okrs)
    okrs.key_results.append(kr("Raise trial starts from 10 to 20", unit="", depends_on=("Data Team",)))
    whole = dependency_findings(okrs)
    assert {f.rule for f in whole} == {"dependency-unacknowledged", "dependency-unknown"}
    assert lint_dependencies(okrs, today=TODAY, quarter=QUARTER) == whole
    okrs.dependency_answers = [answer(growth_kr(okrs).id, AnswerState.DECLINED, "no")]
    assert lint_dependencies(okrs, today=TODAY, quarter=QUARTER) == dependency_findings(okrs)


def test_a_team_sees_its_dependencies_both_ways_once_each(okrs):
    growth_kr(okrs).depends_on = ("Platform", "Platform: 1.1", "Growth", "Data Team")
    platform = next(k for k in okrs.key_results if k.team == "Platform" and k.ref == "1.2")
    platform.depends_on = ("Growth",)
    okrs.dependency_answers = [answer(growth_kr(okrs).id, AnswerState.ACCEPTED, "yes")]
    links = dependency_links(okrs)

    growth = team_dependencies(links, "growth")
    assert [(x.kr.id, x.team, x.state) for x in growth.depends_on] == [(growth_kr(okrs).id, "Platform", "accepted")]
    assert [(x.kr.id, x.team, x.state) for x in growth.depended_on_by] == [(platform.id, "Growth", "unanswered")]
    plat = team_dependencies(links, "Platform")
    assert [x.kr.id for x in plat.depended_on_by] == [growth_kr(okrs).id]
    assert [x.kr.id for x in plat.depends_on] == [platform.id]
    as_dict = growth.as_dict()["depends_on"][0]
    assert as_dict["note"] == "yes" and as_dict["answered_by"] == "pat@example.com"
    assert as_dict["answered_at"] == AT.isoformat() and as_dict["other_team"] == "Platform"
    assert find_link(links, growth_kr(okrs).id.lower(), "PLATFORM") is growth.depends_on[0]
    assert find_link(links, growth_kr(okrs).id, "Company") is None


def test_the_note_is_cleaned_and_capped():
    hostile = "  \u202eevil\u202c <b>bold</b>\r\nline\ttwo\x00\u200f  "
    assert clean_note(hostile, AnswerState.ACCEPTED) == "evil <b>bold</b>\nline two"
    assert clean_note("cafe\u0301", AnswerState.ACCEPTED) == "caf\u00e9"  # NFC
    assert clean_note("\ud800", AnswerState.ACCEPTED) == "\ufffd"
    assert clean_note(None, AnswerState.ACCEPTED) == ""
    assert len(clean_note("x" * MAX_NOTE, AnswerState.ACCEPTED)) == MAX_NOTE
    with pytest.raises(RequestError) as too_long:
        clean_note("x" * (MAX_NOTE + 1), AnswerState.ACCEPTED)
    assert too_long.value.details == {"field": "note"} and str(MAX_NOTE) in too_long.value.message
    with pytest.raises(RequestError) as needs_why:
        clean_note(" \u202e ", AnswerState.DECLINED)
    assert needs_why.value.code == "note_required"
    with pytest.raises(RequestError):
        clean_note(42, AnswerState.ACCEPTED)


@pytest.mark.parametrize("raw", ["maybe", "", None, 1, ["accepted"]])
def test_only_accepted_or_declined_is_an_answer(raw):
    with pytest.raises(RequestError) as error:
        parse_state(raw)
    assert error.value.details == {"field": "state"}


def test_parse_state_reads_what_a_pane_sends():
    assert parse_state(" Accepted ") is AnswerState.ACCEPTED and parse_state("declined") is AnswerState.DECLINED


def test_only_the_depended_on_teams_lead_or_an_admin_answers():
    team = Team("Platform", lead="pat@example.com", members=("pat@example.com", "ivo@example.com"))
    pat = Actor("oid-pat", "PAT@example.com")
    assert may_answer_dependency(pat, team, {})
    assert not may_answer_dependency(Actor("oid-ivo", "ivo@example.com"), team, {})  # a member
    assert not may_answer_dependency(Actor("oid-x", "x@example.com"), team, {})
    assert may_answer_dependency(Actor("oid-admin", "boss@example.com", is_admin=True), team, {})
    assert not may_answer_dependency(pat, None, {})
    # the lead's address bound to another account: that account is the lead, not a newcomer reusing it
    assert not may_answer_dependency(pat, team, {"pat@example.com": "oid-old"})
