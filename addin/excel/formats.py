"""What an upload is, told by its bytes and its content types (never by its file name).

Everything that is not an .xlsx package gets an ``UnsupportedFormat`` naming what it
looks like and what to do (``addin/excel/package_check.py`` lists the codes):
old .xls and encrypted workbooks (both OLE compound files), CSV and other text, PDF,
HTML, Word and PowerPoint packages, OpenDocument, .xlsb and Strict Open XML.
"""

from __future__ import annotations

import codecs
import io

import olefile

from addin.errors import UnsupportedFormat
from addin.excel.package_errors import SAVE_AS_XLSX

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")

WORKBOOK_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": False,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": False,
    "application/vnd.ms-excel.sheet.macroenabled.main+xml": True,
    "application/vnd.ms-excel.template.macroenabled.main+xml": True,
    "application/vnd.ms-excel.addin.macroenabled.main+xml": True,
}  # content type (lower case) -> macro-enabled
XLSB_TYPE = "application/vnd.ms-excel.sheet.binary.macroenabled.main"
MACRO_TYPES = {
    "application/vnd.ms-office.vbaproject",
    "application/vnd.ms-excel.macrosheet+xml",
    "application/vnd.ms-excel.intlmacrosheet+xml",
    "application/vnd.ms-office.activex+xml",
}
STRICT_MARK = "purl.oclc.org/ooxml"  # Strict OOXML namespaces all live under it


def refuse_unless_zip(data: bytes) -> None:
    """Raise the error naming what ``data`` is, unless it starts like a zip package."""
    if data.startswith(CFB_MAGIC):
        raise _classify_cfb(data)
    if not data.startswith(ZIP_MAGICS):
        raise _not_a_workbook(data)


def _classify_cfb(data: bytes) -> UnsupportedFormat:
    """Tell an encrypted .xlsx from an old .xls (both are OLE compound files)."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            streams = {"/".join(path).lower() for path in ole.listdir(streams=True, storages=False)}
    except Exception:  # noqa: BLE001 - olefile raises many kinds for a damaged file
        streams = set()
    if {"encryptioninfo", "encryptedpackage"} & streams:
        return UnsupportedFormat(
            "This workbook is password-protected (encrypted), so it cannot be read. Open it in "
            "Excel, remove the password (File > Info > Protect Workbook > Encrypt with Password, "
            "clear the password), save it and upload it again.",
            code="password_protected",
        )
    if "worddocument" in streams:
        return UnsupportedFormat(
            "This is a Word 97-2003 document (.doc), not an Excel workbook. Upload the OKR "
            "workbook saved as Excel Workbook (.xlsx).",
            code="not_a_workbook",
        )
    return UnsupportedFormat(
        "This is an old-format Excel 97-2003 workbook (.xls), which is not supported. " + SAVE_AS_XLSX,
        code="legacy_xls",
        format="xls",
    )


def _not_a_workbook(data: bytes) -> UnsupportedFormat:
    """Name what a non-zip upload looks like, so the user knows what they sent."""
    head = data[:4096]
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%PDF"):
        what = "a PDF document"
    elif stripped.startswith((b"<html", b"<!doctype html", b"<table")):
        what = "a web page (HTML), as some tools export under an .xls name"
    elif stripped.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        what = "an Excel 2003 XML Spreadsheet"
    elif _looks_like_text(head):
        what = "CSV or plain text"
    else:
        what = "not a format Excel saves workbooks in"
    return UnsupportedFormat(
        f"This file is not an Excel workbook (.xlsx): it looks like {what}. " + SAVE_AS_XLSX,
        code="not_a_workbook",
    )


def _looks_like_text(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head.decode("utf-16", "replace")
    else:
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A character cut at the end of the sample is still UTF-8; otherwise read it as
            # Windows-1252, which legacy CSV exports use and binary data fails as text.
            cut = exc.start >= len(head) - 3
            text = head[: exc.start].decode("utf-8") if cut else head.decode("cp1252", "replace")
    printable = sum(ch.isprintable() or ch in "\t\r\n" for ch in text)
    return printable >= 0.95 * max(len(text), 1)


def opendocument() -> UnsupportedFormat:
    """A zip without [Content_Types].xml but with OpenDocument's marks."""
    return UnsupportedFormat(
        "This is an OpenDocument spreadsheet (.ods), not an Excel workbook. " + SAVE_AS_XLSX,
        code="not_a_workbook",
    )


def refuse_other_formats(types: dict[str, str]) -> None:
    """Refuse a package whose content types make it an .xlsb, a .docx or a .pptx."""
    values = set(types.values())
    # SheetJS declares the .xlsb type as the Default for "bin" in every .xlsx it writes:
    # only a part that is the binary workbook (an Override, or the workbook part named
    # *.bin, checked by the package check) makes the package an .xlsb.
    if XLSB_TYPE in {t for key, t in types.items() if not key.startswith(".")}:
        raise xlsb()
    if any(t in WORKBOOK_TYPES for t in values):
        return
    if XLSB_TYPE in values:
        raise xlsb()
    if any("wordprocessingml" in t for t in values):
        what = "a Word document (.docx)"
    elif any("presentationml" in t for t in values):
        what = "a PowerPoint presentation (.pptx)"
    else:
        return  # decided by _rels/.rels and the workbook part
    raise UnsupportedFormat(
        f"This file is {what}, not an Excel workbook. Upload the OKR workbook saved as Excel Workbook (.xlsx).",
        code="not_a_workbook",
    )


def strict() -> UnsupportedFormat:
    """A Strict Open XML spreadsheet."""
    return UnsupportedFormat(
        "This workbook is saved as a Strict Open XML Spreadsheet, which is not supported. Open "
        "it in Excel and save it as Excel Workbook (.xlsx) (not 'Strict Open XML "
        "Spreadsheet'), then upload that file.",
        code="strict_ooxml",
        format="strict-ooxml",
    )


def xlsb() -> UnsupportedFormat:
    """An Excel binary workbook."""
    return UnsupportedFormat(
        "This is an Excel Binary Workbook (.xlsb), which is not supported. " + SAVE_AS_XLSX,
        code="xlsb",
        format="xlsb",
    )
