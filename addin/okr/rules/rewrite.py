"""An outcome-style rewrite of an activity key result: what the linter suggests instead of a task."""

from __future__ import annotations

from .text import activity_verb, words
from .verbs import EN_DO, EN_MAKE

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
    how = f"with {rest}" if verb in EN_MAKE else f"by {EN_DO.get(verb, verb + 'ing')} {rest}"
    return f"{'Cut' if lower else 'Raise'} {metric} from {x} to {y} {how}"
