"""The mapping: every read says how it placed the sheets; a human corrects it once and it is reused."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest

from addin.errors import InputError, WorkbookError
from addin.excel.mapping import parse_mapping
from addin.excel.reader import read_workbook
from tests.excel.corpus.outline import headerless_outline
from tests.excel.corpus.tables import own_kr_ids


def untitled_column_workbook() -> bytes:
    """Key-result texts in a column with no header and no outline numbers: only a human can say what it is."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Tracker"
    ws.append(["Team", "Objective", None, "Owner", "Target", "Current"])
    ws.append(["Support", "Answer faster", "First reply within two hours for 90% of tickets", "Lena Ortiz", 90, 71])
    ws.append(["Support", "Answer faster", "Backlog older than a week below 20 tickets", "Lena Ortiz", 20, 45])
    ws.append(["Support", "Keep customers", "Renewal rate of support-plan customers at 95%", "Tomas Wirth", 95, 91])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


MAPPING = {
    "version": 1,
    "sheets": [{"sheet": "Tracker", "role": "key_results", "header_row": 1,
                "columns": {"team": "A", "objective": "B", "key_result": "C", "owner": "D", "target": "E",
                            "current": "F"}}],
}  # fmt: skip


def test_every_read_has_a_mapping_saying_how_each_column_was_found() -> None:
    mapping = read_workbook(headerless_outline().data).mapping
    sheet = mapping.as_dict()["sheets"][0]
    assert sheet["sheet"] == "Customer Care" and sheet["header_row"] == 2
    assert sheet["columns"] == {"ref": "A", "title": "B", "owner": "C", "baseline": "D", "target": "E", "current": "F"}
    assert set(sheet["found_by"]) == {"ref", "title"} and "outline numbers" in sheet["found_by"]["ref"]
    assert mapping.confidence < 0.5  # placed by content: the pane asks the manager to check it
    column_b = next(c for c in sheet["available"] if c["column"] == "B")
    assert column_b["samples"][0] == "Make getting help effortless for every customer"
    assert read_workbook(own_kr_ids().data).mapping.confidence == 1.0


def test_a_column_only_a_human_can_place_is_named_in_the_refusal() -> None:
    with pytest.raises(WorkbookError) as caught:
        read_workbook(untitled_column_workbook())
    assert "column C looks like key-result titles but has no header: map it" in caught.value.message


def test_okr_map_prints_the_mapping_as_json(okr, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "plan.xlsx"
    path.write_bytes(headerless_outline().data)
    result = okr("map", "--json", str(path))
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["layout"] == "outline" and document["sheets"][0]["columns"]["title"] == "B"
    plain = okr("map", str(path))
    assert "by content" in plain.stdout and "confidence 40%" in plain.stdout


def test_a_mapping_given_once_is_saved_and_reused(okr, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path, mapping = tmp_path / "tracker.xlsx", tmp_path / "map.json"
    path.write_bytes(untitled_column_workbook())
    mapping.write_text(json.dumps(MAPPING))
    assert okr("sync", str(path)).exit_code == 2  # refused: nothing says which column holds the key results

    first = okr("sync", "--json", "--mapping", str(mapping), str(path))
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["created"] == 3

    again = okr("sync", "--json", str(path))  # no --mapping: the saved one is used
    assert again.exit_code == 0, again.output
    report = json.loads(again.stdout)
    assert (report["created"], report["unchanged"]) == (0, 3)
    assert "saved mapping" in report["layout_note"]


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ("[]", '"sheets" list'),
        ('{"sheets": [{"sheet": "T", "role": "kpis", "header_row": 1}]}', "sheets[0].role"),
        ('{"sheets": [{"sheet": "T", "header_row": 0, "columns": {"key_result": "A"}}]}', "sheets[0].header_row"),
        ('{"sheets": [{"sheet": "T", "header_row": 1, "columns": {"key_result": "A1"}}]}', "columns.key_result"),
        ('{"sheets": [{"sheet": "T", "header_row": 1, "columns": {"__class__": "A"}}]}', "is not a field"),
        ('{"sheets": [{"sheet": "T", "header_row": 1, "columns": {"owner": "B"}}]}', "needs a key_result"),
        ("{" * 70000, "larger than"),
    ],
)
def test_a_bad_mapping_is_refused_saying_where(document: str, words: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_mapping(document)
    assert words in caught.value.message


def test_lint_json_includes_layout_and_mapping(okr, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "mine.xlsx"
    path.write_bytes(own_kr_ids().data)
    document = json.loads(okr("lint", "--json", str(path)).stdout)
    assert document["layout"] == "flat-table" and document["mapping"]["sheets"][0]["sheet"] == "Tracker"
    assert document["findings"]


def test_a_mapping_naming_a_sheet_the_workbook_lacks_is_said(tmp_path) -> None:
    document = json.loads(json.dumps(MAPPING))
    document["sheets"].append({"sheet": "Gone", "role": "ignored"})
    result = read_workbook(untitled_column_workbook(), mapping=parse_mapping(json.dumps(document)))
    assert len(result.okrs.key_results) == 3
    assert [p.rule for p in result.problems if p.rule == "input.mapping-sheet-missing"] == [
        "input.mapping-sheet-missing"
    ]


def test_okr_map_of_an_unreadable_layout_proposes_the_columns_to_map(okr, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "tracker.xlsx"
    path.write_bytes(untitled_column_workbook())
    result = okr("map", "--json", str(path))
    assert result.exit_code == 1
    sheet = json.loads(result.stdout)["sheets"][0]
    assert sheet["sheet"] == "Tracker" and "key_result" not in sheet["columns"]
    assert sheet["columns"]["target"] == "E"
    assert next(c for c in sheet["available"] if c["column"] == "C")["samples"][0].startswith("First reply")
    # the proposal, completed with the one missing column, is a mapping okr sync accepts
    sheet["columns"]["key_result"] = "C"
    path_map = tmp_path / "map.json"
    path_map.write_text(json.dumps({"version": 1, "sheets": [sheet]}))
    assert okr("sync", "--mapping", str(path_map), str(path)).exit_code == 0
