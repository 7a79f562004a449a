"""Excel tables (ListObjects) that grow when rows are appended right below them."""

from __future__ import annotations

from addin.excel.write_text import format_range, parse_range
from addin.excel.write_xml import MAIN_NS, parse_part, serialize_part


def extend_table(data: bytes, part: str, *, first_row: int, last_row: int, columns: int) -> bytes | None:
    """The table part grown down to ``last_row`` when the appended rows continue it; else None.

    Appended rows continue a table when they start inside it or on the row right
    below it and share at least one of its columns. A table with a totals row is
    left alone: rows appended under its totals would not belong to it.
    """
    root = parse_part(data, part)
    ref = root.get("ref")
    if not ref or int(root.get("totalsRowCount", "0") or 0) > 0:
        return None
    try:
        row1, col1, row2, col2 = parse_range(ref)
    except ValueError:
        return None
    if not (row1 < first_row <= row2 + 1) or col1 > columns or last_row <= row2:
        return None
    new_ref = format_range(row1, col1, last_row, col2)
    root.set("ref", new_ref)
    auto_filter = root.find(f"{{{MAIN_NS}}}autoFilter")
    if auto_filter is not None:
        auto_filter.set("ref", new_ref)
    return serialize_part(root)
