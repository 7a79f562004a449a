"""Check-ins recorded outside the workbook (addin/store/checkins.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from addin.errors import Conflict, RequestError
from addin.store import checkins, key_results, sync_writes, workbooks
from addin.store.db import Database
from tests.factories import LATER, NOW, okrset, row_kr

T = "local"


def seed(db: Database, *rows) -> tuple[str, list[str]]:
    with db.transaction() as s:
        workbook_id = workbooks.new_workbook_id(s, T)
        plan = sync_writes.sync_okrs(s, T, workbook_id, okrset(*rows), now=NOW)
    return workbook_id, [k.id for k in plan.create]


def checkin(db: Database, kr_id: str, value: float | None, at: dt.datetime, **kw) -> object:
    with db.transaction() as s:
        return checkins.record_checkin(
            s,
            T,
            kr_id,
            value=value,
            confidence=kw.pop("confidence", None),
            note=kw.pop("note", ""),
            at=at,
            source=kw.pop("source", "outlook"),
        )


def test_record_checkin_moves_current_and_confidence_and_is_listed(database: Database) -> None:
    _, (a,) = seed(database, row_kr("A", current=1.0, confidence=0.5))
    recorded = checkin(database, a.lower(), 4.0, LATER, confidence=0.8, note="pilot went live")
    assert (recorded.kr_id, recorded.value, recorded.confidence, recorded.source) == (a, 4.0, 0.8, "outlook")
    with database.read() as s:
        stored = key_results.load_key_results(s, T)[a]
        history = checkins.list_checkins(s, T, kr_ids=[a])
    assert (stored.current, stored.confidence) == (4.0, 0.8)
    assert [(c.value, c.note, c.source, c.at) for c in history] == [
        (1.0, "", "workbook", NOW),
        (4.0, "pilot went live", "outlook", LATER),
    ]


def test_a_backdated_checkin_goes_into_history_without_moving_current(database: Database) -> None:
    _, (a,) = seed(database, row_kr("A", current=1.0))
    checkin(database, a, 5.0, LATER)
    checkin(database, a, 3.0, LATER - dt.timedelta(days=2))
    with database.read() as s:
        assert key_results.load_key_results(s, T)[a].current == 5.0
        assert [c.value for c in checkins.list_checkins(s, T, kr_ids=[a])] == [1.0, 3.0, 5.0]


def test_a_checkin_without_confidence_keeps_the_previous_confidence(database: Database) -> None:
    _, (a,) = seed(database, row_kr("A", current=1.0, confidence=0.6))
    checkin(database, a, 2.0, LATER)
    with database.read() as s:
        assert key_results.load_key_results(s, T)[a].confidence == 0.6


@pytest.mark.parametrize(
    ("value", "confidence", "source", "code"),
    [
        (float("nan"), None, "api", "bad_value"),
        (float("inf"), None, "api", "bad_value"),
        (1.0, 1.5, "api", "bad_confidence"),
        (1.0, -0.1, "api", "bad_confidence"),
        (1.0, None, "carrier-pigeon", "bad_source"),
    ],
)
def test_bad_checkins_are_refused_with_nothing_written(
    database: Database, value: float, confidence: float | None, source: str, code: str
) -> None:
    _, (a,) = seed(database, row_kr("A", current=1.0))
    with pytest.raises(RequestError) as caught:
        checkin(database, a, value, LATER, confidence=confidence, source=source)
    assert caught.value.code == code
    with database.read() as s:
        assert len(checkins.list_checkins(s, T)) == 1
        assert key_results.load_key_results(s, T)[a].current == 1.0


def test_checkins_on_archived_key_results_are_refused(database: Database) -> None:
    workbook_id, (a, b) = seed(database, row_kr("A"), row_kr("B"))
    with database.transaction() as s:
        sync_writes.sync_okrs(s, T, workbook_id, okrset(row_kr("A", id=a)), now=NOW)
    with pytest.raises(Conflict) as caught:
        checkin(database, b, 1.0, LATER)
    assert caught.value.code == "kr_archived"


def test_list_checkins_filters_by_time_and_ids(database: Database) -> None:
    _, (a, b) = seed(database, row_kr("A"), row_kr("B"))
    days = [dt.datetime(2026, 11, d, 12, tzinfo=dt.UTC) for d in (3, 4, 5)]
    for day in days:
        checkin(database, a, float(day.day), day)
        checkin(database, b, float(day.day), day)
    with database.read() as s:
        assert [c.at for c in checkins.list_checkins(s, T, kr_ids=[a], since=days[1])] == days[1:]
        assert [c.at for c in checkins.list_checkins(s, T, kr_ids=[a], until=days[1])] == days[:2]
        assert [
            c.at
            for c in checkins.list_checkins(s, T, kr_ids=[b], since=dt.date(2026, 11, 4), until=dt.date(2026, 11, 4))
        ] == [days[1]]
        assert {c.kr_id for c in checkins.list_checkins(s, T, since=days[0])} == {a, b}
        assert checkins.last_checkin_times(s, T) == {a: days[2], b: days[2]}
