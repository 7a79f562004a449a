"""One sync of a workbook: read → merge with the store → lint → write status back.

Reading happens before the write transaction, and the merge, lint and audit entry are
one transaction: if any of them fails, nothing is stored. The status cells and the updated
workbook are worked out after that transaction commits, so the database's write lock (SQLite
has one for every tenant) is never held while a big workbook is scored and rewritten. A workbook the write-back can
never patch (Excel 4.0 macro sheets, Strict Open XML) is refused before anything is stored.

If the write-back fails after the commit, the sync stays stored and whole; the report
says ``written_back=False`` and why (``sync.write-back-failed``). That is safe: the
workbook is then a copy of the revision it was made from (store.revisions), and syncing
it again is merged against that revision's base, so nothing stored is reverted or lost,
and rows it added without an id are matched by team + objective + title + quarter to the
key results this sync created, never duplicated (okr.merge).

Over 500 lines: the sync's one pipeline (read, merge, lint, status cells, write-back) kept together; its side jobs live in sync_authority, sync_limits and sync_report.
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, TypedDict

from addin.errors import OkrError
from addin.excel.mapping import Mapping
from addin.excel.mapping import from_dict as mapping_from_dict
from addin.excel.reader import ReadResult, SheetLayout, read_workbook
from addin.excel.sync_authority import audit_sync, authorise_sync
from addin.excel.sync_limits import DEFAULT_MAX_KR_ROWS, check_row_cap
from addin.excel.sync_report import (
    first_sync_history,
    held_back_rows,
    not_written_back,
    summary_line,
    write_back_failed,
    write_back_reason,
    writeback_findings,
)
from addin.excel.writeback import CellWrite, check_writable, patch_workbook
from addin.okr.authority import LOCAL_ADMIN, Actor
from addin.okr.lint import lint
from addin.okr.merge import FieldConflict, SyncPlan, normalise_id
from addin.okr.model import (
    CheckIn,
    DependencyAnswer,
    Finding,
    KeyResult,
    Location,
    ObjectiveType,
    OkrSet,
    Severity,
    Thresholds,
)
from addin.okr.periods import quarter_from_due_dates
from addin.okr.quarters import Quarter, parse_quarter, resolve_quarter
from addin.okr.scoring import KrStatus, kr_status
from addin.store import dependencies, mappings, revisions
from addin.store.checkins import list_checkins, record_checkin
from addin.store.db import Database
from addin.store.findings import save_findings
from addin.store.key_results import count_key_results
from addin.store.okr_sets import list_teams, load_okrs
from addin.store.sync_slots import sync_slot
from addin.store.sync_writes import sync_okrs
from addin.store.workbooks import new_workbook_id, workbook_known

if TYPE_CHECKING:
    from addin.store.db import Session

log = logging.getLogger(__name__)

# The columns the sync writes, with the header it gives them where a layout lacks one.
OUTPUT_HEADERS = {
    "id": "ID",
    "progress": "Progress",
    "status": "Status",
    "last_checkin": "Last check-in",
    "flags": "Flags",
}
OUTPUT_KINDS = {"id": "text", "progress": "percent", "status": "text", "last_checkin": "date", "flags": "text"}
CHECKINS_SHEET = "Check-ins"
CHECKIN_HEADER = ("Date", "KR ID", "Key Result", "Value", "Confidence", "Note", "Source")


class WriteBackEdits(TypedDict):
    """What a sync writes into the workbook: patch_workbook's keyword arguments."""

    cells: list[CellWrite]
    header_cells: list[CellWrite]
    append_rows: dict[str, list[list[object]]]
    workbook_id: str


@dataclass(slots=True)
class LintReport:
    findings: list[Finding]
    layout: str
    layout_note: str
    mapping: Mapping | None = None

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)

    def as_dict(self) -> dict[str, object]:
        return {
            "layout": self.layout,
            "layout_note": self.layout_note,
            "mapping": self.mapping.as_dict() if self.mapping is not None else None,
            "findings": [f.as_dict() for f in self.findings],
        }


@dataclass(slots=True)
class SyncReport:
    created: int
    updated: int
    unchanged: int
    archived: int
    checkins: int
    conflicts: list[FieldConflict]
    findings: list[Finding]
    layout: str
    layout_note: str
    workbook_id: str
    workbook: bytes = field(repr=False)
    cells: list[CellWrite] = field(default_factory=list, repr=False)
    summary: str = ""  # the first line: read, stored, held back, layout (sync_report.summary_line)
    held_back: int = 0  # rows not applied because of an error
    read_key_results: int = 0
    written_back: bool = True  # False for a CSV export (nothing to write into), or when the write-back failed
    write_back_error: str | None = None  # why the write-back failed (the sync itself is stored)
    mapping: dict[str, object] | None = field(default=None, repr=False)  # how it was read (the pane shows it)
    # the id and revision the workbook carries from now on ("WB-…#r7"): the write-back puts it in the
    # file's custom properties, and the Excel pane (which writes cells in place) sets it itself
    revision: str = ""

    @property
    def stored(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def incomplete(self) -> bool:
        """Rows were held back, or a workbook with key results stored none: `okr sync` exits 1."""
        return bool(self.held_back or (self.read_key_results and not self.stored))

    quarters: tuple[str, ...] = ()  # the quarters this workbook's key results were synced into

    @property
    def write_back_failed(self) -> bool:
        """Stored, but the updated workbook could not be built: `okr sync` exits 1, the pane says so."""
        return self.write_back_error is not None

    def as_dict(self, *, findings: bool = True) -> dict[str, object]:
        """The `okr sync --json` document (without the workbook bytes; ``findings=False``: without
        the findings and conflicts, which a big workbook has by the thousand)."""
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "archived": self.archived,
            "checkins": self.checkins,
            "conflicts": [conflict_as_dict(c) for c in self.conflicts] if findings else [],
            "findings": [f.as_dict() for f in self.findings] if findings else [],
            "layout": self.layout,
            "layout_note": self.layout_note,
            "workbook_id": self.workbook_id,
            "workbook_revision": self.revision,
            "summary": self.summary,
            "held_back": self.held_back,
            "stored": self.stored,
            "quarters": list(self.quarters),
            "written_back": self.written_back,
            "write_back_error": self.write_back_error,
        }


def conflict_as_dict(conflict: FieldConflict) -> dict[str, object]:
    return {
        "key_result": conflict.kr_id,
        "field": conflict.field,
        "base": _jsonable(conflict.base),
        "workbook": _jsonable(conflict.workbook),
        "stored": _jsonable(conflict.stored),
        "location": conflict.location.as_dict(),
    }


def lint_workbook(
    data: bytes,
    *,
    today: dt.date,
    quarter: str | None = None,
    history: Sequence[CheckIn] = (),
    answers: Sequence[DependencyAnswer] = (),
) -> LintReport:
    """Read a workbook and lint it without storing anything (``history`` and ``answers``: the
    store's check-ins and dependency answers, where there is a store)."""
    read = read_workbook(data, quarter=quarter, today=today)
    okrs = read.okrs
    okrs.dependency_answers = list(answers)
    findings = lint(
        okrs,
        today=today,
        checkins=[*okrs.checkins, *history],
        quarter=_quarter(read, quarter, today),
    )
    return LintReport([*read.problems, *findings], read.layout, read.layout_note, read.mapping)


def sync_workbook(
    db: Database,
    tenant: str,
    data: bytes,
    *,
    now: dt.datetime,
    quarter: str | None = None,
    actor: Actor = LOCAL_ADMIN,
    max_rows: int | None = None,
    mapping: Mapping | None = None,
    write_back: bool = True,
) -> SyncReport:
    """Sync one workbook for one tenant as ``actor`` (see okr.authority); returns the report and
    the updated workbook, built after the sync is committed (``written_back`` is False, with
    the reason, when that failed). The default actor is the local admin (CLI, embedded default).
    ``write_back=False`` (the Excel pane, which writes ``report.cells`` in place itself): the
    status cells are worked out but no file is built; ``written_back`` is False, with no error.

    The workbook is read before the write transaction opens, and refused over ``max_rows``
    key result rows (the edges pass OKR_MAX_KR_ROWS); a second sync of the same tenant meanwhile is TooBusy.
    ``mapping`` (``okr sync --mapping``) places the sheets and columns and is saved with the
    workbook's id; without one, a mapping saved for this workbook before is used.
    """
    limit = DEFAULT_MAX_KR_ROWS if max_rows is None else max_rows
    with sync_slot(db, tenant):
        return _sync_bounded(
            db,
            tenant,
            data,
            now=now,
            quarter=quarter,
            actor=actor,
            max_rows=limit,
            mapping=mapping,
            write_back=write_back,
        )


def _sync_bounded(
    db: Database,
    tenant: str,
    data: bytes,
    *,
    now: dt.datetime,
    quarter: str | None,
    actor: Actor,
    max_rows: int,
    mapping: Mapping | None,
    write_back: bool,
) -> SyncReport:
    report, edits = _read_and_store(
        db, tenant, data, now=now, quarter=quarter, actor=actor, max_rows=max_rows, mapping=mapping, rows=write_back
    )
    if edits is None:  # a CSV export (nothing to write into), or the cells could not be worked out
        return report
    if not write_back:
        report.written_back = False
        return report
    # Committed. What was read and merged went with _read_and_store's frame: the write-back,
    # the peak of a sync's memory, holds only the file, the report and the cells it writes.
    return _write_back(report, data, edits)


def _read_and_store(
    db: Database,
    tenant: str,
    data: bytes,
    *,
    now: dt.datetime,
    quarter: str | None,
    actor: Actor,
    max_rows: int,
    mapping: Mapping | None,
    rows: bool = True,
) -> tuple[SyncReport, WriteBackEdits | None]:
    """Read (outside the write transaction), then merge, store, lint and audit in one transaction.

    Returns the report and the write-back's arguments, worked out after the commit (None for a CSV
    export, or when that failed: the report says so); ``rows=False``: without the Check-ins
    sheet's new rows (no file will be written).
    """
    read = _read_mapped(db, tenant, data, quarter=quarter, today=now.date(), mapping=mapping)
    check_row_cap(read, max_rows)
    if read.source != "csv":
        check_writable(data)  # never store a sync whose workbook can never get its status back
    read, revision = _split_revision(read)
    with db.transaction() as session:
        read, gate = authorise_sync(session, tenant, actor, read, now=now)
        base = revisions.base_of(session, tenant, read.workbook_id, revision) if read.workbook_id else None
        report, stored = _store(session, tenant, read, now=now, quarter=quarter, also_hold=gate.hold, base=base)
        carried = revisions.carried(report.workbook_id, revisions.record(session, tenant, report.workbook_id, now=now))
        report.revision = carried
        audit_sync(session, tenant, actor, gate, _audit_details(report), now=now)
        if mapping is not None:  # a corrected mapping is kept for every later sync of this workbook
            mappings.save_mapping(session, tenant, report.workbook_id, mapping.saved_form(), now=now)
    # Committed: the status cells are worked out without holding the write lock.
    try:
        edits = _status_edits(db, tenant, report, stored, today=now.date(), workbook_id=carried, rows=rows)
    except Exception as exc:  # noqa: BLE001 - as a failed write-back: the stored sync stands, the report says so
        _not_written_back(report, exc)
        return report, None
    if read.source == "csv":
        report.written_back = False
        report.findings.append(not_written_back())
        return report, None
    return report, edits


def _audit_details(report: SyncReport) -> dict[str, object]:
    """The sync's audit entry: its counts (the findings and conflicts counted, not listed)."""
    details = report.as_dict(findings=False)
    return details | {"findings": len(report.findings), "conflicts": len(report.conflicts)}


def _write_back(report: SyncReport, data: bytes, edits: WriteBackEdits) -> SyncReport:
    """The updated workbook into the report; a failure is said in the report, the sync staying stored."""
    try:
        written = patch_workbook(data, **edits)
    except Exception as exc:  # noqa: BLE001 - whatever broke, the stored sync stands and the report says so
        _not_written_back(report, exc)
        return report
    report.workbook = written.data
    report.findings.extend(_kept_formula_findings(written.kept_formulas))
    report.findings.extend(writeback_findings(written.dropped_parts, written.frozen_formulas))
    return report


def _not_written_back(report: SyncReport, exc: Exception) -> None:
    """The write-back failed after the commit: logged, and said first in the report."""
    if isinstance(exc, OkrError):  # the workbook's own doing (a full sheet): the report says it
        log.warning("write-back of %s failed after its sync was stored: %s", report.workbook_id, exc.message)
    else:
        log.exception("write-back of %s failed after its sync was stored", report.workbook_id)
    report.written_back = False
    report.write_back_error = write_back_reason(exc)
    report.findings.insert(0, write_back_failed(report.write_back_error))  # first: it says what to do


def _read_mapped(
    db: Database, tenant: str, data: bytes, *, quarter: str | None, today: dt.date, mapping: Mapping | None
) -> ReadResult:
    """Read by the given mapping, else by the one saved for this workbook, else by what the finders see."""

    def saved_mapping(carried: str) -> Mapping | None:
        workbook_id = revisions.split(carried)[0]
        if not workbook_id:
            return None
        with db.read() as session:
            saved = mappings.load_mapping(session, tenant, workbook_id)
        if not saved:
            return None
        found = mapping_from_dict(saved)
        found.source = "saved"
        return found

    return read_workbook(data, quarter=quarter, today=today, mapping=mapping, saved_mapping=saved_mapping)


def _split_revision(read: ReadResult) -> tuple[ReadResult, int | None]:
    """The workbook id without the revision it carries ("WB-…#r7"), and that revision."""
    workbook_id, revision = revisions.split(read.workbook_id)
    return replace(read, workbook_id=workbook_id), revision


@dataclass(slots=True)
class _QuarterScores:
    """What one quarter's statuses are scored from: its key results of this workbook, their
    check-ins, their objectives' types, the thresholds (the tenant view itself is let go)."""

    period: Quarter
    merged: list[KeyResult]
    checkins: list[CheckIn]
    objective_types: dict[tuple[str, str], ObjectiveType]
    thresholds: Thresholds


@dataclass(slots=True)
class _Stored:
    """What a stored sync's status cells are worked out from, after the commit."""

    read: ReadResult
    plan: SyncPlan
    quarters: list[_QuarterScores]
    typed: list[CheckIn]  # the Check-ins sheet's rows, tied to key results
    main_quarter: str


def _store(
    session: Session,
    tenant: str,
    read: ReadResult,
    *,
    now: dt.datetime,
    quarter: str | None,
    also_hold: Iterable[str] = (),
    base: dict[str, KeyResult] | None = None,
) -> tuple[SyncReport, _Stored]:
    """Merge, store and lint what was read; the report, and what its status cells come from."""
    the_quarter = _quarter(read, quarter, now.date())
    held_rows = _rows_with_errors(read.problems)
    workbook_krs = [kr for kr in read.okrs.key_results if kr.id or _row(kr) not in held_rows]
    hold = {kr.id for kr in workbook_krs if kr.id and _row(kr) in held_rows} | set(also_hold)

    workbook_id = read.workbook_id
    if not (workbook_id and workbook_known(session, tenant, workbook_id)):
        workbook_id = new_workbook_id(session, tenant)
    plan = sync_okrs(
        session,
        tenant,
        workbook_id,
        replace(read.okrs, key_results=workbook_krs),
        now=now,
        hold=hold,
        default_quarter=the_quarter,
        base=base if workbook_id == read.workbook_id else None,
    )
    typed = _sheet_checkins(read, plan.merged)
    imported = _import_sheet_checkins(session, tenant, typed)
    fy_start = read.okrs.settings.fiscal_year_start_month
    scores: list[_QuarterScores] = []
    findings: list[Finding] = []
    for label in plan.quarters:
        # each quarter is linted and scored with that quarter's OKRs only
        period = parse_quarter(label, fy_start)
        in_period = [kr for kr in plan.merged if kr.quarter == label]
        okrs = _tenant_view(session, tenant, read, in_period, label)
        found = lint(okrs, today=now.date(), checkins=okrs.checkins, quarter=period)
        found = first_sync_history(found, [k for k in plan.create if k.quarter == label], okrs.checkins, now)
        if len(plan.quarters) > 1:  # a quarter-blocks workbook: say which quarter each finding is about
            found = [replace(f, message=f"{label}: {f.message}") for f in found]
        save_findings(session, tenant, found, now=now, quarter=label)
        findings.extend(found)
        scores.append(_quarter_scores(period, in_period, okrs))

    report_findings = [*read.problems, *plan.problems, *_for_workbook(findings, plan.merged)]
    report = SyncReport(
        created=len(plan.create),
        updated=len(plan.update),
        unchanged=len(plan.unchanged),
        archived=len(plan.archive),
        checkins=len(plan.checkins) + imported,
        conflicts=plan.conflicts,
        findings=report_findings,
        layout=read.layout,
        layout_note=read.layout_note,
        workbook_id=workbook_id,
        workbook=b"",
        quarters=plan.quarters,
        read_key_results=len(read.okrs.key_results),
        mapping=read.mapping.as_dict(),
    )
    kr_sheets = {layout.sheet for layout in read.sheets if layout.kind == "key_results"}
    report.held_back = len({where for where in held_back_rows(report_findings) if where[0] in kr_sheets})
    report.summary = summary_line(
        objectives=len(read.okrs.objectives),
        key_results=report.read_key_results,
        layout=read.layout,
        stored=report.stored,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        held_back=report.held_back,
    )
    return report, _Stored(read, plan, scores, typed, the_quarter.label)


def _quarter_scores(period: Quarter, in_period: list[KeyResult], okrs: OkrSet) -> _QuarterScores:
    ids = {kr.id for kr in in_period if kr.id}
    return _QuarterScores(
        period=period,
        merged=in_period,
        checkins=[c for c in okrs.checkins if c.kr_id in ids],
        objective_types={(o.team, o.title): o.type for o in okrs.objectives},
        thresholds=okrs.settings.thresholds,
    )


def _status_edits(
    db: Database, tenant: str, report: SyncReport, stored: _Stored, *, today: dt.date, workbook_id: str, rows: bool
) -> WriteBackEdits:
    """The stored sync's status cells (also into the report, for a task pane) and the Check-ins
    sheet's new rows: the write-back's arguments, worked out after the commit."""
    statuses: dict[str, KrStatus] = {}
    for scores in stored.quarters:
        statuses |= _statuses(scores, today)
    cells, header_cells = _status_cells(stored.read, stored.plan, statuses, report.findings, stored.main_quarter)
    report.cells = cells
    append_rows: dict[str, list[list[object]]] = {}
    if rows:
        with db.read() as session:
            history = list_checkins(session, tenant, kr_ids=[kr.id for kr in stored.plan.merged if kr.id])
        append_rows = _checkin_rows(stored.read, stored.plan.merged, history, stored.typed)
    return {
        "cells": cells,
        "header_cells": header_cells,
        "append_rows": append_rows,
        "workbook_id": workbook_id,
    }


def _sheet_checkins(read: ReadResult, merged: Sequence[KeyResult]) -> list[CheckIn]:
    """The Check-ins sheet's rows, each tied to a key result of this workbook.

    A row gives its KR by ID, or (in a workbook not synced yet) by the key result's
    title when exactly one KR has that title; other rows are left out.
    """
    by_id = {kr.id for kr in merged if kr.id}
    by_title: dict[str, list[str]] = defaultdict(list)
    for kr in merged:
        if kr.id:
            by_title[_title_key(kr.title)].append(kr.id)
    resolved = []
    for c in read.okrs.checkins:
        kr_id = normalise_id(c.kr_id) if c.kr_id else None
        if kr_id is None and len(by_title.get(_title_key(c.kr_title), ())) == 1:
            kr_id = by_title[_title_key(c.kr_title)][0]
        if kr_id in by_id:
            resolved.append(replace(c, kr_id=kr_id))
    return resolved


def _title_key(title: str) -> str:
    return " ".join(unicodedata.normalize("NFC", title).casefold().split())


def _import_sheet_checkins(session: Session, tenant: str, sheet_rows: Sequence[CheckIn]) -> int:
    """Check-ins a manager typed into the Check-ins sheet become history (once).

    Rows the sync wrote there itself, or typed twice, are already stored and skipped;
    a back-dated one joins the history without moving the key result's current value.
    """
    typed = [c for c in sheet_rows if c.value is not None or c.confidence is not None]
    if not typed:
        return 0
    ids = sorted({c.kr_id for c in typed})
    stored = {(c.kr_id, c.at.date(), c.value) for c in list_checkins(session, tenant, kr_ids=ids)}
    imported = 0
    for c in typed:
        key = (c.kr_id, c.at.date(), c.value)
        if key in stored:
            continue
        record_checkin(
            session, tenant, c.kr_id, value=c.value, confidence=c.confidence, note=c.note, at=c.at, source="workbook"
        )
        stored.add(key)
        imported += 1
    return imported


def _kept_formula_findings(references: Iterable[str]) -> list[Finding]:
    """Cells the sync would have written but left alone because they hold a formula."""
    findings = []
    for reference in references:
        sheet, _, cell = reference.rpartition("!")
        sheet = sheet.strip("'").replace("''", "'")
        row = int("".join(ch for ch in cell if ch.isdigit()) or 0) or None
        findings.append(
            Finding(
                rule="input.formula-kept",
                pitfall=None,
                severity=Severity.INFO,
                location=Location(sheet=sheet, row=row, cell=cell),
                message=f"{cell} holds a formula, so OKR Cadence did not write its status value there.",
                suggestion="Clear the formula if you want the synced value in that cell.",
            )
        )
    return findings


def _quarter(read: ReadResult, quarter: str | None, today: dt.date) -> Quarter:
    """The workbook's period: as asked, else its Settings / label block, else its due dates, else today's."""
    settings = read.okrs.settings
    fy_start = settings.fiscal_year_start_month
    if not (quarter or settings.quarter):
        by_due = quarter_from_due_dates(read.okrs.key_results, fy_start)
        if by_due is not None:
            return by_due
    return resolve_quarter(quarter or settings.quarter, today=today, fy_start_month=fy_start)


def _row(kr: KeyResult) -> tuple[str | None, int | None]:
    return (kr.location.sheet, kr.location.row)


def _rows_with_errors(problems: Iterable[Finding]) -> set[tuple[str | None, int | None]]:
    return {
        (p.location.sheet, p.location.row)
        for p in problems
        if p.severity is Severity.ERROR and p.location.row is not None
    }


def _tenant_view(session: Session, tenant: str, read: ReadResult, merged: Sequence[KeyResult], quarter: str) -> OkrSet:
    """One quarter of the tenant's OKRs after the sync, with this workbook's rows carrying their cells.

    Cross-team rules (dependencies, conflicting KRs, overloaded owners) need every
    team of the tenant, not just the teams of this workbook. When this workbook holds
    every key result the tenant has in the quarter (one workbook per tenant is common),
    what was just read is that view already, and reloading it all would double the
    cost of a sync.
    """
    located = {kr.id: kr for kr in merged if kr.id}
    if count_key_results(session, tenant, quarters=[quarter]) == len(located):
        teams = {t.name: t for t in (*list_teams(session, tenant), *read.okrs.teams)}
        titles = {(kr.team, kr.objective) for kr in located.values()}
        used = {(kr.team, kr.objective) for kr in read.okrs.key_results}
        return OkrSet(
            settings=read.okrs.settings,
            teams=list(teams.values()),
            objectives=[
                o for o in read.okrs.objectives if (o.team, o.title) in titles or (o.team, o.title) not in used
            ],
            key_results=list(located.values()),
            initiatives=read.okrs.initiatives,
            checkins=list_checkins(session, tenant, kr_ids=list(located)) if located else [],
            dependency_answers=dependencies.load_answers(session, tenant, quarter=quarter),
        )
    stored = load_okrs(session, tenant, quarter=quarter)
    objectives = {(o.team, o.title): o for o in read.okrs.objectives}
    teams = {t.name: t for t in read.okrs.teams}
    return OkrSet(
        settings=read.okrs.settings,
        teams=[teams.get(t.name, t) for t in stored.teams],
        objectives=[objectives.get((o.team, o.title), o) for o in stored.objectives],
        key_results=[located.get(kr.id or "", kr) for kr in stored.key_results],
        initiatives=read.okrs.initiatives,
        checkins=stored.checkins,
        dependency_answers=dependencies.load_answers(session, tenant, quarter=quarter),
    )


def _for_workbook(findings: Iterable[Finding], merged: Sequence[KeyResult]) -> list[Finding]:
    """The findings that concern this workbook's teams or key results."""
    ids = {kr.id for kr in merged}
    teams = {kr.team for kr in merged}
    return [
        f
        for f in findings
        if f.location.key_result in ids
        or (f.location.key_result is None and f.location.team in teams)
        or (f.location.key_result is None and f.location.team is None)
    ]


def _statuses(scores: _QuarterScores, today: dt.date) -> dict[str, KrStatus]:
    by_kr: dict[str, list[CheckIn]] = defaultdict(list)
    for checkin in scores.checkins:
        by_kr[checkin.kr_id].append(checkin)
    return {
        kr.id: kr_status(
            kr,
            quarter=scores.period,
            today=today,
            thresholds=scores.thresholds,
            checkins=by_kr.get(kr.id, ()),
            objective_type=scores.objective_types.get((kr.team, kr.objective), ObjectiveType.COMMITTED),
        )
        for kr in scores.merged
        if kr.id
    }


def _status_cells(
    read: ReadResult,
    plan: SyncPlan,
    statuses: dict[str, KrStatus],
    findings: Sequence[Finding],
    main_quarter: str,
) -> tuple[list[CellWrite], list[CellWrite]]:
    """The output cells of every KR row, and headers for output columns a layout lacks.

    A row the sync could not apply (unreadable value, unknown ID) still gets its Flags,
    so the manager sees why next to the row. A quarter-blocks row holds one key result
    per quarter: the row's own columns show the one of the workbook's quarter (else
    its first), and each block shows its quarter's progress and status where it has
    such columns.
    """
    layouts = {s.sheet: s for s in read.sheets if s.kind == "key_results"}
    columns, header_cells = _output_columns(layouts.values())
    flags = _flags_by_row(findings, plan.conflicts)
    as_read = {(*_row(kr), kr.quarter): kr for kr in read.okrs.key_results}
    by_row: dict[tuple[str | None, int | None], list[KeyResult]] = defaultdict(list)
    for merged in plan.merged:
        by_row[_row(merged)].append(merged)
    cells: list[CellWrite] = []
    for sheet, row in sorted({*by_row, *flags}, key=lambda where: (where[0] or "", where[1] or 0)):
        if sheet not in columns or row is None:
            continue
        on_row = by_row.get((sheet, row), [])
        kr = next((k for k in on_row if k.quarter == main_quarter), on_row[0] if on_row else None)
        status = statuses.get(kr.id or "") if kr else None
        values = {
            "id": kr.id if kr else None,
            "progress": status.progress if status else None,
            "status": str(status.status) if status else None,
            "last_checkin": status.last_checkin.date() if status and status.last_checkin else None,
            "flags": "; ".join(flags.get((sheet, row), [])) or None,
        }
        if kr is None:
            values = {"flags": values["flags"]}  # keep whatever ID/status the row shows
        cells.extend(
            CellWrite(sheet, row, columns[sheet][name], value, OUTPUT_KINDS[name]) for name, value in values.items()
        )
        layout = layouts[sheet]
        for member in on_row:
            block = layout.blocks.get(member.quarter or "", {})
            if block:
                cells.extend(_block_status(member, block, statuses.get(member.id or "")))
            where = block or (layout.columns if member is kr else {})
            read_kr = as_read.get((sheet, row, member.quarter)) or as_read.get((sheet, row, None))
            cells.extend(_store_side_changes(member, read_kr, sheet, where, plan.conflicts))
    return cells, header_cells


def _block_status(kr: KeyResult, block: dict[str, int], status: KrStatus | None) -> list[CellWrite]:
    """A quarter block's own progress and status cells (a formula there is left alone by the write-back)."""
    if status is None or kr.location.row is None:
        return []
    values = {"progress": status.progress, "status": str(status.status)}
    return [
        CellWrite(kr.location.sheet or "", kr.location.row, block[name], value, OUTPUT_KINDS[name])
        for name, value in values.items()
        if name in block
    ]


def _output_columns(layouts: Iterable[SheetLayout]) -> tuple[dict[str, dict[str, int]], list[CellWrite]]:
    columns: dict[str, dict[str, int]] = {}
    headers: list[CellWrite] = []
    for layout in layouts:
        where = {name: layout.columns[name] for name in OUTPUT_HEADERS if name in layout.columns}
        next_free = max([*layout.columns.values(), layout.last_column]) + 1
        for name, header in OUTPUT_HEADERS.items():
            if name not in where:
                where[name] = next_free
                headers.append(CellWrite(layout.sheet, layout.header_row, next_free, header, "text"))
                next_free += 1
        columns[layout.sheet] = where
    return columns, headers


def _flags_by_row(
    findings: Iterable[Finding], conflicts: Iterable[FieldConflict]
) -> dict[tuple[str | None, int | None], list[str]]:
    flags: dict[tuple[str | None, int | None], list[str]] = defaultdict(list)
    for finding in findings:
        if finding.location.row is not None:
            label = finding.pitfall or finding.rule
            flags[(finding.location.sheet, finding.location.row)].append(f"{label}: {finding.message}")
    for c in conflicts:
        flags[(c.location.sheet, c.location.row)].append(
            f"conflict: {c.field} is {_jsonable(c.stored)} in OKR Cadence but {_jsonable(c.workbook)} here;"
            " both changed since the last sync. Sync again to keep this workbook's value."
        )
    return flags


def _store_side_changes(
    merged: KeyResult,
    read_kr: KeyResult | None,
    sheet: str,
    columns: dict[str, int],
    conflicts: Iterable[FieldConflict],
) -> list[CellWrite]:
    """Values changed outside the workbook (a check-in from Outlook) shown in their cells."""
    if read_kr is None or merged.id is None:
        return []
    conflicted = {c.field for c in conflicts if c.kr_id == merged.id}
    cells = []
    for name in ("current", "confidence"):
        new, old = getattr(merged, name), getattr(read_kr, name)
        if name in columns and name not in conflicted and new is not None and new != old:
            cells.append(CellWrite(sheet, merged.location.row or 0, columns[name], new, "number"))
    return cells


def _checkin_rows(
    read: ReadResult, merged: Sequence[KeyResult], history: Sequence[CheckIn], sheet_rows: Sequence[CheckIn]
) -> dict[str, list[list[object]]]:
    """Stored check-ins of this workbook's KRs that its Check-ins sheet does not show yet.

    A workbook without a check-ins sheet gets one, headed like the template's.
    """
    titles = {kr.id: kr.title for kr in merged if kr.id}
    shown = {(c.kr_id, c.at.date(), c.value) for c in sheet_rows}
    rows: list[list[object]] = [
        [c.at.date(), c.kr_id, titles[c.kr_id], c.value, c.confidence, c.note, c.source]
        for c in sorted(history, key=lambda c: c.at)
        if c.kr_id in titles and (c.kr_id, c.at.date(), c.value) not in shown
    ]
    if not rows:
        return {}
    sheet = next((s.sheet for s in read.sheets if s.kind == "checkins"), None)
    if sheet is None:
        return {CHECKINS_SHEET: [list(CHECKIN_HEADER), *rows]}
    return {sheet: rows}


def _jsonable(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value
