"""How one row of a worksheet is written: the styles a new cell borrows, the cells of an
lxml row edited, a new row built as text. Both of the write-back's paths (write_sheet's
lxml stream, write_splice's bytes) write rows through one RowWriter per sheet.

Written cells keep their place in the row and their style. Cells holding a formula
are never overwritten: the write is skipped and reported, because removing a shared
formula's master cell would break every cell that shares it.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from addin.excel.cellrefs import column_number
from addin.excel.write_cells import CellMaker
from addin.excel.write_edit import CellValue, SheetEdit, SheetOutcome, Write, encode, refers_to_external
from addin.excel.write_styles import StyleBook
from addin.excel.write_text import MAX_COLUMN, column_letters, format_range, parse_range, xml_escape_text
from addin.excel.write_xml import MAIN_NS

_C = f"{{{MAIN_NS}}}c"
_V = f"{{{MAIN_NS}}}v"
_F = f"{{{MAIN_NS}}}f"
_IS = f"{{{MAIN_NS}}}is"
_T = f"{{{MAIN_NS}}}t"
_DIMENSION = f"{{{MAIN_NS}}}dimension"
_COLS = f"{{{MAIN_NS}}}cols"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_DIGITS = "0123456789"
FLUSH_EVERY = 2_000  # rows written to the output at a time


class _ColumnStyles(dict[int, "int | None"]):
    """Default styles of columns from <cols> (what Excel gives a new cell there).

    Look a column up by indexing: a dict that fills itself, so the hot loops pay
    one dict lookup per cell.
    """

    def __init__(self, cols: etree._Element | None) -> None:
        super().__init__()
        self._ranges: list[tuple[int, int, int]] = []
        if cols is not None:
            for col in cols:
                style = col.get("style")
                if style and style != "0":
                    self._ranges.append((int(col.get("min", "0")), int(col.get("max", "0")), int(style)))

    def __missing__(self, column: int) -> int | None:
        found = next((style for first, last, style in self._ranges if first <= column <= last), None)
        self[column] = found
        return found


class RowWriter:
    """The rows of one worksheet part being rewritten per a SheetEdit, and what they remember."""

    def __init__(self, edit: SheetEdit, styles: StyleBook | None, *, date1904: bool, part: str) -> None:
        self.edit = edit
        self.styles = styles
        self.date1904 = date1904
        self.part = part
        self.outcome = SheetOutcome()
        self.style_above: dict[int, int] = {}
        self.col_styles = _ColumnStyles(None)
        self.prefix = ""
        self.decls: list[bytes] = []
        self._frozen_shared: set[str] = set()
        self.maker = CellMaker("", date1904, self._encode_value)
        self.style_attrs: dict[tuple[int, str], str] = {}  # (base style, role) -> ' s="N"'

    def style_attr(self, base: int, role: str) -> str:
        """' s="N"' for a value of ``role`` in a cell whose own style is ``base`` (remembered)."""
        style = self.styles.for_value(base, role) if self.styles is not None else base
        attr = self.style_attrs[(base, role)] = self.maker.style_attr(style)
        return attr

    def _encode_value(self, value: object, kind: str) -> tuple[str, str]:
        return encode(Write(value, kind), self.date1904)

    def writes_for(
        self, number: int, pending: list[int], position: int, buffer: list[bytes]
    ) -> tuple[dict[int, CellValue] | None, int]:
        """Merge the edit's rows in order with the sheet's: new rows before ``number`` go
        into ``buffer``; returns the writes for row ``number`` (if any) and the new position."""
        while position < len(pending) and pending[position] < number:
            buffer.append(self.new_row(pending[position]))
            position += 1
        if position < len(pending) and pending[position] == number:
            return self.edit.row_writes(number), position + 1
        return None, position

    def open_root(self, root: etree._Element, sheet_data: etree._Element) -> bytes:
        """The part up to and including <sheetData>; learns the sheet's prefix, namespaces and column styles."""
        prefix = next((p for p, uri in root.nsmap.items() if uri == MAIN_NS), None)
        self.prefix = f"{prefix}:" if prefix else ""
        self.maker = CellMaker(self.prefix, self.date1904, self._encode_value)
        self.decls = [(f' xmlns:{p}="{uri}"' if p else f' xmlns="{uri}"').encode() for p, uri in root.nsmap.items()]
        shell = etree.tostring(etree.Element(root.tag, attrib=dict(root.attrib), nsmap=root.nsmap))
        parts = [b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n', shell[:-2] + b">"]
        for child in root:
            if child is sheet_data:
                break
            if child.tag == _DIMENSION:
                self.grow_dimension(child)
            elif child.tag == _COLS:
                self.col_styles = _ColumnStyles(child)
            parts.append(self.strip_declarations(etree.tostring(child)))
        attrs = "".join(
            f' {k}="{xml_escape_text(v).replace(chr(34), "&quot;")}"'
            for k, v in sheet_data.attrib.items()
            if "{" not in k
        )
        parts.append(f"<{self.prefix}sheetData{attrs}>".encode())
        return b"".join(parts)

    def close_root(self, root: etree._Element) -> bytes:
        """The root's end tag."""
        local = etree.QName(root).localname
        return f"</{root.prefix + ':' if root.prefix else ''}{local}>".encode()

    def strip_declarations(self, data: bytes) -> bytes:
        """A serialised child of the root without the namespace declarations the root makes."""
        # lxml re-declares every in-scope namespace on a serialised sub-element; the
        # root already declares them, so drop the copies from the first start tag.
        end = data.find(b">")
        if end < 0:
            return data
        head = data[:end]
        for decl in self.decls:
            head = head.replace(decl, b"", 1)
        return head + data[end:]

    def grow_dimension(self, dimension: etree._Element) -> None:
        """Widen <dimension ref> to cover every cell the edit writes."""
        rows = self.edit.rows()
        if not rows:
            return
        columns = [column for cells in self.edit.writes.values() for column in cells]
        widths = [len(values) for values in self.edit.appended.values() if values]
        low = min(columns) if columns else 1
        high = max(columns + ([max(widths)] if widths else []) or [1])
        box = (rows[0], low, rows[-1], high)
        try:
            old = parse_range(dimension.get("ref", ""))
        except ValueError:
            old = box
        dimension.set(
            "ref",
            format_range(min(old[0], box[0]), min(old[1], box[1]), max(old[2], box[2]), max(old[3], box[3])),
        )

    # -- rows ---------------------------------------------------------------------
    def remember_styles(self, row: etree._Element) -> None:
        """Note each cell's style by column: a new cell below borrows it."""
        column = 0
        for cell in row.iterchildren(_C):
            ref = cell.get("r")
            column = column_number(ref.rstrip(_DIGITS)) if ref else column + 1
            style = cell.get("s")
            if style:
                self.style_above[column] = int(style)

    def edit_row(self, row: etree._Element, row_number: int, writes: dict[int, CellValue]) -> bytes:
        """Apply the writes to one parsed row; return its serialised form."""
        if self.edit.freeze_external:
            self._freeze(row)
        if not writes:
            return self.strip_declarations(etree.tostring(row))
        cells = _cells_from(row, row_number, min(writes))
        # Written cells right of every cell that stays are re-emitted as text at the
        # row's end (cheaper than editing elements); the others are edited in place.
        tail_from = 0
        formulas: set[int] = set()
        for column, cell in cells.items():
            if column not in writes:
                tail_from = max(tail_from, column)
            elif cell.find(_F) is not None:
                formulas.add(column)
                tail_from = max(tail_from, column)
        replaced = [column for column in cells if column > tail_from]
        if replaced and len(row) >= len(replaced) and row[-len(replaced)] is cells[min(replaced)]:
            del row[-len(replaced) :]  # the usual case: they are the row's last cells
            removed = True
        else:
            removed = False
        is_header = row_number in self.edit.header_rows
        appended: list[str] = []  # new cells right of the last existing one, spliced in as text
        left_new: int | None = None
        styles = self.styles
        maker = self.maker
        above = self.style_above
        attrs = self.style_attrs
        column_style = self.col_styles.__getitem__
        row_text = str(row_number)
        for column, role, body in maker.encode([(c, w.value, w.kind) for c, w in sorted(writes.items())]):
            cell = cells.get(column)
            if cell is not None:
                if column in formulas:
                    self.outcome.kept_formulas.append(f"{column_letters(column)}{row_number}")
                    continue
                base = int(cell.get("s", "0"))
                if not is_header:
                    above[column] = base
                if column <= tail_from:
                    _, payload = encode(writes[column], self.date1904)
                    _fill(cell, role, payload, styles.for_value(base, role) if styles is not None else base)
                    continue
                if not removed:
                    row.remove(cell)
                del cells[column]
                if role == "empty":
                    if base:  # an emptied cell keeps its formatting
                        appended.append(maker.cell(column, row_text, base, body))
                    continue
            elif role == "empty":
                continue
            else:
                found = None if is_header else column_style(column)
                if found is None and not is_header:
                    found = above.get(column)
                base = found if found is not None else self._new_cell_style(column, cells, is_header, row, left_new)
            if not is_header:
                above[column] = base
            if column > tail_from:
                left_new = base
                attr = attrs.get((base, role))
                if attr is None:
                    attr = self.style_attr(base, role)
                appended.append(f'{maker.start(column)}{row_text}"{attr}{body}')
            else:
                style = styles.for_value(base, role) if styles is not None else base
                _, payload = encode(writes[column], self.date1904)
                _fill(
                    self._insert_cell(row, cells, column, f"{column_letters(column)}{row_number}"), role, payload, style
                )
        spans = row.get("spans")
        if appended and spans:
            low, _, high = spans.partition(":")
            if low.isdigit() and high.isdigit():
                row.set("spans", f"{min(int(low), min(writes))}:{max(int(high), max(writes))}")
        data = self.strip_declarations(etree.tostring(row))
        if not appended:
            return data
        extra = "".join(appended).encode()
        if len(row) == 0:  # serialised as <row .../>: open it up
            close = data.find(b"/>")
            return data[:close] + b">" + extra + f"</{self.prefix}row>".encode() + data[close + 2 :]
        end = data.rfind(f"</{self.prefix}row>".encode())
        return data[:end] + extra + data[end:]

    def _new_cell_style(
        self,
        column: int,
        cells: dict[int, etree._Element],
        is_header: bool,
        row: etree._Element,
        left_new: int | None = None,
    ) -> int:
        # Why this order: a column's own default (<col style>) is what Excel would give
        # a typed value; then the same column higher up; then the neighbour on the left.
        if not is_header:
            style = self.col_styles[column]
            if style is None:
                style = self.style_above.get(column)
            if style is not None:
                return style
        if left_new is not None:
            return left_new
        left = [c for c in cells if c < column]
        if left:
            return int(cells[max(left)].get("s", "0"))
        if row.get("customFormat") in ("1", "true") and row.get("s"):
            return int(row.get("s"))
        return 0

    def _insert_cell(
        self, row: etree._Element, cells: dict[int, etree._Element], column: int, ref: str
    ) -> etree._Element:
        cell = etree.Element(_C, r=ref)
        after = [c for c in cells if c > column]
        if after:
            cells[min(after)].addprevious(cell)
        else:
            last = cells[max(cells)] if cells else None
            if last is not None:
                last.addnext(cell)
            else:
                row.insert(0, cell)
        cells[column] = cell
        return cell

    def _freeze(self, row: etree._Element) -> None:
        for formula in list(row.iter(_F)):
            text = formula.text or ""
            shared = formula.get("t") == "shared"
            if (text and refers_to_external(text)) or (
                shared and not text and formula.get("si") in self._frozen_shared
            ):
                if shared and formula.get("si") is not None:
                    self._frozen_shared.add(formula.get("si"))
                formula.getparent().remove(formula)
                self.outcome.frozen_formulas += 1

    def new_row(self, row_number: int) -> bytes:
        """A row the sheet does not have yet, holding the edit's values for it."""
        prefix = self.prefix
        maker = self.maker
        row_text = str(row_number)
        parts = [f'<{prefix}row r="{row_text}">']
        is_header = row_number in self.edit.header_rows
        left_style: int | None = None
        column_style = self.col_styles.__getitem__
        above = self.style_above
        starts = maker.starts
        attrs = self.style_attrs
        for column, role, body in maker.encode(self._row_items(row_number)):
            if role == "empty":
                continue
            base = None
            if not is_header:
                base = column_style(column)
                if base is None:
                    base = above.get(column)
            if base is None:
                base = left_style or 0
            # The neighbour's own style, not its date/percent variant, is what is borrowed.
            left_style = base
            if not is_header:
                above[column] = base
            attr = attrs.get((base, role))
            if attr is None:
                attr = self.style_attr(base, role)
            start = starts.get(column)
            if start is None:
                start = maker.start(column)
            parts.append(f'{start}{row_text}"{attr}{body}')
        parts.append(f"</{prefix}row>")
        return "".join(parts).encode()

    def _row_items(self, row_number: int) -> list[tuple[int, object, str]]:
        """(column, value, kind) of a new row's writes in column order, appended values included."""
        values = self.edit.appended.get(row_number)
        writes = self.edit.writes.get(row_number)
        if values is None:
            items = [(column, write.value, write.kind) for column, write in sorted((writes or {}).items())]
        elif not writes:
            items = [(column, value, "auto") for column, value in enumerate(values, start=1)]
        else:
            merged = {column: (column, value, "auto") for column, value in enumerate(values, start=1)}
            merged.update((column, (column, write.value, write.kind)) for column, write in writes.items())
            items = [merged[column] for column in sorted(merged)]
        if items and items[-1][0] > MAX_COLUMN:
            beyond = next(column for column, _, _ in items if column > MAX_COLUMN)
            raise ValueError(f"column {beyond} is beyond Excel's last column")
        return items


def _cells_from(row: etree._Element, row_number: int, first: int) -> dict[int, etree._Element]:
    """The row's cells from column ``first`` on, plus the nearest one to their left.

    Read from the end, so a wide row written only in its last columns costs what
    those columns cost. Cells without an "r" reference need the full pass (and get one).
    """
    cells: dict[int, etree._Element] = {}
    for cell in row.iterchildren(_C, reversed=True):
        ref = cell.get("r")
        if not ref:
            break
        column = column_number(ref.rstrip(_DIGITS))
        cells[column] = cell
        if column < first:
            return cells
    else:
        return cells
    cells.clear()
    column = 0
    for cell in row.iterchildren(_C):
        ref = cell.get("r")
        if ref:
            column = column_number(ref.rstrip(_DIGITS))
        else:
            column += 1
            cell.set("r", f"{column_letters(column)}{row_number}")
        cells[column] = cell
    return cells


def after(root: etree._Element, marker: etree._Element) -> Iterator[etree._Element]:
    """The children of ``root`` after ``marker`` (what follows sheetData)."""
    seen = False
    for child in root:
        if seen:
            yield child
        elif child is marker:
            seen = True


def _fill(cell: etree._Element, role: str, payload: str, style: int) -> None:
    for child in list(cell):
        cell.remove(child)
    for attr in ("t", "cm", "vm"):  # cell/value metadata describe the old value
        if attr in cell.attrib:
            del cell.attrib[attr]
    if style:
        cell.set("s", str(style))
    elif "s" in cell.attrib:
        del cell.attrib["s"]
    if role == "text":
        cell.set("t", "inlineStr")
        text = etree.SubElement(etree.SubElement(cell, _IS), _T)
        text.text = payload
        if payload != payload.strip() or "\n" in payload:
            text.set(_XML_SPACE, "preserve")
    elif role == "bool":
        cell.set("t", "b")
        etree.SubElement(cell, _V).text = payload
    elif role != "empty":
        etree.SubElement(cell, _V).text = payload
