"""Word rules the linter and scoring share: normalising titles and spotting wording.

English, Spanish and Portuguese wording is recognised. Matching is done on a
"folded" form (NFKD, accents removed, case-folded) so "Lançar" matches "lancar".
A title is analysed once (:func:`analyse`) into the facts the rules need; word sets
and substring tests keep that to a few microseconds per title.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

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


# --- word lists ------------------------------------------------------------------------

_NUMBER_WORDS = frozenset(
    {
        "double",
        "triple",
        "half",
        "twice",
        "halve",
        "doble",
        "duplicar",
        "triplicar",
        "mitad",
        "dobro",
        "dobrar",
        "metade",
        "zero",
        "cero",
    }
)
_YEARS = re.compile(r"\b(?:fy\s?)?(?:19|20)\d\d\b|\b[qh][1-4]\b|\bfy\d\d\b")

# Verbs that describe work to do rather than a result to reach, in their command or
# infinitive form. English "produces a thing" verbs read well with "with <the thing>".
_EN_MAKE = {
    "launch": "launching",
    "build": "building",
    "implement": "implementing",
    "create": "creating",
    "ship": "shipping",
    "deliver": "delivering",
    "release": "releasing",
    "develop": "developing",
    "design": "designing",
    "redesign": "redesigning",
    "deploy": "deploying",
    "introduce": "introducing",
    "publish": "publishing",
    "rebuild": "rebuilding",
    "rollout": "rolling out",
}
_EN_DO = {
    "hold": "holding",
    "run": "running",
    "write": "writing",
    "migrate": "migrating",
    "complete": "completing",
    "organise": "organising",
    "organize": "organizing",
    "conduct": "conducting",
    "host": "hosting",
    "define": "defining",
    "document": "documenting",
    "prepare": "preparing",
    "finish": "finishing",
    "start": "starting",
    "refactor": "refactoring",
    "integrate": "integrating",
    "establish": "establishing",
    "plan": "planning",
    "draft": "drafting",
    "train": "training",
    "upgrade": "upgrading",
    "automate": "automating",
    "rewrite": "rewriting",
    "research": "researching",
    "investigate": "investigating",
    "evaluate": "evaluating",
    "finalise": "finalising",
    "finalize": "finalizing",
    "attend": "attending",
    "send": "sending",
    "set up": "setting up",
    "roll out": "rolling out",
    "kick off": "kicking off",
    "put in place": "putting in place",
    "set": "setting",
    "install": "installing",
    "configure": "configuring",
    "hire": "hiring",
    "onboard": "onboarding",
    "audit": "auditing",
    "review": "reviewing",
    "work on": "working on",
    "do": "doing",
    "make": "making",
    "add": "adding",
    "update": "updating",
    "test": "testing",
    "clean up": "cleaning up",
}
_ES = {
    "lanzar",
    "construir",
    "implementar",
    "implantar",
    "crear",
    "realizar",
    "organizar",
    "desarrollar",
    "entregar",
    "completar",
    "migrar",
    "escribir",
    "publicar",
    "disenar",
    "definir",
    "preparar",
    "ejecutar",
    "celebrar",
    "hacer",
    "terminar",
    "finalizar",
    "documentar",
    "automatizar",
    "integrar",
    "establecer",
    "contratar",
    "redactar",
    "llevar a cabo",
    "poner en marcha",
    "montar",
    "desplegar",
    "impartir",
    "actualizar",
}
_PT = {
    "lancar",
    "construir",
    "implementar",
    "implantar",
    "criar",
    "realizar",
    "organizar",
    "desenvolver",
    "entregar",
    "concluir",
    "completar",
    "migrar",
    "escrever",
    "publicar",
    "projetar",
    "definir",
    "preparar",
    "executar",
    "fazer",
    "terminar",
    "finalizar",
    "documentar",
    "automatizar",
    "integrar",
    "estabelecer",
    "contratar",
    "redigir",
    "colocar em pratica",
    "por em pratica",
    "montar",
    "atualizar",
}
_VERB_LANG: dict[str, str] = {
    **{v: "es" for v in _ES},
    **{v: "pt" for v in _PT},
    **{v: "es+pt" for v in _ES & _PT},
    **{v: "en" for v in (*_EN_MAKE, *_EN_DO)},
}
_VERB_FIRST: dict[str, list[tuple[str, int]]] = {}
for _verb in sorted(_VERB_LANG, key=lambda v: -v.count(" ")):
    _VERB_FIRST.setdefault(_verb.split()[0], []).append((_verb, _verb.count(" ") + 1))

_PT_HINTS = {
    "o",
    "os",
    "novo",
    "nova",
    "novos",
    "novas",
    "do",
    "da",
    "dos",
    "das",
    "em",
    "com",
    "nao",
    "uma",
    "no",
    "na",
    "ao",
    "pelo",
    "pela",
}
_ES_HINTS = {"el", "los", "nuevo", "nueva", "nuevos", "nuevas", "del", "en", "con", "una", "al", "por", "para", "y"}


_MAINTAIN_WORDS = frozenset(
    {
        "maintain",
        "maintaining",
        "keep",
        "keeping",
        "stay",
        "stays",
        "remain",
        "remains",
        "sustain",
        "preserve",
        "mantener",
        "mantenga",
        "mantenemos",
        "conservar",
        "sostener",
        "manter",
        "mantenha",
        "mantemos",
        "permanecer",
    }
)
_BAND_PHRASES = (
    " at least ",
    " at most ",
    " no more than ",
    " no less than ",
    " never drop ",
    " never fall ",
    " never go ",
    " never exceed ",
    " or more ",
    " or less ",
    " or better ",
    " al menos ",
    " como minimo ",
    " como maximo ",
    " no mas de ",
    " no menos de ",
    " pelo menos ",
    " no minimo ",
    " no maximo ",
    " nao mais de ",
    " nao menos de ",
)
_BELOW_WORDS = frozenset(
    {
        "below",
        "under",
        "beneath",
        "max",
        "maximum",
        "exceed",
        "debajo",
        "abajo",
        "maximo",
        "menor",
        "inferior",
        "abaixo",
    }
)
_BELOW_PHRASES = (
    " less than ",
    " at most ",
    " no more than ",
    " or less ",
    " menos de ",
    " no maximo ",
    " nao mais de ",
)
_ABOVE_WORDS = frozenset({"above", "over", "min", "minimum", "encima", "arriba", "mayor", "superior", "acima", "maior"})
_ABOVE_PHRASES = (
    " at least ",
    " no less than ",
    " or more ",
    " or better ",
    " mas de ",
    " mais de ",
    " al menos ",
    " pelo menos ",
    " no minimo ",
    " como minimo ",
)
# Phrases by their first word: a title without any of these words skips the substring tests.
_PHRASES_BY_START: dict[str, list[tuple[str, bool, bool, bool]]] = {}
for _phrase in dict.fromkeys((*_BAND_PHRASES, *_BELOW_PHRASES, *_ABOVE_PHRASES)):
    _PHRASES_BY_START.setdefault(_phrase.split()[0], []).append(
        (_phrase, _phrase in _BAND_PHRASES, _phrase in _BELOW_PHRASES, _phrase in _ABOVE_PHRASES)
    )
_PHRASE_STARTS = frozenset(_PHRASES_BY_START)
_LOWER_IS_BETTER = {
    "churn",
    "latency",
    "cost",
    "costs",
    "error",
    "errors",
    "incident",
    "incidents",
    "bug",
    "bugs",
    "defect",
    "defects",
    "downtime",
    "complaints",
    "delay",
    "delays",
    "backlog",
    "p95",
    "p99",
    "attrition",
    "turnover",
    "spend",
    "debt",
    "outages",
    "outage",
    "mttr",
    "abandono",
    "rotacion",
    "rotatividade",
    "coste",
    "costo",
    "custo",
    "custos",
    "errores",
    "erros",
    "latencia",
    "incidencias",
    "incidentes",
    "quejas",
    "reclamacoes",
    "atraso",
}


_MILESTONE_WORDS = frozenset(
    {
        "launch",
        "launched",
        "ship",
        "shipped",
        "release",
        "released",
        "go-live",
        "live",
        "complete",
        "completed",
        "done",
        "deliver",
        "delivered",
        "publish",
        "published",
        "sign",
        "signed",
        "approve",
        "approved",
        "ga",
        "certified",
        "certification",
        "lanzar",
        "lanzado",
        "publicar",
        "entregar",
        "firmar",
        "aprobado",
        "lancar",
        "lancado",
        "assinar",
        "aprovado",
        "concluir",
        "concluido",
        "hito",
        "marco",
    }
)
_MILESTONE_UNITS = {
    "done",
    "done/not done",
    "yes/no",
    "y/n",
    "binary",
    "milestone",
    "bool",
    "boolean",
    "completed",
    "complete",
    "hecho",
    "feito",
    "si/no",
    "sim/nao",
    "0/1",
    "1/0",
    "true/false",
    "hito",
    "marco",
    "entregado",
    "entregue",
    "launched",
    "live",
}
_DIRECTION_WORDS = {
    "increase",
    "increasing",
    "raise",
    "grow",
    "growing",
    "improve",
    "boost",
    "lift",
    "reduce",
    "reducing",
    "cut",
    "decrease",
    "lower",
    "drop",
    "decline",
    "shrink",
    "minimise",
    "minimize",
    "maximise",
    "maximize",
    "reach",
    "achieve",
    "get",
    "hit",
    "move",
    "bring",
    "double",
    "halve",
    "triple",
    "expand",
    "accelerate",
    "speed",
    "slash",
    "eliminate",
    "aumentar",
    "reducir",
    "reduzir",
    "diminuir",
    "disminuir",
    "mejorar",
    "melhorar",
    "crecer",
    "crescer",
    "subir",
    "bajar",
    "baixar",
    "alcanzar",
    "atingir",
    "lograr",
    "conseguir",
    "incrementar",
    "elevar",
    "recortar",
    "cortar",
    "duplicar",
    "llegar",
    "chegar",
}
# verbs that say the number is to come down: the direction of a KR that has no baseline yet
_DECREASE_WORDS = {
    "reduce",
    "reducing",
    "cut",
    "decrease",
    "lower",
    "drop",
    "shrink",
    "minimise",
    "minimize",
    "halve",
    "slash",
    "eliminate",
    "reducir",
    "reduzir",
    "diminuir",
    "disminuir",
    "bajar",
    "baixar",
    "recortar",
    "cortar",
}
_STOP = {
    "the",
    "a",
    "an",
    "of",
    "to",
    "from",
    "by",
    "in",
    "for",
    "per",
    "on",
    "at",
    "with",
    "and",
    "or",
    "our",
    "we",
    "new",
    "all",
    "its",
    "their",
    "into",
    "than",
    "via",
    "across",
    "up",
    "down",
    "de",
    "la",
    "el",
    "los",
    "las",
    "del",
    "al",
    "do",
    "da",
    "dos",
    "das",
    "em",
    "no",
    "na",
    "para",
    "por",
    "con",
    "com",
    "y",
    "e",
    "o",
    "um",
    "uma",
    "un",
    "una",
    "nuestro",
    "nossa",
    "nosso",
    "nuestra",
    "percent",
    "pct",
    "k",
    "m",
    "bn",
    "usd",
    "eur",
    "gbp",
    "less",
    "more",
    "least",
    "most",
    "below",
    "above",
    "under",
    "over",
}


_SKIP = _STOP | _DIRECTION_WORDS
# Every word that sets one of the flags below; most titles contain none.
_SPECIAL = (
    _NUMBER_WORDS
    | _MAINTAIN_WORDS
    | _PHRASE_STARTS
    | _BELOW_WORDS
    | _ABOVE_WORDS
    | _LOWER_IS_BETTER
    | _MILESTONE_WORDS
    | {"live"}
)


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
    verb, language, verb_words = _find_verb(tokens) if tokens and tokens[0] in _VERB_FIRST else _NO_VERB
    number = _DIGIT.search(body) is not None
    below_sym = "<" in body or "\u2264" in body
    above_sym = ">" in body or "\u2265" in body
    metric = _metric_words(wordset)
    special = wordset & _SPECIAL
    if not special and not below_sym and not above_sym:
        return TitleFacts(
            verb, language, verb_words, number, False, False, False, False, False, verb is not None, metric
        )
    band, below, above = below_sym or above_sym, below_sym, above_sym
    starts = special & _PHRASE_STARTS
    padded = " " + " ".join(tokens) + " " if starts or "live" in special else ""
    for start in starts:  # only the phrases that begin with a word the title has
        for phrase, is_band, is_below, is_above in _PHRASES_BY_START[start]:
            if phrase in padded:
                band, below, above = band or is_band, below or is_below, above or is_above
    return TitleFacts(
        verb,
        language,
        verb_words,
        number or not special.isdisjoint(_NUMBER_WORDS),
        not special.isdisjoint(_MAINTAIN_WORDS),
        band,
        below or not special.isdisjoint(_BELOW_WORDS),
        above or not special.isdisjoint(_ABOVE_WORDS),
        not special.isdisjoint(_LOWER_IS_BETTER),
        verb is not None or not special.isdisjoint(_MILESTONE_WORDS) or " go live " in padded,
        metric,
    )


_NO_VERB: tuple[None, None, int] = (None, None, 0)


def _find_verb(tokens: list[str]) -> tuple[str | None, str | None, int]:
    phrases = _VERB_FIRST.get(tokens[0]) if tokens else None
    if not phrases:
        return _NO_VERB
    for phrase, size in phrases:  # longest first: "set up" before "set"
        if size == 1 or " ".join(tokens[:size]) == phrase:
            language = _VERB_LANG[phrase]
            if language == "es+pt":
                language = _guess_language(tokens[size:])
            return phrase, language, size
    return _NO_VERB


def _guess_language(rest: list[str]) -> str:
    # Shared verbs ("implementar"): the small words after them tell the language.
    pt = sum(w in _PT_HINTS or w.endswith(("cao", "coes")) for w in rest)
    es = sum(w in _ES_HINTS or w.endswith(("cion", "ciones")) for w in rest)
    return "pt" if pt > es else "es"


def _metric_words(wordset: set[str]) -> frozenset[str]:
    # Plurals fold to singular ("costs" = "cost"); numbers and one-letter words carry no metric.
    return frozenset(
        [
            w[:-1] if w[-1] == "s" and w[-2] != "s" and len(w) > 3 else w
            for w in wordset - _SKIP
            if len(w) > 1 and w[0] not in _NUMERIC_START and not w[-1].isdigit()
        ]
    )


# --- the questions rules ask -------------------------------------------------------------


def has_quantity(text: str) -> bool:
    """True when the text states a quantity (a digit or a word like "double"); years and period
    labels (2026, Q3, FY26) don't count."""
    folded = fold(text)
    return _DIGIT.search(_YEARS.sub(" ", folded)) is not None or not set(_WORD.findall(folded)).isdisjoint(
        _NUMBER_WORDS
    )


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
    return bool(unit) and fold(unit).replace(" / ", "/") in _MILESTONE_UNITS


# A guess of the outcome an activity is meant to move, from words in its object:
# (keywords, metric, is a percentage, lower is better).
_OUTCOMES: tuple[tuple[frozenset[str], str, bool, bool], ...] = (
    (frozenset({"onboarding", "activation", "welcome"}), "week-1 activation", True, False),
    (
        frozenset({"signup", "sign-up", "registration", "register", "trial", "registro", "cadastro"}),
        "sign-up conversion",
        True,
        False,
    ),
    (frozenset({"checkout", "cart", "payment", "payments", "pago", "pagamento"}), "checkout conversion", True, False),
    (
        frozenset({"pricing", "price", "prices", "plan", "plans", "precios", "precos"}),
        "average revenue per account",
        False,
        False,
    ),
    (
        frozenset({"docs", "documentation", "faq", "help", "knowledge", "chatbot", "self-service"}),
        "support tickets per 100 customers",
        False,
        True,
    ),
    (frozenset({"support", "soporte", "suporte", "helpdesk", "tickets"}), "median first-response time", False, True),
    (
        frozenset({"migration", "cloud", "infrastructure", "kubernetes", "servers", "aws", "azure"}),
        "monthly infrastructure cost",
        False,
        True,
    ),
    (
        frozenset({"ci", "pipeline", "tests", "testing", "deploy", "deployment", "release"}),
        "lead time from merge to production",
        False,
        True,
    ),
    (
        frozenset({"hiring", "recruiting", "recruitment", "interview", "interviews", "candidates"}),
        "median time to hire",
        False,
        True,
    ),
    (
        frozenset({"training", "workshop", "workshops", "course", "courses", "formacion", "treinamento"}),
        "share of the team passing the assessment",
        True,
        False,
    ),
    (
        frozenset(
            {
                "campaign",
                "webinar",
                "webinars",
                "event",
                "events",
                "newsletter",
                "ads",
                "content",
                "blog",
                "marketing",
                "campana",
                "campanha",
            }
        ),
        "qualified leads per month",
        False,
        False,
    ),
    (
        frozenset({"website", "landing", "homepage", "page", "pagina", "site", "seo"}),
        "visitor-to-lead conversion",
        True,
        False,
    ),
    (
        frozenset({"app", "mobile", "feature", "dashboard", "portal", "funcionalidad"}),
        "weekly active users",
        False,
        False,
    ),
    (
        frozenset({"security", "audit", "vulnerability", "vulnerabilities", "pentest", "seguridad", "seguranca"}),
        "open critical vulnerabilities",
        False,
        True,
    ),
    (
        frozenset({"retention", "loyalty", "crm", "customer", "customers", "clientes"}),
        "90-day customer retention",
        True,
        False,
    ),
)


def outcome_rewrite(title: str) -> str | None:
    """An outcome-style rewrite of an activity title, or None when it is not an activity.

    "Launch the new onboarding flow" -> "Raise week-1 activation from X% to Y% with the
    new onboarding flow".
    """
    found = activity_verb(title)
    if not found:
        return None
    verb, language, rest = found
    rest = rest.strip().rstrip(".") or "this work"
    metric, percent, lower = "<the number this work should move>", False, False
    rest_words = set(words(rest))
    for keys, name, is_percent, is_lower in _OUTCOMES:
        if rest_words & keys:
            metric, percent, lower = name, is_percent, is_lower
            break
    x, y = ("X%", "Y%") if percent else ("X", "Y")
    if language == "es":
        return f"{'Reducir' if lower else 'Aumentar'} {metric} de {x} a {y} con {rest}"
    if language == "pt":
        return f"{'Reduzir' if lower else 'Aumentar'} {metric} de {x} para {y} com {rest}"
    how = f"with {rest}" if verb in _EN_MAKE else f"by {_EN_DO.get(verb, verb + 'ing')} {rest}"
    return f"{'Cut' if lower else 'Raise'} {metric} from {x} to {y} {how}"


def says_decrease(title: str) -> bool:
    """True when the title starts by saying its number is to come down ("Cut first reply time to 4 h")."""
    first = words(strip_prefix(title))[:1]
    return bool(first) and first[0] in _DECREASE_WORDS
