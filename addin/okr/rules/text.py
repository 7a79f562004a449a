"""Word rules the linter and scoring share: normalising titles and spotting wording.

English, Spanish and Portuguese wording is recognised. Matching is done on a
"folded" form (NFKD, accents removed, case-folded) so "Lançar" matches "lancar".
A title is analysed once (:func:`analyse`) into the facts the rules need; word sets
and substring tests keep that to a few microseconds per title. The word lists are in
``verbs.py`` (activity verbs) and ``vocabulary.py`` (everything else); the outcome rewrite
the linter suggests for an activity is in ``rewrite.py``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from .verbs import ES_HINTS, PT_HINTS, VERB_FIRST, VERB_LANG
from .vocabulary import (
    ABOVE_WORDS,
    BELOW_WORDS,
    DECREASE_WORDS,
    LOWER_IS_BETTER,
    MAINTAIN_WORDS,
    MILESTONE_UNITS,
    MILESTONE_WORDS,
    NUMBER_WORDS,
    PHRASE_STARTS,
    PHRASES_BY_START,
    SKIP,
    SPECIAL,
    YEARS,
)

_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")
_DIGIT = re.compile(r"\d")
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_WIDE_PUNCT = re.compile("[\u20ac\u00a3\u2013\u2014\u2018\u2019\u201c\u201d\u2022\u00b7\u00bf\u00a1\u00ab\u00bb]")
_NUMERIC_START = frozenset("0123456789-+~#")
_PREFIX_STARTS = frozenset({"kr", "o", "obj", "objective", "key", "we", "we'll", "to", "vamos"})
# List markers and outline numbers people put in front of a title: "1.2", "1)", "KR 3:", "- ".
# A bare count ("10 new customers") is not an outline number.
_PREFIX = re.compile(
    r"^\s*(?:[-*\u2022\u00b7\u2013\u2014>]+\s*)?"
    r"(?:(?:kr|o|obj|objective|key\s+result)\s*[#]?\d+(?:\.\d+)*\s*[:.)\-\u2013]?\s*"
    r"|\d+(?:\.\d+)+\s*[:.)\-\u2013]?\s+|\d+\s*[:.)\-\u2013]\s+)?",
    re.IGNORECASE,
)
_LEAD_INS = ("we will ", "we'll ", "to ", "vamos a ", "vamos ")


@lru_cache(maxsize=65536)
def same_text_key(text: str) -> str:
    """Key under which two titles count as the same: NFC, case, spacing and end dots ignored."""
    if not text:
        return ""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.split()).rstrip(".;:!").rstrip().casefold()


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Accent-free, case-folded, single-spaced text for word matching."""
    if not text:
        return ""
    if text.isascii():  # the common case: nothing to decompose
        return " ".join(text.lower().split())
    bare = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return " ".join(bare.casefold().split())


def words(text: str) -> list[str]:
    """The folded words of ``text``."""
    return _WORD.findall(fold(text))


def _strip_lead(text: str) -> str:
    rest = _PREFIX.sub("", text, count=1).strip()
    low = rest.casefold()
    for lead in _LEAD_INS:
        if low.startswith(lead):
            return rest[len(lead) :].strip()
    return rest


def strip_prefix(text: str) -> str:
    """``text`` without a leading list marker or outline number ("1.2 ", "KR3: ")."""
    return _strip_lead(text or "")


class TitleFacts(NamedTuple):
    """What the wording of one KR title says, as far as scoring and the linter care."""

    verb: str | None  # activity verb the title starts with ("launch", "lancar", "set up")
    language: str | None  # "en", "es" or "pt" when a verb was found
    verb_words: int  # how many words the verb takes ("set up" = 2)
    number: bool  # states a quantity (a digit or "double"), outline number aside
    maintain: bool  # "maintain / keep / stay / mantener / manter"
    band: bool  # states a bound: "at least", "no more than", ">=", "al menos"
    below: bool  # says the good side is below ("under", "at most")
    above: bool  # says the good side is above ("over", "at least")
    lower_is_better: bool  # names a lower-is-better metric (churn, latency, cost)
    milestone: bool  # reads as a one-off deliverable (launch, ship, signed)
    metric: frozenset[str]  # the metric's words; verbs, numbers and small words left out


@lru_cache(maxsize=8192)
def analyse(title: str) -> TitleFacts:
    """Read a KR title once into the facts every wording rule uses."""
    return analyse_uncached(title)


def analyse_uncached(title: str) -> TitleFacts:
    """:func:`analyse` without the cache."""
    return analyse_many([title])[0]


def analyse_many(titles: Sequence[str]) -> list[TitleFacts]:
    """:func:`analyse` for many titles at once: one pass of each string operation over all.

    Lowercasing, accent folding and punctuation removal run once over the joined titles,
    which is what makes linting 100,000 KRs fast; the per-title work is word-set lookups.
    """
    clean = [t.replace("\n", " ") if "\n" in t else t for t in titles]
    joined = "\n".join(clean)
    if joined.isascii():
        folded = joined.lower()
    else:
        folded = _COMBINING.sub("", unicodedata.normalize("NFKD", joined)).casefold()
        folded = _WIDE_PUNCT.sub(" ", folded)
    # A chain of str.replace over everything is far cheaper than per-word stripping.
    spaced = _spaced(folded)
    bodies = folded.split("\n")
    lines = spaced.split("\n")
    if len(lines) != len(clean):  # a character folded into a line break: go one by one
        return [_analyse_one(_fold_line(t), None) for t in clean]
    return [_analyse_one(body, line) for body, line in zip(bodies, lines)]


def _fold_line(title: str) -> str:
    folded = fold.__wrapped__(title)
    return folded if folded.isascii() else _WIDE_PUNCT.sub(" ", folded)


def _spaced(text: str) -> str:
    return (
        text.replace(",", " ")
        .replace(".", " ")
        .replace("%", " ")
        .replace("(", " ")
        .replace(")", " ")
        .replace(":", " ")
        .replace(";", " ")
        .replace("$", " ")
        .replace("/", " ")
        .replace('"', " ")
        .replace("!", " ")
        .replace("?", " ")
    )


def _analyse_one(body: str, spaced: str | None) -> TitleFacts:
    first = body[:12].split(None, 1)
    if first and (first[0] in _PREFIX_STARTS or not first[0][0].isalpha() or first[0][:2] == "kr"):
        # Only titles that may start with an outline number or list marker pay for the regex.
        body = _strip_lead(body)
        spaced = None
    tokens = (spaced if spaced is not None else _spaced(body)).split()
    wordset = set(tokens)
    verb, language, verb_words = _find_verb(tokens) if tokens and tokens[0] in VERB_FIRST else _NO_VERB
    number = _DIGIT.search(body) is not None
    below_sym = "<" in body or "\u2264" in body
    above_sym = ">" in body or "\u2265" in body
    metric = _metric_words(wordset)
    special = wordset & SPECIAL
    if not special and not below_sym and not above_sym:
        return TitleFacts(
            verb, language, verb_words, number, False, False, False, False, False, verb is not None, metric
        )
    band, below, above = below_sym or above_sym, below_sym, above_sym
    starts = special & PHRASE_STARTS
    padded = " " + " ".join(tokens) + " " if starts or "live" in special else ""
    for start in starts:  # only the phrases that begin with a word the title has
        for phrase, is_band, is_below, is_above in PHRASES_BY_START[start]:
            if phrase in padded:
                band, below, above = band or is_band, below or is_below, above or is_above
    return TitleFacts(
        verb,
        language,
        verb_words,
        number or not special.isdisjoint(NUMBER_WORDS),
        not special.isdisjoint(MAINTAIN_WORDS),
        band,
        below or not special.isdisjoint(BELOW_WORDS),
        above or not special.isdisjoint(ABOVE_WORDS),
        not special.isdisjoint(LOWER_IS_BETTER),
        verb is not None or not special.isdisjoint(MILESTONE_WORDS) or " go live " in padded,
        metric,
    )


_NO_VERB: tuple[None, None, int] = (None, None, 0)


def _find_verb(tokens: list[str]) -> tuple[str | None, str | None, int]:
    phrases = VERB_FIRST.get(tokens[0]) if tokens else None
    if not phrases:
        return _NO_VERB
    for phrase, size in phrases:  # longest first: "set up" before "set"
        if size == 1 or " ".join(tokens[:size]) == phrase:
            language = VERB_LANG[phrase]
            if language == "es+pt":
                language = _guess_language(tokens[size:])
            return phrase, language, size
    return _NO_VERB


def _guess_language(rest: list[str]) -> str:
    # Shared verbs ("implementar"): the small words after them tell the language.
    pt = sum(w in PT_HINTS or w.endswith(("cao", "coes")) for w in rest)
    es = sum(w in ES_HINTS or w.endswith(("cion", "ciones")) for w in rest)
    return "pt" if pt > es else "es"


def _metric_words(wordset: set[str]) -> frozenset[str]:
    # Plurals fold to singular ("costs" = "cost"); numbers and one-letter words carry no metric.
    return frozenset(
        [
            w[:-1] if w[-1] == "s" and w[-2] != "s" and len(w) > 3 else w
            for w in wordset - SKIP
            if len(w) > 1 and w[0] not in _NUMERIC_START and not w[-1].isdigit()
        ]
    )


# --- the questions rules ask -------------------------------------------------------------


def has_quantity(text: str) -> bool:
    """True when the text states a quantity (a digit or a word like "double"); years and period
    labels (2026, Q3, FY26) don't count."""
    folded = fold(text)
    return _DIGIT.search(YEARS.sub(" ", folded)) is not None or not set(_WORD.findall(folded)).isdisjoint(NUMBER_WORDS)


def activity_verb(title: str) -> tuple[str, str, str] | None:
    """(verb, language, rest of the title as written) when the title starts with an activity verb."""
    facts = analyse(title or "")
    if facts.verb is None:
        return None
    body = strip_prefix(title)
    rest = body.split(None, facts.verb_words)[facts.verb_words :]
    return facts.verb, facts.language or "en", " ".join(rest)


def facts_direction(facts: TitleFacts) -> str | None:
    """ "below" or "above" when the wording (or a lower-is-better metric) says which side is good."""
    if facts.below and not facts.above:
        return "below"
    if facts.above and not facts.below:
        return "above"
    return "below" if facts.lower_is_better else None


def is_milestone_unit(unit: str) -> bool:
    """True for units that mean done / not done ("done", "yes/no", "binary")."""
    return bool(unit) and fold(unit).replace(" / ", "/") in MILESTONE_UNITS


def says_decrease(title: str) -> bool:
    """True when the title starts by saying its number is to come down ("Cut first reply time to 4 h")."""
    first = words(strip_prefix(title))[:1]
    return bool(first) and first[0] in DECREASE_WORDS
