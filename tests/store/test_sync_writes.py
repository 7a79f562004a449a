"""Syncing workbooks into the store: ids, merge, archive/restore, check-ins, atomicity."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from addin.errors import InputError
from addin.okr.merge import plan_sync
from addin.okr.model import Initiative, Objective, ObjectiveType, OkrSet, Settings, Team, Thresholds
from addin.store import checkins, key_results, okr_sets, sync_writes, workbooks
from addin.store.db import Database
from addin.store.tables import Base, CheckInRow, KeyResultRow
from tests.factories import LATER, NOW, okrset, row_kr

TENANT = "local"


def sync(db: Database, workbook_id: str, okrs: OkrSet, *, now: dt.datetime = NOW, tenant: str = TENANT, **kw):
    with db.transaction() as s:
        return sync_writes.sync_okrs(s, tenant, workbook_id, okrs, now=now, **kw)


def first_sync(db: Database, *krs, tenant: str = TENANT, **extra) -> tuple[str, list]:
    with db.transaction() as s:
        workbook_id = workbooks.new_workbook_id(s, tenant)
    plan = sync(db, workbook_id, okrset(*krs, **extra), tenant=tenant)
    return workbook_id, plan


def counts(db: Database) -> dict[str, int]:
    with db.read() as s:
        return {t.name: s.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


def test_new_key_results_get_random_stable_ids(database: Database) -> None:
    workbook_id, plan = first_sync(database, row_kr("A", current=1.0), row_kr("B"))
    ids = [k.id for k in plan.create]
    assert all(re.fullmatch(r"KR-[0-9A-F]{6}", i) for i in ids) and len(set(ids)) == 2
    with database.read() as s:
        stored = key_results.load_key_results(s, TENANT)
    assert set(stored) == set(ids)
    assert stored[ids[0]].title == "A" and stored[ids[0]].current == 1.0
    assert [c.kr_id for c in plan.checkins] == [ids[0]]


def test_apply_sync_returns_ids_in_create_order(database: Database) -> None:
    with database.transaction() as s:
        workbook_id = workbooks.new_workbook_id(s, TENANT)
        okrs = okrset(row_kr("A"), row_kr("B"), row_kr("C"))
        plan = plan_sync(okrs.key_results, key_results.load_key_results(s, TENANT), None, now=NOW)
        ids = sync_writes.apply_sync(s, TENANT, workbook_id, okrs, plan, now=NOW)
    with database.read() as s:
        stored = key_results.load_key_results(s, TENANT)
    assert [stored[i].title for i in ids] == ["A", "B", "C"]


def test_every_field_round_trips(database: Database) -> None:
    row = row_kr(
        "Cut churn",
        owner="ana@example.com",
        baseline=5.0,
        target=3.0,
        current=4.5,
        unit="%",
        confidence=0.6,
        due=dt.date(2026, 12, 31),
        kind="decrease",
        aligns_to="KR-ABCDEF",
        depends_on=("Platform", "KR-123456"),
        notes="pricing change pending",
        weight=2.0,
        ref="1.2",
    )
    _, plan = first_sync(database, row)
    with database.read() as s:
        stored = key_results.load_key_results(s, TENANT)[plan.create[0].id]
    for name in (
        "team",
        "objective",
        "title",
        "owner",
        "baseline",
        "target",
        "current",
        "unit",
        "confidence",
        "due",
        "kind",
        "aligns_to",
        "depends_on",
        "notes",
        "weight",
        "ref",
    ):
        assert getattr(stored, name) == getattr(row, name), name


def test_resync_merges_three_ways_and_records_checkins(database: Database) -> None:
    workbook_id, plan = first_sync(database, row_kr("A", current=10.0), row_kr("B", current=1.0))
    a, b = (k.id for k in plan.create)
    with database.transaction() as s:  # an Outlook check-in on B after the sync
        checkins.record_checkin(
            s, TENANT, b, value=7.0, confidence=0.4, note="from the meeting", at=NOW, source="outlook"
        )
    rows = [row_kr("A", id=a, current=12.0), row_kr("B", id=b, current=1.0)]
    plan = sync(database, workbook_id, okrset(*rows), now=LATER)
    assert plan.update == {a: {"current": 12.0}}
    assert plan.conflicts == []
    assert {k.id: k.current for k in plan.merged} == {a: 12.0, b: 7.0}  # B shows the Outlook value
    with database.read() as s:
        stored = key_results.load_key_results(s, TENANT)
        history = checkins.list_checkins(s, TENANT, kr_ids=[a])
    assert stored[a].current == 12.0 and stored[b].current == 7.0
    assert [(c.value, c.source) for c in history] == [(10.0, "workbook"), (12.0, "workbook")]


def test_edits_on_both_sides_are_conflicts_and_the_store_keeps_its_value(database: Database) -> None:
    workbook_id, plan = first_sync(database, row_kr("A", current=10.0))
    a = plan.create[0].id
    with database.transaction() as s:
        checkins.record_checkin(s, TENANT, a, value=15.0, confidence=None, note="", at=NOW, source="api")
    plan = sync(database, workbook_id, okrset(row_kr("A", id=a, current=11.0)), now=LATER)
    assert [(c.field, c.base, c.workbook, c.stored) for c in plan.conflicts] == [("current", 10.0, 11.0, 15.0)]
    with database.read() as s:
        assert key_results.load_key_results(s, TENANT)[a].current == 15.0


def test_removed_rows_are_archived_and_restored_when_they_come_back(database: Database) -> None:
    workbook_id, plan = first_sync(database, row_kr("A"), row_kr("B"))
    a, b = (k.id for k in plan.create)
    plan = sync(database, workbook_id, okrset(row_kr("A", id=a)))
    assert plan.archive == [b]
    with database.read() as s:
        assert set(key_results.load_key_results(s, TENANT, include_archived=False)) == {a}
        assert set(key_results.load_key_results(s, TENANT)) == {a, b}  # archived, not deleted
        assert [k.id for k in okr_sets.load_okrs(s, TENANT).key_results] == [a]
        assert key_results.archived_ids(s, TENANT) == {b}
    plan = sync(database, workbook_id, okrset(row_kr("A", id=a), row_kr("B", id=b)))
    assert plan.restore == [b]
    with database.read() as s:
        assert key_results.archived_ids(s, TENANT) == set()


def test_restore_happens_even_when_the_caller_did_not_say_what_is_archived(database: Database) -> None:
    workbook_id, plan = first_sync(database, row_kr("A"), row_kr("B"))
    a, b = (k.id for k in plan.create)
    sync(database, workbook_id, okrset(row_kr("A", id=a)))
    with database.transaction() as s:
        okrs = okrset(row_kr("A", id=a), row_kr("B", id=b))
        stored = key_results.load_key_results(s, TENANT)
        plan = plan_sync(okrs.key_results, stored, workbooks.load_snapshot(s, TENANT, workbook_id), now=NOW)
        sync_writes.apply_sync(s, TENANT, workbook_id, okrs, plan, now=NOW)
        assert plan.restore == [b]
    with database.read() as s:
        assert key_results.archived_ids(s, TENANT) == set()


def test_held_rows_are_kept_as_stored(database: Database) -> None:
    workbook_id, plan = first_sync(database, row_kr("A", target=10.0), row_kr("B"))
    a, b = (k.id for k in plan.create)
    plan = sync(database, workbook_id, okrset(row_kr("A", id=a, target=None)), hold={a, b})
    assert plan.update == {} and plan.archive == []
    with database.read() as s:
        assert key_results.load_key_results(s, TENANT)[a].target == 10.0
        assert key_results.archived_ids(s, TENANT) == set()


def test_unknown_and_duplicate_ids_are_reported_and_nothing_of_them_is_stored(database: Database) -> None:
    workbook_id, plan = first_sync(database, row_kr("A", current=1.0))
    a = plan.create[0].id
    before = counts(database)
    rows = [
        row_kr("A", id=a, current=5.0, row=3),
        row_kr("A copy", id=a.lower(), current=6.0, row=4),
        row_kr("X", id="KR-999999", row=5),
    ]
    plan = sync(database, workbook_id, okrset(*rows))
    assert [p.rule for p in plan.problems] == ["sync.duplicate-id", "sync.duplicate-id", "sync.unknown-id"]
    assert plan.archive == []  # the duplicated KR is still in the workbook
    after = counts(database)
    assert after["key_results"] == before["key_results"] and after["check_ins"] == before["check_ins"]
    with database.read() as s:
        assert key_results.load_key_results(s, TENANT)[a].current == 1.0
        assert key_results.archived_ids(s, TENANT) == set()
    # next sync with the duplicate fixed still merges against the old base
    plan = sync(database, workbook_id, okrset(row_kr("A", id=a, current=5.0)))
    assert plan.update == {a: {"current": 5.0}} and plan.conflicts == []


def test_teams_objectives_initiatives_and_settings_are_saved(database: Database) -> None:
    teams = [
        Team(
            "Growth",
            lead="lead@example.com",
            members=("a@example.com",),
            checkin_weekday=2,
            checkin_time=dt.time(9, 30),
            timezone="Europe/Madrid",
            parent="Company",
        )
    ]
    objectives = [
        Objective("Growth", "Win the mid-market", type=ObjectiveType.ASPIRATIONAL, ref="1", weight=2.0),
        Objective("Growth", "An objective without key results yet"),
    ]
    settings = Settings(quarter="2026-Q4", fiscal_year_start_month=7, thresholds=Thresholds(stale_days=10))
    initiatives = [Initiative("1.1", "Launch referral program", owner="a@example.com", status="doing")]
    _, plan = first_sync(
        database, row_kr("A", ref="1.1"), teams=teams, objectives=objectives, settings=settings, initiatives=initiatives
    )
    with database.read() as s:
        okrs = okr_sets.load_okrs(s, TENANT)
        assert okr_sets.list_teams(s, TENANT) == okrs.teams
    (team,) = okrs.teams
    assert (team.lead, team.members, team.checkin_weekday, team.checkin_time, team.timezone, team.parent) == (
        "lead@example.com",
        ("a@example.com",),
        2,
        dt.time(9, 30),
        "Europe/Madrid",
        "Company",
    )
    assert [(o.title, o.type, o.weight) for o in okrs.objectives] == [
        ("Win the mid-market", ObjectiveType.ASPIRATIONAL, 2.0),
        ("An objective without key results yet", ObjectiveType.COMMITTED, None),
    ]
    assert okrs.settings == settings
    assert [(i.kr_ref, i.title) for i in okrs.initiatives] == [(plan.create[0].id, "Launch referral program")]


def test_a_team_used_by_another_workbook_survives(database: Database) -> None:
    first_sync(database, row_kr("A", team="Shared"))
    first_sync(database, row_kr("B", team="Other"))
    with database.read() as s:
        assert [t.name for t in okr_sets.list_teams(s, TENANT)] == ["Other", "Shared"]
        assert {k.team for k in okr_sets.load_okrs(s, TENANT).key_results} == {"Shared", "Other"}


def test_moving_a_key_result_to_another_objective(database: Database) -> None:
    workbook_id, plan = first_sync(database, row_kr("A"))
    a = plan.create[0].id
    sync(database, workbook_id, okrset(row_kr("A", id=a, team="Platform", objective="Be reliable")))
    with database.read() as s:
        moved = key_results.load_key_results(s, TENANT)[a]
        okrs = okr_sets.load_okrs(s, TENANT, team="platform")
    assert (moved.team, moved.objective) == ("Platform", "Be reliable")
    assert [k.id for k in okrs.key_results] == [a]


def test_a_failed_apply_leaves_nothing_behind(database: Database) -> None:
    workbook_id, plan = first_sync(database, row_kr("A", current=1.0))
    a = plan.create[0].id
    before = counts(database)
    rows = okrset(row_kr("A", id=a, current=2.0), row_kr("New 1", current=3.0), row_kr("New 2", current=float("nan")))
    with pytest.raises(InputError) as caught:
        sync(database, workbook_id, rows, now=LATER)
    assert caught.value.code == "non_finite_number" and caught.value.details["field"] == "current"
    assert counts(database) == before
    with database.read() as s:
        assert key_results.load_key_results(s, TENANT)[a].current == 1.0


def test_an_exception_mid_apply_rolls_everything_back(database: Database) -> None:
    workbook_id, plan = first_sync(database, row_kr("A", current=1.0))
    a = plan.create[0].id
    before = counts(database)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), database.transaction() as s:
        sync_writes.sync_okrs(
            s, TENANT, workbook_id, okrset(row_kr("A", id=a, current=2.0), row_kr("B", current=1.0)), now=LATER
        )
        assert s.scalar(select(func.count()).select_from(KeyResultRow)) == 2
        raise Boom
    assert counts(database) == before


def test_snapshot_is_the_merge_base(database: Database) -> None:
    workbook_id, plan = first_sync(database, row_kr("A", current=1.0, depends_on=("X",), due=dt.date(2026, 12, 1)))
    with database.read() as s:
        base = workbooks.load_snapshot(s, TENANT, workbook_id)
        assert workbooks.load_snapshot(s, TENANT, "WB-UNKNOWN") is None
    (only,) = base.values()
    assert (only.title, only.current, only.depends_on, only.due) == ("A", 1.0, ("X",), dt.date(2026, 12, 1))


def test_fresh_workbook_id_has_no_base(database: Database) -> None:
    with database.transaction() as s:
        first = workbooks.new_workbook_id(s, TENANT)
        second = workbooks.new_workbook_id(s, TENANT)
        assert first != second
        assert workbooks.load_snapshot(s, TENANT, first) is None


def test_new_checkins_of_new_key_results_name_the_new_id(database: Database) -> None:
    _, plan = first_sync(database, row_kr("A", current=3.0, confidence=0.5))
    with database.read() as s:
        (checkin,) = checkins.list_checkins(s, TENANT)
        assert s.scalar(select(func.count()).select_from(CheckInRow)) == 1
    assert (checkin.kr_id, checkin.value, checkin.confidence, checkin.source, checkin.at) == (
        plan.create[0].id,
        3.0,
        0.5,
        "workbook",
        NOW,
    )


def test_a_workbook_without_settings_keeps_the_stored_ones(database: Database) -> None:
    settings = Settings(quarter="2026-Q4", fiscal_year_start_month=7)
    first_sync(database, row_kr("A"), settings=settings)
    first_sync(database, row_kr("B"))  # another workbook, no Settings sheet
    with database.read() as s:
        assert okr_sets.load_settings(s, TENANT) == settings
