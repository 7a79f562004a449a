"""The check every uploaded workbook passes before anything parses it.

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

Each step lives in a module of its own: ``formats`` (what the bytes are), ``zip_budget``
(the container's budgets), ``zip_members`` (opening it, the capped reader), ``xml_scan``
(every XML part), ``relationships`` (where they point). This module walks the package.

Policies (documented here because the tests assert them):
- Nothing is ever extracted to disk; members are read through the counting reader of
  ``zip_members``, which never inflates past the size the zip declares, nor past a cap.
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

import posixpath
import re
import zipfile
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from addin.errors import InputError, WorkbookTooLarge
from addin.excel.formats import (
    MACRO_TYPES,
    STRICT_MARK,
    XLSB_TYPE,
    opendocument,
    refuse_other_formats,
    refuse_unless_zip,
    strict,
    xlsb,
)
from addin.excel.package_errors import corrupt, missing
from addin.excel.relationships import Rel, read_rels, rels_part, rels_source
from addin.excel.xml_scan import local_name, parse_xml, scan_part, xml_error
from addin.excel.zip_budget import DEFAULT_LIMITS, Limits, MiB, check_central_directory, list_parts
from addin.excel.zip_members import open_member_stream, open_package

SHEET_KINDS = {
    "worksheet": "worksheet",
    "chartsheet": "chartsheet",
    "dialogsheet": "dialogsheet",
    "xlmacrosheet": "macrosheet",
    "xlintlmacrosheet": "macrosheet",
}
XML_SUFFIXES = (".xml", ".rels", ".vml")
MEDIA_RELS = {"image", "media", "video", "audio", "hdphoto"}  # relationship types of pictures


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
    """What the check learned about an accepted package."""

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
    refuse_unless_zip(data)
    check_central_directory(data, limits)
    with open_package(data) as zf:
        parts, ignored = list_parts(zf, limits)
        return _PackageCheck(zf, parts, limits).run(len(data), len(zf.infolist()), ignored)


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
            raise missing(name)
        return info

    def parse(self, info: zipfile.ZipInfo) -> Element:
        scan = scan_part(self.zf, info, self.limits.max_part_bytes, whole=True, keep=True)
        self.scanned.add(info.filename.lower())
        if scan is None:
            raise xml_error(info.filename, "it is empty")
        return parse_xml(info.filename, scan.data or b"")

    def rels(self, source: str) -> dict[str, Rel]:
        """The relationships of ``source`` ('' for the package), by id."""
        info = self.info(rels_part(source))
        if info is None:
            return {}
        found = read_rels(self.parse(info), source, info.filename)
        for rel in found.values():
            if not rel.external:
                self.uses.setdefault(rel.target.lower(), set()).add(rel.type)
        return found

    def run(self, size: int, members: int, ignored: tuple[str, ...]) -> PackageInfo:
        content_types = self._content_types()
        refuse_other_formats(content_types)
        package_rels = self.rels("")
        if not self.info("_rels/.rels"):
            raise missing("_rels/.rels")
        office = [r for r in package_rels.values() if r.type == "officedocument" and not r.external]
        if any(STRICT_MARK in r.type_uri for r in package_rels.values()):
            raise strict()
        if not office:
            raise corrupt("it does not say which part is the workbook (_rels/.rels)", part="_rels/.rels")
        workbook_part = office[0].target
        workbook_type = content_types.get("/" + workbook_part.lower(), "")
        if workbook_type == XLSB_TYPE or workbook_part.lower().endswith(".bin"):
            raise xlsb()
        workbook_info = self.require(workbook_part)
        workbook = self.parse(workbook_info)
        if STRICT_MARK in workbook.tag:
            raise strict()
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
                raise opendocument()
            raise missing("[Content_Types].xml")
        types: dict[str, str] = {}
        for node in self.parse(info).iter():
            kind = local_name(node.tag)
            if kind == "Override":
                types[node.get("PartName", "").lower()] = node.get("ContentType", "").lower()
            elif kind == "Default":
                types["." + node.get("Extension", "").lower()] = node.get("ContentType", "").lower()
        return types

    def _sheets(self, workbook: Element, rels: dict[str, Rel], workbook_part: str) -> tuple[SheetPart, ...]:
        nodes = [n for n in workbook.iter() if local_name(n.tag) == "sheet"]
        if len(nodes) > self.limits.max_sheets:
            raise WorkbookTooLarge(
                f"The workbook has {len(nodes):,} sheets; at most {self.limits.max_sheets} are "
                "accepted. Move the OKR sheets into a workbook of their own.",
                code="too_many_sheets",
            )
        if not nodes:
            raise corrupt("the workbook lists no sheets", part=workbook_part)
        sheets = []
        for node in nodes:
            name = node.get("name", "")
            rel_id = next((v for k, v in node.attrib.items() if local_name(k) == "id"), None)
            rel = rels.get(rel_id or "")
            if rel is None or rel.external:
                raise corrupt(f"the sheet '{name}' has no part", sheet=name)
            info = self.require(rel.target)
            # Only the start of a sheet is read here: the reader streams the rest.
            scan_part(self.zf, info, self.limits.max_uncompressed_bytes, whole=False)
            self.scanned.add(info.filename.lower())
            kind = SHEET_KINDS.get(rel.type, rel.type)
            sheets.append(SheetPart(name, info.filename, kind, node.get("state", "visible")))
        return tuple(sheets)

    def _check_all_rels(self) -> None:
        """Every relationship part, reachable or not, must keep its targets inside."""
        for key, info in list(self.parts.items()):
            if key in self.scanned or not key.endswith(".rels"):
                continue
            source = rels_source(info.filename)
            if source is not None:
                self.rels(source)
            else:
                self.parse(info)

    def _shared_strings(self, rels: dict[str, Rel], types: dict[str, str]) -> tuple[str | None, int | None]:
        """Scan the shared text table(s) whole, within their own budget; return (part, entries)."""
        related = [r.target for r in rels.values() if r.type == "sharedstrings" and not r.external]
        for name in related:
            self.require(name)  # a relationship to a missing table is not guessed around
        typed = [n.lstrip("/") for n, t in types.items() if t.endswith("sharedstrings+xml")]
        chosen: tuple[str | None, int | None] = (None, 0)
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
            declared: list[int | None] = []

            def note_declared(root: str, part: str = info.filename, found: list[int | None] = declared) -> None:
                found.append(_check_declared_count(part, root, self.limits))

            scan = scan_part(
                self.zf,
                info,
                self.limits.max_shared_strings_bytes,
                whole=True,
                count_entries=self.limits.max_shared_strings if must_count else None,
                on_root=note_declared,
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
            scan_part(self.zf, info, self.limits.max_uncompressed_bytes, whole=whole)
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

    def _external_links(self, rels: dict[str, Rel]) -> tuple[ExternalLink, ...]:
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
        if local_name(node.tag) == "workbookPr":
            return node.get("date1904", "").lower() in ("1", "true")
    return False
