"""What calamine does not give, read from the workbook's XML parts directly.

calamine reads cell values fast but drops Excel error values and formulas that were
never calculated (both come back empty), does not say which rows are hidden or which
cells carry a percentage format, and allocates a dense grid for a sheet, so a single
stray cell at XFD1048576 would exhaust memory. This module reads those facts from the
zip parts: the small parts (workbook, relationships, styles, custom properties) with
defusedxml, and the sheet XML with byte searches that touch only the cells of interest
(a full XML parse of a 100,000-row sheet costs seconds; these searches cost a fraction).
The package itself was checked by ``package_check.check_package`` before any of this runs.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from addin.errors import WorkbookError, WorkbookTooLarge
from addin.excel.cellrefs import column_letters, column_number

MAX_ROWS = 200_000  # data rows per sheet
MAX_COLUMNS = 200
MAX_CELLS = 4_000_000  # rows x columns of one sheet's grid, which calamine holds densely

_MAIN_NS = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PERCENT_BUILTIN = frozenset({9, 10})


@dataclass(frozen=True, slots=True)
class SheetInfo:
    name: str
    path: str | None  # zip member of the sheet XML
    state: str  # visible | hidden | veryHidden


@dataclass(frozen=True, slots=True)
class WorkbookInfo:
    sheets: tuple[SheetInfo, ...]
    date1904: bool
    percent_styles: frozenset[int]


@dataclass(slots=True)
class SheetScan:
    """Per-cell facts of one sheet, keyed by 1-based (row, column)."""

    hidden_rows: set[int] = field(default_factory=set)
    uncalculated: set[tuple[int, int]] = field(default_factory=set)  # formula, no cached value
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # "#DIV/0!"...
    percent_cells: set[tuple[int, int]] = field(default_factory=set)


_CHUNK = 1 << 20


def read_member(zf: zipfile.ZipFile, name: str) -> bytes:
    """A zip member's bytes, never inflating past the size its header declares (ZIP-2).

    ``ZipFile.read`` would let a member that lies about its size inflate without bound;
    reading in chunks stops at the declared size, and the CRC check then fails.
    """
    info = zf.getinfo(name)
    chunks: list[bytes] = []
    total = 0
    with zf.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            total += len(chunk)
            if total > info.file_size:
                raise WorkbookError(
                    f"The workbook part {name} is larger than it says; the file is damaged or not a real "
                    "workbook. Save it again as Excel Workbook (.xlsx).",
                    code="corrupt_workbook",
                )
            chunks.append(chunk)
    return b"".join(chunks)


def _xml(zf: zipfile.ZipFile, name: str) -> Element | None:
    try:
        raw = read_member(zf, name)
    except KeyError:
        return None
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, zlib.error) as exc:
        raise WorkbookError(
            f"The workbook part {name} is damaged; save the file again as Excel Workbook (.xlsx).",
            code="corrupt_workbook",
        ) from exc
    try:
        return fromstring(raw)
    except (DefusedXmlException, SyntaxError, ValueError) as exc:
        raise WorkbookError(
            f"The workbook part {name} is not valid XML; save the file again as Excel Workbook (.xlsx).",
            code="corrupt_workbook",
        ) from exc


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_workbook_info(zf: zipfile.ZipFile, workbook_part: str = "xl/workbook.xml") -> WorkbookInfo:
    """Sheet names, their parts and visibility, the 1904 flag and percentage styles."""
    root = _xml(zf, workbook_part)
    if root is None:
        raise WorkbookError(
            f"The workbook has no {workbook_part} part; save it again as Excel Workbook (.xlsx).",
            code="corrupt_workbook",
        )
    base = posixpath.dirname(workbook_part)
    rels = posixpath.join(base, "_rels", posixpath.basename(workbook_part) + ".rels")
    targets = _relationship_targets(zf, rels, base=base)
    date1904 = False
    sheets: list[SheetInfo] = []
    for element in root.iter():
        name = _local(element.tag)
        if name == "workbookPr":
            date1904 = element.get("date1904", "").strip().lower() in ("1", "true")
        elif name == "sheet":
            sheets.append(
                SheetInfo(
                    name=element.get("name", ""),
                    path=targets.get(element.get(_REL_ID, "")),
                    state=element.get("state", "visible"),
                )
            )
    return WorkbookInfo(tuple(sheets), date1904, _percent_styles(zf, _styles_part(zf, rels, base)))


def _styles_part(zf: zipfile.ZipFile, rels: str, base: str) -> str:
    root = _xml(zf, rels)
    for rel in root if root is not None else ():
        if rel.get("Type", "").endswith("/styles"):
            return posixpath.normpath(posixpath.join(base, rel.get("Target", "")))
    return posixpath.join(base, "styles.xml")


def _relationship_targets(zf: zipfile.ZipFile, rels: str, *, base: str) -> dict[str, str]:
    root = _xml(zf, rels)
    if root is None:
        return {}
    out: dict[str, str] = {}
    for rel in root:
        target = rel.get("Target", "")
        if rel.get("TargetMode", "").lower() == "external":
            continue  # never followed
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
        out[rel.get("Id", "")] = path
    return out


def _percent_styles(zf: zipfile.ZipFile, part: str) -> frozenset[int]:
    root = _xml(zf, part)
    if root is None:
        return frozenset()
    custom: set[int] = set()
    xfs: list[Element] = []
    for element in root.iter():
        name = _local(element.tag)
        if name == "numFmt" and _is_percent_code(element.get("formatCode", "")):
            try:
                custom.add(int(element.get("numFmtId", "")))
            except ValueError:
                continue  # a malformed style: the cell is read as a plain number
        elif name == "cellXfs":
            xfs = [x for x in element if _local(x.tag) == "xf"]
    percent = _PERCENT_BUILTIN | custom
    out: set[int] = set()
    for index, xf in enumerate(xfs):
        try:
            if int(xf.get("numFmtId", "0")) in percent:
                out.add(index)
        except ValueError:
            continue
    return frozenset(out)


def _is_percent_code(code: str) -> bool:
    # A "%" inside quotes or after a backslash is literal text, not a percentage format.
    bare = re.sub(r'"[^"]*"|\\.', "", code)
    return "%" in bare


def read_custom_property(zf: zipfile.ZipFile, name: str) -> str | None:
    """The text of a custom document property (docProps/custom.xml), or None."""
    root = _xml(zf, "docProps/custom.xml")
    if root is None:
        return None
    for prop in root:
        if prop.get("name") == name:
            for value in prop:
                return (value.text or "").strip() or None
    return None


def read_sheet_xml(zf: zipfile.ZipFile, sheet: SheetInfo) -> bytes:
    """The raw XML of a sheet; a missing part is a WorkbookError naming the sheet."""
    try:
        if sheet.path is None:
            raise KeyError(sheet.name)
        return read_member(zf, sheet.path)
    except KeyError as exc:
        raise WorkbookError(
            f"Sheet {sheet.name!r} is missing from the file; save it again as Excel Workbook (.xlsx).",
            code="corrupt_workbook",
            sheet=sheet.name,
        ) from exc
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, zlib.error) as exc:
        raise WorkbookError(
            f"Sheet {sheet.name!r} is damaged; save the file again as Excel Workbook (.xlsx).",
            code="corrupt_workbook",
            sheet=sheet.name,
        ) from exc


# --------------------------------------------------------------------------- sheet scan

_REF = re.compile(rb"([A-Z]{1,3})(\d{1,7})")
_ATTR_R = re.compile(rb"""\br\s*=\s*["']([A-Z]{1,3})(\d{1,7})["']""")
# Each pattern starts with a literal so the search skips ahead fast; quotes of both kinds.
# rows from 201,000 (past MAX_ROWS + 1000) and columns from GS (past MAX_COLUMNS = 200)
_PAST_ROWS = rb"(\d{7}|20[1-9]\d{3}|2[1-9]\d{4}|[3-9]\d{5})"
_PAST_COLS = rb"([A-Z]{3}|[H-Z][A-Z]|G[S-Z])"
_BIG_ROW = tuple(re.compile(rb"r=%s[A-Z]{1,3}%s%s" % (q, _PAST_ROWS, q)) for q in (b'"', b"'"))
_WIDE_COL = tuple(re.compile(rb"r=%s%s\d{1,7}%s" % (q, _PAST_COLS, q)) for q in (b'"', b"'"))
_HIDDEN = tuple(re.compile(p) for p in (rb'hidden="1"', rb'hidden="true"', rb"hidden='1'", rb"hidden='true'"))
_ERROR = (re.compile(rb't="e"'), re.compile(rb"t='e'"))
_FORMULA = (re.compile(rb"<f[\s>/]"), re.compile(rb":f[\s>/]"))
_VALUE = re.compile(rb"<(?:[\w.-]+:)?v(?:\s[^>]*)?>([^<]*)</(?:[\w.-]+:)?v>")
_CELL_END = re.compile(rb"</(?:[\w.-]+:)?c>")
_TAG_NAME = re.compile(rb"<(?:[\w.-]+:)?(\w+)")


def check_extent(raw: bytes, sheet: str) -> None:
    """Refuse a sheet whose cells with content reach beyond the row/column/cell caps.

    Searches are shaped so an ordinary sheet costs a few passes in C: only rows past
    the cap and columns past the cap are matched one by one; the grid size is then
    bounded from the last row and the widest column that hold content. Empty styled
    cells (``<c r="A999999" s="3"/>``) do not count: calamine skips them.
    """
    max_row = 0
    for pattern in _BIG_ROW:
        for match in pattern.finditer(raw):
            if _attribute_start(raw, match.start()) and _has_content(raw, match.end()):
                max_row = max(max_row, int(match[1]))
    if max_row > MAX_ROWS + 1000:
        raise WorkbookTooLarge(
            f"Sheet {sheet!r} has data down to row {max_row:,}; at most {MAX_ROWS:,} rows can be read. "
            "Delete the unused rows or split the sheet.",
            code="too_many_rows",
            sheet=sheet,
        )
    for pattern in _WIDE_COL:
        for match in pattern.finditer(raw):
            if _attribute_start(raw, match.start()) and _has_content(raw, match.end()):
                raise WorkbookTooLarge(
                    f"Sheet {sheet!r} has data out to column {match[1].decode()}; at most {MAX_COLUMNS} "
                    "columns can be read. Delete the unused columns.",
                    code="too_many_columns",
                    sheet=sheet,
                )
    _check_refless_cells(raw, sheet)
    rows = max(max_row, _last_row_number(raw))
    if rows * MAX_COLUMNS > MAX_CELLS:
        columns = _widest_column(raw, rows)
        if rows * columns > MAX_CELLS:
            raise WorkbookTooLarge(
                f"Sheet {sheet!r} is too large to read ({rows:,} rows by {columns} columns). "
                "Delete unused rows and columns or split the sheet.",
                code="sheet_too_large",
                sheet=sheet,
            )
    check_string_indexes(raw, sheet)


def _last_row_number(raw: bytes) -> int:
    """The number of the last row holding a value (rows are written in order)."""
    content = max(raw.rfind(b"</v>"), raw.rfind(b"</t>"), raw.rfind(b"</f>"), raw.rfind(b"v>"))
    if content < 0:
        return 0
    best = 0
    for needle in (b'<row r="', b"<row r='", b':row r="'):
        pos = raw.rfind(needle, 0, content)
        if pos >= 0:
            digits = re.match(rb"\d{1,7}", raw[pos + len(needle) : pos + len(needle) + 8])
            best = max(best, int(digits[0]) if digits else 0)
    return best or 1_048_576


def _widest_column(raw: bytes, rows: int) -> int:
    """An upper bound of the widest column used (empty styled cells included)."""
    # One pattern per quote keeps a literal prefix, so the search runs at C speed;
    # two-letter columns are rare, so that search yields few matches.
    two = set(re.findall(rb'r="([A-Z]{2})\d', raw)) | set(re.findall(rb"r='([A-Z]{2})\d", raw))
    if two:
        return max(column_number(letters) for letters in two)
    if rows * 26 <= MAX_CELLS:
        return 26
    one = set(re.findall(rb'r="([A-Z])\d', raw)) | set(re.findall(rb"r='([A-Z])\d", raw))
    return max((column_number(letters) for letters in one), default=1)


# A shared-string cell whose value is not a plain index ("-1", "abc"): calamine would
# quietly show some other string; an index past the table's end makes calamine fail.
_BAD_STRING_INDEX = tuple(
    re.compile(rb"t=%ss%s[^>]*>\s*<(?:[\w.-]+:)?v>(?!\s*\d+\s*</)([^<]*)<" % (q, q)) for q in (b'"', b"'")
)


def check_string_indexes(raw: bytes, sheet: str) -> None:
    """Refuse shared-string references that are not indexes rather than guess the text."""
    for pattern in _BAD_STRING_INDEX:
        match = pattern.search(raw)
        if match and _attribute_start(raw, match.start()):
            _, tag, _ = _enclosing_tag(raw, match.start())
            ref = _cell_ref(tag)
            where = f" at {column_letters(ref[1])}{ref[0]}" if ref else ""
            raise WorkbookError(
                f"Sheet {sheet!r} is damaged: the cell{where} points at text that does not exist "
                f"({match[1].decode('utf-8', 'replace')[:20]!r}). Open the file in Excel and save it again.",
                code="corrupt_workbook",
                sheet=sheet,
                cell=f"{column_letters(ref[1])}{ref[0]}" if ref else None,
            )


def _check_refless_cells(raw: bytes, sheet: str) -> None:
    # Cells without an r="A1" attribute are placed one after another, so their
    # extent cannot be found by the searches above. Every writer we know puts r
    # first; anything else gets the slower exact check.
    plain = raw.count(b"<c ") + raw.count(b"<c>")
    if plain == raw.count(b'<c r="') and b":c " not in raw and b":c>" not in raw:
        return
    for match in re.finditer(rb"<(?:[\w.-]+:)?c(?=[\s>/])([^>]*)>", raw):
        if not _ATTR_R.search(match[1]):
            raise WorkbookError(
                f"Sheet {sheet!r} has cells without a cell reference, which cannot be read safely. "
                "Open the file in Excel and save it again.",
                code="unsupported_sheet",
                sheet=sheet,
            )


def _attribute_start(raw: bytes, pos: int) -> bool:
    return pos > 0 and raw[pos - 1 : pos].isspace()


def _has_content(raw: bytes, pos: int) -> bool:
    end = raw.find(b">", pos)
    return end > 0 and raw[end - 1 : end] != b"/"


def _enclosing_tag(raw: bytes, pos: int) -> tuple[bytes, bytes, int]:
    """(element name, start tag bytes, end of start tag) around position ``pos``."""
    start = raw.rfind(b"<", 0, pos)
    end = raw.find(b">", pos)
    tag = raw[start : end + 1]
    name = _TAG_NAME.match(tag)
    return (name[1] if name else b""), tag, end + 1


def _cell_ref(tag: bytes) -> tuple[int, int] | None:
    match = _ATTR_R.search(tag)
    if not match:
        return None
    return int(match[2]), column_number(match[1])


def scan_sheet(raw: bytes, percent_styles: frozenset[int]) -> SheetScan:
    """Hidden rows, uncalculated formulas, error values and percentage cells of a sheet."""
    scan = SheetScan()
    for match in (m for pattern in _HIDDEN for m in pattern.finditer(raw)):
        if not _attribute_start(raw, match.start()):
            continue
        name, tag, _ = _enclosing_tag(raw, match.start())
        if name == b"row":
            row = re.search(rb"""\br\s*=\s*["'](\d+)["']""", tag)
            if row:
                scan.hidden_rows.add(int(row[1]))
    for match in (m for pattern in _ERROR for m in pattern.finditer(raw)):
        if not _attribute_start(raw, match.start()):
            continue
        name, tag, end = _enclosing_tag(raw, match.start())
        ref = _cell_ref(tag) if name == b"c" else None
        if ref and not tag.endswith(b"/>"):
            close = _CELL_END.search(raw, end)
            value = _VALUE.search(raw, end, close.start() if close else len(raw))
            if value:
                scan.errors[ref] = value[1].decode("utf-8", "replace").strip()
    if not _all_formulas_have_values(raw):
        for pattern in _FORMULA:
            for match in pattern.finditer(raw):
                _note_formula(raw, match.start(), scan)
    for style in percent_styles:
        if _percent_cells_fast(raw, style, scan):
            continue
        needles = (re.compile(rb's="%d"' % style), re.compile(rb"s='%d'" % style))
        for match in (m for pattern in needles for m in pattern.finditer(raw)):
            if not _attribute_start(raw, match.start()):
                continue
            name, tag, _ = _enclosing_tag(raw, match.start())
            ref = _cell_ref(tag) if name == b"c" else None
            if ref:
                scan.percent_cells.add(ref)
    return scan


def _all_formulas_have_values(raw: bytes) -> bool:
    # Fast path (as Excel and openpyxl write them): every <f>...</f> or <f .../> is
    # directly followed by a non-empty <v>. Counting is done in C; anything else
    # (prefixes, empty values, missing values) takes the exact walk.
    formulas = raw.count(b"<f>") + raw.count(b"<f ")
    if not formulas:
        return b":f>" not in raw and b":f " not in raw
    followed = raw.count(b"</f><v>") + raw.count(b"/><v>")
    return followed >= formulas and b"<v></v>" not in raw and b"<v/>" not in raw


def _percent_cells_fast(raw: bytes, style: int, scan: SheetScan) -> bool:
    # Fast path for the usual attribute order <c r="B2" s="3" ...>; False when some
    # uses of the style were not found that way and the exact search must run.
    total = raw.count(b' s="%d"' % style)
    if not total or b"s='%d'" % style in raw:
        return total == 0 and b"s='%d'" % style not in raw
    found = re.findall(rb'<c r="([A-Z]{1,3})(\d{1,7})" s="%d"' % style, raw)
    rows_with_style = len(re.findall(rb'<row r="\d+"(?: spans="[\d:]+")? s="%d"' % style, raw))
    if len(found) + rows_with_style != total:
        return False
    for letters, row in found:
        scan.percent_cells.add((int(row), column_number(letters)))
    return True


def _note_formula(raw: bytes, pos: int, scan: SheetScan) -> None:
    name, _, _ = _enclosing_tag(raw, pos + 1)
    if name != b"f":
        return
    cell_start = raw.rfind(b"<", 0, raw.rfind(b"<", 0, pos + 1))
    # Walk back to the <c ...> start tag that holds this <f>.
    while cell_start > 0:
        tag_name, tag, tag_end = _enclosing_tag(raw, cell_start + 1)
        if tag_name == b"c" and not tag.startswith(b"</"):
            break
        cell_start = raw.rfind(b"<", 0, cell_start)
    else:
        return
    ref = _cell_ref(tag)
    if ref is None:
        return
    close = _CELL_END.search(raw, tag_end)
    stop = close.start() if close else len(raw)
    value = _VALUE.search(raw, tag_end, stop)
    if value is None:
        scan.uncalculated.add(ref)
    elif not value[1].strip() and not re.search(rb"""\bt\s*=\s*["']str["']""", tag):
        scan.uncalculated.add(ref)  # an empty cached number; an empty text result is fine
