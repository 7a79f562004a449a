"""relationships: no relationship may point outside the package (GEO-4, ZIP-3).

Scenario ids refer to /shared/HOSTILE-INPUT-CHECKLIST.md.
"""

from __future__ import annotations

import pytest

from addin.errors import WorkbookError
from addin.excel.package_check import check_package
from tests.excel import hostile_files as h
from tests.excel.upload_gate import reject

# --- GEO-4: relationships ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "../../etc/passwd",
        "/../../etc/passwd",
        "worksheets/../../../etc/passwd",
        "%2e%2e/%2e%2e/etc/passwd",
        "file:///etc/passwd",
        "C:\\Windows\\win.ini",
        "C:/Windows/win.ini",
        "\\\\server\\share\\sheet.xml",
        "//server/share/sheet.xml",
        "http://127.0.0.1:9/sheet.xml",
    ],
)
def test_relationship_targets_leaving_the_package_are_refused(target: str) -> None:
    error = reject(
        h.bad_relationship(target),
        WorkbookError,
        "corrupt_workbook",
        "outside the workbook",
        "xl/_rels/workbook.xml.rels",
    )
    assert error.details["target"] == target


def test_unreachable_relationship_part_leaving_the_package_is_refused_too() -> None:
    reject(
        h.extra_relationship("../../../etc/passwd", external=False, part="xl/drawings/_rels/drawing9.xml.rels"),
        WorkbookError,
        "corrupt_workbook",
        "outside the workbook",
    )


def test_relationship_to_an_unsafe_member_name_is_not_followed() -> None:
    data = h.package(h.workbook_parts(), [h.Member("../sheet9.xml", b"<worksheet/>")])
    check_package(data)  # stray member: ignored
    parts = h.workbook_parts()
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"worksheets/sheet1.xml", b"../../sheet9.xml"
    )
    reject(h.package(parts, [h.Member("../sheet9.xml", b"<worksheet/>")]), WorkbookError, "corrupt_workbook")


def test_absolute_target_inside_the_package_resolves_from_its_root() -> None:
    data = h.bad_relationship("/xl/worksheets/sheet1.xml")
    assert check_package(data).sheets[0].part == "xl/worksheets/sheet1.xml"
    reject(h.bad_relationship("/etc/passwd"), WorkbookError, "corrupt_workbook", "'etc/passwd' is missing")
