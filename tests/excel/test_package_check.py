"""check_package: an upload is accepted and described, or refused with the right error, by content.

Scenario ids refer to /shared/HOSTILE-INPUT-CHECKLIST.md (UP-*, ZIP-*, XML-*, GEO-*).
"""

from __future__ import annotations

import pytest

from addin.errors import InputError, WorkbookError, WorkbookTooLarge
from addin.excel.package_check import check_package
from addin.excel.zip_budget import DEFAULT_LIMITS, Limits
from tests.excel import hostile_files as h
from tests.excel.upload_gate import MiB, peak_memory, reject

# --- UP-1: the upload itself -------------------------------------------------------------------------


def test_empty_upload_is_an_input_error() -> None:
    reject(b"", InputError, "empty_file", "empty", "upload it again")


def test_upload_over_the_size_limit_is_refused_before_anything_else() -> None:
    reject(h.valid_workbook(), WorkbookTooLarge, "file_too_large", "MB", limits=Limits(max_upload_bytes=1000))


# --- what an accepted package is ---------------------------------------------------------------------


def test_a_valid_workbook_is_accepted_and_described() -> None:
    info = check_package(h.valid_workbook(date1904=True))
    assert [(s.name, s.part, s.kind, s.state) for s in info.sheets] == [
        ("OKRs", "xl/worksheets/sheet1.xml", "worksheet", "visible")
    ]
    assert info.sheet_count == 1
    assert info.workbook_part == "xl/workbook.xml"
    assert info.shared_strings_part == "xl/sharedStrings.xml"
    assert info.shared_strings == len(
        {str(v) for row in [h.HEADER, *h.ROWS] for v in row if not isinstance(v, (int, float))}
    )
    assert info.date1904 is True
    assert (info.has_macros, info.macro_parts, info.external_links, info.ignored_members) == (False, (), (), ())


def test_hidden_sheet_state_is_reported() -> None:
    parts = h.edit(
        h.workbook_parts({"OKRs": [h.HEADER, *h.ROWS], "Old": [["x"]]}),
        "xl/workbook.xml",
        lambda t: t.replace('name="Old"', 'name="Old" state="veryHidden"'),
    )
    info = check_package(h.package(parts))
    assert [(s.name, s.state) for s in info.sheets] == [("OKRs", "visible"), ("Old", "veryHidden")]


# --- UP-4: macros ------------------------------------------------------------------------------------


def test_macro_workbook_is_accepted_with_its_vba_reported() -> None:
    info = check_package(h.macro_workbook())
    assert info.has_macros is True
    assert info.macro_parts == ("xl/vbaProject.bin",)


def test_excel4_macro_sheet_is_reported_as_macros() -> None:
    info = check_package(h.macro_sheet_workbook())
    assert info.has_macros is True
    assert "xl/macrosheets/sheet1.xml" in info.macro_parts


# --- XML-2: external links ---------------------------------------------------------------------------


def test_external_links_are_reported_never_followed(listener: h.Listener) -> None:
    target = f"http://127.0.0.1:{listener.port}/budget.xlsx"
    info = check_package(h.external_link_workbook(target))
    assert [(link.part, link.target) for link in info.external_links] == [
        ("xl/externalLinks/externalLink1.xml", target)
    ]


def test_external_hyperlink_to_a_local_file_is_not_refused_nor_read() -> None:
    info = check_package(h.extra_relationship("file:///etc/passwd", external=True))
    assert info.sheet_count == 1


# --- budgets of the parts: shared strings, sheets ----------------------------------------------------


def test_three_million_shared_strings_declared_are_refused_at_the_header() -> None:
    reject(
        h.shared_strings_entries(3_000_000, declare=True),
        WorkbookTooLarge,
        "shared_strings_too_large",
        "3,000,000",
        "2,000,000",
    )


def test_three_million_shared_strings_undeclared_are_counted_and_refused() -> None:
    with peak_memory(16):
        reject(
            h.shared_strings_entries(3_000_000, declare=False),
            WorkbookTooLarge,
            "shared_strings_too_large",
            "2,000,000",
        )


def test_shared_strings_over_their_byte_budget_are_refused() -> None:
    reject(
        h.shared_strings_entries(200_000, declare=False),
        WorkbookTooLarge,
        "shared_strings_too_large",
        "MB",
        limits=Limits(max_shared_strings_bytes=1 * MiB),
    )


def test_many_sheets_within_the_cap_are_accepted_and_over_it_refused() -> None:
    assert check_package(h.many_sheets(200)).sheet_count == 200
    reject(h.many_sheets(DEFAULT_LIMITS.max_sheets + 1), WorkbookTooLarge, "too_many_sheets", "256 sheets")


def test_sheets_are_not_inflated_by_the_check() -> None:
    # The sheet's deflate data turns to garbage after ~200 KB: only a full read would notice.
    info = check_package(h.sheet_with_damaged_tail())
    assert info.sheets[0].part == "xl/worksheets/sheet1.xml"


def test_big_sparse_and_styled_sheets_pass_the_gate() -> None:
    # GEO-1 / GEO-2: legal packages; the reader must cope (see test_hostile_pipeline.py).
    assert check_package(h.huge_dimension()).sheet_count == 1
    assert check_package(h.styled_empty_rows(200_000)).sheet_count == 1


# --- GEO-4: missing parts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "part",
    ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"],
)
def test_missing_parts_are_corrupt_and_named(part: str) -> None:
    error = reject(h.without(part), WorkbookError, "corrupt_workbook", part, "missing")
    assert error.details["part"] == part


def test_workbook_listing_no_sheets_is_corrupt() -> None:
    parts = h.edit(
        h.workbook_parts(),
        "xl/workbook.xml",
        lambda t: t.replace(t[t.index("<sheets>") : t.index("</sheets>") + 9], ""),
    )
    reject(h.package(parts), WorkbookError, "corrupt_workbook", "no sheets")


# --- which parts are scanned -------------------------------------------------------------------------


SVG_WITH_DOCTYPE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
    b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg xmlns="http://www.w3.org/2000/svg"/>'
)


def test_svg_picture_with_a_doctype_is_left_alone_as_an_image() -> None:
    parts = h.workbook_parts()
    parts["xl/drawings/_rels/drawing1.xml.rels"] = h.rels_xml(
        [f'<Relationship Id="rId1" Type="{h.REL_NS}/image" Target="../media/image1.svg"/>']
    )
    info = check_package(h.package(parts, [h.Member("xl/media/image1.svg", SVG_WITH_DOCTYPE)]))
    assert info.sheet_count == 1


def test_xml_hidden_under_a_media_name_is_scanned_when_used_as_a_part() -> None:
    parts = h.workbook_parts()
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b'Target="styles.xml"', b'Target="media/styles.dat"'
    )
    parts["xl/media/styles.dat"] = h.with_doctype_text(parts.pop("xl/styles.xml"))
    reject(h.package(parts), WorkbookError, "dtd_not_allowed", "xl/media/styles.dat")


def test_xml_under_an_odd_name_is_scanned() -> None:
    parts = h.workbook_parts()
    parts["customXml/item1.dat"] = h.with_doctype_text(parts["docProps/app.xml"])
    reject(h.package(parts), WorkbookError, "dtd_not_allowed", "customXml/item1.dat")
