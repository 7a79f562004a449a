"""formats: an upload is told apart by its bytes and content types, never by its name (UP-1/2/3, GEO-4).

Scenario ids refer to /shared/HOSTILE-INPUT-CHECKLIST.md.
"""

from __future__ import annotations

import pytest

from addin.errors import UnsupportedFormat
from tests.excel import hostile_files as h
from tests.excel.upload_gate import reject

# --- UP-1 / UP-2 / UP-3: formats, decided by content -------------------------------------------------


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


# --- GEO-4: Strict Open XML --------------------------------------------------------------------------


@pytest.mark.parametrize("only", [None, "xl/workbook.xml", "_rels/.rels"])
def test_strict_ooxml_is_told_to_save_as_excel_workbook(only: str | None) -> None:
    reject(
        h.strict_ooxml(only), UnsupportedFormat, "strict_ooxml", "Strict Open XML", "save it as Excel Workbook (.xlsx)"
    )
