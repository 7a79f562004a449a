"""xml_scan: DTDs, entities, processing instructions, encodings and forbidden characters in any XML part.

Scenario ids refer to /shared/HOSTILE-INPUT-CHECKLIST.md (XML-1, TXT-3).
"""

from __future__ import annotations

import pytest

from addin.errors import WorkbookError
from addin.excel.package_check import check_package
from addin.excel.writeback import write_back
from tests.excel import hostile_files as h
from tests.excel.upload_gate import peak_memory, reject

# --- XML-1: DTDs, entities, processing instructions, in every part -----------------------------------


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


def test_malformed_xml_in_a_parsed_part_is_corrupt_xml() -> None:
    parts = h.edit(h.workbook_parts(), "xl/workbook.xml", lambda t: t.replace("</workbook>", "</workbok>"))
    reject(h.package(parts), WorkbookError, "corrupt_xml", "xl/workbook.xml")


# --- TXT-3: control characters -----------------------------------------------------------------------


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


# --- one prolog check, for the upload and for the write-back -----------------------------------


@pytest.mark.parametrize(
    ("prolog", "code"),
    [
        ('<?xml version="1.0"?>\n<!DOCTYPE workbook [<!ENTITY e "x">]>\n', "dtd_not_allowed"),
        ('<?xml version="1.0"?>\n<?xml-stylesheet href="x.xsl"?>\n', "dtd_not_allowed"),
        ('<?xml version="1.0" encoding="ISO-8859-1"?>\n', "corrupt_xml"),
        ("<!--" + "c" * 70_000 + "-->\n", "corrupt_xml"),  # a prolog too long to see past
        ("text\n", "corrupt_xml"),
    ],
    ids=["doctype", "stylesheet", "latin-1", "endless-prolog", "text"],
)
def test_the_write_back_refuses_a_prolog_as_the_upload_check_does(prolog: str, code: str) -> None:
    parts = h.edit(h.workbook_parts(), "xl/workbook.xml", lambda t: prolog + t.partition("\n")[2])
    data = h.package(parts)
    refused = reject(data, WorkbookError, code, "xl/workbook.xml")
    with pytest.raises(WorkbookError) as caught:
        write_back(data, cells=[])
    assert (caught.value.code, caught.value.message) == (code, refused.message)


def test_a_prolog_the_upload_check_accepts_is_accepted_by_the_write_back() -> None:
    prolog = '\ufeff<?xml version="1.0" encoding="utf-8"?>\n<!-- saved by a tool --><?mso-contentType ?>\n'
    parts = h.edit(h.workbook_parts(), "xl/workbook.xml", lambda t: prolog + t.partition("\n")[2])
    data = h.package(parts)
    assert check_package(data).sheet_count == 1
    assert check_package(write_back(data, cells=[], workbook_id="wb-1")).sheet_count == 1
