"""Tenant isolation (TEN-1, TEN-2) and hostile text through both databases (TXT-3, TXT-5, DB-3)."""

from __future__ import annotations

import datetime as dt

import pytest

from addin.errors import NotFound
from addin.okr.model import Finding, Location, Severity
from addin.store import checkins, findings, key_results, okr_sets, sync_writes, workbooks
from addin.store.db import Database
from tests.factories import NOW, okrset, row_kr

A, B = "tenant-a", "tenant-b"


def seed(db: Database, tenant: str, *rows) -> tuple[str, list[str]]:
    with db.transaction() as s:
        workbook_id = workbooks.new_workbook_id(s, tenant)
        plan = sync_writes.sync_okrs(s, tenant, workbook_id, okrset(*rows), now=NOW)
    return workbook_id, [k.id for k in plan.create]


def test_another_tenants_ids_behave_as_not_found(database: Database) -> None:
    _, (a_id,) = seed(database, A, row_kr("Secret", current=1.0))
    seed(database, B, row_kr("Mine"))
    with database.transaction() as s, pytest.raises(NotFound) as caught:
        checkins.record_checkin(s, B, a_id, value=9.0, confidence=None, note="", at=NOW, source="api")
    with database.transaction() as s, pytest.raises(NotFound) as unknown:
        checkins.record_checkin(s, B, "KR-000000", value=9.0, confidence=None, note="", at=NOW, source="api")
    assert caught.value.code == unknown.value.code == "kr_not_found"  # no existence leak
    assert str(caught.value).replace(a_id, "ID") == str(unknown.value).replace("KR-000000", "ID")
    with database.read() as s:
        assert key_results.load_key_results(s, A)[a_id].current == 1.0  # zero side effects
        assert a_id not in key_results.load_key_results(s, B)
        assert checkins.list_checkins(s, B, kr_ids=[a_id]) == []
        assert all(k.title == "Mine" for k in okr_sets.load_okrs(s, B, include_archived=True).key_results)
        assert [t.name for t in okr_sets.list_teams(s, B)] == ["Growth"]


def test_a_workbook_cannot_update_another_tenants_key_results(database: Database) -> None:
    _, (a_id,) = seed(database, A, row_kr("Secret", current=1.0))
    workbook_id, _ = seed(database, B, row_kr("Mine"))
    with database.transaction() as s:
        plan = sync_writes.sync_okrs(s, B, workbook_id, okrset(row_kr("Forged", id=a_id, current=99.0)), now=NOW)
    assert [p.rule for p in plan.problems] == ["sync.unknown-id"]
    assert f"ID {a_id} is not known here" in plan.problems[0].message
    with database.read() as s:
        assert key_results.load_key_results(s, A)[a_id].title == "Secret"
        assert key_results.load_key_results(s, A)[a_id].current == 1.0


def test_workbook_ids_and_snapshots_are_per_tenant(database: Database) -> None:
    a_workbook, _ = seed(database, A, row_kr("Secret"))
    with database.read() as s:
        assert workbooks.load_snapshot(s, B, a_workbook) is None
    with database.transaction() as s:  # B syncing a workbook carrying A's workbook id gets its own base
        plan = sync_writes.sync_okrs(s, B, a_workbook, okrset(row_kr("Mine")), now=NOW)
    assert plan.archive == [] and len(plan.create) == 1
    with database.read() as s:
        assert [k.title for k in key_results.load_key_results(s, A).values()] == ["Secret"]


def test_findings_and_settings_are_per_tenant(database: Database) -> None:
    finding = Finding("stale", "stale", Severity.WARNING, Location(team="Growth"), "no check-in")
    with database.transaction() as s:
        findings.save_findings(s, A, [finding], now=NOW)
    with database.read() as s:
        assert findings.finding_history(s, B) == []
        assert len(findings.finding_history(s, A)) == 1
        assert okr_sets.load_settings(s, B).quarter is None


HOSTILE = {
    "emoji": "Ship 🚀 to 👩‍👩‍👧‍👦 families 🇪🇸",
    "rtl": "زيادة الإيرادات ‏بنسبة 20٪",
    "bidi": "abc\u202edcba\u202c",
    "long": "x" * 30_000,
    "controls": "tab\tline\nbell\x07 esc\x1b del\x7f c1\x85 bom\ufeff zwsp\u200b fffe\ufffe",
    "formula": '=HYPERLINK("http://127.0.0.1/","click")',
    "html": "<script>alert(1)</script> {{7*7}} &lt;b&gt;",
    "nfd": "Cafe\u0301",
    "copy-escapes": "C:\\new\\table \\N \\. tab\there\r\nend",  # COPY's own escapes must not leak
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_text_round_trips_exactly(database: Database, name: str) -> None:
    text = HOSTILE[name]
    _, (kr_id,) = seed(
        database,
        A,
        row_kr(text, team=text[:200], objective=text, notes=text, owner=text, depends_on=(text,), current=1.0),
    )
    with database.transaction() as s:
        checkins.record_checkin(s, A, kr_id, value=2.0, confidence=None, note=text, at=NOW, source="api")
        findings.save_findings(
            s, A, [Finding("r", None, Severity.INFO, Location(team=text[:200], cell="B2"), text, text)], now=NOW
        )
    with database.read() as s:
        stored = key_results.load_key_results(s, A)[kr_id]
        (checkin,) = [c for c in checkins.list_checkins(s, A) if c.source == "api"]
        (record,) = findings.finding_history(s, A, team=text[:200])
    assert (stored.title, stored.objective, stored.notes, stored.owner, stored.depends_on) == (
        text,
        text,
        text,
        text,
        (text,),
    )
    assert stored.team == text[:200]
    assert checkin.note == text
    assert record.finding.message == text and record.finding.suggestion == text


NUL_CASES = [
    ("a\x00b", "ab"),
    ("\x00", ""),
    ("lone \ud800 surrogate", "lone \ufffd surrogate"),
    ("end\udfff", "end\ufffd"),
]


@pytest.mark.parametrize(("raw", "kept"), NUL_CASES)
def test_nul_and_lone_surrogates_follow_one_rule_on_every_database(database: Database, raw: str, kept: str) -> None:
    """The rule: NUL is dropped, a lone surrogate becomes U+FFFD -- the same on SQLite and PostgreSQL."""
    workbook_id, (kr_id,) = seed(database, A, row_kr("title " + raw, notes=raw, depends_on=(raw,), current=1.0))
    with database.transaction() as s:
        checkins.record_checkin(s, A, kr_id, value=2.0, confidence=None, note=raw, at=NOW, source="api")
    with database.read() as s:
        stored = key_results.load_key_results(s, A)[kr_id]
        base = workbooks.load_snapshot(s, A, workbook_id)[kr_id]
        notes = [c.note for c in checkins.list_checkins(s, A) if c.source == "api"]
    assert stored.title == "title " + kept and stored.notes == kept and stored.depends_on == (kept,)
    assert base.notes == kept and base.depends_on == (kept,)
    assert notes == [kept]


def test_names_differing_only_in_case_or_spacing_are_one_team(database: Database) -> None:
    seed(database, A, row_kr("x", team="Growth  Team"), row_kr("y", team="growth team"))
    with database.read() as s:
        assert [t.name for t in okr_sets.list_teams(s, A)] == ["Growth  Team"]


def test_long_names_are_unique_keys_without_index_limits(database: Database) -> None:
    long_name = "Team " + "é" * 20_000
    seed(database, A, row_kr("x", team=long_name, objective="O" * 20_000))
    seed(database, A, row_kr("y", team=long_name, objective="O" * 20_000))
    with database.read() as s:
        assert [t.name for t in okr_sets.list_teams(s, A)] == [long_name]
        assert len(okr_sets.load_okrs(s, A).objectives) == 1


def test_times_come_back_in_utc(database: Database) -> None:
    _, (kr_id,) = seed(database, A, row_kr("x"))
    madrid = dt.timezone(dt.timedelta(hours=1))
    with database.transaction() as s:
        checkins.record_checkin(
            s,
            A,
            kr_id,
            value=1.0,
            confidence=None,
            note="",
            at=dt.datetime(2026, 11, 3, 10, 0, tzinfo=madrid),
            source="api",
        )
    with database.read() as s:
        (checkin,) = checkins.list_checkins(s, A)
    assert checkin.at == dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC) and checkin.at.tzinfo is dt.UTC
