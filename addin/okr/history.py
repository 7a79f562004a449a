"""Finding history: when each linter or reader finding was first seen and when it went away.

The store keeps one record per finding *identity* (see ``finding_key``); the retro pack
reads these records to show every pitfall flagged during a quarter and when it was resolved.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import unicodedata
from dataclasses import dataclass

from addin.okr.model import Finding


@dataclass(frozen=True, slots=True)
class FindingRecord:
    """One finding as remembered by the store."""

    finding: Finding
    first_seen: dt.datetime
    resolved_at: dt.datetime | None = None  # None while the finding is still reported
    last_seen: dt.datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    def was_open(self, since: dt.datetime | None, until: dt.datetime | None) -> bool:
        """True when the finding was reported at some point between ``since`` and ``until``."""
        if until is not None and self.first_seen > until:
            return False
        return not (since is not None and self.resolved_at is not None and self.resolved_at < since)


def _norm(text: str | None) -> str | None:
    return None if text is None else unicodedata.normalize("NFC", text).strip()


def finding_key(finding: Finding, quarter: str | None = None) -> str:
    """Stable identity of a finding, so the same problem seen again is the same record.

    The identity is the rule plus what the finding is about (team, objective, key
    result id, column). Sheet, row and cell only count when the finding has no key
    result id: a key result's findings must survive rows being inserted above it,
    while an input problem on an id-less row can only be told apart by its position.
    The message is not part of the identity: it may carry numbers that change
    ("stale for 15 days" -> "stale for 22 days").
    """
    loc = finding.location
    parts: list[object] = [
        finding.rule,
        _norm(loc.team),
        _norm(loc.objective),
        _norm(loc.key_result.upper() if loc.key_result else None),
        _norm(loc.column),
    ]
    if not loc.key_result:
        parts += [_norm(loc.sheet), loc.row, loc.cell]
    if quarter is not None:  # the same problem in another quarter is another record
        parts.append(quarter)
    raw = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()
