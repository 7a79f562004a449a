"""Many key results at once: every chunk of the bulk writes lands (no timing asserted)."""

from __future__ import annotations

from addin.store import checkins, key_results, okr_sets, sync_writes, workbooks
from addin.store.bulk import CHUNK
from addin.store.db import Database
from tests.factories import LATER, NOW, okrset, row_kr

N = CHUNK * 3 + 7  # crosses several executemany / IN-list chunks


def test_thousands_of_key_results_sync_create_update_and_archive(database: Database) -> None:
    rows = [
        row_kr(f"KR {i}", team=f"Team {i % 13}", objective=f"Objective {i % 101}", current=float(i)) for i in range(N)
    ]
    with database.transaction() as s:
        workbook_id = workbooks.new_workbook_id(s, "big")
        plan = sync_writes.sync_okrs(s, "big", workbook_id, okrset(*rows), now=NOW)
    ids = [k.id for k in plan.create]
    assert len(set(ids)) == N and len(plan.checkins) == N

    kept = plan.merged[: N - CHUNK - 1]  # drop the last CHUNK + 1 rows
    for k in kept[::2]:
        k.current = (k.current or 0) + 0.5
    with database.transaction() as s:
        plan = sync_writes.sync_okrs(s, "big", workbook_id, okrset(*kept), now=LATER)
    changed = len(kept[::2])
    assert plan.counts()["updated"] == changed and plan.counts()["archived"] == CHUNK + 1
    with database.read() as s:
        active = key_results.load_key_results(s, "big", include_archived=False)
        assert len(active) == len(kept)
        assert all(active[k.id].current == k.current for k in kept)
        assert len(checkins.list_checkins(s, "big", kr_ids=ids)) == N + changed
        assert len(okr_sets.load_okrs(s, "big").objectives) == len({(k.team, k.objective) for k in kept})
