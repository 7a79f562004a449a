"""Column headers and sheet names as people write them, mapped to canonical fields.

Matching is on a normalised form: Unicode NFKC, case-folded, accents removed, and every
run of spaces, no-break spaces, newlines and punctuation turned into one space
("Owner\\n(e-mail)" -> "owner e mail"). A header matches when its normalised form, or
that form with any "(...)" part removed, is a known synonym. Only the canonical fields
below are ever bound: a column such as ``tenant_id``, ``owner_oid``, ``created_by`` or
``is_admin`` matches nothing and is ignored.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# The contract's canonical fields of the key-result / objective sheets.
CANONICAL_FIELDS: tuple[str, ...] = (
    "team", "objective", "objective_type", "key_result", "kind", "owner", "baseline", "target",
    "current", "unit", "confidence", "due", "aligns_to", "depends_on", "notes", "weight", "ref",
    "id", "progress", "status", "last_checkin", "flags", "continues",
)  # fmt: skip
WRITTEN_FIELDS: tuple[str, ...] = ("id", "progress", "status", "last_checkin", "flags")
# Per-quarter fields of the quarter-block layout.
QUARTER_FIELDS: frozenset[str] = frozenset({"baseline", "current", "target", "progress", "confidence"})

_KR_SYNONYMS: dict[str, tuple[str, ...]] = {
    "team": ("team", "team name", "equipo", "equipe", "equipa", "squad", "department", "dept",
             "departamento", "area", "group", "grupo", "tribe"),
    "objective": ("objective", "objectives", "objective title", "obj", "objetivo", "objetivos",
                  "objective id", "objective ref", "objective number", "objective no", "obj id",
                  "obj no", "objetivo id", "id objetivo"),
    "objective_type": ("objective type", "type", "okr type", "tipo", "tipo de objetivo",
                       "commitment", "committed aspirational", "tipo objetivo"),
    "key_result": ("key result", "key results", "kr", "krs", "kr title", "key result title",
                   "resultado clave", "resultados clave", "resultado chave", "resultados chave",
                   "resultado", "key result description", "kr description"),
    "kind": ("kind", "kr kind", "direction", "metric type", "kr type", "tipo de kr", "tipo kr",
             "direccion", "direcao", "sentido"),
    "owner": ("owner", "owner email", "owner e mail", "owners", "kr owner", "responsible",
              "responsable", "responsavel", "dono", "dueno", "assignee", "accountable", "email", "e mail",
              "owner mail", "correo", "propietario"),
    "baseline": ("baseline", "start", "start value", "starting value", "starting point", "initial",
                 "initial value", "from", "base", "base line", "linea base", "linea de base",
                 "valor inicial", "inicio", "linha de base", "linha base", "partida"),
    "target": ("target", "goal", "target value", "to", "meta", "valor objetivo", "alvo",
               "objetivo numerico", "valor meta", "expected"),
    "current": ("current", "actual", "current value", "now", "latest", "real", "actual value",
                "valor actual", "actual real", "atual", "valor atual", "today", "achieved"),
    "unit": ("unit", "units", "unidad", "unidade", "uom", "unit of measure", "unidades"),
    "confidence": ("confidence", "conf", "confianza", "confianca", "likelihood",
                   "confidence level", "nivel de confianza", "nivel de confianca"),
    "due": ("due", "due date", "deadline", "end date", "fecha limite", "fecha", "vencimiento",
            "prazo", "data limite", "data", "by", "target date", "end", "fecha de entrega",
            "fecha fin", "data final", "date"),
    "aligns_to": ("aligns to", "aligned to", "alignment", "parent", "parent objective",
                  "supports", "alinea con", "alineado con", "alinhado a", "alinhado com",
                  "alineacion", "alinhamento", "contributes to"),
    "continues": ("continues", "continues kr", "carried over from", "carried from", "previous kr",
                  "previous key result", "continua", "continuacion de", "continuacao de"),
    "depends_on": ("depends on", "dependencies", "dependency", "depende de", "dependencias",
                   "blocked by", "dependente de"),
    "notes": ("notes", "note", "comments", "comment", "notas", "nota", "comentarios",
              "comentario", "observaciones", "observacoes", "remarks"),
    "weight": ("weight", "peso", "weighting", "ponderacion", "ponderacao"),
    "ref": ("#", "no", "nr", "number", "num", "ref", "outline", "numero", "n", "n°", "item", "kr #",
            "kr no", "kr number", "kr ref", "key result number", "key result #"),
    "id": ("id", "kr id", "key result id", "identificador", "okr id"),
    "progress": ("progress", "progress %", "%", "% complete", "percent complete", "progreso",
                 "progresso", "avance", "score", "% progress", "completion", "% done",
                 "porcentaje", "porcentagem", "progress pct"),
    "status": ("status", "estado", "situacion", "situacao", "rag", "health", "state"),
    "last_checkin": ("last check in", "last checkin", "last update", "last updated",
                     "ultimo check in", "ultima actualizacion", "ultima atualizacao",
                     "last check in date"),
    "flags": ("flags", "problems", "issues", "alerts", "alertas", "warnings", "avisos"),
}  # fmt: skip

# The outline layout's single title column ("Objective / Key result").
OUTLINE_TITLE_SYNONYMS: tuple[str, ...] = (
    "objective key result", "objectives key results", "objective kr", "objectives and key results",
    "okr", "okrs", "description", "descripcion", "descricao", "title", "titulo",
    "objetivo resultado clave", "objetivo resultado chave", "objetivos y resultados clave",
    "objetivos e resultados chave", "name",
)  # fmt: skip

_TEAM_SYNONYMS: dict[str, tuple[str, ...]] = {
    "team": ("team", "name", "team name", "equipo", "equipe", "nombre", "nome"),
    "lead": ("lead", "team lead", "lead email", "manager", "lider", "responsable", "gestor"),
    "members": ("members", "member emails", "team members", "miembros", "membros", "integrantes"),
    "checkin_weekday": ("check in weekday", "check in day", "weekday", "day", "checkin day",
                        "dia", "dia de check in", "meeting day"),
    "checkin_time": ("check in time", "time", "checkin time", "hora", "meeting time", "horario"),
    "timezone": ("time zone", "timezone", "tz", "zona horaria", "fuso horario"),
    "parent": ("parent team", "parent", "equipo padre", "equipe pai", "reports to"),
    "meeting_minutes": ("meeting minutes", "duration", "minutes", "meeting length", "duracion",
                        "duracao"),
}  # fmt: skip

_CHECKIN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": ("id", "kr id", "key result id", "kr"),
    "key_result": ("key result", "kr title", "resultado clave", "resultado chave"),
    "at": ("at", "date", "when", "check in date", "checked in", "fecha", "data", "timestamp"),
    "value": ("value", "current", "valor", "actual", "new value"),
    "confidence": ("confidence", "confianza", "confianca"),
    "note": ("note", "notes", "comment", "comments", "nota", "notas", "comentario"),
    "source": ("source", "origen", "origem", "via"),
}  # fmt: skip

_INITIATIVE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "ref": ("kr", "kr #", "kr no", "kr number", "kr ref", "key result", "key result #",
            "key result number", "for kr", "kr id", "resultado clave", "resultado chave", "ref"),
    "initiative": ("initiative", "initiatives", "iniciativa", "iniciativas", "project", "projects",
                   "proyecto", "projeto", "task", "title", "name", "action", "accion", "acao"),
    "owner": ("owner", "owner email", "responsable", "responsavel", "dono", "assignee"),
    "status": ("status", "estado", "situacao", "state"),
}  # fmt: skip

SHEET_KINDS: dict[str, tuple[str, ...]] = {
    "key_results": ("okrs", "okr", "key results", "krs", "resultados clave", "resultados chave",
                    "key result"),
    "objectives": ("objectives", "objetivos", "objective"),
    "teams": ("teams", "equipos", "equipes", "team"),
    "checkins": ("check ins", "checkins", "check in history", "historial", "historico"),
    "settings": ("settings", "configuracion", "configuracao", "config", "ajustes"),
    "initiatives": ("initiatives", "iniciativas", "projects", "proyectos", "projetos"),
    "help": ("how to use", "help", "instructions", "readme", "como usar", "ayuda", "ajuda"),
}  # fmt: skip

_SPACES = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000_\-–—/\\.,:;()\[\]{}'\"!?*]+")
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def normalise(text: object) -> str:
    """The comparable form of a header or label (see the module docstring)."""
    if text is None:
        return ""
    raw = str(text)
    # the same headers and labels come back on every sync of every workbook: remember the short ones
    return _normalise_cached(raw) if len(raw) <= 200 else _normalise(raw)


@functools.lru_cache(maxsize=8192)
def _normalise_cached(raw: str) -> str:
    return _normalise(raw)


def _normalise(raw: str) -> str:
    if not raw.isascii():  # ASCII has nothing to decompose and no combining marks
        raw = unicodedata.normalize("NFKD", raw)
        raw = "".join(ch for ch in raw if not unicodedata.combining(ch))
    raw = raw.casefold()
    # "%" and "#" carry meaning in headers ("Progress %", "KR #"): keep them as words.
    raw = raw.replace("%", " % ").replace("#", " # ")
    return " ".join(_SPACES.sub(" ", raw).split())


def _index(synonyms: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {normalise(word): field for field, words in synonyms.items() for word in words}


_KR_INDEX = _index(_KR_SYNONYMS)
_OUTLINE_TITLES = frozenset(normalise(w) for w in OUTLINE_TITLE_SYNONYMS)
_INDEXES: dict[str, dict[str, str]] = {
    "key_results": _KR_INDEX,
    "objectives": _KR_INDEX,
    "teams": _index(_TEAM_SYNONYMS),
    "checkins": _index(_CHECKIN_SYNONYMS),
    "initiatives": _index(_INITIATIVE_SYNONYMS),
}
_SHEET_INDEX = {normalise(word): kind for kind, words in SHEET_KINDS.items() for word in words}


def match_header(text: object, kind: str = "key_results") -> str | None:
    """The canonical field a header names on a sheet of ``kind`` exactly (or with "(...)" removed), or None."""
    return _exact(text, kind)


def _exact(text: object, kind: str) -> str | None:
    index = _INDEXES[kind]
    key = normalise(text)
    if not key:
        return None
    if key in index:
        return index[key]
    bare = normalise(_PAREN.sub(" ", str(text)))
    if bare in index:
        return index[bare]
    return None


# Synonyms too short or too common to be recognised inside a longer header ("Tenant ID",
# "Start date", "Fecha de inicio"): they match only as the whole header.
_NO_CONTAIN = frozenset({
    "#", "%", "no", "nr", "n", "n°", "num", "number", "item", "to", "from", "by", "end", "start", "data",
    "date", "now", "today", "base", "real", "id", "e mail", "email", "initial", "expected", "latest", "type",
    "kind", "state", "inicio", "partida", "group", "grupo", "fecha", "conf", "health", "note", "nota",
})  # fmt: skip
# Words that make a header an internal column of some system, never a field ("owner_oid").
_INTERNAL_WORDS = frozenset({"oid", "uuid", "guid", "tenant", "hash", "token", "created", "modified",
                             "updated", "deleted", "admin", "etag", "internal"})  # fmt: skip
_MAX_HEADER_WORDS = 6
_ENTITIES = frozenset({"key_result", "objective"})
CONTAINED_SCORE = 0.6  # a header that contains a synonym counts for less than one that is one


def _contained_index(index: dict[str, str]) -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """Synonyms that may appear inside a header, by their first word."""
    by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for word, field in index.items():
        if word and word not in _NO_CONTAIN:
            words = tuple(word.split())
            by_first.setdefault(words[0], []).append((words, field))
    return by_first


_CONTAINED = {"key_results": _contained_index(_KR_INDEX)}


def score_header(text: object, kind: str = "key_results") -> tuple[str | None, float]:
    """The field a header names and how surely (see ``_score_header``); cached, as headers repeat."""
    if not isinstance(text, str) or len(text) > 80:  # long texts are never headers: not worth a cache slot
        return _score_header(text, kind)
    return _score_text(text, kind)


@functools.lru_cache(maxsize=8192)
def _score_text(text: str, kind: str) -> tuple[str | None, float]:
    return _score_header(text, kind)


def _score_header(text: object, kind: str) -> tuple[str | None, float]:
    """The field a header names and how surely: 1.0 when it is a synonym, less when it contains one.

    "Responsable del Key Result" contains both an owner and a key-result synonym: the
    key result only qualifies it, so it is the owner's column. Sentences (more than six
    words) and internal columns ("owner_oid") name nothing.
    """
    exact = _exact(text, kind)
    if exact is not None:
        return exact, 1.0
    contained = _CONTAINED.get("key_results" if kind == "objectives" else kind)
    if not contained or not isinstance(text, str) or len(text) > 60:
        return None, 0.0
    words = normalise(_PAREN.sub(" ", text)).split() or normalise(text).split()
    if not words or len(words) > _MAX_HEADER_WORDS or _INTERNAL_WORDS & set(words):
        return None, 0.0
    found: dict[str, int] = {}
    for i, word in enumerate(words):
        for synonym, field in contained.get(word, ()):
            if tuple(words[i : i + len(synonym)]) == synonym:
                found[field] = max(found.get(field, 0), len(" ".join(synonym)))
    if not found:
        return None, 0.0
    qualifiers = {f: n for f, n in found.items() if f not in _ENTITIES}
    pool = qualifiers if qualifiers and len(found) > len(qualifiers) else found
    return max(pool, key=lambda f: pool[f]), CONTAINED_SCORE


def is_outline_title(text: object) -> bool:
    """True for the single "Objective / Key result" column of the outline layout."""
    key = normalise(text)
    return key in _OUTLINE_TITLES or normalise(_PAREN.sub(" ", str(text or ""))) in _OUTLINE_TITLES


def sheet_kind(name: str) -> str | None:
    """What a sheet's name says it holds ("OKRs" -> key_results), or None."""
    return _SHEET_INDEX.get(normalise(name))


def map_header_row(cells: list[object], kind: str) -> dict[str, list[int]]:
    """Canonical field -> 1-based columns of a candidate header row (first match first)."""
    return score_header_row(cells, kind)[0]


def score_header_row(cells: list[object], kind: str) -> tuple[dict[str, list[int]], float]:
    """The row's fields (as ``map_header_row``) and how header-like the row is.

    The score adds each field once, at its best match, so a data row that happens to
    hold "Progress" or "Key result reviews" in a cell never outscores the real header.
    """
    found: dict[str, list[int]] = {}
    best: dict[str, float] = {}
    for col, cell in enumerate(cells, start=1):
        if not isinstance(cell, str):
            continue
        field, score = _cell_field_cached(cell, kind) if len(cell) <= 200 else _cell_field(cell, kind)
        if field is not None:
            found.setdefault(field, []).append(col)
            best[field] = max(best.get(field, 0.0), score)
    return found, sum(best.values())


@functools.lru_cache(maxsize=16384)
def _cell_field_cached(cell: str, kind: str) -> tuple[str | None, float]:
    # every row among a sheet's first rows is scored on every sync, and its cells repeat (team
    # names, units, owners): a cell's field is worked out once per text
    return _cell_field(cell, kind)


def _cell_field(cell: str, kind: str) -> tuple[str | None, float]:
    """The field one cell's text names as a header on a sheet of ``kind``, and how surely."""
    field = _exact(cell, kind)
    if field is not None:
        return field, 1.0
    if kind in ("key_results", "objectives") and is_outline_title(cell):
        return "title", 1.0
    return score_header(cell, kind)


def label_of(text: object) -> str | None:
    """The field of a label in a block above the table ("Team:" -> team), or None."""
    if not isinstance(text, str) or not text.strip():
        return None
    key = normalise(text)
    return _LABELS.get(key)


_LABELS = {
    normalise(w): field
    for field, words in {
        "team": ("team", "equipo", "equipe", "equipa", "squad"),
        "period": ("period", "periodo", "quarter", "trimestre", "cycle", "ciclo", "year", "ano", "fiscal year",
                   "fy", "ano fiscal", "exercicio", "ejercicio", "horizon", "horizonte", "plan period"),
        "last_checkin": ("last check in", "last checkin", "last update", "ultimo check in",
                         "ultima actualizacion", "ultima atualizacao"),
        "owner": ("owner", "lead", "responsable", "responsavel", "dono"),
    }.items()
    for w in words
}  # fmt: skip
