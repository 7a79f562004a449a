"""Three-way merge of a workbook's key results with the stored ones.

Over 500 lines: one algorithm, with the identity rules and the problems it reports, kept whole
so its cases read in order.

``plan_sync`` compares, field by field, what the workbook says now, what the store
holds now, and what this workbook said at its last sync (the *base*):

==========================================  =========================================
workbook vs store / base                    outcome
==========================================  =========================================
workbook == store                           unchanged
workbook changed vs base, store did not     the store takes the workbook's value
store changed vs base, workbook did not     the store keeps its value (``merged``
                                            carries it, so the write-back shows it)
both changed, differently                   conflict: the store is NOT overwritten,
                                            the conflict is reported
==========================================  =========================================

Without a base for a key result (the first sync of this workbook, a workbook without
an id, or an id copied from another workbook) there is nothing to tell who changed
what, so the workbook -- the user's explicit edit -- wins for the descriptive fields.
``current`` and ``confidence`` are the exception: they are what check-ins (for example
from Outlook) change. When the store holds a check-in newer than the workbook's last
check-in for that key result (or the workbook has none), the store keeps its values
and a conflict (``base=None``) is reported, so an Outlook check-in is never silently lost.

Other rules:

- Rows without an id are new key results (``create``); their check-ins name the key
  result as ``new_ref(i)`` (``i`` = index in ``create``) until ``apply_sync`` assigns ids.
- An id unknown for this tenant in this product's own form ("KR-7F3A2C": mistyped, forged,
  another tenant's) is a problem and the row is not applied; so is an id used on more than
  one row (none of them applied). An unknown id in any other form ("KR-1", "1.1",
  "OKR1.KR2") is the manager's own reference from before the first sync: it is adopted
  as the new key result's id. Adopting never takes over a stored key result: an own id
  that is already stored for another team's key result, which this workbook never synced,
  is refused.
- A new key result without a baseline takes its current value as baseline (an info
  finding says so), and an empty baseline cell never clears a stored baseline.
- A row without an id whose team, objective and title (and quarter) are those of exactly
  one stored key result that no other row names by id is that key result: it is matched,
  not duplicated. In a workbook never synced before (no base) that is a copy of the
  workbook, or the template e-mailed to a colleague; in a synced one, a row added since
  its last sync whose ID never reached it (the write-back of the sync that stored it
  failed), or a row whose ID cell was cleared.
  Ids are compared after trimming and upper-casing ("kr-7f3a2c " is "KR-7F3A2C").
- Key results in the base but absent from the workbook are archived, never deleted
  (only those of the quarters the workbook speaks for: another quarter's are left
  alone); archived key results that reappear are restored.
- ``hold``: ids whose rows had unreadable values; they are neither updated nor archived.
- A check-in (``source="workbook"``) is recorded when the workbook changes ``current``
  or ``confidence`` of a stored key result, and for a new key result with a current value.
- Numbers compare with a small tolerance; text compares after NFC normalisation;
  an empty text and a missing one are the same.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from enum import Enum
from operator import attrgetter
from typing import TypeGuard

from addin.okr.model import CheckIn, Finding, KeyResult, KrKind, Location, Severity
from addin.okr.numbers import readable

MERGED_FIELDS: tuple[str, ...] = (
    "team",
    "objective",
    "title",
    "owner",
    "baseline",
    "target",
    "current",
    "unit",
    "confidence",
    "due",
    "kind",
    "aligns_to",
    "depends_on",
    "notes",
    "weight",
)

# The template's column headers, used to name a field in conflicts and problems.
FIELD_LABELS: dict[str, str] = {
    "team": "Team",
    "objective": "Objective",
    "title": "Key Result",
    "owner": "Owner",
    "baseline": "Baseline",
    "target": "Target",
    "current": "Current",
    "unit": "Unit",
    "confidence": "Confidence",
    "due": "Due",
    "kind": "Kind",
    "aligns_to": "Aligns to",
    "depends_on": "Depends on",
    "notes": "Notes",
    "weight": "Weight",
}

CHECKIN_FIELDS = frozenset({"current", "confidence"})
_merged_values = attrgetter(*MERGED_FIELDS)
NEW_PREFIX = "new:"
_REL_TOL = 1e-9
_ABS_TOL = 1e-9


@dataclass(frozen=True, slots=True)
class FieldConflict:
    """A field changed both in the workbook and in the store since the last sync."""

    kr_id: str
    field: str
    base: object  # None when there was no base (first sync of this workbook)
    workbook: object
    stored: object
    location: Location

    @property
    def message(self) -> str:
        label = FIELD_LABELS.get(self.field, self.field)
        return (
            f"{label} of {self.kr_id} was changed both in this workbook ({_show(self.workbook)}) "
            f"and elsewhere since the last sync ({_show(self.stored)}); the stored value was kept. "
            f"Check which one is right and sync again."
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "kr_id": self.kr_id,
            "field": self.field,
            "base": _jsonable(self.base),
            "workbook": _jsonable(self.workbook),
            "stored": _jsonable(self.stored),
            "location": self.location.as_dict(),
            "message": self.message,
        }


@dataclass(slots=True)
class SyncPlan:
    """What a sync will do to the store, and what the workbook should show afterwards."""

    create: list[KeyResult] = field(default_factory=list)
    update: dict[str, dict[str, object]] = field(default_factory=dict)  # id -> field -> new value
    unchanged: list[str] = field(default_factory=list)
    archive: list[str] = field(default_factory=list)
    restore: list[str] = field(default_factory=list)
    checkins: list[CheckIn] = field(default_factory=list)
    conflicts: list[FieldConflict] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)
    merged: list[KeyResult] = field(default_factory=list)  # workbook order, rows not applied left out
    quarters: tuple[str, ...] = ()  # the quarters the workbook speaks for (okr.periods)

    def counts(self) -> dict[str, int]:
        """The numbers of the sync report."""
        return {
            "created": len(self.create),
            "updated": len(self.update),
            "unchanged": len(self.unchanged),
            "archived": len(self.archive),
            "restored": len(self.restore),
            "checkins": len(self.checkins),
            "conflicts": len(self.conflicts),
        }


OWN_ID = re.compile(r"KR-[0-9A-F]{6}")  # the ids this product gives (addin.store.sync_objectives)
ADOPTABLE_ID = re.compile(r"[A-Z0-9][A-Z0-9 ._\-/#:]{0,15}")  # a workbook's own reference, adopted (store: 16)


def new_ref(index: int) -> str:
    """Placeholder kr_id of a check-in for ``plan.create[index]`` (replaced by ``apply_sync``)."""
    return f"{NEW_PREFIX}{index}"


def normalise_id(raw: str | None) -> str | None:
    """A KR id as the store keys it: trimmed and upper-case; None when blank."""
    if raw is None:
        return None
    text = str(raw)
    # NFKC folds full-width look-alikes ("ＫＲ-７Ｆ３Ａ２Ｃ") into the plain id
    text = (text if text.isascii() else unicodedata.normalize("NFKC", text)).strip().upper()
    return text or None


def latest_checkins(checkins: Iterable[CheckIn]) -> dict[str, dt.datetime]:
    """The time of the newest check-in per (normalised) KR id."""
    latest: dict[str, dt.datetime] = {}
    for c in checkins:
        kr_id = normalise_id(c.kr_id)
        if kr_id is None:
            continue
        at = _as_utc(c.at)
        if kr_id not in latest or at > latest[kr_id]:
            latest[kr_id] = at
    return latest


def same_value(a: object, b: object) -> bool:
    """Field equality as the merge sees it (tolerant numbers, NFC text, blank == missing)."""
    if a == b:  # the common case; equal values are always the same
        return True
    if _blank(a) and _blank(b):
        return True
    if _blank(a) or _blank(b):
        return False
    if isinstance(a, Enum) or isinstance(b, Enum):
        return str(a) == str(b)
    if _number(a) and _number(b):
        return math.isclose(float(a), float(b), rel_tol=_REL_TOL, abs_tol=_ABS_TOL)
    if isinstance(a, str) and isinstance(b, str):
        return unicodedata.normalize("NFC", a) == unicodedata.normalize("NFC", b)
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def plan_sync(
    workbook: Sequence[KeyResult],
    stored: Mapping[str, KeyResult],
    base: Mapping[str, KeyResult] | None,
    *,
    now: dt.datetime,
    hold: Collection[str] = (),
    archived: Collection[str] = (),
    last_checkin: Mapping[str, dt.datetime] | None = None,
    workbook_last_checkin: Mapping[str, dt.datetime] | None = None,
    quarters: Collection[str] | None = None,
) -> SyncPlan:
    """Plan the sync of a workbook's key results into the store (see the module docstring).

    ``stored``: this tenant's key results by id (archived ones included); ``archived``:
    which of them are archived; ``last_checkin``: newest stored check-in per KR id;
    ``workbook_last_checkin``: newest check-in per KR id on the workbook's Check-ins sheet;
    ``quarters``: the quarters the workbook speaks for -- a base key result of another
    quarter missing from the workbook is left alone, never archived.
    """
    plan = SyncPlan()
    now = _as_utc(now)
    held = {i for i in map(normalise_id, hold) if i}
    archived_ids = {i for i in map(normalise_id, archived) if i}
    base_by_id = {normalise_id(k): v for k, v in base.items()} if base is not None else None
    newer_elsewhere = _newer_checkin_test(last_checkin or {}, workbook_last_checkin or {})

    rows_by_id: dict[str, list[KeyResult]] = {}
    without_id = False
    for kr in workbook:
        kr_id = normalise_id(kr.id)
        if kr_id:
            rows_by_id.setdefault(kr_id, []).append(kr)
        else:
            without_id = True

    by_identity = _identity_index(stored, rows_by_id) if without_id else {}
    claimed: set[str] = set()
    for kr in workbook:
        kr_id = normalise_id(kr.id)
        if kr_id is None:
            kr_id = _claim(by_identity, kr)
            if kr_id is None:
                _plan_create(plan, kr, now)
                continue
            claimed.add(kr_id)
        elif len({_place(k) for k in rows_by_id[kr_id]}) > 1:  # one row's quarter blocks share its ID
            plan.problems.append(_duplicate_problem(kr, kr_id, rows_by_id[kr_id]))
            continue
        current = stored.get(kr_id)
        if current is None:
            if OWN_ID.fullmatch(kr_id) or not ADOPTABLE_ID.fullmatch(kr_id) or len(rows_by_id[kr_id]) > 1:
                if not any(
                    p.rule == "sync.unknown-id"
                    and p.location.row == kr.location.row
                    and p.location.sheet == kr.location.sheet
                    for p in plan.problems
                ):
                    plan.problems.append(_unknown_problem(kr, kr_id))
            else:
                _plan_create(plan, kr, now, adopt=kr_id)
            continue
        if (
            (base_by_id is None or kr_id not in base_by_id)
            and not OWN_ID.fullmatch(kr_id)
            and not same_value(current.team, kr.team)
        ):
            plan.problems.append(_taken_problem(kr, kr_id, current))
            continue
        if kr_id in archived_ids:
            plan.restore.append(kr_id)
        if kr_id in held:
            plan.unchanged.append(kr_id)
            plan.merged.append(_copy(current, id=kr_id, ref=kr.ref, location=kr.location))
            continue
        prior = base_by_id.get(kr_id) if base_by_id is not None else None
        _plan_existing(plan, kr_id, kr, current, prior, now, newer_elsewhere(kr_id))

    if base_by_id is not None:
        for kr_id in base_by_id:
            if (
                kr_id
                and kr_id not in rows_by_id
                and kr_id not in claimed
                and kr_id not in held
                and kr_id in stored
                and kr_id not in archived_ids
                and (quarters is None or stored[kr_id].quarter in quarters)
            ):
                plan.archive.append(kr_id)
    return plan


_Identity = tuple[str, str, str, str]


def _identity_key(kr: KeyResult) -> _Identity:
    """Team + objective + title (+ quarter, where placed), compared case- and space-blind."""
    parts = (kr.team, kr.objective, kr.title, kr.quarter or "")
    # four parts in, four out; a tuple built from a generator is typed tuple[str, ...] (hot path: no unpacking)
    return tuple(" ".join(unicodedata.normalize("NFKC", x or "").casefold().split()) for x in parts)  # type: ignore[return-value]


def _identity_index(stored: Mapping[str, KeyResult], in_workbook: Mapping[str, object]) -> dict[_Identity, list[str]]:
    """Stored key results not named by id in the workbook, by team + objective + title + quarter."""
    index: dict[_Identity, list[str]] = {}
    for kr_id, kr in stored.items():
        if normalise_id(kr_id) not in in_workbook:
            index.setdefault(_identity_key(kr), []).append(normalise_id(kr_id) or kr_id)
    return index


def _claim(index: dict[_Identity, list[str]], kr: KeyResult) -> str | None:
    """The one stored key result this id-less row is (then no other row can claim it)."""
    if not index:
        return None
    key = _identity_key(kr)
    found = index.get(key)
    if not found or len(found) != 1:
        return None
    index[key] = []
    return found[0]


def _place(kr: KeyResult) -> tuple[str | None, int | None]:
    return (kr.location.sheet, kr.location.row)


def _plan_create(plan: SyncPlan, kr: KeyResult, now: dt.datetime, *, adopt: str | None = None) -> None:
    created = _copy(kr, id=adopt)
    if (
        created.baseline is None
        and isinstance(created.current, float | int)
        and math.isfinite(created.current)
        and created.kind is not KrKind.MILESTONE
    ):
        # no baseline written: the first known value is where the key result started
        created.baseline = created.current
        plan.problems.append(_baseline_problem(created, created.current))
    plan.create.append(created)
    plan.merged.append(created)
    if created.current is not None or created.confidence is not None:
        plan.checkins.append(
            CheckIn(
                kr_id=new_ref(len(plan.create) - 1),
                at=now,
                value=created.current,
                confidence=created.confidence,
                source="workbook",
            )
        )


def _plan_existing(
    plan: SyncPlan,
    kr_id: str,
    row: KeyResult,
    stored: KeyResult,
    base: KeyResult | None,
    now: dt.datetime,
    store_checked_in_later: bool,
) -> None:
    changes: dict[str, object] = {}
    if _merged_values(row) == _merged_values(stored):  # nothing differs: skip the field walk
        plan.merged.append(_copy(stored, id=kr_id, ref=row.ref, location=row.location))
        plan.unchanged.append(kr_id)
        return
    for name in MERGED_FIELDS:
        theirs, ours = getattr(row, name), getattr(stored, name)
        if theirs == ours or same_value(theirs, ours) or (name == "baseline" and theirs is None):
            continue  # an empty baseline keeps the one taken at the first sync
        if base is not None:
            before = getattr(base, name)
            if same_value(ours, before):
                changes[name] = theirs  # only the workbook changed it
            elif not same_value(theirs, before):
                plan.conflicts.append(_conflict(kr_id, name, before, theirs, ours, row.location))
            # else: only the store changed it (an Outlook check-in...): keep the store's
        elif name in CHECKIN_FIELDS and store_checked_in_later:
            plan.conflicts.append(_conflict(kr_id, name, None, theirs, ours, row.location))
        else:
            changes[name] = theirs  # no base: the workbook's explicit edit wins
    merged = _copy(stored, id=kr_id, ref=row.ref, location=row.location, **changes)
    plan.merged.append(merged)
    if changes:
        plan.update[kr_id] = changes
    else:
        plan.unchanged.append(kr_id)
    if CHECKIN_FIELDS & changes.keys() and (merged.current is not None or merged.confidence is not None):
        plan.checkins.append(
            CheckIn(kr_id=kr_id, at=now, value=merged.current, confidence=merged.confidence, source="workbook")
        )


def _newer_checkin_test(
    stored_latest: Mapping[str, dt.datetime], workbook_latest: Mapping[str, dt.datetime]
) -> Callable[[str], bool]:
    stored_at = {normalise_id(k): _as_utc(v) for k, v in stored_latest.items()}
    workbook_at = {normalise_id(k): _as_utc(v) for k, v in workbook_latest.items()}

    def newer(kr_id: str) -> bool:
        theirs = stored_at.get(kr_id)
        if theirs is None:
            return False
        mine = workbook_at.get(kr_id)
        return mine is None or theirs > mine

    return newer


def _conflict(kr_id: str, name: str, base: object, workbook: object, stored: object, where: Location) -> FieldConflict:
    location = replace(where, column=FIELD_LABELS.get(name, name), key_result=kr_id, cell=None)
    return FieldConflict(kr_id, name, base, workbook, stored, location)


def _unknown_problem(kr: KeyResult, kr_id: str) -> Finding:
    return Finding(
        rule="sync.unknown-id",
        pitfall=None,
        severity=Severity.ERROR,
        location=replace(kr.location, column=kr.location.column or "ID"),
        message=(
            f"ID {kr_id} is not known here; clear the ID cell to add it as a new key result. This row was not saved."
        ),
        suggestion="Clear the ID cell, or paste the ID this key result was given at its first sync.",
    )


def _baseline_problem(kr: KeyResult, current: float) -> Finding:
    return Finding(
        rule="sync.baseline-from-current",
        pitfall=None,
        severity=Severity.INFO,
        location=replace(kr.location, column=kr.location.column or "Baseline"),
        message=(
            f"{kr.title!r} had no baseline; its current value at this first sync ({readable(current)}) "
            "was taken as its baseline."
        ),
        suggestion="Write the baseline if the key result started from another value.",
    )


def _taken_problem(kr: KeyResult, kr_id: str, stored: KeyResult) -> Finding:
    return Finding(
        rule="sync.id-taken",
        pitfall=None,
        severity=Severity.ERROR,
        location=replace(kr.location, column=kr.location.column or "ID", key_result=kr_id),
        message=(
            f"ID {kr_id} already belongs to team {stored.team}'s key result {stored.title!r}; "
            "this row was not saved, so that key result is not overwritten."
        ),
        suggestion="Give this row an ID of its own (or clear the ID cell to get one).",
    )


def _duplicate_problem(kr: KeyResult, kr_id: str, rows: Sequence[KeyResult]) -> Finding:
    where = ", ".join(r.location.describe() for r in rows)
    return Finding(
        rule="sync.duplicate-id",
        pitfall=None,
        severity=Severity.ERROR,
        location=replace(kr.location, column=kr.location.column or "ID", key_result=kr_id),
        message=(
            f"ID {kr_id} is used on {len(rows)} rows ({where}); none of them was saved, "
            f"because each key result needs its own ID."
        ),
        suggestion="Keep the ID on the row it belongs to and clear the ID cell of the copies.",
    )


_KR_FIELDS = tuple(f.name for f in fields(KeyResult))


def _copy(kr: KeyResult, **changes: object) -> KeyResult:
    """dataclasses.replace, without its per-call introspection (100,000 rows per sync)."""
    values = {name: getattr(kr, name) for name in _KR_FIELDS}
    values.update(changes)
    return KeyResult(**values)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str | tuple | list) and len(value) == 0)


def _number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_utc(value: dt.datetime) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    # a plain date (a date-only "Last check-in"): the start of that day, UTC
    return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)


def _jsonable(value: object) -> object:
    if isinstance(value, Enum):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def _show(value: object) -> str:
    if _blank(value):
        return "empty"
    shown = _jsonable(value)
    if isinstance(shown, list):
        return ", ".join(map(str, shown))
    return str(shown)
