"""The safety gate every uploaded workbook passes before anything parses it.

``check_package(data)`` decides by the bytes (never the file name) whether an upload
is an .xlsx package this product will read, and refuses everything else with an
``addin.errors`` exception that names the format and what to do:

    empty upload                          InputError         empty_file
    over the upload size                  WorkbookTooLarge   file_too_large
    encrypted OOXML (CFB, EncryptionInfo) UnsupportedFormat  password_protected
    other CFB (.xls 97-2003, .doc)        UnsupportedFormat  legacy_xls / not_a_workbook
    CSV, text, PDF, HTML, .docx, .ods     UnsupportedFormat  not_a_workbook
    Excel binary workbook (.xlsb)         UnsupportedFormat  xlsb
    Strict Open XML spreadsheet           UnsupportedFormat  strict_ooxml
    empty, truncated or damaged zip,      WorkbookError      corrupt_workbook
      duplicate or missing parts, sizes
      that lie, a relationship leaving
      the package
    DOCTYPE / ENTITY / xml-stylesheet     WorkbookError      dtd_not_allowed
      (any xml-* PI) in any XML part
    control characters, bad encoding,     WorkbookError      corrupt_xml
      malformed XML
    zip budgets (members, declared size,  WorkbookTooLarge   too_many_parts, uncompressed_too_large,
      ratio, sharedStrings, sheets, one                      zip_bomb, shared_strings_too_large,
      part read with open_member)                            too_many_sheets, part_too_large

Policies (documented here because the tests assert them):
- Nothing is ever extracted to disk; members are read from memory through a counting
  reader (``open_member``, ``open_member_stream``) that never inflates past the size the
  zip declares, nor past a cap. Other code must read members through it too: a plain
  ``ZipFile.read()`` inflates a whole compressed block at once, so a member whose header
  understates its size can still allocate a gigabyte there.
- A member with more compressed bytes than deflate could produce from its declared
  size is refused outright (its header lies).
- Member names that are absolute, carry a drive letter, a backslash or a ``..`` step
  are *ignored*: no relationship may point at them (a relationship whose target leaves
  the package is refused), and they are listed in ``PackageInfo.ignored_members``.
- Macros (vbaProject.bin, macro sheets, macro-enabled content types) are reported in
  ``PackageInfo.has_macros``; the workbook is read with its VBA dropped and the
  write-back never re-emits it. Nothing is ever executed.
- External workbook links are reported in ``PackageInfo.external_links`` and never
  followed; the write-back drops them.
- Only the prolog (the start, up to the root element) of each worksheet is read here,
  so this check costs milliseconds even for 100,000-row sheets; every other XML part
  is scanned whole (sharedStrings within its own budget).
"""

from __future__ import annotations

import codecs
import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import unquote
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as DET
import olefile

from addin.errors import InputError, UnsupportedFormat, WorkbookError, WorkbookTooLarge

MiB = 1024 * 1024

SAVE_AS_XLSX = "Open it in Excel and save it as Excel Workbook (.xlsx), then upload that file."


@dataclass(frozen=True)
class Limits:
    """Budgets an upload must fit before any part of it is parsed."""

    max_upload_bytes: int = 50 * MiB  # the app's default MAX_CONTENT_LENGTH (OKR_MAX_UPLOAD_MB)
    max_members: int = 5_000
    max_uncompressed_bytes: int = 256 * MiB  # sum of every member's declared size
    max_member_ratio: int = 100  # declared size / compressed size, per member ...
    ratio_floor_bytes: int = 1 * MiB  # ... for members declaring more than this
    max_shared_strings_bytes: int = 64 * MiB
    max_shared_strings: int = 2_000_000  # <si> entries
    max_sheets: int = 255
    max_part_bytes: int = 16 * MiB  # a part parsed whole in memory (workbook.xml, rels ...)


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class SheetPart:
    """One sheet as workbook.xml lists it."""

    name: str
    part: str  # zip member name, e.g. "xl/worksheets/sheet1.xml"
    kind: str  # "worksheet" | "chartsheet" | "dialogsheet" | "macrosheet"
    state: str  # "visible" | "hidden" | "veryHidden"


@dataclass(frozen=True)
class ExternalLink:
    """A link to another workbook (never followed)."""

    part: str  # e.g. "xl/externalLinks/externalLink1.xml"
    target: str | None  # what it points at, e.g. "file:///C:/budget.xlsx"


@dataclass(frozen=True)
class PackageInfo:
    """What the gate learned about an accepted package."""

    size: int  # bytes uploaded
    members: int
    uncompressed_size: int  # declared, all members
    workbook_part: str  # e.g. "xl/workbook.xml"
    sheets: tuple[SheetPart, ...]
    shared_strings_part: str | None
    shared_strings: int | None  # <si> entries: counted in a big table, else as declared (None: not)
    date1904: bool
    has_macros: bool  # VBA or macro sheets present: read with them dropped
    macro_parts: tuple[str, ...]
    external_links: tuple[ExternalLink, ...]  # never followed; dropped on write-back
    ignored_members: tuple[str, ...]  # unsafe names nothing may reach

    @property
    def sheet_count(self) -> int:
        return len(self.sheets)


# --- sniffing ---------------------------------------------------------------------

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
SHEET_KINDS = {
    "worksheet": "worksheet",
    "chartsheet": "chartsheet",
    "dialogsheet": "dialogsheet",
    "xlmacrosheet": "macrosheet",
    "xlintlmacrosheet": "macrosheet",
}


def check_package(data: bytes, limits: Limits = DEFAULT_LIMITS) -> PackageInfo:
    """Accept an uploaded .xlsx package or raise the project error that says why not."""
    if not data:
        raise InputError(
            "The uploaded file is empty (0 bytes). Choose the saved Excel workbook (.xlsx) and upload it again.",
            code="empty_file",
        )
    if len(data) > limits.max_upload_bytes:
        raise WorkbookTooLarge(
            f"The file is {len(data) / MiB:.1f} MB; workbooks up to "
            f"{limits.max_upload_bytes / MiB:.0f} MB are accepted. Remove unused sheets or "
            "split the workbook.",
            code="file_too_large",
        )
    if data.startswith(CFB_MAGIC):
        raise _classify_cfb(data)
    if not data.startswith(ZIP_MAGICS):
        raise _not_a_workbook(data)
    _check_central_directory(data, limits)
    zf = _open_zip(data)
    with zf:
        return _check_zip(zf, len(data), limits)


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


# --- the zip container ------------------------------------------------------------

EOCD = struct.Struct("<4sHHHHIIH")
ZIP64_LOCATOR = struct.Struct("<4sIQI")
ZIP64_EOCD = struct.Struct("<4sQHHIIQQQQ")
CENTRAL_ENTRY_MIN = 46  # bytes of a central directory entry with an empty name


def _check_central_directory(data: bytes, limits: Limits) -> None:
    """Budget the member count from the end record, before zipfile builds one object per entry."""
    tail_start = max(0, len(data) - (EOCD.size + 0xFFFF))
    at = data.rfind(b"PK\x05\x06", tail_start)
    if at < 0 or at + EOCD.size > len(data):
        raise _corrupt("the end of the file is missing (it was probably cut short while copying)")
    _sig, _disk, _cd_disk, _n_disk, entries, cd_size, _cd_offset, _comment = EOCD.unpack_from(data, at)
    locator_at = at - ZIP64_LOCATOR.size
    if locator_at >= 0 and data[locator_at : locator_at + 4] == b"PK\x06\x07":
        _sig, _disk, z64_at, _disks = ZIP64_LOCATOR.unpack_from(data, locator_at)
        if z64_at + ZIP64_EOCD.size <= len(data) and data[z64_at : z64_at + 4] == b"PK\x06\x06":
            fields = ZIP64_EOCD.unpack_from(data, z64_at)
            entries, cd_size = fields[7], fields[8]
    # zipfile reads entries until it has consumed cd_size bytes, whatever the count says.
    if entries > limits.max_members or cd_size > limits.max_members * 1024:
        raise WorkbookTooLarge(
            f"The workbook package holds {max(entries, cd_size // CENTRAL_ENTRY_MIN):,} parts; "
            f"at most {limits.max_members:,} are accepted. Save it again from Excel as Excel "
            "Workbook (.xlsx); if it still fails, remove unused sheets and objects.",
            code="too_many_parts",
        )


def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        EOFError,
        ValueError,
        struct.error,
        NotImplementedError,
    ) as exc:
        raise _corrupt("it is not a complete zip package (truncated or damaged)") from exc


def _corrupt(why: str, **details: object) -> WorkbookError:
    return WorkbookError(
        f"This Excel workbook is damaged or incomplete: {why}. " + SAVE_AS_XLSX,
        code="corrupt_workbook",
        **details,
    )


def _missing(part: str) -> WorkbookError:
    return _corrupt(f"the required part '{part}' is missing", part=part)


def _unsafe_name(name: str) -> bool:
    """A member name that would point outside a folder if anyone extracted it."""
    if not name or "\\" in name or "\x00" in name or name.startswith("/"):
        return True
    if re.match(r"^[A-Za-z]:", name):
        return True
    return ".." in name.split("/")


def _check_zip(zf: zipfile.ZipFile, size: int, limits: Limits) -> PackageInfo:
    infos = zf.infolist()
    if not infos:
        raise _corrupt("the zip package is empty")
    if len(infos) > limits.max_members:  # the end record can understate it
        raise WorkbookTooLarge(
            f"The workbook package holds {len(infos):,} parts; at most {limits.max_members:,} are accepted.",
            code="too_many_parts",
        )
    seen: set[str] = set()
    ignored: list[str] = []
    parts: dict[str, zipfile.ZipInfo] = {}  # lower-case name -> member (OPC names ignore case)
    for info in infos:
        key = info.filename.lower()
        if key in seen:
            raise _corrupt(f"it contains the part '{info.filename}' twice", part=info.filename)
        seen.add(key)
        if info.flag_bits & 0x1:
            raise _corrupt(f"the part '{info.filename}' is encrypted inside the zip", part=info.filename)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _corrupt(
                f"the part '{info.filename}' uses a compression method Excel does not write",
                part=info.filename,
            )
        if _unsafe_name(info.filename):
            ignored.append(info.filename)  # never read: nothing may refer to it
        elif not info.is_dir():
            parts[key] = info
    _check_budgets(infos, limits)
    return _PackageCheck(zf, parts, limits).run(size, len(infos), tuple(ignored))


def _check_budgets(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Declared-size budgets: a zip bomb is refused before a byte of it is inflated."""
    total = sum(info.file_size for info in infos)
    if total > limits.max_uncompressed_bytes:
        raise WorkbookTooLarge(
            f"The workbook would unpack to {total / MiB:,.0f} MB; at most "
            f"{limits.max_uncompressed_bytes / MiB:,.0f} MB are accepted. Remove unused sheets, "
            "images or formatted empty rows and save it again.",
            code="uncompressed_too_large",
        )
    for info in infos:
        # Deflate never grows data by more than ~0.1 %, and stored data not at all: more
        # compressed bytes than that means the declared size lies (ZIP-2), and a plain
        # zipfile read() would inflate all of them at once.
        bound = (
            info.file_size
            if info.compress_type == zipfile.ZIP_STORED
            else (info.file_size + info.file_size // 1000 + 64)
        )
        if info.compress_size > bound:
            raise _corrupt(f"the part '{info.filename}' holds more data than the zip says", part=info.filename)
        if info.file_size <= limits.ratio_floor_bytes:
            continue
        if info.file_size > limits.max_member_ratio * max(info.compress_size, 1):
            raise WorkbookTooLarge(
                f"The part '{info.filename}' is compressed {info.file_size // max(info.compress_size, 1):,} "
                f"to 1 (at most {limits.max_member_ratio} to 1 is accepted): this is how zip bombs "
                "look, so the file was not opened. Save it again from Excel as Excel Workbook (.xlsx).",
                code="zip_bomb",
                part=info.filename,
            )


# --- reading members safely ---------------------------------------------------------

CHUNK = 64 * 1024
ZIP_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    struct.error,
)


def _member(zf: zipfile.ZipFile, name: str | zipfile.ZipInfo) -> zipfile.ZipInfo:
    if isinstance(name, zipfile.ZipInfo):
        return name
    try:
        return zf.getinfo(name)
    except KeyError:
        wanted = name.lower()
        for info in zf.infolist():
            if info.filename.lower() == wanted:
                return info
        raise _missing(name) from None


class CappedReader(io.RawIOBase):
    """A read-only stream over one zip member that stops at its declared size and a cap.

    Why: the central directory can lie. zipfile already truncates at the declared size
    (and checks the CRC); this also refuses a member declared or found larger than
    ``cap``, and turns every zip/zlib failure into ``corrupt_workbook``.
    """

    def __init__(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> None:
        super().__init__()
        self.name = info.filename
        self.cap = cap
        self.declared = info.file_size
        self.count = 0
        if info.file_size > cap:
            raise _part_too_large(info.filename, info.file_size, cap)
        try:
            self._raw: BinaryIO = zf.open(info)
        except ZIP_READ_ERRORS as exc:
            raise _corrupt(f"the part '{info.filename}' cannot be opened", part=info.filename) from exc

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        # Ask for at most one byte beyond what is allowed, so an overrun is seen, never inflated.
        want = min(len(view), self.cap + 1 - self.count, self.declared + 1 - self.count)
        try:
            chunk = self._raw.read(want)
        except ZIP_READ_ERRORS as exc:
            raise _corrupt(f"the part '{self.name}' is damaged", part=self.name) from exc
        self.count += len(chunk)
        if self.count > self.declared:
            raise _corrupt(f"the part '{self.name}' is larger than the zip says", part=self.name)
        if self.count > self.cap:
            raise _part_too_large(self.name, self.count, self.cap)
        view[: len(chunk)] = chunk
        return len(chunk)

    def readall(self) -> bytes:
        # RawIOBase reads 8 KiB at a time; 64 KiB blocks halve the cost on big sheets.
        blocks = []
        while block := self.read(CHUNK):
            blocks.append(block)
        return b"".join(blocks)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


def _part_too_large(name: str, size: int, cap: int) -> WorkbookTooLarge:
    return WorkbookTooLarge(
        f"The part '{name}' of the workbook is {size / MiB:,.1f} MB; at most {cap / MiB:,.1f} MB "
        "is accepted. Remove unused content and save it again.",
        code="part_too_large",
        part=name,
    )


def open_member_stream(zf: zipfile.ZipFile, name: str | zipfile.ZipInfo, cap: int) -> io.BufferedReader:
    """Open one member for streaming (e.g. lxml.iterparse), capped at ``cap`` inflated bytes."""
    return io.BufferedReader(CappedReader(zf, _member(zf, name), cap), buffer_size=CHUNK)


def open_member(zf: zipfile.ZipFile, name: str | zipfile.ZipInfo, cap: int) -> bytes:
    """Read one member whole, never inflating more than ``cap`` bytes or its declared size."""
    with open_member_stream(zf, name, cap) as stream:
        return stream.read()


def iter_member(zf: zipfile.ZipFile, name: str | zipfile.ZipInfo, cap: int, chunk: int = CHUNK) -> Iterator[bytes]:
    """Yield one member in chunks through the counting reader."""
    with open_member_stream(zf, name, cap) as stream:
        while block := stream.read(chunk):
            yield block


# --- XML parts ----------------------------------------------------------------------

PROLOG_LIMIT = 64 * 1024  # a real prolog is a few hundred bytes
ALLOWED_ENCODINGS = {"utf-8", "utf8", "utf-16", "utf16", "us-ascii", "ascii"}  # OPC M1.17
XML_DECL = re.compile(r"""<\?xml\s[^>]*?encoding\s*=\s*["']([^"']*)["']""")
# Characters XML 1.0 forbids (TXT-3): raw C0 controls, U+FFFE/U+FFFF, and character
# references to them or to surrogates. The body of a part is scanned as UTF-8 bytes with
# C-speed tests first (translate, find, count); a pattern runs only where one can match.
BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
C0_BYTES = bytes(c for c in range(32) if c not in (9, 10, 13))
BAD_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")
BAD_CHAR_REFS = re.compile(
    rb"&#(?:0*(?:[0-8]|1[124-9]|2\d|3[01]|5529[6-9]|55[3-9]\d\d|56\d\d\d|57[0-2]\d\d|573[0-3]\d"
    rb"|5734[0-3]|6553[45])|[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]|[dD][89a-fA-F][0-9a-fA-F]{2}"
    rb"|[fF]{3}[eEfF]));"
)
# A DOCTYPE/ENTITY/... declaration, or a processing instruction whose target starts with
# "xml" (xml-stylesheet, a misplaced declaration). Other PIs are let through: SharePoint
# writes <?mso-contentType?> into customXml parts, and no parser acts on them.
MARKUP_DECL = re.compile(rb"<!(?!\[CDATA\[|--)|<\?[xX][mM][lL]")
SI_ENTRY = re.compile(rb"<(?:[\w.-]+:)?si[\s/>]")  # <si> start tags, prefixed or not


def _dtd_error(part: str, what: str) -> WorkbookError:
    return WorkbookError(
        f"The workbook part '{part}' contains {what}, which Excel never writes: DTDs, entities "
        "and processing instructions are not allowed, so the file was not read. Save it again "
        "from Excel as Excel Workbook (.xlsx).",
        code="dtd_not_allowed",
        part=part,
    )


def _xml_error(part: str, why: str) -> WorkbookError:
    return WorkbookError(
        f"The workbook part '{part}' is not valid XML: {why}. " + SAVE_AS_XLSX,
        code="corrupt_xml",
        part=part,
    )


def _sniff_encoding(part: str, head: bytes) -> str:
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, b"\x00\x00", b"<\x00\x00\x00")):
        raise _xml_error(part, "it is encoded as UTF-32 (only UTF-8 and UTF-16 are allowed)")
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(b"<\x00"):
        return "utf-16-le"
    if head.startswith(b"\x00<"):
        return "utf-16-be"
    return "utf-8"


def _decode(part: str, decoder: codecs.IncrementalDecoder, block: bytes, final: bool) -> str:
    try:
        return decoder.decode(block, final)
    except UnicodeDecodeError as exc:
        raise _xml_error(part, f"it has bytes that are not valid text at offset {exc.start}") from exc


def _check_prolog(part: str, text: str, complete: bool) -> tuple[str, int] | None:
    """Walk what precedes the root element; return its start tag and end, None if not reached yet.

    Refuses a DOCTYPE (hence any ENTITY), a processing instruction named xml-* other than
    the leading XML declaration (e.g. xml-stylesheet), and a declared encoding other than
    UTF-8/UTF-16.
    """
    i = 1 if text.startswith("\ufeff") else 0
    start = i
    n = len(text)
    while True:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i >= n:
            if complete:
                raise _xml_error(part, "it has no root element")
            return None
        if text.startswith("<?", i):
            end = text.find("?>", i)
            if end < 0:
                return _unfinished(part, complete, n)
            target = re.match(r"<\?([^\s?]*)", text[i : end + 2]).group(1)  # type: ignore[union-attr]
            if target.lower().startswith("xml") and (target.lower() != "xml" or i != start):
                raise _dtd_error(part, f"a processing instruction (<?{target[:40]} ...?>)")
            if target.lower() != "xml":
                i = end + 2  # e.g. <?mso-contentType?>: inert
                continue
            declared = XML_DECL.match(text, i, end + 2)
            if declared and declared.group(1).lower() not in ALLOWED_ENCODINGS:
                raise _xml_error(
                    part, f"it declares the encoding '{declared.group(1)[:40]}' (only UTF-8 and UTF-16 are allowed)"
                )
            i = end + 2
        elif text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            if end < 0:
                return _unfinished(part, complete, n)
            i = end + 3
        elif text.startswith("<!", i):
            raise _dtd_error(part, "a DTD (<!DOCTYPE ...>)")
        elif text.startswith("<", i):
            end = text.find(">", i)
            if end < 0:
                return _unfinished(part, complete, n)
            return text[i : end + 1], end + 1
        else:
            raise _xml_error(part, "there is text before the first element")


def _unfinished(part: str, complete: bool, n: int) -> None:
    if complete or n >= PROLOG_LIMIT:
        raise _xml_error(part, "its start is cut off or far too long")
    return None


@dataclass
class _Scan:
    root: str  # the root element's start tag
    entries: int = 0  # <si> entries, when counted
    data: bytes | None = None  # the whole part, when kept


def _scan_part(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    cap: int,
    *,
    whole: bool,
    keep: bool = False,
    count_entries: int | None = None,
    on_root: Callable[[str], None] | None = None,
) -> _Scan | None:
    """Stream one XML part through the checks; return None for an empty part.

    ``whole=False`` stops after the root element's start tag (used for worksheets, which
    the reader streams itself); ``whole=True`` also scans every character for forbidden
    ones and for declarations past the prolog. ``count_entries`` counts <si> entries and
    stops beyond that many; ``on_root`` sees the root start tag before the body is read.
    """
    part = info.filename
    with open_member_stream(zf, info, cap) as stream:
        head = stream.read(4)
        if not head:
            return None
        decoder_name = _sniff_encoding(part, head)
        decoder = codecs.getincrementaldecoder(decoder_name)(errors="strict")
        kept = [head]
        eof = False
        text = _decode(part, decoder, head, eof)
        while (found := _check_prolog(part, text[:PROLOG_LIMIT], eof)) is None:
            block = stream.read(4096)
            eof = not block
            kept.append(block)
            text += _decode(part, decoder, block, eof)
        root, root_end = found
        bad = BAD_CHARS.search(text, 0, root_end)
        if bad:
            raise _xml_error(part, f"it contains a character XML does not allow (U+{ord(bad.group()):04X})")
        if on_root is not None:
            on_root(root)
        scan = _Scan(root=root)
        if not whole:
            return scan
        utf8 = decoder_name.startswith("utf-8")
        if utf8:  # scan the very bytes read, from just past the root start tag
            offset = len(text[:root_end].encode()) + (len(codecs.BOM_UTF8) if decoder_name == "utf-8-sig" else 0)
            pending = b"".join(kept)[offset:]
        else:  # UTF-16: scan the text re-encoded as UTF-8
            pending = text[root_end:].encode()
        carry = b""
        while True:
            body = carry + pending
            # Cut before the last "<" or "&" near the end, so no token straddles two scans.
            low = max(0, len(body) - 4096)
            cut = len(body) if eof else max(body.rfind(b"<", low), body.rfind(b"&", low))
            if cut < 0:
                cut = len(body)
            _check_body(part, body[:cut], scan, count_entries)
            carry = body[cut:]
            if eof:
                break
            block = stream.read(CHUNK)
            eof = not block
            if keep:
                kept.append(block)
            decoded = _decode(part, decoder, block, eof)  # validates the encoding either way
            pending = block if utf8 else decoded.encode()
    if keep:
        scan.data = b"".join(kept)
    return scan


def _check_body(part: str, data: bytes, scan: _Scan, count_entries: int | None) -> None:
    """Refuse forbidden characters and any declaration or PI past the prolog; count <si>."""
    # Single-byte finds (memchr) gate the multi-byte searches: this runs over every byte.
    if len(data.translate(None, C0_BYTES)) != len(data) or (
        b"\xef" in data and (b"\xef\xbf\xbe" in data or b"\xef\xbf\xbf" in data)
    ):
        found = BAD_BYTES.search(data)
        shown = found.group().decode("utf-8", "replace") if found else "?"
        raise _xml_error(part, f"it contains a character XML does not allow (U+{ord(shown[0]):04X})")
    if b"&" in data and b"&#" in data and (ref := BAD_CHAR_REFS.search(data)):
        raise _xml_error(part, f"it contains a character XML does not allow ({ref.group().decode()})")
    if ((b"!" in data and b"<!" in data) or (b"?" in data and b"<?" in data)) and (decl := MARKUP_DECL.search(data)):
        raise _dtd_error(
            part, "a processing instruction" if decl.group().startswith(b"<?") else "a DTD or entity declaration"
        )
    if count_entries is None:
        return
    # Count the <si> start tags at C speed; the pattern runs only where a namespace
    # prefix is used. (Tricks can undercount; the byte budget of the part still bounds it.)
    if b":" in data and b":si" in data:
        scan.entries += sum(1 for _ in SI_ENTRY.finditer(data))
    else:
        scan.entries += data.count(b"<si")
    if scan.entries > count_entries:
        raise WorkbookTooLarge(
            f"The workbook holds more than {count_entries:,} different texts ('{part}'); that is "
            "far more than an OKR workbook needs. Remove unused sheets and save it again.",
            code="shared_strings_too_large",
            part=part,
        )


def _parse(part: str, data: bytes) -> Element:
    """Parse a small part with defusedxml (belt and braces: the prolog was checked already)."""
    try:
        return DET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as exc:
        raise _dtd_error(part, "a DTD or entity") from exc
    except (ParseError, ValueError) as exc:
        raise _xml_error(part, str(exc)[:200]) from exc


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# --- the package's parts and relationships ------------------------------------------

XML_SUFFIXES = (".xml", ".rels", ".vml")
MEDIA_RELS = {"image", "media", "video", "audio", "hdphoto"}  # relationship types of pictures


def _rels_source(rels_name: str) -> str | None:
    """'xl/_rels/workbook.xml.rels' -> 'xl/workbook.xml'; '_rels/.rels' -> '' (the package)."""
    folder, _, file = rels_name.rpartition("/")
    if not file.endswith(".rels") or posixpath.basename(folder) != "_rels":
        return None
    return posixpath.join(posixpath.dirname(folder), file[: -len(".rels")]).lstrip("/")


def _resolve(source: str, target: str, rels: str) -> str:
    """The member a relationship points at; refuse one that leaves the package."""
    raw = unquote(target)
    escapes = (
        "\\" in raw
        or "\x00" in raw
        or raw.startswith("//")
        or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", raw) is not None  # scheme or drive letter
    )
    if not escapes:
        base = "" if raw.startswith("/") else posixpath.dirname(source)
        joined = posixpath.normpath(posixpath.join("/", base, raw.lstrip("/")))
        # normpath('/..') is '/', so walk the steps to see whether they climbed out.
        depth = 0
        for step in posixpath.join(base, raw.lstrip("/")).split("/"):
            if step == "..":
                depth -= 1
            elif step not in ("", "."):
                depth += 1
            if depth < 0:
                escapes = True
                break
        else:
            return joined.lstrip("/")
    raise WorkbookError(
        f"The workbook part '{rels}' has a relationship pointing outside the workbook "
        f"('{target[:120]}'). Such a file is not read. " + SAVE_AS_XLSX,
        code="corrupt_workbook",
        part=rels,
        target=target[:200],
    )


@dataclass(frozen=True)
class _Rel:
    type: str  # last segment of the type URI, lower case, e.g. "worksheet"
    type_uri: str
    target: str  # resolved member name, or the raw target when external
    external: bool


class _PackageCheck:
    """One pass over an opened package's parts."""

    def __init__(self, zf: zipfile.ZipFile, parts: dict[str, zipfile.ZipInfo], limits: Limits) -> None:
        self.zf = zf
        self.parts = parts
        self.limits = limits
        self.scanned: set[str] = set()
        self.uses: dict[str, set[str]] = {}  # member (lower case) -> relationship types to it

    def info(self, name: str) -> zipfile.ZipInfo | None:
        return self.parts.get(name.lower())

    def require(self, name: str) -> zipfile.ZipInfo:
        info = self.info(name)
        if info is None:
            raise _missing(name)
        return info

    def parse(self, info: zipfile.ZipInfo) -> Element:
        scan = _scan_part(self.zf, info, self.limits.max_part_bytes, whole=True, keep=True)
        self.scanned.add(info.filename.lower())
        if scan is None:
            raise _xml_error(info.filename, "it is empty")
        return _parse(info.filename, scan.data or b"")

    def rels(self, source: str) -> dict[str, _Rel]:
        """The relationships of ``source`` ('' for the package), by id."""
        folder, _, file = source.rpartition("/")
        name = posixpath.join(folder, "_rels", file + ".rels")
        info = self.info(name)
        if info is None:
            return {}
        found: dict[str, _Rel] = {}
        for node in self.parse(info).iter():
            if _local(node.tag) != "Relationship":
                continue
            type_uri = node.get("Type", "")
            target = node.get("Target", "")
            external = node.get("TargetMode", "").lower() == "external"
            resolved = target if external else _resolve(source, target, info.filename)
            rel = _Rel(type_uri.rsplit("/", 1)[-1].lower(), type_uri, resolved, external)
            found[node.get("Id", "")] = rel
            if not external:
                self.uses.setdefault(resolved.lower(), set()).add(rel.type)
        return found

    def run(self, size: int, members: int, ignored: tuple[str, ...]) -> PackageInfo:
        content_types = self._content_types()
        self._refuse_other_formats(content_types)
        package_rels = self.rels("")
        if not self.info("_rels/.rels"):
            raise _missing("_rels/.rels")
        office = [r for r in package_rels.values() if r.type == "officedocument" and not r.external]
        if any(STRICT_MARK in r.type_uri for r in package_rels.values()):
            raise _strict()
        if not office:
            raise _corrupt("it does not say which part is the workbook (_rels/.rels)", part="_rels/.rels")
        workbook_part = office[0].target
        workbook_type = content_types.get("/" + workbook_part.lower(), "")
        if workbook_type == XLSB_TYPE or workbook_part.lower().endswith(".bin"):
            raise _xlsb()
        workbook_info = self.require(workbook_part)
        workbook = self.parse(workbook_info)
        if STRICT_MARK in workbook.tag:
            raise _strict()
        workbook_rels = self.rels(workbook_info.filename)
        sheets = self._sheets(workbook, workbook_rels, workbook_info.filename)
        self._check_all_rels()
        shared = self._shared_strings(workbook_rels, content_types)
        self._scan_remaining()
        macro_parts = self._macro_parts(content_types)
        return PackageInfo(
            size=size,
            members=members,
            uncompressed_size=sum(i.file_size for i in self.zf.infolist()),
            workbook_part=workbook_info.filename,
            sheets=sheets,
            shared_strings_part=shared[0],
            shared_strings=shared[1],
            date1904=_date1904(workbook),
            has_macros=bool(macro_parts),
            macro_parts=macro_parts,
            external_links=self._external_links(workbook_rels),
            ignored_members=ignored,
        )

    def _content_types(self) -> dict[str, str]:
        """Part name ('/xl/workbook.xml', lower case) or '.ext' -> content type (lower case)."""
        info = self.info("[Content_Types].xml")
        if info is None:
            if self.info("mimetype") or self.info("META-INF/manifest.xml"):
                raise UnsupportedFormat(
                    "This is an OpenDocument spreadsheet (.ods), not an Excel workbook. " + SAVE_AS_XLSX,
                    code="not_a_workbook",
                )
            raise _missing("[Content_Types].xml")
        types: dict[str, str] = {}
        for node in self.parse(info).iter():
            kind = _local(node.tag)
            if kind == "Override":
                types[node.get("PartName", "").lower()] = node.get("ContentType", "").lower()
            elif kind == "Default":
                types["." + node.get("Extension", "").lower()] = node.get("ContentType", "").lower()
        return types

    def _refuse_other_formats(self, types: dict[str, str]) -> None:
        values = set(types.values())
        # SheetJS declares the .xlsb type as the Default for "bin" in every .xlsx it writes:
        # only a part that is the binary workbook (an Override, or the workbook part named
        # *.bin, checked in ``run``) makes the package an .xlsb.
        if XLSB_TYPE in {t for key, t in types.items() if not key.startswith(".")}:
            raise _xlsb()
        if any(t in WORKBOOK_TYPES for t in values):
            return
        if XLSB_TYPE in values:
            raise _xlsb()
        if any("wordprocessingml" in t for t in values):
            what = "a Word document (.docx)"
        elif any("presentationml" in t for t in values):
            what = "a PowerPoint presentation (.pptx)"
        else:
            return  # decided by _rels/.rels and the workbook part below
        raise UnsupportedFormat(
            f"This file is {what}, not an Excel workbook. Upload the OKR workbook saved as Excel Workbook (.xlsx).",
            code="not_a_workbook",
        )

    def _sheets(self, workbook: Element, rels: dict[str, _Rel], workbook_part: str) -> tuple[SheetPart, ...]:
        nodes = [n for n in workbook.iter() if _local(n.tag) == "sheet"]
        if len(nodes) > self.limits.max_sheets:
            raise WorkbookTooLarge(
                f"The workbook has {len(nodes):,} sheets; at most {self.limits.max_sheets} are "
                "accepted. Move the OKR sheets into a workbook of their own.",
                code="too_many_sheets",
            )
        if not nodes:
            raise _corrupt("the workbook lists no sheets", part=workbook_part)
        sheets = []
        for node in nodes:
            name = node.get("name", "")
            rel_id = next((v for k, v in node.attrib.items() if _local(k) == "id"), None)
            rel = rels.get(rel_id or "")
            if rel is None or rel.external:
                raise _corrupt(f"the sheet '{name}' has no part", sheet=name)
            info = self.require(rel.target)
            # Only the start of a sheet is read here: the reader streams the rest.
            _scan_part(self.zf, info, self.limits.max_uncompressed_bytes, whole=False)
            self.scanned.add(info.filename.lower())
            kind = SHEET_KINDS.get(rel.type, rel.type)
            sheets.append(SheetPart(name, info.filename, kind, node.get("state", "visible")))
        return tuple(sheets)

    def _check_all_rels(self) -> None:
        """Every relationship part, reachable or not, must keep its targets inside."""
        for key, info in list(self.parts.items()):
            if key in self.scanned or not key.endswith(".rels"):
                continue
            source = _rels_source(info.filename)
            if source is not None:
                self.rels(source)
            else:
                self.parse(info)

    def _shared_strings(self, rels: dict[str, _Rel], types: dict[str, str]) -> tuple[str | None, int]:
        """Scan the shared text table(s) whole, within their own budget; return (part, entries)."""
        related = [r.target for r in rels.values() if r.type == "sharedstrings" and not r.external]
        for name in related:
            self.require(name)  # a relationship to a missing table is not guessed around
        typed = [n.lstrip("/") for n, t in types.items() if t.endswith("sharedstrings+xml")]
        chosen: tuple[str | None, int] = (None, 0)
        for name in dict.fromkeys(n.lower() for n in [*related, *typed, "xl/sharedStrings.xml"]):
            info = self.info(name)
            if info is None or name in self.scanned:
                continue
            if info.file_size > self.limits.max_shared_strings_bytes:
                raise WorkbookTooLarge(
                    f"The workbook's shared text table ('{info.filename}') is "
                    f"{info.file_size / MiB:,.0f} MB; at most "
                    f"{self.limits.max_shared_strings_bytes / MiB:,.0f} MB is accepted. Remove "
                    "unused sheets and save it again.",
                    code="shared_strings_too_large",
                    part=info.filename,
                )
            # Counting costs a third of the scan: skip it when the size alone rules out
            # too many entries (the smallest, <si/>, is 5 bytes).
            must_count = info.file_size // len(b"<si/>") > self.limits.max_shared_strings
            declared: list[int] = []
            scan = _scan_part(
                self.zf,
                info,
                self.limits.max_shared_strings_bytes,
                whole=True,
                count_entries=self.limits.max_shared_strings if must_count else None,
                on_root=lambda root, part=info.filename, found=declared: found.append(
                    _check_declared_count(part, root, self.limits)
                ),
            )
            self.scanned.add(name)
            if scan is not None and chosen[0] is None:
                chosen = (info.filename, scan.entries if must_count else declared[0])
        return chosen

    def _scan_remaining(self) -> None:
        """Every other XML part, whatever its name: whole when small, its prolog when large.

        VML drawings get their prolog checked only: Excel writes them as loose, not
        well-formed markup that a body scan could misjudge. Images (xl/media/, e.g. an SVG
        logo exported with a DOCTYPE) are opaque bytes to every reader here and are not
        scanned, unless a relationship other than an image's points at them.
        """
        for key, info in self.parts.items():
            if key in self.scanned or info.file_size == 0:
                continue
            if key.startswith("xl/media/") and self.uses.get(key, set()) <= MEDIA_RELS:
                continue
            if not key.endswith(XML_SUFFIXES) and not self._starts_like_xml(info):
                continue
            whole = info.file_size <= self.limits.max_part_bytes and not key.endswith(".vml")
            _scan_part(self.zf, info, self.limits.max_uncompressed_bytes, whole=whole)
            self.scanned.add(key)

    def _starts_like_xml(self, info: zipfile.ZipInfo) -> bool:
        """Whether a member named like anything else (".bin", ".dat") holds markup."""
        with open_member_stream(self.zf, info, self.limits.max_uncompressed_bytes) as stream:
            head = stream.read(64)
        return head.lstrip(b" \t\r\n\xef\xbb\xbf\xff\xfe\x00").startswith(b"<")

    def _macro_parts(self, types: dict[str, str]) -> tuple[str, ...]:
        found = []
        for key, info in self.parts.items():
            content_type = types.get("/" + key) or types.get(posixpath.splitext(key)[1], "")
            if (
                posixpath.basename(key) in ("vbaproject.bin", "vbaprojectsignature.bin")
                or key.startswith("xl/macrosheets/")
                or key.startswith("xl/activex/")
                or content_type in MACRO_TYPES
            ):
                found.append(info.filename)
        return tuple(sorted(found))

    def _external_links(self, rels: dict[str, _Rel]) -> tuple[ExternalLink, ...]:
        names = {r.target.lower() for r in rels.values() if r.type == "externallink" and not r.external}
        names |= {k for k in self.parts if k.startswith("xl/externallinks/") and not k.endswith(".rels")}
        links = []
        for key in sorted(names):
            info = self.info(key)
            if info is None:
                continue
            targets = [r.target for r in self.rels(info.filename).values() if r.external]
            links.append(ExternalLink(info.filename, targets[0] if targets else None))
        return tuple(links)


def _check_declared_count(part: str, root: str, limits: Limits) -> int | None:
    """Refuse a sharedStrings whose own header admits more entries than the budget."""
    found = re.search(r'\suniqueCount\s*=\s*["\'](\d{1,20})["\']', root)
    if not found:
        return None
    if int(found.group(1)) > limits.max_shared_strings:
        raise WorkbookTooLarge(
            f"The workbook declares {int(found.group(1)):,} different texts ('{part}'); at "
            f"most {limits.max_shared_strings:,} are accepted. Remove unused sheets and save "
            "it again.",
            code="shared_strings_too_large",
            part=part,
        )
    return int(found.group(1))


def _date1904(workbook: Element) -> bool:
    for node in workbook.iter():
        if _local(node.tag) == "workbookPr":
            return node.get("date1904", "").lower() in ("1", "true")
    return False


def _strict() -> UnsupportedFormat:
    return UnsupportedFormat(
        "This workbook is saved as a Strict Open XML Spreadsheet, which is not supported. Open "
        "it in Excel and save it as Excel Workbook (.xlsx) (not 'Strict Open XML "
        "Spreadsheet'), then upload that file.",
        code="strict_ooxml",
        format="strict-ooxml",
    )


def _xlsb() -> UnsupportedFormat:
    return UnsupportedFormat(
        "This is an Excel Binary Workbook (.xlsb), which is not supported. " + SAVE_AS_XLSX,
        code="xlsb",
        format="xlsb",
    )


# --- start-up check -----------------------------------------------------------------


def assert_defusedxml_active() -> None:
    """Raise RuntimeError unless openpyxl parses XML through defusedxml (call at start-up)."""
    import openpyxl.xml
    import openpyxl.xml.functions as functions

    if not openpyxl.xml.DEFUSEDXML:
        raise RuntimeError(
            "openpyxl is not using defusedxml (is defusedxml installed, and OPENPYXL_DEFUSEDXML "
            "unset or 'True'?): refusing to read workbooks."
        )
    if not getattr(functions.iterparse, "__module__", "").startswith("defusedxml"):
        raise RuntimeError("openpyxl's iterparse is not defusedxml's: refusing to read workbooks.")
    # Check behaviour, not just flags: an entity must be refused or left unexpanded.
    bomb = b'<!DOCTYPE r [<!ENTITY e "EXPANDED">]><r>&e;</r>'
    try:
        for _event, node in functions.iterparse(io.BytesIO(bomb)):
            if node.text and "EXPANDED" in node.text:
                raise RuntimeError("openpyxl expands XML entities: refusing to read workbooks.")
    except defusedxml.DefusedXmlException:
        pass
    try:
        node = functions.fromstring(bomb)
    except Exception:  # noqa: BLE001 - defusedxml or lxml refusing is what we want
        return
    if "EXPANDED" in "".join(node.itertext()):
        raise RuntimeError("openpyxl expands XML entities: refusing to read workbooks.")
