"""Dependency answers in the store: per tenant and quarter, replaced when answered again, the
findings an answer changes, and migration 0008 up and down (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from addin.okr.history import finding_key
from addin.okr.model import AnswerState, DependencyAnswer, Finding, Location, Severity
from addin.store import dependencies, findings, key_results, sync_writes, workbooks
from addin.store.db import Database, alembic_config
from addin.store.tables import Base
from tests.factories import LATER, NOW, okrset
from tests.factories import row_kr as kr

T = "local"
Q = "2026-Q4"
RULES = ("dependency-unacknowledged", "dependency-declined")


def seed(db: Database) -> str:
    """Growth's KR that depends on Platform (stored in 2026-Q4); its id."""
    with db.transaction() as s:
        plan = sync_writes.sync_okrs(
            s, T, workbooks.new_workbook_id(s, T), okrset(kr("Cut time to value", depends_on=("Platform",))), now=NOW
        )
    return plan.create[0].id


def answer(kr_id: str, state: AnswerState, note: str = "", *, team: str = "Platform", at=NOW) -> DependencyAnswer:
    return DependencyAnswer(kr_id, team, state, note, "pat@example.com", at, Q)


def test_an_answer_is_kept_per_tenant_and_quarter_and_replaced_when_answered_again(database: Database) -> None:
    kr_id = seed(database)
    with database.transaction() as s:
        dependencies.save_answer(s, T, answer(kr_id.lower(), AnswerState.DECLINED, "Not this quarter"), actor_oid="o1")
    with database.read() as s:
        assert dependencies.kr_quarter(s, T, kr_id.lower()) == Q
        assert dependencies.kr_quarter(s, "other", kr_id) is None
        (stored,) = dependencies.load_answers(s, T, quarter=Q)
        assert dependencies.load_answers(s, T, quarter="2027-Q1") == []
        assert dependencies.load_answers(s, "other") == []
    assert stored == answer(kr_id, AnswerState.DECLINED, "Not this quarter")  # the id as the store keys it
    assert stored.answered_at.tzinfo is not None

    with database.transaction() as s:  # "platform" is the same team: the answer is replaced, not doubled
        dependencies.save_answer(
            s, T, answer(kr_id, AnswerState.ACCEPTED, "ok", team=" platform", at=LATER), actor_oid="o2"
        )
        dependencies.save_answer(s, "other", answer(kr_id, AnswerState.ACCEPTED), actor_oid="o3")
    with database.read() as s:
        (stored,) = dependencies.load_answers(s, T)
    assert (stored.state, stored.note, stored.answered_at, stored.team) == (
        AnswerState.ACCEPTED,
        "ok",
        LATER,
        " platform",
    )


def test_any_text_is_stored_on_both_databases(database: Database) -> None:
    kr_id = seed(database)
    note = "\u05e9\u05dc\u05d5\u05dd <script>alert(1)</script> \U0001f469\u200d\U0001f4bb" + "x" * 400
    with database.transaction() as s:
        dependencies.save_answer(s, T, answer(kr_id, AnswerState.ACCEPTED, note + "\x00"), actor_oid="o1")
    with database.read() as s:
        assert dependencies.load_answers(s, T)[0].note == note  # NUL dropped by the store's text rule


def finding(kr_id: str, rule: str, message: str = "m") -> Finding:
    where = Location(team="Growth", objective="Win the mid-market", key_result=kr_id, column="Depends on")
    return Finding(rule, "unacknowledged-dependency", Severity.WARNING, where, message, "s")


def history(db: Database, kr_id: str) -> dict[str, tuple[dt.datetime, dt.datetime | None]]:
    """The KR's findings by rule: (first seen, resolved)."""
    with db.read() as s:
        records = findings.finding_history(s, T, quarter=Q)
    return {r.finding.rule: (r.first_seen, r.resolved_at) for r in records if r.finding.location.key_result == kr_id}


def test_an_answer_resolves_reopens_and_records_that_key_results_findings(database: Database) -> None:
    kr_id = seed(database)
    other = finding("KR-OTHER1", "dependency-unacknowledged")
    with database.transaction() as s:
        findings.save_findings(s, T, [finding(kr_id, "dependency-unacknowledged"), other], now=NOW, quarter=Q)

    with database.transaction() as s:  # declined: unacknowledged resolved, declined recorded
        refresh = dict(quarter=Q, kr_id=kr_id.lower(), rules=RULES, now=LATER)
        dependencies.refresh_findings(s, T, findings=[finding(kr_id, "dependency-declined", "no")], **refresh)
    assert history(database, kr_id) == {"dependency-unacknowledged": (NOW, LATER), "dependency-declined": (LATER, None)}
    with database.read() as s:  # another KR's finding is left alone
        keys = {finding_key(r.finding, Q): r.resolved_at for r in findings.finding_history(s, T, quarter=Q)}
    assert keys[finding_key(other, Q)] is None

    later = LATER + dt.timedelta(days=1)
    with database.transaction() as s:  # then nobody's answer again: unacknowledged reopened, declined resolved
        dependencies.refresh_findings(
            s, T, quarter=Q, kr_id=kr_id, rules=RULES, findings=[finding(kr_id, "dependency-unacknowledged")], now=later
        )
    assert history(database, kr_id) == {"dependency-unacknowledged": (NOW, None), "dependency-declined": (LATER, later)}


def test_the_answers_table_matches_its_migration(database: Database) -> None:
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = [d for d in compare_metadata(context, Base.metadata) if "dependency_answers" in repr(d)]
    assert diffs == []


# ---------------------------------------------------------------- migration 0008 up and down


def _migrate(database: Database, direction: str, revision: str) -> None:
    cfg = alembic_config()
    with database.engine.connect() as connection:  # as Database.create_schema does
        cfg.attributes["connection"] = connection
        getattr(command, direction)(cfg, revision)


def _tables(database: Database) -> set[str]:
    with database.engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def test_migration_0008_adds_the_answers_and_goes_down_and_up_again(empty_database: Database) -> None:
    _migrate(empty_database, "upgrade", "0007_tenants")
    assert "dependency_answers" not in _tables(empty_database)
    # the store's writes need the whole schema (data versions came after 0008): seeded at head
    kr_id = seed_after(empty_database, "head")
    with empty_database.transaction() as s:
        dependencies.save_answer(s, T, answer(kr_id, AnswerState.ACCEPTED, "yes"), actor_oid="o1")

    _migrate(empty_database, "downgrade", "0007_tenants")
    assert "dependency_answers" not in _tables(empty_database)
    with empty_database.read() as s:  # the OKRs stay
        assert list(key_results.load_key_results(s, T)) == [kr_id]

    _migrate(empty_database, "upgrade", "head")
    with empty_database.transaction() as s:
        assert dependencies.load_answers(s, T) == []
        dependencies.save_answer(s, T, answer(kr_id, AnswerState.DECLINED, "no"), actor_oid="o1")
    with empty_database.read() as s:
        assert [a.state for a in dependencies.load_answers(s, T)] == [AnswerState.DECLINED]


def seed_after(database: Database, revision: str) -> str:
    _migrate(database, "upgrade", revision)
    return seed(database)
