"""The `okr` command as a manager uses it: template → lint → sync → checkin → status."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import click
import openpyxl

REPO = Path(__file__).resolve().parents[1]


def _okrs_sheet_rows(path: Path) -> list[dict[str, object]]:
    wb = openpyxl.load_workbook(path)
    ws = wb["OKRs"]
    rows = ws.iter_rows(values_only=True)
    header = [str(h) for h in next(rows)]
    return [dict(zip(header, r)) for r in rows if any(v is not None for v in r)]


def test_template_writes_a_workbook_and_refuses_to_overwrite(okr, tmp_path):
    path = tmp_path / "okrs.xlsx"
    assert okr("template", str(path)).exit_code == 0
    assert "OKRs" in openpyxl.load_workbook(path).sheetnames

    again = okr("template", str(path))
    assert again.exit_code == 2
    assert "already exists" in again.stderr


def test_lint_creates_nothing(okr, tmp_path, monkeypatch):
    """Linting needs no database: no instance folder, no SQLite file, wherever it runs."""
    workbook = tmp_path / "sample.xlsx"
    okr("template", "--sample", str(workbook))
    here = tmp_path / "empty"
    here.mkdir()
    monkeypatch.chdir(here)
    monkeypatch.delenv("OKR_INSTANCE_PATH")  # the default: ./instance
    assert okr("lint", str(workbook)).exit_code in (0, 1)
    assert list(here.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "sample.xlsx"]


def test_lint_json_lists_findings_and_exits_1_on_errors(okr, tmp_path, instance):
    path = tmp_path / "sample.xlsx"
    okr("template", "--sample", str(path))
    result = okr("lint", "--json", str(path))
    assert not list(instance.glob("*.sqlite3"))  # linting stores nothing, not even an empty database
    document = json.loads(result.stdout)
    pitfalls = {f["pitfall"] for f in document["findings"]}
    # The sample organisation is built with activity KRs and a KR without an owner.
    assert {"activity-not-result", "no-owner"} <= pitfalls
    has_error = any(f["severity"] == "error" for f in document["findings"])
    assert result.exit_code == (1 if has_error else 0)
    for finding in document["findings"]:
        assert finding["rule"] and finding["message"] and finding["location"]


def test_sync_stores_and_writes_ids_and_status_back(okr, tmp_path):
    path = tmp_path / "sample.xlsx"
    okr("template", "--sample", str(path))
    before = _okrs_sheet_rows(path)

    first = okr("sync", "--json", str(path))
    assert first.exit_code == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["created"] == len(before)
    assert report["updated"] == report["archived"] == 0

    after = _okrs_sheet_rows(path)
    assert [r["Key Result"] for r in after] == [r["Key Result"] for r in before]
    assert all(str(r["ID"]).startswith("KR-") for r in after)
    assert all(r["Status"] in {"not-started", "on-track", "at-risk", "off-track", "done"} for r in after)

    second = json.loads(okr("sync", "--json", str(path)).stdout)
    assert second["created"] == 0
    assert second["unchanged"] == len(before)


def test_checkin_then_status_shows_the_new_value(okr, tmp_path):
    path = tmp_path / "sample.xlsx"
    okr("template", "--sample", str(path))
    okr("sync", str(path))
    kr = next(r for r in _okrs_sheet_rows(path) if isinstance(r["Target"], int | float))

    result = okr("checkin", str(kr["ID"]), str(kr["Target"]), "--confidence", "High", "--note", "hit it")
    assert result.exit_code == 0, result.stderr

    status = json.loads(okr("status", "--json").stdout)
    shown = [k for t in status["teams"] for o in t["objectives"] for k in o["key_results"] if k["id"] == kr["ID"]]
    assert shown and shown[0]["current"] == float(kr["Target"])


def test_status_shows_dependencies_both_ways_with_the_answer(okr, client, tmp_path):
    path = tmp_path / "sample.xlsx"
    okr("template", "--sample", str(path))
    okr("sync", str(path))
    revenue = next(r for r in _okrs_sheet_rows(path) if r["Depends on"] == "Customer Success")
    answered = client.put(  # the local admin, as in the embedded default's Outlook pane
        f"/api/teams/Customer Success/dependencies/{revenue['ID']}",
        json={"state": "declined", "note": "Trials move to sales\nin January"},
    )
    assert answered.status_code == 200, answered.get_data(as_text=True)

    text = okr("status", "--team", "Growth").stdout
    assert f"→ Customer Success · {revenue['ID']}" in text
    assert "[declined] by local on 2026-11-20: Trials move to sales in January" in text
    cs = okr("status", "--team", "Customer Success").stdout
    assert f"← Growth · {revenue['ID']}" in cs and "[declined]" in cs
    engineering = okr("status", "--team", "Engineering").stdout
    assert "→ Platform" in engineering and "[unanswered] (named back in their KRs)" in engineering

    status = json.loads(okr("status", "--json").stdout)
    growth = next(t for t in status["teams"] if t["team"] == "Growth")
    (dep,) = growth["dependencies"]["depends_on"]
    assert (dep["kr_id"], dep["state"], dep["note"]) == (revenue["ID"], "declined", "Trials move to sales\nin January")


def test_sync_with_out_leaves_the_original_untouched(okr, tmp_path):
    path, out = tmp_path / "sample.xlsx", tmp_path / "synced.xlsx"
    okr("template", "--sample", str(path))
    original = path.read_bytes()
    assert okr("sync", "--out", str(out), str(path)).exit_code == 0
    assert path.read_bytes() == original
    assert all(str(r["ID"]).startswith("KR-") for r in _okrs_sheet_rows(out))


def test_unreadable_input_exits_2_with_one_line_and_no_traceback(okr, tmp_path):
    csv = tmp_path / "okrs.xlsx"
    csv.write_text("Team,Objective,Key Result\nA,B,C\n", encoding="utf-8")
    result = okr("sync", str(csv))
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "not an Excel workbook" in result.stderr or "not_a_workbook" in result.stderr


def test_checkin_on_an_unknown_kr_exits_2(okr):
    result = okr("checkin", "KR-000000", "5")
    assert result.exit_code == 2
    assert "KR-000000" in result.stderr
    assert "Traceback" not in result.stderr


def test_schedule_dry_run_writes_nothing_then_schedule_is_idempotent(okr, tmp_path, instance):
    path = tmp_path / "sample.xlsx"
    okr("template", "--sample", str(path))
    okr("sync", str(path))
    calendars = instance / "calendars"

    dry = okr("schedule", "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert "weekly" in dry.stdout and "would create" in dry.stdout
    assert not calendars.exists() or not any(calendars.iterdir())

    first = json.loads(okr("schedule", "--json").stdout)
    assert first["meetings"] and all(m["action"] == "create" for m in first["meetings"])
    files = sorted(calendars.glob("*.ics"))
    assert files

    again = json.loads(okr("schedule", "--json").stdout)
    assert {m["action"] for m in again["meetings"]} == {"unchanged"}
    assert sorted(calendars.glob("*.ics")) == files


def test_refresh_invites_rejects_a_bad_duration(okr):
    result = okr("refresh-invites", "--within", "soon")
    assert result.exit_code == 2
    assert "48h" in result.stderr


def test_retro_writes_one_pack_or_one_per_team(okr, tmp_path):
    import docx

    path = tmp_path / "sample.xlsx"
    okr("template", "--sample", str(path))
    okr("sync", str(path))
    teams = [t["team"] for t in json.loads(okr("status", "--json").stdout)["teams"]]

    single = tmp_path / "pack.docx"
    result = okr("retro", "--team", teams[0], "--quarter", "2026-Q4", "--no-charts", "-o", str(single))
    assert result.exit_code == 0, result.stderr
    assert teams[0] in docx.Document(str(single)).core_properties.title

    folder = tmp_path / "packs"
    result = okr("retro", "--all", "--quarter", "2026-Q4", "--no-charts", "-o", str(folder))
    assert result.exit_code == 0, result.stderr
    assert len(list(folder.glob("*.docx"))) == len(teams)


def test_retro_needs_exactly_one_of_team_or_all(okr, tmp_path):
    assert okr("retro", "-o", str(tmp_path / "x.docx")).exit_code == 2


def test_lint_uses_stored_checkins_for_the_history_rules(okr, tmp_path, monkeypatch):
    path, synced = tmp_path / "sample.xlsx", tmp_path / "synced.xlsx"
    okr("template", "--sample", str(path))
    monkeypatch.setenv("OKR_NOW", "2026-10-20T09:00:00+00:00")
    okr("sync", "--out", str(synced), str(path))
    kr_id = _okrs_sheet_rows(synced)[0]["ID"]
    monkeypatch.setenv("OKR_NOW", "2026-11-18T09:00:00+00:00")
    assert okr("checkin", kr_id, "1", "--note", "from the weekly meeting").exit_code == 0

    monkeypatch.setenv("OKR_NOW", "2026-11-20T09:00:00+00:00")
    findings = json.loads(okr("lint", "--json", str(synced)).stdout)["findings"]
    stale = {f["location"].get("key_result") for f in findings if f["pitfall"] == "stale"}
    others = {r["ID"] for r in _okrs_sheet_rows(synced)[1:]}
    assert kr_id not in stale  # checked in two days ago, in the store
    assert stale & others  # the rest last moved a month ago


def test_written_workbooks_get_the_permissions_of_a_plain_save(okr, tmp_path):
    old = os.umask(0o022)
    try:
        path, out = tmp_path / "sample.xlsx", tmp_path / "synced.xlsx"
        assert okr("template", "--sample", str(path)).exit_code == 0
        assert okr("sync", "--out", str(out), str(path)).exit_code == 0
        assert stat.S_IMODE(path.stat().st_mode) == stat.S_IMODE(out.stat().st_mode) == 0o644
        path.chmod(0o640)
        assert okr("sync", str(path)).exit_code == 0  # rewritten in place: its permissions stay
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
    finally:
        os.umask(old)


def _command_names() -> set[str]:
    from addin.cli import main

    names = set()
    for name, command in main.commands.items():
        if isinstance(command, click.Group):
            names |= {f"{name} {sub}" for sub in command.commands}
        else:
            names.add(name)
    return names


def test_every_command_is_named_in_the_module_docstring_and_the_readme_table():
    import addin.cli

    names = _command_names()
    listed = re.search(r"The `okr` command: (.*?) \(README", " ".join((addin.cli.__doc__ or "").split()))
    assert listed and set(listed.group(1).split(", ")) == names
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `okr ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?", readme, re.MULTILINE)
    assert {" ".join(filter(None, row)) for row in rows} == names
