"""The three-way merge of a workbook with the store (pure domain, no database)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata

import pytest

from addin.okr.merge import (
    MERGED_FIELDS,
    FieldConflict,
    SyncPlan,
    latest_checkins,
    new_ref,
    plan_sync,
    same_value,
)
from addin.okr.model import CheckIn, KeyResult, KrKind, Location, Severity

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def make(kr_id: str | None = "KR-000001", row: int = 5, **fields: object) -> KeyResult:
    values: dict[str, object] = {
        "team": "Growth",
        "objective": "Win the mid-market",
        "title": "Raise weekly active teams",
        "owner": "ana@example.com",
        "baseline": 100.0,
        "target": 200.0,
        "current": 120.0,
        "unit": "teams",
        "confidence": 0.7,
        "due": dt.date(2026, 12, 31),
        "kind": KrKind.INCREASE,
        "notes": "",
    }
    values.update(fields)
    return KeyResult(id=kr_id, location=Location(sheet="OKRs", row=row), **values)  # type: ignore[arg-type]


def one(workbook: KeyResult, stored: KeyResult, base: KeyResult | None, **kw: object) -> SyncPlan:
    kr_id = stored.id or ""
    return plan_sync(
        [workbook],
        {kr_id: stored},
        None if base is None else {kr_id: base},
        now=NOW,
        **kw,  # type: ignore[arg-type]
    )


# Values that differ from make()'s defaults, one per merged field.
CHANGED: dict[str, tuple[object, object]] = {
    "team": ("Platform", "Sales"),
    "objective": ("Keep customers", "Grow revenue"),
    "title": ("Raise weekly active accounts", "Raise monthly active teams"),
    "owner": ("bo@example.com", "cy@example.com"),
    "baseline": (90.0, 80.0),
    "target": (250.0, 300.0),
    "current": (150.0, 140.0),
    "unit": ("accounts", "seats"),
    "confidence": (0.4, 0.9),
    "due": (dt.date(2026, 12, 15), dt.date(2026, 11, 30)),
    "kind": (KrKind.STAY_ABOVE, KrKind.MILESTONE),
    "aligns_to": ("KR-AAAAAA", "KR-BBBBBB"),
    "depends_on": (("Platform",), ("Sales", "Legal")),
    "notes": ("blocked by pricing", "waiting on legal"),
    "weight": (2.0, 3.0),
}


def test_the_table_covers_every_merged_field() -> None:
    assert set(CHANGED) == set(MERGED_FIELDS)


def test_unchanged_everywhere_is_unchanged() -> None:
    plan = one(make(), make(), make())
    assert plan.unchanged == ["KR-000001"]
    assert plan.update == {} and plan.conflicts == [] and plan.checkins == []


@pytest.mark.parametrize("field", MERGED_FIELDS)
def test_workbook_change_updates_the_store(field: str) -> None:
    new, _ = CHANGED[field]
    plan = one(make(**{field: new}), make(), make())
    assert plan.update == {"KR-000001": {field: new}}
    assert getattr(plan.merged[0], field) == new
    assert plan.conflicts == []


@pytest.mark.parametrize("field", MERGED_FIELDS)
def test_store_change_is_kept_and_shown(field: str) -> None:
    new, _ = CHANGED[field]
    plan = one(make(), make(**{field: new}), make())
    assert plan.update == {}
    assert plan.unchanged == ["KR-000001"]
    assert getattr(plan.merged[0], field) == new  # the write-back shows the store's value
    assert plan.conflicts == []


@pytest.mark.parametrize("field", MERGED_FIELDS)
def test_both_changed_differently_is_a_conflict_and_not_overwritten(field: str) -> None:
    mine, theirs = CHANGED[field]
    plan = one(make(**{field: mine}), make(**{field: theirs}), make())
    assert plan.update == {}
    assert getattr(plan.merged[0], field) == theirs
    (conflict,) = plan.conflicts
    assert conflict == FieldConflict("KR-000001", field, getattr(make(), field), mine, theirs, conflict.location)
    assert conflict.location.sheet == "OKRs" and conflict.location.row == 5
    assert conflict.location.key_result == "KR-000001"
    assert conflict.as_dict()["field"] == field
    assert "KR-000001" in conflict.message


def test_both_changed_to_the_same_value_is_unchanged() -> None:
    plan = one(make(target=300.0), make(target=300.0), make())
    assert plan.update == {} and plan.conflicts == [] and plan.unchanged == ["KR-000001"]


def test_conflict_on_one_field_does_not_block_updates_of_others() -> None:
    plan = one(make(current=150.0, notes="new note"), make(current=140.0), make())
    assert plan.update == {"KR-000001": {"notes": "new note"}}
    assert [c.field for c in plan.conflicts] == ["current"]
    assert plan.merged[0].current == 140.0 and plan.merged[0].notes == "new note"


def test_outlook_checkin_since_last_sync_is_kept_and_written_back() -> None:
    # base: synced at 120; an Outlook check-in moved the store to 135; workbook untouched
    plan = one(make(current=120.0), make(current=135.0, confidence=0.5), make(current=120.0))
    assert plan.update == {} and plan.checkins == []
    assert plan.merged[0].current == 135.0 and plan.merged[0].confidence == 0.5


def test_a_row_without_id_in_a_synced_workbook_is_the_stored_key_result_it_names() -> None:
    # KR-000002 was stored by a sync of this copy whose write-back failed: the copy's base is
    # older and does not hold it, and its row still has no ID
    stored = {"KR-000001": make(), "KR-000002": make("KR-000002", title="Open two regions", current=1.0)}
    workbook = [make(), make(None, row=6, title="open two  REGIONS", current=1.0)]
    plan = plan_sync(workbook, stored, {"KR-000001": make()}, now=NOW)
    assert plan.create == [] and plan.archive == [] and plan.checkins == []
    assert plan.unchanged == ["KR-000001"] and plan.update == {"KR-000002": {"title": "open two  REGIONS"}}
    assert [(kr.id, kr.location.row) for kr in plan.merged] == [("KR-000001", 5), ("KR-000002", 6)]


def test_a_row_whose_id_cell_was_cleared_is_matched_not_archived_and_created_again() -> None:
    stored = {"KR-000001": make(), "KR-000002": make("KR-000002", title="Open two regions")}
    workbook = [make(), make(None, row=6, title="Open two regions", target=250.0)]
    plan = plan_sync(workbook, stored, dict(stored), now=NOW)
    assert plan.create == [] and plan.archive == []
    assert plan.update == {"KR-000002": {"target": 250.0}}


def test_a_row_without_id_never_claims_a_key_result_another_row_names_by_id() -> None:
    stored = {"KR-000001": make()}
    plan = plan_sync([make(), make(None, row=6)], stored, dict(stored), now=NOW)
    assert [kr.title for kr in plan.create] == ["Raise weekly active teams"] and plan.unchanged == ["KR-000001"]


def test_numbers_compare_with_tolerance_and_text_after_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "Café growth")
    nfc = unicodedata.normalize("NFC", "Café growth")
    plan = one(make(current=0.1 + 0.2, title=nfd), make(current=0.3, title=nfc), make(current=0.3, title=nfc))
    assert plan.unchanged == ["KR-000001"] and plan.update == {}
    assert same_value(None, "") and same_value((), None)
    assert not same_value(0.0, None)
    assert not same_value(1.0, 1.001)
    assert same_value(KrKind.INCREASE, "increase")


# ------------------------------------------------------------ no base


def test_without_base_the_workbook_wins_descriptive_fields() -> None:
    plan = one(make(title="New wording", target=250.0), make(), None)
    assert plan.update == {"KR-000001": {"title": "New wording", "target": 250.0}}
    assert plan.conflicts == []


def test_without_base_a_newer_stored_checkin_wins_current_and_is_reported() -> None:
    stored_at = NOW - dt.timedelta(days=1)
    plan = one(
        make(current=150.0, confidence=0.9),
        make(current=135.0, confidence=0.5),
        None,
        last_checkin={"KR-000001": stored_at},
        workbook_last_checkin={"KR-000001": NOW - dt.timedelta(days=8)},
    )
    assert plan.update == {}
    assert plan.merged[0].current == 135.0 and plan.merged[0].confidence == 0.5
    assert sorted(c.field for c in plan.conflicts) == ["confidence", "current"]
    assert all(c.base is None for c in plan.conflicts)
    assert plan.checkins == []


def test_without_base_a_stored_checkin_beats_a_workbook_with_no_checkin_history() -> None:
    plan = one(make(current=150.0), make(current=135.0), None, last_checkin={"KR-000001": NOW})
    assert plan.merged[0].current == 135.0
    assert [c.field for c in plan.conflicts] == ["current"]


def test_without_base_a_newer_workbook_checkin_wins() -> None:
    plan = one(
        make(current=150.0),
        make(current=135.0),
        None,
        last_checkin={"KR-000001": NOW - dt.timedelta(days=9)},
        workbook_last_checkin={"kr-000001": dt.date(2026, 10, 30)},  # date-only, id as typed
    )
    assert plan.update == {"KR-000001": {"current": 150.0}}
    assert plan.conflicts == []
    (checkin,) = plan.checkins
    assert checkin == CheckIn("KR-000001", NOW, 150.0, 0.7, "", "workbook")


def test_without_base_and_no_stored_checkins_the_workbook_current_wins() -> None:
    plan = one(make(current=150.0), make(current=135.0), None)
    assert plan.update == {"KR-000001": {"current": 150.0}}


# ------------------------------------------------------------ rows


def test_new_rows_are_created_with_a_checkin_placeholder() -> None:
    plan = plan_sync([make(None, current=3.0), make(None, current=None, confidence=None)], {}, None, now=NOW)
    assert [k.id for k in plan.create] == [None, None]
    assert plan.merged == plan.create
    (checkin,) = plan.checkins
    assert checkin.kr_id == new_ref(0) and checkin.value == 3.0 and checkin.source == "workbook"


def test_creating_does_not_touch_the_callers_objects() -> None:
    row = make(None)
    plan = plan_sync([row], {}, None, now=NOW)
    plan.create[0].id = "KR-ABCDEF"
    assert row.id is None


def test_changed_current_becomes_a_workbook_checkin() -> None:
    plan = one(make(current=160.0), make(), make())
    (checkin,) = plan.checkins
    assert (checkin.kr_id, checkin.at, checkin.value, checkin.confidence, checkin.source) == (
        "KR-000001",
        NOW,
        160.0,
        0.7,
        "workbook",
    )


def test_unchanged_current_records_no_checkin() -> None:
    assert one(make(notes="x"), make(), make()).checkins == []


def test_unknown_id_is_a_problem_and_not_applied() -> None:
    plan = plan_sync([make("KR-FFFFFF", row=9)], {"KR-000001": make()}, {}, now=NOW)
    (problem,) = plan.problems
    assert problem.severity is Severity.ERROR
    assert problem.rule == "sync.unknown-id"
    assert "ID KR-FFFFFF is not known here; clear the ID cell to add it as a new key result" in problem.message
    assert problem.location.sheet == "OKRs" and problem.location.row == 9
    assert plan.create == [] and plan.update == {} and plan.merged == [] and plan.checkins == []


def test_ids_match_whatever_the_case_and_spaces() -> None:
    plan = one(make(" kr-000001 ", current=121.0), make(), make())
    assert plan.update == {"KR-000001": {"current": 121.0}}


def test_duplicate_ids_are_problems_and_neither_row_is_applied_nor_archived() -> None:
    stored = {"KR-000001": make()}
    plan = plan_sync(
        [make("KR-000001", row=5, current=1.0), make("kr-000001", row=9, current=2.0)],
        stored,
        {"KR-000001": make()},
        now=NOW,
    )
    assert [p.rule for p in plan.problems] == ["sync.duplicate-id", "sync.duplicate-id"]
    assert [p.location.row for p in plan.problems] == [5, 9]
    assert "row 5" in plan.problems[0].message and "row 9" in plan.problems[0].message
    assert plan.update == {} and plan.merged == [] and plan.archive == [] and plan.checkins == []


def test_rows_gone_from_the_workbook_are_archived_not_deleted() -> None:
    stored = {"KR-000001": make(), "KR-000002": make("KR-000002", title="Second")}
    base = dict(stored)
    plan = plan_sync([make()], stored, base, now=NOW)
    assert plan.archive == ["KR-000002"]
    assert plan.unchanged == ["KR-000001"]


def test_without_base_nothing_is_archived() -> None:
    stored = {"KR-000001": make(), "KR-000002": make("KR-000002")}
    assert plan_sync([make()], stored, None, now=NOW).archive == []


def test_archived_rows_that_reappear_are_restored() -> None:
    stored = {"KR-000001": make()}
    plan = plan_sync([make()], stored, {}, now=NOW, archived={"KR-000001"})
    assert plan.restore == ["KR-000001"]
    assert plan.archive == []


def test_already_archived_rows_are_not_archived_again() -> None:
    stored = {"KR-000002": make("KR-000002")}
    plan = plan_sync([], stored, dict(stored), now=NOW, archived={"KR-000002"})
    assert plan.archive == []


def test_held_rows_are_neither_updated_nor_archived() -> None:
    stored = {"KR-000001": make(), "KR-000002": make("KR-000002")}
    held_row = make("KR-000001", current=999.0)
    plan = plan_sync([held_row], stored, dict(stored), now=NOW, hold={"KR-000001", "KR-000002"})
    assert plan.update == {} and plan.checkins == [] and plan.archive == []
    assert plan.merged[0].current == 120.0  # the stored value, not the unreadable row's


def test_latest_checkins_picks_the_newest_per_kr() -> None:
    old, new = NOW - dt.timedelta(days=3), NOW
    found = latest_checkins([CheckIn("kr-1", new, 1.0), CheckIn("KR-1", old, 2.0), CheckIn("KR-2", old, 1.0)])
    assert found == {"KR-1": new, "KR-2": old}


def test_counts_summarise_the_plan() -> None:
    stored = {"KR-000001": make(), "KR-000002": make("KR-000002")}
    plan = plan_sync([make(current=130.0), make(None, title="Open two regions")], stored, dict(stored), now=NOW)
    assert plan.counts() == {
        "created": 1,
        "updated": 1,
        "unchanged": 0,
        "archived": 1,
        "restored": 0,
        "checkins": 2,
        "conflicts": 0,
    }


def test_plan_is_a_value() -> None:
    assert dataclasses.is_dataclass(SyncPlan) and dataclasses.is_dataclass(FieldConflict)
