"""Status write-back: patch values into the user's workbook and keep everything else.

The workbook is never loaded and saved through openpyxl (slow, and it drops charts
and images). Instead the zip package is copied member by member: every member is
copied through unchanged except the few parts that must change —

- the worksheets that receive values, streamed row by row (see write_sheet);
- xl/styles.xml, only when a percent or date variant of a style must be added;
- the tables of a sheet whose appended rows continue them (their ref grows);
- workbook.xml, its .rels and [Content_Types].xml when a sheet is added or a part
  is dropped; docProps/custom.xml for the workbook id.

Never re-emitted: VBA (vbaProject.bin and its signature parts; a macro-enabled
workbook becomes a plain .xlsx) and external workbook links (xl/externalLinks/*,
<externalReferences>, names pointing into other workbooks). Formulas that pointed
into a dropped external workbook keep their cached value and lose the formula, and
calcChain.xml goes with them (Excel rebuilds it). A workbook holding Excel 4.0
macro sheets is refused: they cannot live in a plain .xlsx.

Text is always written as an inline string cell, so user text can never become a
formula and sharedStrings.xml is never rewritten; see write_text for the text rule.
Cells holding a formula are not overwritten (see WriteBackResult.kept_formulas).
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import shutil
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from addin.errors import UnsupportedFormat, WorkbookError
from addin.excel.write_edit import SheetEdit, refers_to_external
from addin.excel.write_package import (
    WORKBOOK_ID_PROPERTY,
    ContentTypes,
    SheetEntry,
    edit_rels,
    edit_workbook,
    read_rels,
    rels_path,
    resolve,
    set_custom_property,
    uses_1904,
    workbook_sheets,
)
from addin.excel.write_sheet import SheetRewriter, last_value_row, new_sheet_xml
from addin.excel.write_styles import StyleBook
from addin.excel.write_tables import extend_table
from addin.excel.write_text import MAX_COLUMN, MAX_ROW
from addin.excel.write_xml import (
    CT_CALC_CHAIN,
    CT_CUSTOM_PROPS,
    CT_EXTERNAL_LINK,
    CT_MACRO_MAINS,
    CT_MACROSHEETS,
    CT_STYLES,
    CT_WORKSHEET,
    CT_XLSX_MAIN,
    RT_CUSTOM_PROPS,
    RT_OFFICE_DOCUMENT,
    RT_STYLES,
    RT_TABLE,
    RT_WORKSHEET,
    STRICT_MAIN_NS,
    parse_part,
)
from addin.excel.zip_members import open_package

KINDS = ("auto", "text", "number", "percent", "date")
_BAD_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
# zlib level for every member written. Level 1 deflates the (large, repetitive)
# sheet XML about 2.5x faster than the default 6 for a file about 30% larger;
# Excel recompresses on its next save anyway.
COMPRESS_LEVEL = 1


@dataclass(slots=True)
class CellWrite:
    """One value for one cell: ``row`` and ``column`` are 1-based worksheet indexes."""

    sheet: str
    row: int
    column: int
    value: str | float | int | dt.date | None
    kind: str = "auto"  # "text" | "number" | "percent" | "date" | "auto"


@dataclass(slots=True)
class WriteBackResult:
    """The patched workbook and what was deliberately not done."""

    data: bytes
    kept_formulas: list[str] = field(default_factory=list)  # "OKRs!Q7": holds a formula, not overwritten
    dropped_parts: list[str] = field(default_factory=list)  # VBA, external links, calcChain
    frozen_formulas: int = 0  # formulas into a dropped external workbook, replaced by their value


_NO_ROWS: Mapping[str, Sequence[Sequence[object]]] = MappingProxyType({})


def write_back(
    data: bytes,
    *,
    cells: Iterable[CellWrite],
    append_rows: Mapping[str, Sequence[Sequence[object]]] = _NO_ROWS,
    header_cells: Iterable[CellWrite] = (),
    workbook_id: str | None = None,
) -> bytes:
    """The workbook ``data`` with ``cells`` set, ``append_rows`` appended and the id stored."""
    return patch_workbook(
        data, cells=cells, append_rows=append_rows, header_cells=header_cells, workbook_id=workbook_id
    ).data


def patch_workbook(
    data: bytes,
    *,
    cells: Iterable[CellWrite] = (),
    append_rows: Mapping[str, Sequence[Sequence[object]]] = _NO_ROWS,
    header_cells: Iterable[CellWrite] = (),
    workbook_id: str | None = None,
) -> WriteBackResult:
    """Like write_back, also saying which cells were kept and which parts were dropped."""
    with open_package(data) as source:
        return _Patch(source).run(cells, header_cells, append_rows, workbook_id)


def check_writable(data: bytes) -> None:
    """Refuse, as patch_workbook would, a package the write-back can never patch (whatever the cells).

    Cheap (the package's directory, content types and workbook part): a sync calls it before
    it stores anything, so a workbook that could never get its status back is refused whole.
    """
    with open_package(data) as source:
        _Patch(source).open_package()


class _Patch:
    """One write-back: decides what changes, then copies the package once."""

    def __init__(self, source: zipfile.ZipFile) -> None:
        self.source = source
        self.infos = source.infolist()
        names = [info.filename for info in self.infos]
        if len(set(names)) != len(names):
            raise WorkbookError(
                "The workbook package lists the same part twice; open and save it in Excel.",
                code="duplicate_member",
            )
        self.members = set(names)
        self.replaced: dict[str, bytes] = {}  # member -> new bytes (existing or new part)
        self.drop: set[str] = set()
        self.edits: dict[str, SheetEdit] = {}  # worksheet part -> edit
        self.styles_part: str | None = None
        self.styles_created = False
        self.new_custom_part: str | None = None
        self.external_dropped = False
        self._needs_styles = False

    def read(self, name: str) -> bytes | None:
        if name not in self.members:
            return None
        try:
            return self.source.read(name)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
            raise WorkbookError(
                f"The workbook part {name} is damaged; open and save the file in Excel.",
                code="corrupt_workbook",
                part=name,
            ) from exc

    # -- plan -------------------------------------------------------------------------
    def run(
        self,
        cells: Iterable[CellWrite],
        header_cells: Iterable[CellWrite],
        append_rows: Mapping[str, Sequence[Sequence[object]]],
        workbook_id: str | None,
    ) -> WriteBackResult:
        self.open_package()
        self._plan_writes(cells, header_cells)
        new_sheets, appended = self._plan_appends(append_rows)
        if self.external_dropped:
            for entry in self.sheets:
                if self.types.of(entry.part) == CT_WORKSHEET and entry.part in self.members:
                    self.edits.setdefault(entry.part, SheetEdit()).freeze_external = True
        styles = self._plan_styles(bool(new_sheets))
        self._plan_tables(appended)
        root_adds = self._plan_custom_property(workbook_id)
        self._plan_package(new_sheets, root_adds)
        return self._write(styles, new_sheets)

    def open_package(self) -> None:
        """Read the package's content types and workbook part; refuse what can never be patched."""
        content = self.read("[Content_Types].xml")
        if content is None:
            raise WorkbookError(
                "The workbook has no [Content_Types].xml; it is not an Excel workbook.",
                code="corrupt_workbook",
                part="[Content_Types].xml",
            )
        self.types = ContentTypes.parse(content)
        root_rels = read_rels(self.read("_rels/.rels"), "_rels/.rels")
        main = next((r for r in root_rels if r.type == RT_OFFICE_DOCUMENT), None)
        if main is None:
            if any("purl.oclc.org" in r.type for r in root_rels):
                raise UnsupportedFormat(
                    "This workbook is saved as Strict Open XML; save it as an Excel Workbook (.xlsx).",
                    code="strict_ooxml",
                )
            raise WorkbookError(
                "The workbook package has no workbook part; open and save it in Excel.",
                code="corrupt_workbook",
                part="_rels/.rels",
            )
        self.workbook_part = resolve("", main.target)
        workbook_xml = self.read(self.workbook_part)
        if workbook_xml is None:
            raise WorkbookError(
                f"The workbook part {self.workbook_part} is missing.", code="corrupt_workbook", part=self.workbook_part
            )
        self.workbook = parse_part(workbook_xml, self.workbook_part)
        if self.workbook.tag == f"{{{STRICT_MAIN_NS}}}workbook":
            raise UnsupportedFormat(
                "This workbook is saved as Strict Open XML; save it as an Excel Workbook (.xlsx).",
                code="strict_ooxml",
            )
        self.wb_rels_part = rels_path(self.workbook_part)
        self.wb_rels = read_rels(self.read(self.wb_rels_part), self.wb_rels_part)
        self.sheets = workbook_sheets(self.workbook, self.wb_rels, self.workbook_part)
        self.date1904 = uses_1904(self.workbook)
        self._plan_drops()

    def _plan_drops(self) -> None:
        macro_sheets = [n for n in self.members if self.types.of(n) in CT_MACROSHEETS]
        if macro_sheets:
            raise UnsupportedFormat(
                "This workbook holds Excel 4.0 macro sheets, which OKR Cadence does not keep; "
                "delete them (or copy the OKR sheets to a new workbook) and save as an Excel Workbook (.xlsx).",
                code="macro_sheets",
                part=sorted(macro_sheets)[0],
            )
        vba = {n for n in self.members if self.types.is_vba(n)}
        external = {n for n in self.members if self.types.of(n) == CT_EXTERNAL_LINK}
        # a part the workbook links to as an external workbook, whatever content type it claims
        external |= {
            resolve(self.workbook_part, r.target)
            for r in self.wb_rels
            if r.type.endswith("/externalLink") and not r.external
        } & self.members
        self.external_dropped = bool(external)
        calc_chain = {n for n in self.members if self.types.of(n) == CT_CALC_CHAIN} if external else set()
        drop = vba | external | calc_chain
        drop |= {rels_path(n) for n in drop if rels_path(n) in self.members}
        # never copied: names an unzip tool could write outside its folder (ZIP-3)
        drop |= {n for n in self.members if not safe_member_name(n)}
        self.drop = drop

    def _sheet(self, name: str) -> SheetEntry | None:
        exact = next((s for s in self.sheets if s.name == name), None)
        if exact is not None:
            return exact
        folded = name.casefold()  # Excel's sheet names are case-insensitive
        return next((s for s in self.sheets if s.name.casefold() == folded), None)

    def _edit_for(self, sheet: str) -> SheetEdit:
        entry = self._sheet(sheet)
        if entry is None or entry.part not in self.members:
            raise WorkbookError(
                f"The workbook has no sheet named {sheet!r} to write to.", code="no_such_sheet", sheet=sheet
            )
        if self.types.of(entry.part) != CT_WORKSHEET:
            raise WorkbookError(
                f"{sheet!r} is a chart or dialog sheet, not a worksheet; values cannot be written to it.",
                code="not_a_worksheet",
                sheet=sheet,
            )
        return self.edits.setdefault(entry.part, SheetEdit())

    def _plan_writes(self, cells: Iterable[CellWrite], header_cells: Iterable[CellWrite]) -> None:
        for header, batch in ((False, cells), (True, header_cells)):
            last_sheet: str | None = None
            edit: SheetEdit | None = None
            for cell in batch:
                if edit is None or cell.sheet != last_sheet:
                    last_sheet, edit = cell.sheet, self._edit_for(cell.sheet)
                _check_cell(cell)
                edit.writes.setdefault(cell.row, {})[cell.column] = cell
                if header:
                    edit.header_rows.add(cell.row)

    def _plan_appends(
        self, append_rows: Mapping[str, Sequence[Sequence[object]]]
    ) -> tuple[list[tuple[str, str, SheetEdit]], list[tuple[str, int, int, int]]]:
        new_sheets: list[tuple[str, str, SheetEdit]] = []
        appended: list[tuple[str, int, int, int]] = []  # part, first row, last row, width
        for sheet, rows in append_rows.items():
            if not rows:
                continue
            entry = self._sheet(sheet)
            if entry is None:
                _check_sheet_name(sheet, self.sheets)
                edit, part, start = SheetEdit(), self._new_part_name("xl/worksheets/sheet{}.xml"), 1
                new_sheets.append((sheet, part, edit))
            else:
                edit = self._edit_for(sheet)
                part = entry.part
                with self.source.open(part) as stream:
                    start = last_value_row(stream, part) + 1
            if start + len(rows) - 1 > MAX_ROW:
                raise WorkbookError(
                    f"Sheet {sheet!r} has no room for {len(rows)} more rows.", code="sheet_full", sheet=sheet
                )
            width = 0
            for offset, values in enumerate(rows):
                if len(values) > MAX_COLUMN:
                    raise ValueError(f"row {offset + 1} for {sheet!r} has more columns than Excel allows")
                edit.appended[start + offset] = values
                width = max(width, len(values))
            appended.append((part, start, start + len(rows) - 1, width))
        return new_sheets, appended

    def _new_part_name(self, pattern: str) -> str:
        taken = self.members | set(self.replaced)
        number = 1
        while pattern.format(number) in taken:
            number += 1
        name = pattern.format(number)
        self.replaced[name] = b""  # reserve the name
        return name

    def _plan_styles(self, new_sheets: bool) -> StyleBook | None:
        self._needs_styles = new_sheets or any(self.edits.values())
        if not self._needs_styles:
            return None
        rel = next((r for r in self.wb_rels if r.type == RT_STYLES), None)
        self.styles_part = resolve(self.workbook_part, rel.target) if rel else None
        data = self.read(self.styles_part) if self.styles_part else None
        return StyleBook(data)

    def _plan_tables(self, appended: list[tuple[str, int, int, int]]) -> None:
        for part, first, last, width in appended:
            if part not in self.members:
                continue
            for rel in read_rels(self.read(rels_path(part)), rels_path(part)):
                if rel.type != RT_TABLE or rel.external:
                    continue
                table = resolve(part, rel.target)
                data = self.read(table)
                if data is None:
                    continue
                grown = extend_table(data, table, first_row=first, last_row=last, columns=width)
                if grown is not None:
                    self.replaced[table] = grown

    def _plan_custom_property(self, workbook_id: str | None) -> list[tuple[str, str]]:
        if workbook_id is None:
            return []
        rels = read_rels(self.read("_rels/.rels"), "_rels/.rels")
        rel = next((r for r in rels if r.type == RT_CUSTOM_PROPS and not r.external), None)
        part = resolve("", rel.target) if rel else None
        if part is not None and part in self.members:
            self.replaced[part] = set_custom_property(self.read(part), part, WORKBOOK_ID_PROPERTY, workbook_id)
            return []
        part = (
            "docProps/custom.xml"
            if "docProps/custom.xml" not in self.members
            else self._new_part_name("docProps/custom{}.xml")
        )
        self.replaced[part] = set_custom_property(None, part, WORKBOOK_ID_PROPERTY, workbook_id)
        self.new_custom_part = part
        return [(RT_CUSTOM_PROPS, part)]

    def _plan_package(self, new_sheets: list[tuple[str, str, SheetEdit]], root_adds: list[tuple[str, str]]) -> None:
        added_types: dict[str, str] = {part: CT_WORKSHEET for _, part, _ in new_sheets}
        if root_adds:
            added_types[root_adds[0][1]] = CT_CUSTOM_PROPS
            self.replaced["_rels/.rels"], _ = edit_rels(
                self.read("_rels/.rels"), "_rels/.rels", drop_targets=self.drop, source_part="", add=root_adds
            )
        wb_adds = [
            (RT_WORKSHEET, posixpath.relpath(part, posixpath.dirname(self.workbook_part))) for _, part, _ in new_sheets
        ]
        # A workbook without a styles part (or whose rel points at nothing) gets one.
        self.styles_created = self._needs_styles and (self.styles_part is None or self.styles_part not in self.members)
        if self.styles_created:
            if self.styles_part is None:
                self.styles_part = (
                    "xl/styles.xml" if "xl/styles.xml" not in self.members else self._new_part_name("xl/styles{}.xml")
                )
                wb_adds.append((RT_STYLES, posixpath.relpath(self.styles_part, posixpath.dirname(self.workbook_part))))
            added_types[self.styles_part] = CT_STYLES
        if wb_adds or self.drop:
            self.replaced[self.wb_rels_part], rel_ids = edit_rels(
                self.read(self.wb_rels_part),
                self.wb_rels_part,
                drop_targets=self.drop,
                source_part=self.workbook_part,
                add=wb_adds,
            )
            next_id = max([s.sheet_id for s in self.sheets] + [0]) + 1
            entries = [(name, next_id + i, rel_ids[i]) for i, (name, _, _) in enumerate(new_sheets)]
            if entries or self.external_dropped:
                self.replaced[self.workbook_part] = edit_workbook(
                    self.workbook,
                    drop_external=self.external_dropped,
                    new_sheets=entries,
                    is_external=refers_to_external,
                )
        main_type = self.types.of(self.workbook_part)
        if added_types or self.drop or main_type != _plain(main_type):
            self.replaced["[Content_Types].xml"] = self.types.edit(drop=self.drop, add=added_types)

    # -- write ------------------------------------------------------------------------
    def _write(self, styles: StyleBook | None, new_sheets: list[tuple[str, str, SheetEdit]]) -> WriteBackResult:
        result = WriteBackResult(b"", dropped_parts=sorted(self.drop))
        names_by_part = {s.part: s.name for s in self.sheets}
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            deferred_styles = None
            for info in self.infos:
                name = info.filename
                if name in self.drop:
                    continue
                if styles is not None and name == self.styles_part:
                    deferred_styles = info  # written last: the sheets may still add variants
                    continue
                if name in self.edits:
                    rewriter = SheetRewriter(self.edits[name], styles, date1904=self.date1904, part=name)
                    with self.source.open(info) as src, target.open(_info(name, info), "w") as dst:
                        outcome = rewriter.run(src, dst)
                    sheet = names_by_part.get(name, name)
                    result.kept_formulas += [f"{_quote(sheet)}!{ref}" for ref in outcome.kept_formulas]
                    result.frozen_formulas += outcome.frozen_formulas
                elif name in self.replaced:
                    target.writestr(_info(name, info), self.replaced[name])
                else:
                    with self.source.open(info) as src, target.open(_info(name, info), "w") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
            for _sheet, part, edit in new_sheets:
                target.writestr(_info(part), new_sheet_xml(edit, styles, date1904=self.date1904))
            if self.new_custom_part:
                target.writestr(_info(self.new_custom_part), self.replaced[self.new_custom_part])
            if styles is not None and (deferred_styles is not None or self.styles_created):
                styles_part = self.styles_part
                assert styles_part is not None, "_plan_package names a styles part whenever styles are written"
                kept = None if styles.dirty else self.read(styles_part)  # an unchanged part exists: it was read
                target.writestr(_info(styles_part, deferred_styles), kept if kept is not None else styles.to_bytes())
        result.data = out.getvalue()
        return result


def safe_member_name(name: str) -> bool:
    """A zip member name that stays inside the package: relative, no ``..``, no drive, no controls."""
    if not name or name.startswith(("/", "\\")) or "\\" in name or re.match(r"^[A-Za-z]:", name):
        return False
    if any(ord(ch) < 32 or ch == "\x7f" for ch in name):
        return False
    return all(segment not in ("..", ".") for segment in name.split("/"))


def _plain(content_type: str) -> str:
    return CT_XLSX_MAIN if content_type in CT_MACRO_MAINS else content_type


def _info(name: str, original: zipfile.ZipInfo | None = None) -> zipfile.ZipInfo:
    stamp = original.date_time if original is not None else dt.datetime.now().timetuple()[:6]
    info = zipfile.ZipInfo(name, date_time=max(stamp, (1980, 1, 1, 0, 0, 0)))
    info.compress_type = zipfile.ZIP_DEFLATED
    # Python 3.13 names it compress_level; 3.11/3.12 only read the private slot.
    setattr(info, "compress_level" if hasattr(info, "compress_level") else "_compresslevel", COMPRESS_LEVEL)
    return info


def _quote(sheet: str) -> str:
    return f"'{sheet}'" if re.search(r"[^A-Za-z0-9_]", sheet) else sheet


def _check_cell(cell: CellWrite) -> None:
    if not (1 <= cell.row <= MAX_ROW and 1 <= cell.column <= MAX_COLUMN):
        raise ValueError(f"cell row {cell.row}, column {cell.column} of {cell.sheet!r} is outside a worksheet")
    if cell.kind not in KINDS:
        raise ValueError(f"unknown cell kind {cell.kind!r}; use one of {', '.join(KINDS)}")


def _check_sheet_name(name: str, existing: list[SheetEntry]) -> None:
    if not name or len(name) > 31 or _BAD_SHEET_NAME.search(name) or name.startswith("'") or name.endswith("'"):
        raise ValueError(f"{name!r} cannot be an Excel sheet name")


__all__ = ["CellWrite", "WriteBackResult", "patch_workbook", "write_back"]
