"""The sheets beside the key results: Initiatives, Teams, Check-ins and Settings."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from addin.excel import headers
from addin.excel.read_grid import Grid, SheetLayout, find_header
from addin.okr import values as v
from addin.okr.model import CheckIn, Initiative, Location, Severity, Team, Thresholds
from addin.okr.quarters import parse_quarter

if TYPE_CHECKING:
    from addin.excel.reader import _WorkbookReader


def read_initiatives(r: _WorkbookReader, grid: Grid) -> None:
    header = find_header(grid, "initiatives")
    if header is None:
        return
    reader = r._row_reader(grid, header.columns, header.texts)
    known = {v.identity_key(k.ref) for k in r.okrs.key_results if k.ref} | {
        v.identity_key(k.id) for k in r.okrs.key_results if k.id
    }
    last = header.row
    for row in range(header.row + 1, grid.last_row + 1):
        if grid.is_blank(row):
            continue
        raw_ref = reader.raw(row, "ref")
        ref = v.parse_ref(raw_ref) or reader.text(row, "ref")
        title = reader.text(row, "initiative", "initiative")
        if not title:
            continue
        last = row
        if not ref or v.identity_key(ref) not in known:
            r.problems.add(
                "unknown-kr", Severity.WARNING,
                f"this initiative refers to key result {ref or '(none)'!s}, which is not in the workbook. "
                "Write the key result's number (like 1.2) or ID.",
                sheet=grid.name, row=row, col=header.columns.get("ref"),
            )  # fmt: skip
        r.okrs.initiatives.append(
            Initiative(kr_ref=ref or "", title=title, owner=reader.text(row, "owner") or None,
                       status=reader.text(row, "status"), location=Location(sheet=grid.name, row=row))
        )  # fmt: skip
    r._record(grid, "initiatives", header, header.columns, last)


def read_teams(r: _WorkbookReader, grid: Grid) -> None:
    header = find_header(grid, "teams")
    if header is None:
        return
    reader = r._row_reader(grid, header.columns, header.texts)
    last = header.row
    for row in range(header.row + 1, grid.last_row + 1):
        name = reader.text(row, "team")
        if not name:
            continue
        last = row
        team = Team(name=name, location=Location(sheet=grid.name, row=row, team=name))
        team.lead = reader.text(row, "lead", "lead") or None
        members = reader.text(row, "members", "members")
        team.members = tuple(m.strip() for m in re.split(r"[,;\n]", members) if m.strip())
        team.parent = reader.text(row, "parent", "team") or None
        weekday = reader.parse(row, "checkin_weekday", _parse_weekday, "bad-weekday")
        if weekday is not None:
            team.checkin_weekday = weekday
        at = reader.parse(row, "checkin_time", _parse_time, "bad-time")
        if at is not None:
            team.checkin_time = at
        zone = reader.parse(row, "timezone", _parse_zone, "bad-timezone")
        if zone:
            team.timezone = zone
        minutes = reader.parse(row, "meeting_minutes", v.parse_number, "bad-number")
        if minutes:
            team.meeting_minutes = int(minutes)
        r.okrs.teams.append(team)
    r._record(grid, "teams", header, header.columns, last)


def read_checkins(r: _WorkbookReader, grid: Grid) -> None:
    header = find_header(grid, "checkins")
    if header is None:
        return
    reader = r._row_reader(grid, header.columns, header.texts)
    last = header.row
    for row in range(header.row + 1, grid.last_row + 1):
        kr_id = reader.text(row, "id")
        title = reader.text(row, "key_result") if "key_result" in header.columns else ""
        if not kr_id and not title:
            continue
        last = row
        at = reader.parse(row, "at", _parse_timestamp, "bad-date")
        if at is None:
            continue
        r.okrs.checkins.append(
            CheckIn(
                kr_id=kr_id, at=at,
                value=reader.parse(row, "value", v.parse_number, "bad-number"),
                confidence=reader.parse(row, "confidence", v.parse_confidence, "bad-confidence"),
                note=reader.text(row, "note", "notes"),
                source=reader.text(row, "source", "status") or "workbook",
                kr_title=title,
            )
        )  # fmt: skip
    r._record(grid, "checkins", header, header.columns, last)


def read_settings(r: _WorkbookReader, grid: Grid) -> None:
    settings = r.okrs.settings
    thresholds = {headers.normalise(name.replace("_", " ")): name for name in Thresholds.__dataclass_fields__}
    pairs = []
    for row in range(1, grid.last_row + 1):
        # "Label | Value | what it means": the value is the cell right of the label;
        # an empty value keeps the default.
        label_col = next((c for c, x in enumerate(grid.rows[row - 1], start=1) if x not in ("", None)), None)
        if label_col is None or not isinstance(grid.value(row, label_col), str):
            continue
        value = grid.value(row, label_col + 1)
        if value is not None:
            pairs.append((row, grid.value(row, label_col), label_col + 1, value))
    for row, label, col, value in pairs:
        key = headers.normalise(label)
        if key in (
            "fiscal year start",
            "fiscal year start month",
            "fy start",
            "fiscal year starts",
            "inicio del ano fiscal",
            "inicio do ano fiscal",
        ):
            month = _parse_month(value)
            if month is None:
                setting_problem(r, grid, row, col, label, "write a month number (1-12) or name")
            else:
                settings.fiscal_year_start_month = month
    for row, label, col, value in pairs:
        key = headers.normalise(label)
        if key in ("quarter", "trimestre", "period", "periodo", "current quarter"):
            try:
                settings.quarter = parse_quarter(str(value), settings.fiscal_year_start_month).label
            except ValueError:
                setting_problem(r, grid, row, col, label, "write the quarter like 2026-Q1")
        elif key in ("holidays", "holiday", "festivos", "feriados"):
            days = _parse_holidays(value)
            if days is None:
                setting_problem(r, grid, row, col, label, "write dates like 2026-12-24, 2026-12-25")
            else:
                settings.holidays = tuple(sorted({*settings.holidays, *days}))
        elif key in thresholds:
            name = thresholds[key]
            try:
                number = v.parse_number(value)
            except v.ValueProblem:
                number = None
            if number is None or number < 0:
                setting_problem(r, grid, row, col, label, "write a number")
                continue
            default = getattr(settings.thresholds, name)
            setattr(settings.thresholds, name, int(number) if isinstance(default, int) else float(number))
    last = pairs[-1][0] if pairs else 0
    r.layouts.append(SheetLayout(grid.name, "settings", 1, {}, 1, last))


def setting_problem(r: _WorkbookReader, grid: Grid, row: int, col: int, label: str, what: str) -> None:
    r.problems.add("bad-setting", Severity.ERROR, f"the setting {label!r} cannot be read; {what}.",
                      sheet=grid.name, row=row, col=col, column=label)  # fmt: skip


_WEEKDAYS = {
    name: i
    for i, names in enumerate([
        ("monday", "mon", "lunes", "segunda", "segunda feira"),
        ("tuesday", "tue", "martes", "terca", "terca feira"),
        ("wednesday", "wed", "miercoles", "quarta", "quarta feira"),
        ("thursday", "thu", "jueves", "quinta", "quinta feira"),
        ("friday", "fri", "viernes", "sexta", "sexta feira"),
        ("saturday", "sat", "sabado"),
        ("sunday", "sun", "domingo"),
    ])
    for name in names
}  # fmt: skip


def _parse_weekday(value: object) -> int | None:
    if v.is_empty(value):
        return None
    key = headers.normalise(value)
    if key in _WEEKDAYS:
        return _WEEKDAYS[key]
    raise v.ValueProblem(f"{value!r} is not a weekday; write Monday, Tuesday ...")


def _parse_time(value: object) -> dt.time | None:
    if v.is_empty(value):
        return None
    if isinstance(value, dt.time):
        return value.replace(microsecond=0)
    if isinstance(value, dt.datetime):
        return value.time().replace(microsecond=0)
    if isinstance(value, float) and 0 <= value < 1:
        minutes = round(value * 24 * 60)
        return dt.time(minutes // 60 % 24, minutes % 60)
    match = re.fullmatch(r"\s*(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\s*", str(value), re.IGNORECASE)
    if match:
        hour, minute = int(match[1]), int(match[2] or 0)
        if match[3]:
            hour = hour % 12 + (12 if match[3].lower() == "pm" else 0)
        if hour < 24 and minute < 60:
            return dt.time(hour, minute)
    raise v.ValueProblem(f"{value!r} is not a time of day; write it like 10:00.")


def _parse_zone(value: object) -> str | None:
    if v.is_empty(value):
        return None
    name = str(value).strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise v.ValueProblem(f"{name!r} is not a time zone; write it like Europe/Madrid.") from exc
    return name


def _parse_month(value: object) -> int | None:
    try:
        number = v.parse_number(value)
    except v.ValueProblem:
        number = None
    if number is not None and number.is_integer() and 1 <= number <= 12:
        return int(number)
    for fmt in ("%B", "%b"):
        try:
            return dt.datetime.strptime(str(value).strip(), fmt).month
        except ValueError:
            continue
    return None


def _parse_timestamp(value: object) -> dt.datetime | None:
    """A check-in's time: naive values are taken as UTC, offsets converted to UTC."""
    if v.is_empty(value):
        return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None:
            return _parse_timestamp(parsed)
    day = v.parse_date(value)
    return None if day is None else dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _parse_holidays(value: object) -> tuple[dt.date, ...] | None:
    """A Settings "Holidays" cell: a date, or ISO dates separated by commas/semicolons."""
    if isinstance(value, dt.datetime):
        return (value.date(),)
    if isinstance(value, dt.date):
        return (value,)
    parts = [p.strip() for p in re.split(r"[,;\n]", str(value)) if p.strip()]
    try:
        return tuple(dt.date.fromisoformat(p) for p in parts) or None
    except ValueError:
        return None
