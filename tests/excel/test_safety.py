"""check_package: every hostile or foreign upload is refused with the right error, by content.

Scenario ids refer to /shared/HOSTILE-INPUT-CHECKLIST.md (UP-*, ZIP-*, XML-*, GEO-*, TXT-*).
"""

from __future__ import annotations

import io
import os
import sys
import tracemalloc
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from addin.errors import InputError, OkrError, UnsupportedFormat, WorkbookError, WorkbookTooLarge
from addin.excel.safety import (
    DEFAULT_LIMITS,
    Limits,
    assert_defusedxml_active,
    check_package,
    iter_member,
    open_member,
    open_member_stream,
)
from tests.excel import hostile_files as h

MiB = 1024 * 1024


def reject(data: bytes, cls: type[OkrError], code: str, *words: str, limits: Limits = DEFAULT_LIMITS) -> OkrError:
    """check_package must raise exactly ``cls`` with ``code`` and a message holding ``words``."""
    with pytest.raises(OkrError) as caught:
        check_package(data, limits)
    error = caught.value
    assert type(error) is cls, f"{type(error).__name__} {error.code}: {error.message}"
    assert error.code == code, error.message
    for word in words:
        assert word.lower() in error.message.lower(), f"{word!r} not in {error.message!r}"
    return error


@pytest.fixture
def listener() -> Iterator[h.Listener]:
    with h.listening() as listening:
        yield listening
        assert listening.connections() == 0, "something connected to the payload's address (G5)"


# Writes seen by an audit hook, while a `watch_writes()` block is open (G6).
_WRITES: list[str] | None = None


def _audit(event: str, args: tuple) -> None:
    if _WRITES is None:
        return
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        mode, flags = args[1], args[2] or 0
        if (mode and any(c in str(mode) for c in "wax+")) or flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            _WRITES.append(str(args[0]))
    elif event in ("os.mkdir", "os.rename", "os.replace", "os.remove", "os.symlink", "os.link", "shutil.move"):
        _WRITES.append(str(args[0]))


sys.addaudithook(_audit)


@contextmanager
def watch_writes() -> Iterator[list[str]]:
    global _WRITES
    _WRITES = []
    try:
        yield _WRITES
    finally:
        _WRITES = None


# --- UP-1 / UP-2 / UP-3: formats, decided by content ------------------------------------


def test_empty_upload_is_an_input_error() -> None:
    reject(b"", InputError, "empty_file", "empty", "upload it again")


def test_upload_over_the_size_limit_is_refused_before_anything_else() -> None:
    reject(h.valid_workbook(), WorkbookTooLarge, "file_too_large", "MB", limits=Limits(max_upload_bytes=1000))


def test_legacy_xls_is_named_and_told_to_save_as_xlsx() -> None:
    reject(h.legacy_xls(), UnsupportedFormat, "legacy_xls", ".xls", "97-2003", "save it as Excel Workbook (.xlsx)")


def test_password_protected_workbook_is_told_to_remove_the_password() -> None:
    error = reject(
        h.encrypted_xlsx(), UnsupportedFormat, "password_protected", "password-protected", "remove the password"
    )
    assert ".xls" not in error.message.replace(".xlsx", "")  # not mistaken for an old .xls


def test_damaged_compound_file_is_still_called_an_old_format() -> None:
    data = h.legacy_xls()
    reject(data[:600], UnsupportedFormat, "legacy_xls", ".xls")


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (h.csv_text(), "CSV"),
        (h.csv_text().decode().encode("utf-16"), "CSV"),
        ("Team;Objective\nCaf\xe9 team;Ni\xf1o & co\n".encode("cp1252"), "CSV"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"<html><body><table><tr><td>Team</td></tr></table></body></html>", "HTML"),
        (b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">', "2003 XML"),
        (bytes(range(256)) * 4, "not a format"),
    ],
)
def test_non_zip_uploads_are_not_a_workbook(data: bytes, what: str) -> None:
    reject(data, UnsupportedFormat, "not_a_workbook", what, "not an Excel workbook", "save it as Excel Workbook")


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (h.docx_like(), "Word document"),
        (h.ods_like(), "OpenDocument"),
    ],
)
def test_other_zip_formats_are_named(data: bytes, what: str) -> None:
    reject(data, UnsupportedFormat, "not_a_workbook", what)


def test_xlsb_is_told_to_save_as_xlsx() -> None:
    reject(h.xlsb_like(), UnsupportedFormat, "xlsb", "Binary Workbook (.xlsb)", "save it as Excel Workbook")


def test_empty_zip_is_corrupt() -> None:
    reject(h.empty_zip(), WorkbookError, "corrupt_workbook", "empty")


@pytest.mark.parametrize("keep", [10, 0.5, -10])
def test_truncated_zip_is_corrupt(keep: float) -> None:
    data = h.valid_workbook()
    cut = int(len(data) * keep) if isinstance(keep, float) else keep
    reject(data[:cut], WorkbookError, "corrupt_workbook", "damaged or incomplete", "save it as Excel Workbook")


def test_damaged_member_data_is_corrupt() -> None:
    reject(h.damaged_member(), WorkbookError, "corrupt_workbook", "xl/sharedStrings.xml")


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


# --- UP-4: macros ---------------------------------------------------------------------


def test_macro_workbook_is_accepted_with_its_vba_reported() -> None:
    info = check_package(h.macro_workbook())
    assert info.has_macros is True
    assert info.macro_parts == ("xl/vbaProject.bin",)


def test_excel4_macro_sheet_is_reported_as_macros() -> None:
    info = check_package(h.macro_sheet_workbook())
    assert info.has_macros is True
    assert "xl/macrosheets/sheet1.xml" in info.macro_parts


# --- XML-2: external links ----------------------------------------------------------------


def test_external_links_are_reported_never_followed(listener: h.Listener) -> None:
    target = f"http://127.0.0.1:{listener.port}/budget.xlsx"
    info = check_package(h.external_link_workbook(target))
    assert [(link.part, link.target) for link in info.external_links] == [
        ("xl/externalLinks/externalLink1.xml", target)
    ]


def test_external_hyperlink_to_a_local_file_is_not_refused_nor_read() -> None:
    info = check_package(h.extra_relationship("file:///etc/passwd", external=True))
    assert info.sheet_count == 1


# --- ZIP-1: bombs and budgets ---------------------------------------------------------------


@contextmanager
def peak_memory(limit_mb: float) -> Iterator[None]:
    """Python-level allocations inside the block stay under ``limit_mb`` (G2, in process)."""
    tracemalloc.start()
    try:
        yield
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < limit_mb * MiB, f"peak {peak / MiB:.1f} MB"


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


# --- ZIP-2: sizes that lie --------------------------------------------------------------------


def test_member_larger_than_declared_with_a_bad_crc_is_corrupt() -> None:
    with peak_memory(8):
        reject(h.zip_bomb(declared=4000), WorkbookError, "corrupt_workbook")  # sheet prolog passes, CRC fails
    true_data = h.workbook_parts()["xl/sharedStrings.xml"] + b"<!--" + b"x" * 100_000 + b"-->"
    parts = h.workbook_parts()
    size = len(parts.pop("xl/sharedStrings.xml"))
    data = h.package(parts, [h.lying_member("xl/sharedStrings.xml", true_data, size, honest_crc=False)])
    reject(data, WorkbookError, "corrupt_workbook", "xl/sharedStrings.xml")


def test_counting_reader_never_returns_more_than_the_declared_size() -> None:
    data = h.zip_bomb(declared=4000)
    with zipfile.ZipFile(io.BytesIO(data)) as zf, peak_memory(8):
        try:
            got = open_member(zf, "xl/worksheets/sheet1.xml", 100 * MiB)
        except WorkbookError as exc:
            assert exc.code == "corrupt_workbook"
        else:
            assert len(got) <= 4000


def test_member_with_honest_crc_for_a_lying_size_reads_clean_cut_data() -> None:
    true_data = b"<root>" + b"y" * 1_000_000 + b"</root>"
    data = h.build_zip([h.lying_member("big.xml", true_data, 5000, honest_crc=True)])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert open_member(zf, "big.xml", 10 * MiB) == true_data[:5000]


def test_open_member_refuses_members_over_the_cap() -> None:
    with zipfile.ZipFile(io.BytesIO(h.valid_workbook())) as zf:
        with pytest.raises(WorkbookTooLarge) as caught:
            open_member(zf, "xl/sharedStrings.xml", 100)
        assert caught.value.code == "part_too_large"
        assert b"".join(iter_member(zf, "xl/workbook.xml", 1 * MiB, chunk=7)) == zf.read("xl/workbook.xml")
        with open_member_stream(zf, "XL/WORKBOOK.XML", 1 * MiB) as stream:  # part names ignore case
            assert stream.read() == zf.read("xl/workbook.xml")
        with pytest.raises(WorkbookError) as missing:
            open_member(zf, "xl/nothing.xml", 100)
        assert missing.value.code == "corrupt_workbook"


def test_unsupported_compression_method_is_refused() -> None:
    parts = h.workbook_parts()
    data = h.package(parts, [h.Member("xl/media/x.bin", b"BZh9", method=12)])
    reject(data, WorkbookError, "corrupt_workbook", "compression")


# --- ZIP-3: names ------------------------------------------------------------------------------


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


# --- XML-1: DTDs, entities, processing instructions, in every part -------------------------------


@pytest.mark.parametrize("part", h.XML_PARTS)
@pytest.mark.parametrize("payload", list(h.doctype_payloads(1)))
def test_dtd_entities_and_stylesheet_pi_are_refused_in_every_part(
    part: str, payload: str, listener: h.Listener
) -> None:
    text, ref = h.doctype_payloads(listener.port)[payload]
    with peak_memory(8):
        error = reject(h.with_doctype(part, text, ref), WorkbookError, "dtd_not_allowed", part, "not allowed")
    assert "root:" not in error.message  # no file content leaks into the answer
    assert error.details["part"] == part


def test_dtd_hidden_by_utf16_is_refused() -> None:
    reject(h.utf16_doctype(), WorkbookError, "dtd_not_allowed", "xl/sharedStrings.xml")


def test_processing_instruction_after_the_root_is_refused() -> None:
    reject(h.dtd_after_root(), WorkbookError, "dtd_not_allowed", "processing instruction")


@pytest.mark.parametrize("encoding", ["UTF-7", "IBM037", "ISO-8859-1"])
def test_encodings_other_than_utf8_and_utf16_are_refused(encoding: str) -> None:
    reject(h.declared_encoding("xl/workbook.xml", encoding), WorkbookError, "corrupt_xml", encoding, "UTF-8")


@pytest.mark.parametrize("bom", [True, False])
def test_utf32_parts_are_refused(bom: bool) -> None:
    reject(h.utf32_part(bom=bom), WorkbookError, "corrupt_xml", "UTF-32")


def test_utf16_part_without_tricks_is_accepted() -> None:
    parts = h.workbook_parts()
    text = parts["xl/sharedStrings.xml"].decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    parts["xl/sharedStrings.xml"] = text.encode("utf-16")
    assert check_package(h.package(parts)).shared_strings == 24


def test_comments_before_the_root_are_fine() -> None:
    parts = h.edit(h.workbook_parts(), "xl/workbook.xml", lambda t: t.replace("\n", "\n<!-- saved by a tool -->\n", 1))
    assert check_package(h.package(parts)).sheet_count == 1


def test_startup_check_passes_with_defusedxml() -> None:
    assert_defusedxml_active()


def test_startup_check_fails_when_openpyxl_is_not_defused(monkeypatch: pytest.MonkeyPatch) -> None:
    import xml.etree.ElementTree as ET

    import openpyxl.xml
    import openpyxl.xml.functions

    monkeypatch.setattr(openpyxl.xml, "DEFUSEDXML", False)
    with pytest.raises(RuntimeError, match="defusedxml"):
        assert_defusedxml_active()
    monkeypatch.setattr(openpyxl.xml, "DEFUSEDXML", True)
    monkeypatch.setattr(openpyxl.xml.functions, "iterparse", ET.iterparse)
    with pytest.raises(RuntimeError, match="defusedxml"):
        assert_defusedxml_active()


# --- GEO-4: strict, relationships, missing parts ------------------------------------------------


@pytest.mark.parametrize("only", [None, "xl/workbook.xml", "_rels/.rels"])
def test_strict_ooxml_is_told_to_save_as_excel_workbook(only: str | None) -> None:
    reject(
        h.strict_ooxml(only), UnsupportedFormat, "strict_ooxml", "Strict Open XML", "save it as Excel Workbook (.xlsx)"
    )


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


def test_malformed_xml_in_a_parsed_part_is_corrupt_xml() -> None:
    parts = h.edit(h.workbook_parts(), "xl/workbook.xml", lambda t: t.replace("</workbook>", "</workbok>"))
    reject(h.package(parts), WorkbookError, "corrupt_xml", "xl/workbook.xml")


# --- TXT-3: control characters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "\x00",
        "\x01",
        "\x08",
        "\x0b",
        "\x1f",
        "\ufffe",
        "&#0;",
        "&#x0;",
        "&#1;",
        "&#x1F;",
        "&#0000031;",
        "&#xFFFE;",
        "&#65535;",
        "&#xD800;",
        "&#55296;",
    ],
)
def test_forbidden_characters_are_corrupt_xml(raw: str) -> None:
    reject(h.control_chars_in_strings(raw), WorkbookError, "corrupt_xml", "xl/sharedStrings.xml", "not allow")


@pytest.mark.parametrize("raw", ["&#9;", "&#10;", "&#13;", "&#x20;", "\t", "&#xFFFD;", "\u202e", "\U0001f600"])
def test_allowed_characters_pass(raw: str) -> None:
    assert check_package(h.control_chars_in_strings(raw)).shared_strings == 24


def test_invalid_utf8_is_corrupt_xml() -> None:
    parts = h.workbook_parts()
    parts["xl/sharedStrings.xml"] = parts["xl/sharedStrings.xml"].replace(b"Raise", b"Ra\xff\xfese")
    reject(h.package(parts), WorkbookError, "corrupt_xml", "xl/sharedStrings.xml")


def test_control_character_in_a_big_shared_strings_table_is_found_past_the_first_chunk() -> None:
    parts = h.workbook_parts()
    filler = b"<si><t>filler text</t></si>" * 30_000  # ~800 KB: many scan chunks
    parts["xl/sharedStrings.xml"] = parts["xl/sharedStrings.xml"].replace(
        b"</sst>", filler + b"<si><t>late&#0;</t></si></sst>"
    )
    reject(h.package(parts), WorkbookError, "corrupt_xml", "&#0;")


@pytest.mark.parametrize("shift", [-4, -3, -2, -1, 0])
@pytest.mark.parametrize("token", ["&#0;", "&#x000001F;", "<?xml-stylesheet x?>", "<!ENTITY e 'x'>"])
def test_tokens_straddling_a_read_boundary_are_still_found(token: str, shift: int) -> None:
    # The scan reads 4 bytes, then 4,096, then 64 KiB at a time: put the token across that edge.
    parts = h.workbook_parts()
    sst = parts["xl/sharedStrings.xml"]
    edge = 4 + 4096 + 64 * 1024
    cut = sst.index(b"</sst>")
    pad = edge + shift - cut - len("<si><t>")
    body = b"<si><t>" + b"p" * pad + token.encode() + b"</t></si>"
    parts["xl/sharedStrings.xml"] = sst[:cut] + body + b"</sst>"
    assert parts["xl/sharedStrings.xml"].index(token.encode()) == edge + shift
    with pytest.raises(WorkbookError) as caught:
        check_package(h.package(parts))
    assert caught.value.code in ("corrupt_xml", "dtd_not_allowed")


def test_sharepoint_mso_processing_instructions_are_inert_and_accepted() -> None:
    # OneDrive/SharePoint save customXml items like this one; rejecting them would turn
    # away ordinary Microsoft 365 workbooks.
    item = (
        b'<?xml version="1.0" encoding="utf-8"?><?mso-contentType ?><FormTemplates '
        b'xmlns="http://schemas.microsoft.com/sharepoint/v3/contenttype/forms"><Display>DocumentLibraryForm'
        b"</Display><?mso-other x?></FormTemplates>"
    )
    info = check_package(h.package(h.workbook_parts(), [h.Member("customXml/item1.xml", item)]))
    assert info.sheet_count == 1


@pytest.mark.parametrize("pi", ['<?XML-STYLESHEET href="x.xsl"?>', '<?xml version="1.0"?>'])
def test_xml_named_processing_instructions_past_the_start_are_refused(pi: str) -> None:
    parts = h.workbook_parts()
    text = parts["docProps/app.xml"].decode()
    decl, _, rest = text.partition("\n")
    parts["docProps/app.xml"] = f"{decl}\n<!-- c -->{pi}\n{rest}".encode()
    reject(h.package(parts), WorkbookError, "dtd_not_allowed", "docProps/app.xml", "processing instruction")


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
