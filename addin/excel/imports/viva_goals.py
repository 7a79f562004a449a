"""A Viva Goals export (.xlsx or .csv) read into the domain model.

Viva Goals (retired by Microsoft) exports one row per item: Objective, Key Result,
Initiative or Project rows, each with its Id, the Id it is aligned to (its parent),
owner, team, time period and start/target/current values. Objectives become
objectives (an objective aligned to another keeps that as ``aligns_to``), key results
are placed under the nearest objective above them in the alignment chain, and
initiatives and projects become initiatives of the key result they are aligned to.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from addin.excel import headers
from addin.excel.read_grid import Grid
from addin.excel.read_rows import Problems, RowReader, read_key_result
from addin.okr.model import Initiative, Location, Objective, OkrSet, Severity
from addin.okr.quarters import parse_quarter

LAYOUT = "viva-goals"
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "item_id": ("id", "okr id", "item id", "goal id", "object id"),
    "key_result": ("title", "name", "okr title", "okr name", "objective key result"),
    "item_type": ("type", "okr type", "item type", "object type", "level"),
    "parent": ("aligned to", "aligned to id", "parent", "parent id", "parent okr", "parent okr id",
               "parent item id", "contributes to"),
    "owner": ("owner", "owners", "owner name", "owner email"),
    "team": ("team", "teams", "team name"),
    "period": ("time period", "period", "cycle", "time period name"),
    "due": ("end date", "due date", "target date"),
    "baseline": ("start value", "start", "baseline"),
    "target": ("target value", "target"),
    "current": ("current value", "current", "actual value"),
    "metric": ("metric", "unit", "metric type", "unit type", "metric unit"),
    "status": ("status",),
    "notes": ("description", "notes"),
}  # fmt: skip
_INDEX = {headers.normalise(w): f for f, words in _SYNONYMS.items() for w in words}
_TYPES = {
    "objective": "objective", "goal": "objective", "key result": "key_result", "kr": "key_result",
    "keyresult": "key_result", "initiative": "initiative", "project": "initiative", "task": "initiative",
}  # fmt: skip
_UNITS = {"%": "%", "percent": "%", "percentage": "%"}
_MAX_DEPTH = 50


@dataclass
class ExportHeader:
    row: int
    columns: dict[str, int]
    texts: dict[int, str] = field(default_factory=dict)


def find_header(grid: Grid) -> ExportHeader | None:
    """The export's header row: Title, Type and a parent link, with Objective and Key Result rows below."""
    for row in range(1, min(grid.last_row, 10) + 1):
        columns: dict[str, int] = {}
        texts: dict[int, str] = {}
        for col, cell in enumerate(grid.row_values(row), start=1):
            name = _INDEX.get(headers.normalise(cell)) if isinstance(cell, str) else None
            if name and name not in columns:
                columns[name] = col
                texts[col] = str(cell).strip()
        if not {"key_result", "item_type", "parent", "item_id"} <= columns.keys():
            continue
        kinds = {_kind(grid.value(r, columns["item_type"])) for r in range(row + 1, min(grid.last_row, row + 500) + 1)}
        if {"objective", "key_result"} <= kinds:
            return ExportHeader(row, columns, texts)
    return None


def _kind(value: object) -> str | None:
    return _TYPES.get(headers.normalise(value)) if isinstance(value, str) else None


@dataclass
class _Item:
    row: int
    kind: str
    title: str
    parent: str
    team: str


def read_export(
    grid: Grid,
    header: ExportHeader,
    okrs: OkrSet,
    problems: Problems,
    *,
    fy_start_month: int = 1,
    date1904: bool = False,
) -> str:
    """Add the export's objectives, key results and initiatives to ``okrs``; the layout note."""
    reader = RowReader(grid, header.columns, header.texts, problems, date1904, fy_start_month)
    items: dict[str, _Item] = {}
    order: list[str] = []
    for row in range(header.row + 1, grid.last_row + 1):
        if grid.is_blank(row):
            continue
        kind = _kind(reader.raw(row, "item_type"))
        title = reader.text(row, "key_result")
        item_id = _id(reader.raw(row, "item_id"))
        if kind is None or not title or not item_id:
            if title or item_id:
                problems.add("export-row", Severity.WARNING,
                             "this row has no item type (Objective, Key Result, Initiative, Project), title or Id, "
                             "so it was not read.", sheet=grid.name, row=row)  # fmt: skip
            continue
        items[item_id] = _Item(row, kind, title, _id(reader.raw(row, "parent")), reader.text(row, "team", "team"))
        order.append(item_id)
    objectives: dict[str, Objective] = {}
    for item_id in order:
        item = items[item_id]
        if item.kind == "objective":
            obj = Objective(team=item.team or grid.name, title=item.title, ref=item_id,
                            location=Location(sheet=grid.name, row=item.row, team=item.team or grid.name,
                                              objective=item.title))  # fmt: skip
            obj.period = _period(reader, item.row, fy_start_month)
            objectives[item_id] = obj
            okrs.objectives.append(obj)
    for obj in objectives.values():
        parent = items.get(items[obj.ref or ""].parent) if obj.ref else None
        if parent is not None:
            obj.aligns_to = parent.title
    krs_by_id: dict[str, str] = {}
    periods: Counter[str] = Counter()
    for item_id in order:
        item = items[item_id]
        if item.kind != "key_result":
            continue
        owner = _owning_objective(item_id, items, objectives)
        if owner is None:
            problems.add("unknown-objective", Severity.ERROR,
                         f"this key result is aligned to {item.parent or '(nothing)'}, which leads to no objective "
                         "in the export, so it cannot be placed.", sheet=grid.name, row=item.row,
                         col=header.columns.get("parent"))  # fmt: skip
            continue
        team = item.team or owner.team
        kr = read_key_result(reader, item.row, team=team, objective=owner.title, title=item.title)
        kr.ref = item_id
        unit = reader.text(item.row, "metric") if "metric" in header.columns else ""
        kr.unit = _UNITS.get(unit.strip().casefold(), kr.unit)
        period = _period(reader, item.row, fy_start_month)
        kr.quarter = period if period and "-Q" in period else None
        if kr.quarter:
            periods[kr.quarter] += 1
        okrs.key_results.append(kr)
        krs_by_id[item_id] = kr.title
    n_initiatives = 0
    for item_id in order:
        item = items[item_id]
        if item.kind != "initiative":
            continue
        if item.parent not in krs_by_id:
            problems.add("unknown-kr", Severity.WARNING,
                         f"this {reader.text(item.row, 'item_type').lower() or 'initiative'} is aligned to "
                         f"{item.parent or '(nothing)'}, which is not a key result of the export; it was not read.",
                         sheet=grid.name, row=item.row, col=header.columns.get("parent"))  # fmt: skip
            continue
        okrs.initiatives.append(Initiative(kr_ref=item.parent, title=item.title,
                                           owner=reader.text(item.row, "owner") or None,
                                           status=reader.text(item.row, "status"),
                                           location=Location(sheet=grid.name, row=item.row)))  # fmt: skip
        n_initiatives += 1
    if periods and not okrs.settings.quarter:
        okrs.settings.quarter = periods.most_common(1)[0][0]
    return (
        f"Recognised a Viva Goals export (one row per item, linked by {header.texts[header.columns['parent']]!r}) "
        f"on sheet {grid.name!r}: read {len(krs_by_id)} key results in {len(objectives)} objectives and "
        f"{n_initiatives} initiatives."
    )


def _id(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _period(reader: RowReader, row: int, fy_start_month: int) -> str | None:
    if "period" not in reader.columns:
        return None
    text = reader.text(row, "period")
    if not text:
        return None
    try:
        return parse_quarter(text, fy_start_month).label
    except ValueError:
        pass
    from addin.excel.read_period import parse_period

    period = parse_period(text, fy_start_month)
    return period.objective_period if period is not None else None


def _owning_objective(item_id: str, items: dict[str, _Item], objectives: dict[str, Objective]) -> Objective | None:
    seen = {item_id}
    parent = items[item_id].parent
    for _ in range(_MAX_DEPTH):
        if not parent or parent in seen:
            return None
        if parent in objectives:
            return objectives[parent]
        seen.add(parent)
        parent = items[parent].parent if parent in items else ""
    return None
