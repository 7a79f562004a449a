"""The audit trail through the CLI (the operator acts as the local admin) and its schema."""

from __future__ import annotations

import json

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext


def test_okr_audit_lists_cli_and_api_writes_newest_first(okr, client, tmp_path, workbook):
    path = tmp_path / "okrs.xlsx"
    path.write_bytes(workbook)
    assert okr("sync", str(path)).exit_code in (0, 1)
    kr = client.get("/api/teams").get_json()["teams"][0]["objectives"][0]["key_results"][0]["id"]
    assert okr("checkin", kr, "40", "--confidence", "0.6").exit_code == 0

    shown = json.loads(okr("audit", "--json").output)["entries"]
    assert shown[0]["action"] == "checkin"
    assert shown[0]["target"] == kr and shown[0]["details"]["value"] == 40
    assert shown[0]["actor"] == "local"
    assert {"sync", "checkin", "lead-change"} <= {e["action"] for e in shown}
    text = okr("audit", "--action", "checkin").output
    assert kr in text and "sync" not in text


def test_okr_audit_on_an_empty_store(okr):
    assert "No writes recorded yet" in okr("audit").output


def test_the_trust_tables_match_their_migration(app_database):
    from addin.store.audit import AuditRow
    from addin.store.people import PersonRow
    from addin.store.revisions import RevisionRow

    mine = {AuditRow.__tablename__, PersonRow.__tablename__, RevisionRow.__tablename__}
    with app_database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = [d for d in compare_metadata(context, AuditRow.metadata) if _table(d) in mine]
    assert diffs == []


def _table(diff: object) -> str | None:
    kind, *args = diff[0] if isinstance(diff, list) else diff
    if kind in ("add_table", "remove_table"):
        return args[0].name
    if kind.startswith(("add_", "remove_")) and kind not in ("add_column", "remove_column"):
        return args[0].table.name
    return args[1]


def test_okr_schedule_records_the_meeting_changes(okr, tmp_path, workbook):
    path = tmp_path / "okrs.xlsx"
    path.write_bytes(workbook)
    okr("sync", str(path))
    assert okr("schedule", "--quarter", "2026-Q4").exit_code == 0
    entry = json.loads(okr("audit", "--action", "meeting-change", "--json").output)["entries"][0]
    assert entry["target"] == "2026-Q4" and entry["details"]["calendar"] == "ics"
    assert {"team": "Product", "kind": "checkin", "action": "create"} in entry["details"]["meetings"]
    okr("schedule", "--quarter", "2026-Q4")  # nothing changed: no new entry
    assert len(json.loads(okr("audit", "--action", "meeting-change", "--json").output)["entries"]) == 1
