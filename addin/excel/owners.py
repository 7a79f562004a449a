"""Owners written as names, matched to e-mail addresses through the Teams sheet.

Managers write "Nora Blum" where the template asks for an e-mail. When the Teams sheet
lists exactly one address whose name part reads the same ("nora.blum@…", "nblum@…" is
not guessed), the key result's owner becomes that address and an info finding says so;
otherwise the name is kept (lint says it gets no invites). Lists of names are kept.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

from addin.excel.read_rows import Problems
from addin.okr.model import OkrSet, Severity

_PARTS = re.compile(r"[\s._\-]+")


def _key(text: str) -> str:
    raw = unicodedata.normalize("NFKD", text)
    raw = "".join(ch for ch in raw if not unicodedata.combining(ch)).casefold()
    return " ".join(p for p in _PARTS.split(raw) if p)


def match_owner_names(okrs: OkrSet, problems: Problems) -> None:
    """Replace owner names by the Teams sheet's one matching address (see the module docstring)."""
    by_name: dict[str, set[str]] = defaultdict(set)
    for team in okrs.teams:
        for address in (team.lead, *team.members):
            if address and "@" in address:
                by_name[_key(address.split("@", 1)[0])].add(address.strip())
    if not by_name:
        return
    for kr in okrs.key_results:
        owner = kr.owner or ""
        if not owner or "@" in owner or re.search(r"[,;/&\n]", owner):
            continue
        found = by_name.get(_key(owner), set())
        if len(found) != 1:
            continue
        (address,) = found
        kr.owner = address
        problems.add("owner-matched", Severity.INFO,
                     f"the owner {owner!r} was matched to {address} through the Teams sheet.",
                     sheet=kr.location.sheet, row=kr.location.row)  # fmt: skip
