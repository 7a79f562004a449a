"""Word rules the linter and scoring share: normalising titles and spotting wording.

English, Spanish and Portuguese wording is recognised. Matching is done on a
"folded" form (NFKD, accents removed, case-folded) so "Lançar" matches "lancar".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
# List markers and outline numbers people put in front of a title: "1.2", "KR 3:", "- ", "•".
_PREFIX = re.compile(
    r"^\s*(?:[-*\u2022\u00b7\u2013\u2014>]+\s*)?"
    r"(?:(?:kr|o|obj|objective|key\s+result)\s*[#]?\d+(?:\.\d+)*\s*[:.)\-\u2013]?\s*"
    r"|\d+(?:\.\d+)*\s*[:.)\-\u2013]?\s+)?",
    re.IGNORECASE,
)
_LEAD_INS = ("we will ", "we'll ", "to ", "vamos ", "vamos a ")


@lru_cache(maxsize=262144)
def same_text_key(text: str) -> str:
    """Key under which two titles count as the same: NFC, case, spacing and end dots ignored."""
    if not text:
        return ""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.split()).rstrip(".;:!").rstrip().casefold()


@lru_cache(maxsize=262144)
def fold(text: str) -> str:
    """Accent-free, case-folded, single-spaced text for word matching."""
    if not text:
        return ""
    if text.isascii():  # the common case: nothing to decompose
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def words(text: str) -> list[str]:
    """The folded words of ``text``."""
    return _WORD.findall(fold(text))


def strip_prefix(text: str) -> str:
    """``text`` without a leading list marker or outline number ("1.2 ", "KR3: ")."""
    rest = _PREFIX.sub("", text or "", count=1).strip()
    low = rest.casefold()
    for lead in _LEAD_INS:
        if low.startswith(lead):
            return rest[len(lead):].strip()
    return rest


# --- numbers -----------------------------------------------------------------------

_NUMBER_WORDS = {
    "double", "triple", "half", "twice", "halve", "doble", "duplicar", "triplicar",
    "mitad", "dobro", "dobrar", "metade", "zero", "cero",
}
_YEARS = re.compile(r"\b(?:fy\s?)?(?:19|20)\d\d\b|\b[qh][1-4]\b|\bfy\d\d\b")
_DIGIT = re.compile(r"\d")


def has_number(text: str) -> bool:
    """True when the text states a quantity (a digit or a word like "double")."""
    folded = fold(text)
    if _DIGIT.search(folded):
        return True
    return any(w in _NUMBER_WORDS for w in _WORD.findall(folded))


def has_quantity(text: str) -> bool:
    """Like :func:`has_number`, but years and period labels (2026, Q3, FY26) don't count."""
    return has_number(_YEARS.sub(" ", fold(text)))


# --- activity verbs ----------------------------------------------------------------

# Verbs that describe work to do rather than a result to reach, in their command or
# infinitive form. English "produces a thing" verbs read well with "with <the thing>".
_EN_MAKE = {
    "launch": "launching", "build": "building", "implement": "implementing",
    "create": "creating", "ship": "shipping", "deliver": "delivering",
    "release": "releasing", "develop": "developing", "design": "designing",
    "redesign": "redesigning", "deploy": "deploying", "introduce": "introducing",
    "publish": "publishing", "rebuild": "rebuilding", "rollout": "rolling out",
}
_EN_DO = {
    "hold": "holding", "run": "running", "write": "writing", "migrate": "migrating",
    "complete": "completing", "organise": "organising", "organize": "organizing",
    "conduct": "conducting", "host": "hosting", "define": "defining",
    "document": "documenting", "prepare": "preparing", "finish": "finishing",
    "start": "starting", "refactor": "refactoring", "integrate": "integrating",
    "establish": "establishing", "plan": "planning", "draft": "drafting",
    "train": "training", "upgrade": "upgrading", "automate": "automating",
    "rewrite": "rewriting", "research": "researching", "investigate": "investigating",
    "evaluate": "evaluating", "finalise": "finalising", "finalize": "finalizing",
    "attend": "attending", "send": "sending", "set up": "setting up",
    "roll out": "rolling out", "kick off": "kicking off", "put in place": "putting in place",
    "set": "setting", "install": "installing", "configure": "configuring",
    "hire": "hiring", "onboard": "onboarding", "audit": "auditing", "review": "reviewing",
    "work on": "working on", "do": "doing", "make": "making", "add": "adding",
    "update": "updating", "test": "testing", "clean up": "cleaning up",
}
_ES = {
    "lanzar", "construir", "implementar", "implantar", "crear", "realizar", "organizar",
    "desarrollar", "entregar", "completar", "migrar", "escribir", "publicar", "disenar",
    "definir", "preparar", "ejecutar", "celebrar", "hacer", "terminar", "finalizar",
    "documentar", "automatizar", "integrar", "establecer", "contratar", "redactar",
    "llevar a cabo", "poner en marcha", "montar", "desplegar", "impartir", "actualizar",
}
_PT = {
    "lancar", "construir", "implementar", "implantar", "criar", "realizar", "organizar",
    "desenvolver", "entregar", "concluir", "completar", "migrar", "escrever", "publicar",
    "projetar", "definir", "preparar", "executar", "fazer", "terminar", "finalizar",
    "documentar", "automatizar", "integrar", "estabelecer", "contratar", "redigir",
    "colocar em pratica", "por em pratica", "montar", "implantar", "atualizar",
}
_MULTI = sorted(
    [v for v in (*_EN_MAKE, *_EN_DO, *_ES, *_PT) if " " in v], key=len, reverse=True
)


def activity_verb(title: str) -> tuple[str, str, str] | None:
    """(verb, language, rest of the title) when the title starts with an activity verb."""
    body = strip_prefix(title)
    folded = fold(body)
    for phrase in _MULTI:
        if folded == phrase or folded.startswith(phrase + " "):
            rest = body.split(None, phrase.count(" ") + 1)[phrase.count(" ") + 1:]
            joined = " ".join(rest)
            return phrase, _language(phrase, joined), joined
    parts = body.split(None, 1)
    if not parts:
        return None
    first = fold(parts[0]).strip(".,:;!")
    rest = parts[1] if len(parts) > 1 else ""
    if first in _EN_MAKE or first in _EN_DO:
        return first, "en", rest
    if first in _ES or first in _PT:
        return first, _language(first, rest), rest
    return None


_PT_HINTS = {"o", "os", "novo", "nova", "novos", "novas", "do", "da", "dos", "das", "em", "com",
             "nao", "uma", "no", "na", "ao", "pelo", "pela"}
_ES_HINTS = {"el", "los", "nuevo", "nueva", "nuevos", "nuevas", "del", "en", "con", "una", "al",
             "por", "para", "y"}


def _language(verb: str, rest: str = "") -> str:
    if verb in _EN_MAKE or verb in _EN_DO:
        return "en"
    if verb in _ES and verb not in _PT:
        return "es"
    if verb in _PT and verb not in _ES:
        return "pt"
    # Shared verbs ("implementar"): the small words around them tell the language.
    rest_words = words(rest)
    pt = sum(w in _PT_HINTS for w in rest_words) + sum(w.endswith(("cao", "coes")) for w in rest_words)
    es = sum(w in _ES_HINTS for w in rest_words) + sum(w.endswith(("cion", "ciones")) for w in rest_words)
    if "\u00f1" in rest.casefold():
        es += 2
    if any(ch in rest.casefold() for ch in "\u00e3\u00f5\u00e7"):
        pt += 2
    return "pt" if pt > es else "es"


# A guess of the outcome an activity is meant to move, from words in its object:
# (keywords, metric, is a percentage, lower is better).
_OUTCOMES: tuple[tuple[frozenset[str], str, bool, bool], ...] = (
    (frozenset({"onboarding", "activation", "welcome"}), "week-1 activation", True, False),
    (frozenset({"signup", "sign-up", "registration", "register", "trial", "registro", "cadastro"}),
     "sign-up conversion", True, False),
    (frozenset({"checkout", "cart", "payment", "payments", "pago", "pagamento"}),
     "checkout conversion", True, False),
    (frozenset({"pricing", "price", "prices", "plan", "plans", "precios", "precos"}),
     "average revenue per account", False, False),
    (frozenset({"docs", "documentation", "faq", "help", "knowledge", "chatbot", "self-service"}),
     "support tickets per 100 customers", False, True),
    (frozenset({"support", "soporte", "suporte", "helpdesk", "tickets"}),
     "median first-response time", False, True),
    (frozenset({"migration", "cloud", "infrastructure", "kubernetes", "servers", "aws", "azure"}),
     "monthly infrastructure cost", False, True),
    (frozenset({"ci", "pipeline", "tests", "testing", "deploy", "deployment", "release"}),
     "lead time from merge to production", False, True),
    (frozenset({"hiring", "recruiting", "recruitment", "interview", "interviews", "candidates"}),
     "median time to hire", False, True),
    (frozenset({"training", "workshop", "workshops", "course", "courses", "formacion", "treinamento"}),
     "share of the team passing the assessment", True, False),
    (frozenset({"campaign", "webinar", "webinars", "event", "events", "newsletter", "ads", "content",
                "blog", "marketing", "campana", "campanha"}), "qualified leads per month", False, False),
    (frozenset({"website", "landing", "homepage", "page", "pagina", "site", "seo"}),
     "visitor-to-lead conversion", True, False),
    (frozenset({"app", "mobile", "feature", "dashboard", "portal", "funcionalidad"}),
     "weekly active users", False, False),
    (frozenset({"security", "audit", "vulnerability", "vulnerabilities", "pentest", "seguridad",
                "seguranca"}), "open critical vulnerabilities", False, True),
    (frozenset({"retention", "loyalty", "crm", "customer", "customers", "clientes"}),
     "90-day customer retention", True, False),
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
        verb_out = "Reducir" if lower else "Aumentar"
        return f"{verb_out} {metric} de {x} a {y} con {rest}"
    if language == "pt":
        verb_out = "Reduzir" if lower else "Aumentar"
        return f"{verb_out} {metric} de {x} para {y} com {rest}"
    verb_out = "Cut" if lower else "Raise"
    if verb in _EN_MAKE:
        how = f"with {rest}"
    else:
        how = f"by {_EN_DO.get(verb, verb + 'ing')} {rest}"
    return f"{verb_out} {metric} from {x} to {y} {how}"


# --- health-metric ("keep it there") wording ----------------------------------------

_MAINTAIN = re.compile(
    r"\b(?:maintain|maintaining|keep|keeping|stay|stays|remain|remains|sustain|preserve|"
    r"mantener|mantenga|mantenemos|conservar|sostener|manter|mantenha|mantemos|permanecer)\b"
)
_BAND = re.compile(
    r"\b(?:at least|at most|no more than|no less than|never (?:drop|fall|go|exceed)|or more|"
    r"or less|or better|al menos|como minimo|como maximo|no mas de|no menos de|pelo menos|"
    r"no minimo|no maximo|nao mais de|nao menos de)\b|[<>]=?|[\u2264\u2265]"
)
_BELOW = re.compile(
    r"\b(?:below|under|beneath|less than|at most|no more than|max|maximum|exceed|or less|"
    r"debajo|abajo|menos de|maximo|menor|inferior|abaixo|no maximo|nao mais de)\b|<=?|\u2264"
)
_ABOVE = re.compile(
    r"\b(?:above|over|at least|no less than|min|minimum|or more|or better|encima|arriba|"
    r"mas de|mayor|superior|acima|mais de|maior|al menos|pelo menos|no minimo|como minimo)\b"
    r"|>=?|\u2265"
)
_LOWER_IS_BETTER = {
    "churn", "latency", "cost", "costs", "error", "errors", "incident", "incidents", "bug",
    "bugs", "defect", "defects", "downtime", "complaints", "delay", "delays", "backlog",
    "p95", "p99", "attrition", "turnover", "spend", "debt", "outages", "outage", "mttr",
    "abandono", "rotacion", "rotatividade", "coste", "costo", "custo", "custos", "errores",
    "erros", "latencia", "incidencias", "incidentes", "quejas", "reclamacoes", "atraso",
}


def says_maintain(title: str) -> bool:
    """True when the title says to keep a number where it is ("maintain", "keep", "mantener")."""
    return bool(_MAINTAIN.search(fold(title)))


def says_band(title: str) -> bool:
    """True when the title states a bound ("at least", "no more than", ">=")."""
    return bool(_BAND.search(fold(title)))


def band_direction(title: str) -> str | None:
    """"below" or "above" when the wording says which side of the target is good."""
    folded = fold(title)
    below, above = bool(_BELOW.search(folded)), bool(_ABOVE.search(folded))
    if below and not above:
        return "below"
    if above and not below:
        return "above"
    if set(_WORD.findall(folded)) & _LOWER_IS_BETTER:
        return "below"
    return None


# --- milestones ----------------------------------------------------------------------

_MILESTONE_UNITS = {
    "done", "done/not done", "yes/no", "y/n", "binary", "milestone", "bool", "boolean",
    "completed", "complete", "hecho", "feito", "si/no", "sim/nao", "0/1", "1/0",
    "true/false", "hito", "marco", "entregado", "entregue", "launched", "live",
}
_MILESTONE_WORDS = re.compile(
    r"\b(?:launch|launched|ship|shipped|release|released|go[- ]live|live|complete|completed|"
    r"done|deliver|delivered|publish|published|sign|signed|approve|approved|ga|certified|"
    r"certification|lanzar|lanzado|publicar|entregar|firmar|aprobado|lancar|lancado|"
    r"assinar|aprovado|concluir|concluido|hito|marco)\b"
)


def is_milestone_unit(unit: str) -> bool:
    """True for units that mean done / not done ("done", "yes/no", "binary")."""
    return fold(unit).replace(" / ", "/") in _MILESTONE_UNITS


def says_milestone(title: str) -> bool:
    """True when the title reads as a one-off deliverable (launch, ship, sign...)."""
    return bool(_MILESTONE_WORDS.search(fold(title))) or activity_verb(title) is not None


# --- metric identity (conflicting KRs) --------------------------------------------

_DIRECTION_WORDS = {
    "increase", "increasing", "raise", "grow", "growing", "improve", "boost", "lift", "reduce",
    "reducing", "cut", "decrease", "lower", "drop", "decline", "shrink", "minimise", "minimize",
    "maximise", "maximize", "reach", "achieve", "get", "hit", "move", "bring", "double", "halve",
    "triple", "expand", "accelerate", "speed", "slash", "eliminate",
    "aumentar", "reducir", "reduzir", "diminuir", "disminuir", "mejorar", "melhorar", "crecer",
    "crescer", "subir", "bajar", "baixar", "alcanzar", "atingir", "lograr", "conseguir",
    "incrementar", "elevar", "recortar", "cortar", "duplicar", "llegar", "chegar",
}
_STOP = {
    "the", "a", "an", "of", "to", "from", "by", "in", "for", "per", "on", "at", "with", "and",
    "or", "our", "we", "new", "all", "its", "their", "into", "than", "via", "across", "up",
    "down", "de", "la", "el", "los", "las", "del", "al", "do", "da", "dos", "das", "em", "no",
    "na", "para", "por", "con", "com", "y", "e", "o", "um", "uma", "un", "una", "nuestro",
    "nossa", "nosso", "nuestra", "percent", "pct", "k", "m", "bn", "usd", "eur", "gbp",
    "less", "more", "than", "least", "most", "below", "above", "under", "over",
}


def metric_key(title: str, unit: str) -> tuple[str, ...] | None:
    """The metric a KR moves, as sorted words plus unit; None when nothing is left."""
    kept = set()
    for word in words(strip_prefix(title)):
        if word in _STOP or word in _DIRECTION_WORDS or word[0].isdigit() or len(word) < 2:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        kept.add(word)
    if not kept:
        return None
    return (*sorted(kept), "|", fold(unit))
