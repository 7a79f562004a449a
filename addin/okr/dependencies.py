"""The dependency handshake: which team each "Depends on" names, and whether that team answered.

A KR of team A names in "Depends on" a team ("Platform"), a KR id ("KR-7F3A2C") or a team's KR
by number ("Platform: 1.2"); each entry names one depended-on team B. B acknowledges it

- *explicitly*: B's lead accepts it, or declines it with a note (a ``DependencyAnswer``, one per
  dependent KR and depended-on team; the KR's id fixes the quarter);
- *implicitly*, while B has not answered: some KR of B has an "Aligns to" or "Depends on" that
  names team A, A's KR id, or A's KR as "A: <ref>" (or its bare ref when no other KR uses it).

An answer wins over the implicit acknowledgement. The linter (``rules/network.py``) and every
view of a team's dependencies (status, the Outlook pane, the retro pack) read the same links,
so they always agree.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from addin.errors import RequestError

from .model import AnswerState, DependencyAnswer, KeyResult, OkrSet
from .rules.text import same_text_key

MAX_NOTE = 500  # characters: a reason, not an essay; the invite and the retro pack quote it whole

UNANSWERED = "unanswered"

_SPLIT = re.compile(r"\s*[:/#>\u2192]\s*|\s+-\s+")
# Bidi embeddings, overrides, isolates and marks can make a note read backwards (spoofing).
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def id_key(kr_id: str) -> str:
    """same_text_key for a KR id, fast for the usual clean ASCII ids ("KR-7F3A2C")."""
    if kr_id.isascii() and kr_id.isprintable() and " " not in kr_id and kr_id[-1:] not in ".;:!":
        return kr_id.lower()
    return same_text_key.__wrapped__(kr_id)


def split_link(value: str) -> tuple[str, str] | None:
    """("Team", "1.2") from "Team: 1.2", "Team / 1.2", "Team - Objective"; None when unsplit."""
    parts = _SPLIT.split(value.strip(), maxsplit=1)
    if len(parts) == 2 and parts[0] and parts[1]:
        return parts[0], parts[1]
    return None


class DependencyNames:
    """What a "Depends on" may name -- team names, KR ids, "Team: ref", a bare ref used once --
    mapped to the team (key) and KR (index into the key results) it names."""

    def __init__(self, key_results: Sequence[KeyResult], team_keys: Sequence[str], teams: Mapping[str, str]) -> None:
        self.teams = teams  # team key -> name
        self.kr_by_id: dict[str, int] = {}
        self.kr_by_team_ref: dict[tuple[str, str], int] = {}
        ref_count: dict[str, int] = {}
        ref_index: dict[str, int] = {}
        for index, kr in enumerate(key_results):
            if kr.id:
                self.kr_by_id[id_key(kr.id)] = index
            if kr.ref:
                ref = same_text_key(kr.ref)
                self.kr_by_team_ref[(team_keys[index], ref)] = index
                ref_count[ref] = ref_count.get(ref, 0) + 1
                ref_index[ref] = index
        self.unique_ref = {ref: ref_index[ref] for ref, n in ref_count.items() if n == 1}

    def resolve_dependency(self, value: str) -> tuple[str, int | None] | None:
        """(team key, KR index or None) that ``value`` names; None when it names nothing known."""
        key = same_text_key(value)
        if key in self.teams:
            return key, None
        if key in self.kr_by_id:
            return "", self.kr_by_id[key]
        split = split_link(value)
        if split is not None:
            team, rest = same_text_key(split[0]), same_text_key(split[1])
            if team in self.teams:
                index = self.kr_by_team_ref.get((team, rest), -1)
                return team, index if index >= 0 else None
        if key in self.unique_ref:
            return "", self.unique_ref[key]
        return None


@dataclass(frozen=True, slots=True)
class DependencyLink:
    """One "Depends on" entry of a key result on another team, with that team's answer."""

    kr: KeyResult  # the dependent key result
    entry: str  # as written in "Depends on"
    team: str | None  # the depended-on team's name; None when the entry names nothing known
    named_back: bool  # the other team's key results name this team or KR (implicit acknowledgement)
    answer: DependencyAnswer | None = None

    @property
    def state(self) -> str:
        """accepted | declined (the other team's answer) | unanswered."""
        return str(self.answer.state) if self.answer is not None else UNANSWERED

    @property
    def acknowledged(self) -> bool:
        """Accepted, or -- with no answer -- named back by the other team's key results."""
        if self.answer is not None:
            return self.answer.state is AnswerState.ACCEPTED
        return self.named_back

    def as_dict(self) -> dict[str, object]:
        answer = self.answer
        return {
            "kr_id": self.kr.id,
            "title": self.kr.title,
            "team": self.kr.team,
            "objective": self.kr.objective,
            "on": self.entry,
            "other_team": self.team,
            "state": self.state,
            "acknowledged": self.acknowledged,
            "named_back": self.named_back,
            "note": answer.note if answer else "",
            "answered_by": answer.answered_by if answer else None,
            "answered_at": answer.answered_at.isoformat() if answer else None,
        }


def answers_by_link(answers: Iterable[DependencyAnswer]) -> dict[tuple[str, str], DependencyAnswer]:
    """Answers keyed by (id_key of the dependent KR id, same_text_key of the depended-on team)."""
    return {(id_key(a.kr_id), same_text_key(a.team)): a for a in answers}


def find_links(
    key_results: Sequence[KeyResult],
    team_keys: Sequence[str],
    names: DependencyNames,
    answers: Mapping[tuple[str, str], DependencyAnswer],
) -> list[DependencyLink]:
    """Every "Depends on" entry that names another team (or nothing known: ``team`` None), in order.

    ``team_keys`` runs parallel to ``key_results`` (same_text_key of each KR's team)."""
    mentions = _mentions(key_results, team_keys)
    out: list[DependencyLink] = []
    for position, kr in enumerate(key_results):
        if not kr.depends_on:
            continue
        own_team = team_keys[position]
        for entry in kr.depends_on:
            if not entry or not entry.strip():
                continue
            resolved = names.resolve_dependency(entry)
            if resolved is None:
                out.append(DependencyLink(kr, entry, None, False))
                continue
            team_key, kr_index = resolved
            if kr_index is not None and not team_key:
                team_key = same_text_key(key_results[kr_index].team)
            if team_key == own_team:
                continue
            heard = mentions.get(team_key, set())
            named_back = own_team in heard or _names_kr(kr, own_team, heard, names)
            answer = answers.get((id_key(kr.id), team_key)) if kr.id and answers else None
            out.append(DependencyLink(kr, entry, names.teams.get(team_key, entry), named_back, answer))
    return out


def _mentions(key_results: Sequence[KeyResult], team_keys: Sequence[str]) -> dict[str, set[str]]:
    """team key -> the names its KRs link to ("Aligns to" and "Depends on")."""
    mentions: dict[str, set[str]] = {}
    for index, kr in enumerate(key_results):
        if not kr.aligns_to and not kr.depends_on:
            continue
        bucket = mentions.setdefault(team_keys[index], set())
        for link in (kr.aligns_to, *kr.depends_on):
            if not link or not link.strip():
                continue
            bucket.add(same_text_key(link))
            split = split_link(link)
            if split is not None:
                bucket.add(same_text_key(split[0]))
                bucket.add(f"{same_text_key(split[0])}:{same_text_key(split[1])}")
    return mentions


def _names_kr(kr: KeyResult, team_key: str, heard: set[str], names: DependencyNames) -> bool:
    if kr.id and same_text_key(kr.id) in heard:
        return True
    if kr.ref:
        ref = same_text_key(kr.ref)
        if f"{team_key}:{ref}" in heard or (ref in heard and ref in names.unique_ref):
            return True
    return False


def dependency_links(okrs: OkrSet) -> list[DependencyLink]:
    """Every dependency of ``okrs`` on another team, with ``okrs.dependency_answers`` applied."""
    teams: dict[str, str] = {}
    for name in (*(t.name for t in okrs.teams), *(o.team for o in okrs.objectives)):
        teams.setdefault(same_text_key(name), name)
    team_keys = []
    for kr in okrs.key_results:
        key = same_text_key(kr.team)
        teams.setdefault(key, kr.team)
        team_keys.append(key)
    names = DependencyNames(okrs.key_results, team_keys, teams)
    return find_links(okrs.key_results, team_keys, names, answers_by_link(okrs.dependency_answers))


@dataclass(frozen=True, slots=True)
class TeamDependencies:
    """A team's dependencies both ways: what it depends on, and who depends on it."""

    team: str
    depends_on: list[DependencyLink]  # this team's KRs on other teams
    depended_on_by: list[DependencyLink]  # other teams' KRs on this team

    def as_dict(self) -> dict[str, object]:
        return {
            "depends_on": [link.as_dict() for link in self.depends_on],
            "depended_on_by": [link.as_dict() for link in self.depended_on_by],
        }


def team_dependencies(links: Iterable[DependencyLink], team: str) -> TeamDependencies:
    """``team``'s links both ways; a KR naming one team twice ("Platform", "Platform: 1.2") is one
    dependency (one answer covers it). Entries that name nothing known are left to the linter."""
    key = same_text_key(team)
    depends_on: list[DependencyLink] = []
    depended_on_by: list[DependencyLink] = []
    seen: set[tuple[int, str]] = set()
    for link in links:
        if link.team is None:
            continue
        mark = (id(link.kr), same_text_key(link.team))
        if mark in seen:
            continue
        seen.add(mark)
        if same_text_key(link.kr.team) == key:
            depends_on.append(link)
        elif mark[1] == key:
            depended_on_by.append(link)
    return TeamDependencies(team, depends_on, depended_on_by)


def find_link(links: Iterable[DependencyLink], kr_id: str, team: str) -> DependencyLink | None:
    """The link of key result ``kr_id`` on ``team``, if that KR depends on that team."""
    wanted = (id_key(kr_id), same_text_key(team))
    for link in links:
        if link.team is not None and link.kr.id and (id_key(link.kr.id), same_text_key(link.team)) == wanted:
            return link
    return None


def parse_state(raw: object) -> AnswerState:
    """ "accepted" or "declined" (as a request gives it); anything else is a RequestError."""
    try:
        if isinstance(raw, str):
            return AnswerState(raw.strip().lower())
    except ValueError:
        pass
    raise RequestError('\'state\' must be "accepted" or "declined".', code="invalid_field", field="state")


def clean_note(raw: object, state: AnswerState) -> str:
    """The note as stored and shown: NFC, no bidi or other control characters (newlines kept),
    trimmed, at most MAX_NOTE characters (longer is refused, never cut); a decline needs one."""
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise RequestError("'note' must be text.", code="invalid_field", field="note")
    out = []
    for ch in unicodedata.normalize("NFC", raw.replace("\r\n", "\n")):
        code = ord(ch)
        if ch == "\n":
            out.append(ch)
        elif ch in _BIDI or ch in "\ufffe\uffff\ufeff":
            continue
        elif code < 32 or 0x7F <= code < 0xA0:
            out.append(" ")  # tab, CR, other controls: a space, so words stay apart
        elif 0xD800 <= code < 0xE000:
            out.append("\ufffd")  # a lone surrogate (no UTF-8 store, JSON or XML takes it)
        else:
            out.append(ch)
    note = "\n".join(" ".join(line.split()) for line in "".join(out).strip().split("\n"))
    if len(note) > MAX_NOTE:
        raise RequestError(
            f"'note' must be at most {MAX_NOTE} characters (it has {len(note)}).",
            code="invalid_field",
            field="note",
        )
    if state is AnswerState.DECLINED and not note:
        raise RequestError(
            "Say why in 'note' when declining: the other team plans around it.", code="note_required", field="note"
        )
    return note
