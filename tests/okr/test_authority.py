"""The authority rules as plain functions (the API tests drive them with signed tokens)."""

from __future__ import annotations

from addin.okr.authority import (
    LOCAL_ADMIN,
    Actor,
    actor_from,
    decide_key_results,
    decide_settings,
    decide_teams,
    is_person,
    may_check_in,
    vet_meeting_people,
)
from addin.okr.model import KeyResult, Settings, Team

ANA = Actor("oid-ana", "Ana.Lopez@example.com", "Ana")
TOM = Actor("oid-tom", "tom@example.com", "Tom")
PRODUCT = Team("Product", lead="ana.lopez@example.com", members=("ana.lopez@example.com", "tom@example.com"))


def test_admins_come_from_the_app_role():
    assert actor_from("o", "a@x", "A", ["OKR.Admin"]).is_admin
    assert not actor_from("o", "a@x", "A", ["OKR.Reader"]).is_admin
    assert LOCAL_ADMIN.is_admin


def test_an_address_matches_case_insensitively_until_bound_to_an_object_id():
    assert is_person(ANA, "ana.lopez@example.com", {})
    assert is_person(ANA, "ana.lopez@example.com", {"ana.lopez@example.com": "oid-ana"})
    assert not is_person(
        Actor("oid-new", "ana.lopez@example.com"), "ana.lopez@example.com", {"ana.lopez@example.com": "oid-ana"}
    )
    assert not is_person(ANA, None, {})


def test_a_members_lead_change_is_pending_and_the_leads_applies():
    stored = {"product": PRODUCT}
    promoted = Team("Product", lead="tom@example.com", members=PRODUCT.members)
    by_tom = decide_teams(TOM, [promoted], [], stored, {})
    assert by_tom.teams[0].lead == "ana.lopez@example.com"
    assert [f.rule for f in by_tom.findings] == ["authority.lead-change-pending"]
    by_ana = decide_teams(ANA, [promoted], [], stored, {})
    assert by_ana.teams[0].lead == "tom@example.com" and by_ana.findings == []
    assert by_ana.roster_changes[0]["lead"] == ["ana.lopez@example.com", "tom@example.com"]


def test_a_new_team_led_by_its_creator_applies_and_one_led_by_someone_else_waits():
    mine = decide_teams(TOM, [Team("Design", lead="tom@example.com")], [], {}, {})
    assert mine.teams[0].lead == "tom@example.com" and not mine.findings
    theirs = decide_teams(TOM, [Team("Design", lead="ceo@example.com", members=("x@partner.example",))], [], {}, {})
    assert theirs.teams[0].lead is None and theirs.teams[0].members == ("tom@example.com",)
    assert [f.rule for f in theirs.findings] == ["authority.new-team-lead-pending"]
    assert "design" in theirs.editable


def test_another_teams_rows_are_held_and_new_rows_there_dropped():
    stored = {
        "KR-1": KeyResult("Growth", "O", "Grow", id="KR-1", target=10),
        "KR-2": KeyResult("Product", "O", "Ship", id="KR-2", target=5),
    }
    rows = [
        KeyResult("Growth", "O", "Grow", id="KR-1", target=99),
        KeyResult("Product", "O", "Ship", id="KR-2", target=6),
        KeyResult("Growth", "O", "New one"),
    ]
    decision = decide_key_results(TOM, rows, stored, {"product"})
    assert decision.hold == {"KR-1"} and len(decision.drop_rows) == 1
    assert {f.rule for f in decision.findings} == {"authority.kr-not-yours"}
    assert decide_key_results(LOCAL_ADMIN, rows, stored, set()).hold == set()


def test_only_admins_change_settings():
    wanted = Settings(quarter="2027-Q1")
    kept, findings = decide_settings(TOM, wanted, Settings(quarter="2026-Q4"))
    assert kept.quarter == "2026-Q4" and [f.rule for f in findings] == ["authority.settings-change-pending"]
    assert decide_settings(LOCAL_ADMIN, wanted, Settings(quarter="2026-Q4")) == (wanted, [])


def test_owners_and_team_people_check_in():
    owner = Actor("oid-j", "julia@example.com")
    assert may_check_in(owner, "julia@example.com", PRODUCT, {})
    assert may_check_in(TOM, "julia@example.com", PRODUCT, {})
    assert not may_check_in(Actor("oid-z", "zed@example.com"), "julia@example.com", PRODUCT, {})


def test_meetings_only_for_tenant_users():
    users = {"ana@x": True, "tom@x": True}
    vetted = vet_meeting_people("ana@x", ["tom@x", "ext@partner"], users, allow_external=False)
    assert vetted.organiser_ok and vetted.attendees == ("tom@x",) and vetted.left_out == ("ext@partner",)
    assert vet_meeting_people("ana@x", ["ext@partner"], users, allow_external=True).attendees == ("ext@partner",)
    assert not vet_meeting_people("ceo@elsewhere", [], users, allow_external=True).organiser_ok
