"""Quarters side by side, end to end through the `okr` command: a team crosses a quarter boundary.

Sync Q4, check in, build the Q4 retro, then start Q1 (next quarter's workbook, or last
quarter's copied and edited, as managers do) and check that every Q4 view, retro pack and
figure is unchanged while Q1 works. Run for a calendar year and a July fiscal year.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

TEAM = "Growth"


@dataclass(frozen=True)
class Boundary:
    fy_start: int
    closing: str
    opening: str
    during: str  # a day inside the closing quarter (ISO)
    retro: str  # the retro: the closing quarter's last days
    after: str  # the first days of the opening quarter


CALENDAR = Boundary(
    1, "2026-Q4", "2027-Q1", "2026-11-20T09:30:00+00:00", "2026-12-29T10:00:00+00:00", "2027-01-05T09:00:00+00:00"
)
FISCAL_JULY = Boundary(
    7, "2026-Q4", "2027-Q1", "2026-05-20T09:30:00+00:00", "2026-06-29T10:00:00+00:00", "2026-07-06T09:00:00+00:00"
)  # FY2026 ends in June; FY2027-Q1 is July-September


def _at(monkeypatch: pytest.MonkeyPatch, moment: str) -> None:
    monkeypatch.setenv("OKR_NOW", moment)


def _rows(path: Path, sheet: str = "OKRs") -> list[dict[str, object]]:
    ws = openpyxl.load_workbook(path)[sheet]
    values = ws.iter_rows(values_only=True)
    header = [str(h) for h in next(values)]
    return [dict(zip(header, r, strict=False)) for r in values if any(v is not None for v in r)]


def _set_settings(path: Path, quarter: str, fy_start: int) -> None:
    wb = openpyxl.load_workbook(path)
    for row in wb["Settings"].iter_rows(min_row=2):
        if row[0].value == "Quarter":
            row[1].value = quarter
        elif row[0].value == "Fiscal year start month":
            row[1].value = fy_start
    wb.save(path)


def _pack_parts(path: Path) -> dict[str, bytes]:
    """Every part of a .docx but its core properties (which carry the save time)."""
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as zf:
        return {name: zf.read(name) for name in zf.namelist() if not name.startswith("docProps/")}


def _json(result) -> dict:  # type: ignore[no-untyped-def]
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)


def _closed_quarter(okr, monkeypatch, tmp_path: Path, b: Boundary) -> tuple[Path, dict, dict[str, bytes]]:  # type: ignore[no-untyped-def]
    """Sync the closing quarter's sample, check in; its status and retro pack as they are when the next quarter starts.

    (The pack's cover carries the day it was built, so before and after are built on the same day.)
    """
    _at(monkeypatch, b.during)
    workbook = tmp_path / "okrs.xlsx"
    assert okr("template", "--sample", str(workbook)).exit_code == 0
    _set_settings(workbook, b.closing, b.fy_start)
    first = _json(okr("sync", "--json", str(workbook)))
    assert first["quarters"] == [b.closing] and first["created"] > 0
    kr_id = next(r["ID"] for r in _rows(workbook) if r["Team"] == TEAM)
    assert okr("checkin", str(kr_id), "33", "--note", "week 7").exit_code == 0
    _at(monkeypatch, b.after)
    status = _json(okr("status", "--quarter", b.closing, "--json"))
    assert okr("retro", "--team", TEAM, "--quarter", b.closing, "-o", str(tmp_path / "before.docx")).exit_code == 0
    return workbook, status, _pack_parts(tmp_path / "before.docx")


def _closed_quarter_unchanged(okr, tmp_path: Path, b: Boundary, status: dict, pack: dict[str, bytes]) -> None:  # type: ignore[no-untyped-def]
    assert _json(okr("status", "--quarter", b.closing, "--json")) == status
    assert okr("retro", "--team", TEAM, "--quarter", b.closing, "-o", str(tmp_path / "after.docx")).exit_code == 0
    assert _pack_parts(tmp_path / "after.docx") == pack


@pytest.mark.parametrize("b", [CALENDAR, FISCAL_JULY], ids=["calendar-year", "fiscal-year-july"])
def test_next_quarter_from_the_retro_keeps_the_closed_quarter(okr, monkeypatch, tmp_path, b) -> None:  # type: ignore[no-untyped-def]
    _workbook, status, pack = _closed_quarter(okr, monkeypatch, tmp_path, b)
    q4_growth = next(t for t in status["teams"] if t["team"] == TEAM)
    q4_ids = {kr["id"] for o in q4_growth["objectives"] for kr in o["key_results"]}

    _at(monkeypatch, b.retro)  # the retro is where next quarter's OKRs are written
    nxt = tmp_path / "next.xlsx"
    made = okr("next-quarter", "--team", TEAM, "-o", str(nxt))
    assert made.exit_code == 0, made.stderr
    assert f"{b.opening} for {TEAM}" in made.stdout and f"from {b.closing}" in made.stdout
    carried = _rows(nxt)
    assert carried, "the sample's Growth team has unfinished key results to carry over"
    assert {r["Continues"] for r in carried} <= q4_ids and all(r["ID"] is None for r in carried)
    teams = _rows(nxt, "Teams")
    assert [t["Team"] for t in teams] == [TEAM]
    by_id = {kr["id"]: kr for o in q4_growth["objectives"] for kr in o["key_results"]}
    for row in carried:  # the last value is the new baseline
        old = by_id[row["Continues"]]
        assert row["Baseline"] == (old["current"] if old["current"] is not None else old["baseline"])
        assert row["Target"] == old["target"]

    _at(monkeypatch, b.after)
    synced = _json(okr("sync", "--json", str(nxt)))
    assert synced["quarters"] == [b.opening]
    assert synced["created"] == len(carried) and synced["archived"] == 0

    _closed_quarter_unchanged(okr, tmp_path, b, status, pack)
    now_status = _json(okr("status", "--json"))  # today's quarter: the new one
    new_krs = [kr for t in now_status["teams"] for o in t["objectives"] for kr in o["key_results"]]
    assert {t["quarter"] for t in now_status["teams"]} == {b.opening}
    assert sorted(kr["continues"] for kr in new_krs) == sorted(r["Continues"] for r in carried)
    assert not {kr["id"] for kr in new_krs} & q4_ids


def test_last_quarters_workbook_edited_for_the_next_archives_nothing_of_it(okr, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    b = CALENDAR
    workbook, status, pack = _closed_quarter(okr, monkeypatch, tmp_path, b)
    q4_count = sum(len(o["key_results"]) for t in status["teams"] for o in t["objectives"])

    # The manager saves the Q4 workbook as Q1: new quarter in Settings, one KR dropped,
    # one rewritten in place (its row keeps the Q4 ID), one added.
    _at(monkeypatch, b.after)
    wb = openpyxl.load_workbook(workbook)
    ws = wb["OKRs"]
    header = {c.value: c.column for c in ws[1]}
    ws.cell(row=2, column=header["Target"]).value = 99
    ws.delete_rows(3)
    ws.cell(row=ws.max_row + 1, column=header["Team"]).value = TEAM
    last = ws.max_row
    for name, value in (
        ("Objective", "A new objective for Q1"),
        ("Key Result", "Grow weekly active teams"),
        ("Baseline", 10),
        ("Target", 20),
        ("Owner (email)", "ana@example.com"),
    ):
        ws.cell(row=last, column=header[name]).value = value
    wb.save(workbook)
    _set_settings(workbook, b.opening, 1)
    rows_now = len(_rows(workbook))

    synced = _json(okr("sync", "--json", str(workbook)))
    assert synced["quarters"] == [b.opening]
    assert synced["archived"] == 0, "syncing Q1 never archives Q4's key results"
    assert synced["created"] == rows_now  # every row is a Q1 key result (the kept ones continue Q4's)

    _closed_quarter_unchanged(okr, tmp_path, b, status, pack)
    assert sum(len(o["key_results"]) for t in status["teams"] for o in t["objectives"]) == q4_count
    q1 = _json(okr("status", "--quarter", b.opening, "--json"))
    q1_krs = [kr for t in q1["teams"] for o in t["objectives"] for kr in o["key_results"]]
    assert len(q1_krs) == rows_now
    rewritten = next(kr for kr in q1_krs if kr["target"] == 99)
    assert rewritten["continues"], "the row that kept its Q4 ID continues that key result"

    # synced again, the workbook now shows Q1's ids and nothing is created twice
    again = _json(okr("sync", "--json", str(workbook)))
    assert again["created"] == 0 and again["archived"] == 0
