"""zip_budget: the container's budgets and names, checked before a byte is inflated (ZIP-1, ZIP-3).

Scenario ids refer to /shared/HOSTILE-INPUT-CHECKLIST.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from addin.errors import WorkbookError, WorkbookTooLarge
from addin.excel.package_check import check_package
from addin.excel.zip_budget import DEFAULT_LIMITS, Limits
from tests.excel import hostile_files as h
from tests.excel.upload_gate import MiB, peak_memory, reject, watch_writes

# --- ZIP-1: bombs and budgets ------------------------------------------------------------------------


def test_empty_zip_is_corrupt() -> None:
    reject(h.empty_zip(), WorkbookError, "corrupt_workbook", "empty")


def test_member_inflating_past_1_gib_is_refused_before_inflating() -> None:
    data = h.zip_bomb()
    assert len(data) < 4 * MiB
    with peak_memory(8):
        reject(data, WorkbookTooLarge, "uncompressed_too_large", "1,088 MB", "256 MB")


def test_highly_compressed_member_is_a_zip_bomb() -> None:
    with peak_memory(8):
        reject(h.ratio_bomb(), WorkbookTooLarge, "zip_bomb", "xl/worksheets/sheet1.xml", "to 1")


def test_declared_total_over_budget_is_refused() -> None:
    reject(
        h.over_declared_total(DEFAULT_LIMITS.max_uncompressed_bytes),
        WorkbookTooLarge,
        "uncompressed_too_large",
        "256 MB",
    )


def test_too_many_members_is_refused() -> None:
    reject(h.many_members(DEFAULT_LIMITS.max_members + 1), WorkbookTooLarge, "too_many_parts", "5,000")


def test_too_many_members_is_refused_when_the_end_record_lies() -> None:
    data = h.with_eocd_count(h.many_members(DEFAULT_LIMITS.max_members + 1), 9)
    reject(data, WorkbookTooLarge, "too_many_parts")


def test_budgets_come_from_the_limits_given() -> None:
    tight = Limits(max_members=5)
    reject(h.valid_workbook(), WorkbookTooLarge, "too_many_parts", limits=tight)
    assert check_package(h.valid_workbook()).members == 9


def test_unsupported_compression_method_is_refused() -> None:
    parts = h.workbook_parts()
    data = h.package(parts, [h.Member("xl/media/x.bin", b"BZh9", method=12)])
    reject(data, WorkbookError, "corrupt_workbook", "compression")


# --- ZIP-3: names ------------------------------------------------------------------------------------


@pytest.mark.parametrize("case_variant", [False, True])
def test_duplicate_member_names_are_refused(case_variant: bool) -> None:
    reject(h.duplicate_member(case_variant=case_variant), WorkbookError, "corrupt_workbook", "twice")


def test_unsafe_member_names_are_ignored_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with watch_writes() as writes:
        info = check_package(h.traversal_members())
    assert sorted(info.ignored_members) == sorted(h.UNSAFE_NAMES)
    assert info.sheet_count == 1
    assert writes == []
    assert list(tmp_path.iterdir()) == []
