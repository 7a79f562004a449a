"""gather_retro_input against the real store (SQLite file): the pack shows what is stored."""

from __future__ import annotations

import datetime as dt

import pytest

from addin.errors import NotFound
from addin.reports import build_retro_pack, build_retro_packs, gather_retro_input, gather_retro_inputs
from addin.reports.data import for_team
from addin.store import checkins, findings, okr_sets, sync_writes, workbooks
from addin.store.db import Database

from .conftest import reopen, table_after
from .factories import AFTER_QUARTER, QUARTER, finding_record, make_input

TENANT = "local"


@pytest.fixture()
def stored(tmp_path):
    """The factory's Growth quarter synced into a fresh store, check-ins and findings recorded."""
    db = Database(f"sqlite:///{tmp_path / 'okr.db'}")
    db.create_schema()
    data = make_input(objectives=2, krs_per_objective=3)
    old_ids = {kr.id: kr.title for kr in data.okrs.key_results}
    for kr in data.okrs.key_results:
        kr.id = None  # the store assigns ids at first sync
        kr.aligns_to = None
        kr.depends_on = ()
    synced_at = dt.datetime(2026, 7, 1, 8, tzinfo=dt.UTC)
    with db.transaction() as s:
        sync_writes.sync_okrs(s, TENANT, workbooks.new_workbook_id(s, TENANT), data.okrs, now=synced_at)
    with db.transaction() as s:
        new_ids = {kr.title: kr.id for kr in okr_sets.load_okrs(s, TENANT).key_results}
        for c in data.checkins:
            checkins.record_checkin(
                s,
                TENANT,
                new_ids[old_ids[c.kr_id]],
                value=c.value,
                confidence=c.confidence,
                note=c.note,
                at=c.at,
                source="cli",
            )
        # An early check-in from the quarter before must not count.
        checkins.record_checkin(
            s,
            TENANT,
            new_ids[old_ids["KR-GRO00"]],
            value=999,
            confidence=0.1,
            note="last quarter",
            at=dt.datetime(2026, 6, 20, tzinfo=dt.UTC),
            source="cli",
        )
    record = finding_record("stale-kr", "stale", new_ids[old_ids["KR-GRO01"]], synced_at, None)
    with db.transaction() as s:
        findings.save_findings(s, TENANT, [record.finding], now=dt.datetime(2026, 7, 10, tzinfo=dt.UTC))
    yield db
    db.dispose()


def test_gathered_pack_shows_the_stored_quarter(stored):
    with stored.read() as s:
        data = gather_retro_input(s, TENANT, "growth", QUARTER, now=AFTER_QUARTER)
    assert data.team.name == "Growth"
    assert all(QUARTER.contains(c.at.date()) for c in data.checkins)
    # 13 weekly check-ins per KR (the sync's own first check-ins come on top; June's is left out).
    assert len([c for c in data.checkins if c.source == "cli"]) == 6 * 13
    assert not any(c.note == "last quarter" for c in data.checkins)
    doc = reopen(build_retro_pack(data, charts=False))
    rows = {r.cells[0].text.split(" ")[0]: [c.text for c in r.cells] for r in table_after(doc, "Scorecard").rows[1:]}
    # KR 1.2: baseline 20, target 120, checked in up to 100 -> committed grade 0.8.
    assert rows["1.2"][1:5] == ["20", "120", "100", "0.80"]
    pitfalls = [b for b in doc.tables if b.rows[0].cells[0].text == "Pitfall"]
    assert pitfalls and pitfalls[0].rows[1].cells[0].text == "stale"
    assert pitfalls[0].rows[1].cells[3].text == "10 Jul 2026"


def test_unknown_team_and_other_tenant_are_not_found(stored):
    with stored.read() as s:
        with pytest.raises(NotFound) as err:
            gather_retro_input(s, TENANT, "Nobody", QUARTER, now=AFTER_QUARTER)
        assert err.value.code == "team_not_found"
        with pytest.raises(NotFound):
            gather_retro_input(s, "another-tenant", "Growth", QUARTER, now=AFTER_QUARTER)


def test_for_team_keeps_the_pack_identical():
    data = make_input(objectives=2)
    for i in range(30):  # a tenant with many unrelated teams
        data.okrs.key_results.append(make_input(team=f"T{i}", objectives=1, other_teams=False).okrs.key_results[0])
    trimmed = for_team(data)
    assert (
        len(trimmed.okrs.key_results) == 8 + 3
    )  # ours; Platform (answers us), Data (we depend on it), Sales (depends on us)
    full_doc, trimmed_doc = reopen(build_retro_pack(data)), reopen(build_retro_pack(trimmed))
    assert full_doc.element.body.xml == trimmed_doc.element.body.xml


@pytest.mark.slow
def test_packs_for_all_teams_in_a_process_pool():
    inputs = [make_input(team=name, objectives=1, other_teams=False) for name in ("Alpha", "Beta", "Gamma")]
    packs = list(build_retro_packs(inputs, workers=2))
    titles = [reopen(p).core_properties.title for p in packs]
    assert titles == [f"Retrospective {n} 2026-Q3" for n in ("Alpha", "Beta", "Gamma")]


def test_all_teams_gathered_in_one_pass_match_one_by_one(stored):
    with stored.read() as s:
        every = gather_retro_inputs(s, TENANT, QUARTER, now=AFTER_QUARTER)
        growth = gather_retro_input(s, TENANT, "Growth", QUARTER, now=AFTER_QUARTER)
    assert sorted(d.team.name for d in every) == ["Data", "Growth", "Platform", "Sales"]
    mine = next(d for d in every if d.team.name == "Growth")
    assert mine.checkins == growth.checkins
    assert [r.finding for r in mine.findings] == [r.finding for r in growth.findings]
    packs = list(build_retro_packs(every, charts=False, workers=1))
    assert [reopen(p).core_properties.title.split()[1] for p in packs] == [d.team.name for d in every]
