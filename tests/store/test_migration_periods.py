"""Migration 0004: data stored before periods existed gets the period of its tenant's Settings."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
from alembic import command
from sqlalchemy import text

from addin.store import key_results, okr_sets
from addin.store.db import Database, alembic_config

CREATED = dt.datetime(2026, 5, 4, 8, 0)  # 2026-Q2 on the calendar, 2026-Q4 of a July fiscal year


def _upgrade(database: Database, revision: str) -> None:
    cfg = alembic_config()
    with database.engine.connect() as connection:  # as Database.create_schema does: the migration begins
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def _seed(conn, tenant: str, settings_quarter: str | None, fy_start: int) -> None:  # type: ignore[no-untyped-def]
    if settings_quarter is not None or fy_start != 1:
        conn.execute(
            text(
                "INSERT INTO settings (tenant_id, quarter, fiscal_year_start_month, thresholds, updated_at) "
                "VALUES (:t, :q, :fy, '{}', :at)"
            ),
            {"t": tenant, "q": settings_quarter, "fy": fy_start, "at": CREATED},
        )
    team = conn.execute(
        text(
            "INSERT INTO teams (tenant_id, name, name_key, members, checkin_weekday, checkin_time, "
            "timezone, meeting_minutes, created_at, updated_at) VALUES (:t, 'Ops', :k, '[]', 0, "
            "'10:00:00', 'UTC', 30, :at, :at) RETURNING id"
        ),
        {"t": tenant, "k": "ops" + tenant, "at": CREATED},
    ).scalar_one()
    objective = conn.execute(
        text(
            "INSERT INTO objectives (tenant_id, team_id, title, title_key, type, created_at, "
            "updated_at) VALUES (:t, :team, 'Faster support', 'fs', 'committed', :at, :at) "
            "RETURNING id"
        ),
        {"t": tenant, "team": team, "at": CREATED},
    ).scalar_one()
    conn.execute(
        text(
            "INSERT INTO key_results (tenant_id, public_id, objective_id, title, unit, depends_on, notes, "
            "created_at, updated_at) VALUES (:t, :id, :o, 'Cut first reply time', '', '[]', '', :at, :at)"
        ),
        {"t": tenant, "id": "KR-" + tenant[-6:].upper(), "o": objective, "at": CREATED},
    )
    conn.execute(
        text(
            "INSERT INTO findings (tenant_id, key, rule, severity, location, message, suggestion, "
            "first_seen, last_seen) VALUES (:t, :k, 'stale', 'warning', '{}', 'm', '', :at, :at)"
        ),
        {"t": tenant, "k": secrets.token_hex(32), "at": CREATED},
    )


@pytest.mark.parametrize(
    ("settings_quarter", "fy_start", "expected"),
    [
        ("2026-Q3", 1, "2026-Q3"),  # the Settings quarter every row belonged to
        ("Q1 2027", 1, "2027-Q1"),  # written the other way round
        (None, 1, "2026-Q2"),  # no Settings quarter: the quarter the row was created in
        (None, 7, "2026-Q4"),  # ... of the tenant's fiscal year
    ],
)
def test_existing_rows_get_their_tenants_period(empty_database: Database, settings_quarter, fy_start, expected) -> None:
    tenant = "tenant-" + secrets.token_hex(3)
    _upgrade(empty_database, "0003_retro_attachment")
    with empty_database.engine.begin() as conn:
        _seed(conn, tenant, settings_quarter, fy_start)
    _upgrade(empty_database, "head")

    with empty_database.read() as s:
        (kr,) = key_results.load_key_results(s, tenant).values()
        okrs = okr_sets.load_okrs(s, tenant, quarter=expected)
        findings = s.execute(text("SELECT quarter FROM findings WHERE tenant_id = :t"), {"t": tenant}).scalars().all()
    assert kr.quarter == expected
    assert [(o.title, o.period) for o in okrs.objectives] == [("Faster support", expected)]
    assert [k.id for k in okrs.key_results] == [kr.id]
    assert findings == [expected]


def test_the_migration_goes_down_and_up_again(empty_database: Database) -> None:
    _upgrade(empty_database, "head")
    cfg = alembic_config()
    with empty_database.engine.connect() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0003_retro_attachment")
    _upgrade(empty_database, "head")
    with empty_database.read() as s:
        assert okr_sets.load_okrs(s, "nobody", quarter="2026-Q4").key_results == []
