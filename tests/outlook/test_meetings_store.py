"""addin.store.meetings: the meetings table, its migration and tenant-scoped functions."""

from __future__ import annotations

import datetime as dt

from alembic import command
from sqlalchemy import inspect

from addin.store.db import alembic_config
from addin.store.meetings import CREATED, MeetingRecord, get_meeting, list_meetings, upsert_meeting

NOW = dt.datetime(2026, 10, 5, 7, 0, tzinfo=dt.UTC)


def _rec(key: str, team: str = "Growth", **kw: object) -> MeetingRecord:
    return MeetingRecord(key=key, team=team, kind="checkin", quarter="2026-Q4", organizer="lead@example.com", **kw)  # type: ignore[arg-type]


def test_upsert_then_list_is_scoped_by_tenant(database) -> None:  # type: ignore[no-untyped-def]
    with database.transaction() as s:
        upsert_meeting(s, "t1", _rec("k1", snapshot={"start": "x"}), now=NOW)
        upsert_meeting(s, "t2", _rec("k1", team="Other"), now=NOW)
    with database.transaction() as s:
        upsert_meeting(
            s,
            "t1",
            _rec("k1", state=CREATED, graph_id="AAMk1", sequence=2, body_start=NOW),
            now=NOW + dt.timedelta(hours=1),
        )
    with database.read() as s:
        mine = list_meetings(s, "t1")
        theirs = list_meetings(s, "t2")
        assert get_meeting(s, "t3", "k1") is None
    assert len(mine) == 1 and mine[0].graph_id == "AAMk1" and mine[0].sequence == 2
    assert mine[0].body_start == NOW and mine[0].updated_at == NOW + dt.timedelta(hours=1)
    assert mine[0].snapshot is None  # upsert writes the whole record
    assert [r.team for r in theirs] == ["Other"] and theirs[0].graph_id is None


def test_list_filters_by_team_and_quarter(database) -> None:  # type: ignore[no-untyped-def]
    with database.transaction() as s:
        upsert_meeting(s, "t1", _rec("a", team="A"), now=NOW)
        upsert_meeting(s, "t1", _rec("b", team="B"), now=NOW)
    with database.read() as s:
        assert [r.key for r in list_meetings(s, "t1", team="B")] == ["b"]
        assert list_meetings(s, "t1", quarter="2027-Q1") == []


def test_migration_0002_follows_0001_and_downgrades(sqlite_database) -> None:  # type: ignore[no-untyped-def]
    assert "meetings" in inspect(sqlite_database.engine).get_table_names()
    cfg = alembic_config(sqlite_database.url.render_as_string(hide_password=False))
    command.downgrade(cfg, "0001_initial")
    assert "meetings" not in inspect(sqlite_database.engine).get_table_names()
    command.upgrade(cfg, "0002_meetings")
    columns = {c["name"] for c in inspect(sqlite_database.engine).get_columns("meetings")}
    assert {
        "tenant_id",
        "key",
        "graph_id",
        "ical_uid",
        "change_key",
        "ics_uid",
        "sequence",
        "body_hash",
        "state",
        "transaction_id",
    } <= columns


def test_migration_0003_adds_the_retro_attachment_and_downgrades(sqlite_database) -> None:  # type: ignore[no-untyped-def]
    with sqlite_database.transaction() as s:
        upsert_meeting(
            s,
            "t1",
            _rec(
                "k1",
                attachment={"id": "A1", "sha256": "x"},
                retired=[{"organizer": "old@example.com", "graph_id": "E1"}],
            ),
            now=NOW,
        )
    with sqlite_database.read() as s:
        (rec,) = list_meetings(s, "t1")
    assert rec.attachment == {"id": "A1", "sha256": "x"}
    assert rec.retired == [{"organizer": "old@example.com", "graph_id": "E1"}]
    cfg = alembic_config(sqlite_database.url.render_as_string(hide_password=False))
    command.downgrade(cfg, "0002_meetings")
    columns = {c["name"] for c in inspect(sqlite_database.engine).get_columns("meetings")}
    assert "attachment" not in columns and "retired" not in columns and "graph_id" in columns
    command.upgrade(cfg, "0003_retro_attachment")
    with sqlite_database.read() as s:
        (rec,) = list_meetings(s, "t1")  # the row survived both ways
    assert rec.key == "k1" and rec.attachment is None
