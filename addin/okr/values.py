"""Rules for reading one cell value into a domain value; pure functions, no Excel.

Over 500 lines: every cell-value rule, documented together below and used by the readers as one
vocabulary (``values.parse_*``).

Each ``parse_*`` function takes what a spreadsheet cell held (str, int, float, bool,
date, datetime, time or None) and returns the domain value, ``None`` for an empty
cell, or raises :class:`ValueProblem` with a message a manager understands.

The documented rules:

Empty
    ``None``, blank text and the words "n/a", "na", "none", "-", "—", "tbd" read as empty.

Numbers (:func:`parse_number`, :func:`parse_quantity`)
    Thousands and decimal separators: when both "." and "," appear, the last one is the
    decimal separator ("1.200,50" and "1,200.50" are 1200.5). A lone "," followed by
    exactly three digits groups thousands ("1,200" is 1200); any other lone "," is a
    decimal comma ("45,0" is 45, "3,5" is 3.5). A lone "." is a decimal point; several
    "." group thousands ("1.200.000"). Currency signs are dropped ("$1.2M"); the
    multipliers k/K, m/M/mm, bn/b (thousand, million, billion) apply; a trailing unit
    word is returned as the unit ("93 days", "93 dias" -> 93, "days"). Any Unicode
    decimal digits (Arabic-Indic, Devanagari, full-width ...) are read as their value;
    other numeric characters ("½", "²") are rejected, never read as 0. NaN, infinity and
    anything beyond ±1e15 are rejected. TRUE/FALSE and dates are not numbers.

Percentages (:func:`parse_quantity`, :func:`normalise_percent_row`)
    The canonical form is percentage points: 45 means 45 %. "45%", "45 %", "45 pct",
    "45 percent", "45 por ciento", "45 por cento" and a number cell with a percentage
    format (which Excel stores as 0.45) all read as 45. A bare number is read as written.
    In a row whose unit is "%", bare numbers that are all between 0 and 1 (at least one
    strictly between) are fractions and are multiplied by 100 (reported as info); a row
    mixing bare numbers at or below 1 with numbers above 1 is ambiguous (warning, read as
    written) - "write 45% or 45 in every column of the row".

Confidence (:func:`parse_confidence`)
    Always 0..1 once read. A number from 0 to 1 is read as is; above 1 up to 10 is a
    0-10 scale (7 -> 0.7); above 10 up to 100 is a percentage (70 -> 0.7); "70%" -> 0.7;
    "7/10" -> 0.7. Words: low/medium/high (and bajo/medio/alto, baixo/médio/alto, red/
    amber/green) -> 0.2/0.5/0.8; the emoji scale 🙂 -> 0.8, 🤔 -> 0.5, 😟 -> 0.2.

Dates (:func:`parse_date`)
    Date cells as they are (the time of day is dropped). Excel serial numbers in the
    1900 system (1..59 and 61..2958465; 60 is Excel's non-existent 29 Feb 1900) or the
    1904 system (0..2957003) when the workbook uses it. ISO text ("2025-03-31",
    "2025-03-31T23:30:00Z", "...+05:00") reads as the calendar date written, with no
    time-zone conversion, so nothing shifts a day. "31/03/2025" (day first, day > 12) and
    "03/31/2025" (month first) are unambiguous; "03/04/2025" is ambiguous and rejected -
    "write 2025-04-03". "Q3 2025" / "2025-Q3" is the last day of that (fiscal) quarter.
    Impossible dates (2025-02-30) and dates before March 1900 are rejected.

Text (:func:`text_from_cell`)
    Normalised to Unicode NFC (so "é" typed two ways compares equal); C0 control
    characters other than tab and newline, C1 controls, lone surrogates and the
    non-characters U+FFFE/U+FFFF are removed and reported as a warning; RTL text, emoji
    and all other characters are kept exactly. Each field has a length limit
    (:data:`TEXT_LIMITS`, e.g. 500 for a key-result title, 5,000 for notes); longer text is
    rejected.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass

from addin.okr.model import KrKind, ObjectiveType, Severity
from addin.okr.numbers import readable
from addin.okr.quarters import parse_quarter

MAX_MAGNITUDE = 1e15  # beyond this a number is a typo or an attack, not an OKR value

TEXT_LIMITS: dict[str, int] = {
    "team": 200,
    "objective": 500,
    "key_result": 500,
    "owner": 320,
    "unit": 50,
    "notes": 5000,
    "aligns_to": 500,
    "depends_on": 1000,
    "id": 64,
    "ref": 20,
    "status": 100,
    "flags": 5000,
    "initiative": 500,
    "lead": 320,
    "members": 5000,
    "timezone": 64,
}
DEFAULT_TEXT_LIMIT = 1000

_EMPTY_WORDS = frozenset({"", "n/a", "na", "n.a.", "none", "-", "—", "–", "tbd", "#n/a"})


class ValueProblem(ValueError):
    """A cell value that cannot be used; the message says what to write instead."""

    def __init__(self, message: str, *, severity: Severity = Severity.ERROR) -> None:
        super().__init__(message)
        self.message = message
        self.severity = severity


def is_empty(value: object) -> bool:
    """True for None, blank text and the "n/a"-like words that mean no value."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip().casefold() in _EMPTY_WORDS
    return False


# --------------------------------------------------------------------------- digits

# Arabic decimal and thousands separators, read like "." and ",".
_SEPARATOR_MAP = {"\u066b": ".", "\u066c": ",", "\u060c": ","}


def normalise_digits(text: str) -> str:
    """Replace every Unicode decimal digit by its ASCII digit; other characters kept."""
    out: list[str] = []
    for ch in text:
        if ch in _SEPARATOR_MAP:
            out.append(_SEPARATOR_MAP[ch])
            continue
        if ch.isascii():
            out.append(ch)
            continue
        digit = unicodedata.decimal(ch, None)
        out.append(str(digit) if digit is not None else ch)
    return "".join(out)


# --------------------------------------------------------------------------- numbers

_CURRENCY = re.compile(r"(?:US\$|R\$|A\$|C\$|[$€£¥₹₩₽¢]|\b(?:USD|EUR|GBP|BRL|MXN)\b)", re.IGNORECASE)
_MULTIPLIERS = {
    "k": 1e3, "thousand": 1e3, "mil": 1e3,
    "m": 1e6, "mm": 1e6, "mn": 1e6, "million": 1e6, "millones": 1e6, "milhões": 1e6, "mio": 1e6,
    "b": 1e9, "bn": 1e9, "billion": 1e9,
    # Brazilian Portuguese writes millions and billions as "mi" and "bi" ("R$ 1,2 mi")
    "mi": 1e6, "mi.": 1e6, "bi": 1e9, "bi.": 1e9,
}  # fmt: skip
# A comparator before a target ("≥ 70%", "at least 12") says which way is good; the
# number is what is read.
_COMPARATOR = re.compile(
    r"^(?:≥|≤|>=|<=|=>|=<|>|<|~|≈|at least|at most|min\.?|max\.?|up to|no more than|"
    r"al menos|como m[ií]nimo|m[ií]nimo|m[aá]ximo|hasta|pelo menos|no m[ií]nimo|at[ée])\s*",
    re.IGNORECASE,
)
_PERCENT_WORDS = frozenset({"%", "pct", "percent", "per cent", "por ciento", "por cento", "pp", "％"})
_UNIT_WORDS = {
    # normalised unit word -> canonical unit
    "day": "days", "days": "days", "dia": "days", "dias": "days", "día": "days", "días": "days",
    "d": "days",
    "week": "weeks", "weeks": "weeks", "semana": "weeks", "semanas": "weeks", "wk": "weeks",
    "hour": "hours", "hours": "hours", "hora": "hours", "horas": "hours", "h": "hours", "hrs": "hours",
    "minute": "minutes", "minutes": "minutes", "min": "minutes", "mins": "minutes", "minutos": "minutes",
    "ms": "ms", "s": "s", "sec": "s", "seconds": "s", "segundos": "s",
    "month": "months", "months": "months", "mes": "months", "meses": "months",
}  # fmt: skip
_NUMBER = re.compile(
    r"^(?P<sign>[-+−])?\s*(?P<num>(?:\d[\d.,' \u00a0\u202f]*)?\.?\d+(?:[eE][-+]?\d+)?)"
    r"\s*(?P<rest>.*)$"
)


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number read from a cell, with the unit written beside it ("%" for percentages)."""

    value: float
    unit: str = ""  # "%" when the value is a percentage (in percentage points)
    percent_typed: bool = False  # the cell said it was a percentage ("45%", % format)


def parse_number(value: object) -> float | None:
    """Read a plain number (see the module rules); None when the cell is empty."""
    quantity = parse_quantity(value)
    return None if quantity is None else quantity.value


def parse_quantity(value: object, *, percent_format: bool = False) -> Quantity | None:
    """Read a number with its unit ("45%" -> 45 %, "93 dias" -> 93 days, "$1.2M")."""
    if is_empty(value):
        return None
    if isinstance(value, bool):
        raise ValueProblem(f"{'TRUE' if value else 'FALSE'} is not a number; write the number itself.")
    if isinstance(value, (dt.date, dt.time, dt.datetime)):
        raise ValueProblem("This cell holds a date, not a number; write the number itself.")
    if isinstance(value, (int, float)):
        number = _finite(float(value) if not isinstance(value, int) else _int_to_float(value))
        if percent_format:
            return Quantity(_finite(number * 100), "%", True)
        return Quantity(number)
    if not isinstance(value, str):
        raise ValueProblem("This cell does not hold a number; write the number itself.")
    return _parse_number_text(value)


def _int_to_float(value: int) -> float:
    if abs(value) > MAX_MAGNITUDE:
        raise ValueProblem(f"{value} is far too large for an OKR value; check the number.")
    return float(value)


def _finite(number: float) -> float:
    if math.isnan(number):
        raise ValueProblem("This cell is not a number (NaN); write the number itself.")
    if math.isinf(number) or abs(number) > MAX_MAGNITUDE:
        raise ValueProblem("This number is infinite or far too large for an OKR value; check it.")
    return number


def _parse_number_text(raw: str) -> Quantity:
    text = normalise_digits(unicodedata.normalize("NFC", raw)).strip()
    folded = text.casefold()
    if folded in {"nan", "inf", "-inf", "+inf", "infinity", "-infinity"}:
        raise ValueProblem(f"{raw!r} is not a number; write the number itself.")
    text = _COMPARATOR.sub("", _CURRENCY.sub("", text).strip()).strip()
    text = _CURRENCY.sub("", text).strip()
    match = _NUMBER.match(text)
    if not match:
        raise ValueProblem(f"{_short(raw)} is not a number; write it like 1200 or 45%.")
    number = _finite(_to_float(match["num"], raw))
    if match["sign"] in ("-", "−"):
        number = -number
    rest = match["rest"].strip()
    unit = ""
    percent = False
    if rest:
        word = rest.casefold()
        if word in _MULTIPLIERS:
            number = _finite(number * _MULTIPLIERS[word])
        elif word in _PERCENT_WORDS:
            unit, percent = "%", True
        elif _CURRENCY.fullmatch(rest):
            pass
        elif re.fullmatch(r"[^\W\d_][\w /.\-]*", rest) and len(rest) <= 30:
            unit = _UNIT_WORDS.get(word, rest)
        else:
            raise ValueProblem(f"{_short(raw)} is not a number; write it like 1200 or 45%.")
    return Quantity(number, unit, percent)


def _to_float(num: str, raw: str) -> float:
    num = re.sub(r"[ '\u00a0\u202f]", "", num)
    has_dot, has_comma = "." in num, "," in num
    if has_dot and has_comma:
        decimal = "." if num.rfind(".") > num.rfind(",") else ","
        thousands = "," if decimal == "." else "."
        num = num.replace(thousands, "").replace(decimal, ".")
    elif has_comma:
        parts = num.split(",")
        if len(parts) > 2 or (len(parts[1]) == 3 and parts[0] not in ("", "0")):
            if any(len(p) != 3 for p in parts[1:]):
                raise ValueProblem(f"{_short(raw)} is not a number; write it like 1200 or 45,5.")
            num = num.replace(",", "")
        else:
            num = num.replace(",", ".")
    elif num.count(".") > 1:
        parts = num.split(".")
        if any(len(p) != 3 for p in parts[1:]):
            raise ValueProblem(f"{_short(raw)} is not a number; write it like 1200 or 45.5.")
        num = num.replace(".", "")
    try:
        return float(num)
    except ValueError as exc:
        raise ValueProblem(f"{_short(raw)} is not a number; write it like 1200 or 45%.") from exc


def _short(raw: str, limit: int = 40) -> str:
    text = raw if len(raw) <= limit else raw[: limit - 1] + "…"
    return repr(text)


def normalise_percent_row(values: dict[str, Quantity]) -> tuple[dict[str, float], str | None, Severity | None]:
    """Bring a row's baseline/target/current in a "%" row to percentage points.

    Returns the numbers, and a note with its severity when something was converted
    (info) or is ambiguous (warning); see "Percentages" in the module rules.
    """
    out = {name: q.value for name, q in values.items()}
    bare = {name: q.value for name, q in values.items() if not q.percent_typed}
    if not bare:
        return out, None, None
    small = [v for v in bare.values() if 0 <= v <= 1]
    fractional = [v for v in small if 0 < v < 1]
    if len(small) == len(bare) and fractional and all(q.value <= 1 or q.percent_typed for q in values.values()):
        for name in bare:
            out[name] = bare[name] * 100
        shown = ", ".join(readable(bare[n]) for n in bare)
        return out, f"read {shown} as fractions of 100 % (0.45 = 45 %)", Severity.INFO
    big = [v for v in values.values() if v.value > 1]
    if fractional and big:
        return (
            out,
            "mixes numbers at or below 1 with numbers above 1 in a % row, so 0.45 could mean "
            "0.45 % or 45 %; they were read as written - write 45% or 45 in every column",
            Severity.WARNING,
        )
    return out, None, None


# --------------------------------------------------------------------------- confidence

_CONFIDENCE_WORDS = {
    "low": 0.2, "medium": 0.5, "med": 0.5, "mid": 0.5, "high": 0.8,
    "bajo": 0.2, "baja": 0.2, "medio": 0.5, "media": 0.5, "alto": 0.8, "alta": 0.8,
    "baixo": 0.2, "baixa": 0.2, "médio": 0.5, "média": 0.5,
    "red": 0.2, "amber": 0.5, "yellow": 0.5, "green": 0.8,
    "rojo": 0.2, "amarillo": 0.5, "verde": 0.8, "vermelho": 0.2, "amarelo": 0.5,
    "very low": 0.1, "very high": 0.95,
}  # fmt: skip
_CONFIDENCE_EMOJI = {
    "🙂": 0.8, "😀": 0.8, "😃": 0.8, "😊": 0.8, "👍": 0.8, "🟢": 0.8, "😄": 0.8,
    "🤔": 0.5, "😐": 0.5, "🟡": 0.5, "😕": 0.5,
    "😟": 0.2, "🙁": 0.2, "☹": 0.2, "😞": 0.2, "😰": 0.2, "👎": 0.2, "🔴": 0.2,
}  # fmt: skip


def parse_confidence(value: object, *, percent_format: bool = False) -> float | None:
    """Read a confidence on any common scale into 0..1 (see the module rules)."""
    if is_empty(value):
        return None
    if isinstance(value, str):
        text = unicodedata.normalize("NFC", value).strip()
        stripped = text.replace("\ufe0f", "")  # emoji presentation selector
        if stripped in _CONFIDENCE_EMOJI:
            return _CONFIDENCE_EMOJI[stripped]
        word = text.casefold()
        if word in _CONFIDENCE_WORDS:
            return _CONFIDENCE_WORDS[word]
        scale = re.fullmatch(r"(.+?)\s*/\s*(10|100|5)", normalise_digits(text))
        if scale:
            top = float(scale[2])
            number = parse_number(scale[1])
            if number is None or not 0 <= number <= top:
                raise ValueProblem(f"Confidence {_short(value)} is out of range; write 0 to {readable(top)}.")
            return number / top
    try:
        quantity = parse_quantity(value, percent_format=percent_format)
    except ValueProblem as exc:
        raise ValueProblem(
            f"Confidence {_short(str(value))} is not understood; write a number from 0 to 1, "
            "a percentage, or Low / Medium / High."
        ) from exc
    if quantity is None:
        return None
    number = quantity.value
    if quantity.percent_typed:
        number = number / 100
    elif number > 10:
        number = number / 100
    elif number > 1:
        number = number / 10
    if not 0 <= number <= 1:
        raise ValueProblem(
            f"Confidence {value!r} is out of range; write a number from 0 to 1, 0-10, 0-100 %, or Low / Medium / High."
        )
    return number


# --------------------------------------------------------------------------- dates

_EXCEL_EPOCH_1900 = dt.date(1899, 12, 30)  # serial 61 -> 1900-03-01 counted from here
_EXCEL_EPOCH_1904 = dt.date(1904, 1, 1)
_MAX_SERIAL_1900 = 2958465  # 9999-12-31
_MAX_SERIAL_1904 = _MAX_SERIAL_1900 - 1462
_EARLIEST = dt.date(1900, 3, 1)
_ISO = re.compile(
    r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$",
    re.IGNORECASE,
)
_SLASHED = re.compile(r"^(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-](?P<y>\d{4})$")
_TEXT_DATE_FORMATS = ("%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y", "%b %d, %Y", "%B %d, %Y")


def serial_to_date(serial: float, *, date1904: bool = False) -> dt.date:
    """Convert an Excel serial day number to a date (1900 or 1904 system)."""
    if isinstance(serial, bool) or not math.isfinite(serial):
        raise ValueProblem("This is not a date; write it like 2025-03-31.")
    day = math.floor(serial)
    if date1904:
        if not 0 <= day <= _MAX_SERIAL_1904:
            raise ValueProblem(f"{serial:.0f} is not a valid Excel date; write it like 2025-03-31.")
        return _EXCEL_EPOCH_1904 + dt.timedelta(days=day)
    if day == 60:
        raise ValueProblem("Excel day 60 is 29 February 1900, which never existed; write the date like 2025-03-31.")
    if not 1 <= day <= _MAX_SERIAL_1900:
        raise ValueProblem(f"{serial:.0f} is not a valid Excel date; write it like 2025-03-31.")
    if day < 60:
        return dt.date(1899, 12, 31) + dt.timedelta(days=day)
    return _EXCEL_EPOCH_1900 + dt.timedelta(days=day)


def parse_date(value: object, *, date1904: bool = False, fy_start_month: int = 1) -> dt.date | None:
    """Read a due date from a date cell, an Excel serial or text (see the module rules)."""
    if is_empty(value):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        if value < _EARLIEST:
            raise ValueProblem(f"{value.isoformat()} is not a usable date; write it like 2025-03-31.")
        return value
    if isinstance(value, dt.time):
        raise ValueProblem("This cell holds a time of day or Excel day 0, not a date; write it like 2025-03-31.")
    if isinstance(value, bool):
        raise ValueProblem("TRUE/FALSE is not a date; write it like 2025-03-31.")
    if isinstance(value, (int, float)):
        return serial_to_date(float(value), date1904=date1904)
    if not isinstance(value, str):
        raise ValueProblem("This is not a date; write it like 2025-03-31.")
    return _parse_date_text(value, date1904=date1904, fy_start_month=fy_start_month)


def _parse_date_text(raw: str, *, date1904: bool, fy_start_month: int) -> dt.date:
    text = normalise_digits(unicodedata.normalize("NFKC", raw)).strip()
    try:
        return parse_quarter(text, fy_start_month).end
    except ValueError:
        pass
    iso = _ISO.match(text)
    if iso:
        # The calendar date as written: converting an offset to UTC would move
        # "2025-03-31T23:30-05:00" to the next day, which is not what the user meant.
        return _make_date(int(iso["y"]), int(iso["m"]), int(iso["d"]), raw)
    slashed = _SLASHED.match(text)
    if slashed:
        a, b, year = int(slashed["a"]), int(slashed["b"]), int(slashed["y"])
        if a > 12 and b <= 12:
            return _make_date(year, b, a, raw)
        if b > 12 and a <= 12:
            return _make_date(year, a, b, raw)
        if a == b:
            return _make_date(year, a, b, raw)
        raise ValueProblem(
            f"{_short(raw)} could be day/month or month/day; write it as year-month-day: "
            f"{year}-{b:02d}-{a:02d} or {year}-{a:02d}-{b:02d}."
        )
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return serial_to_date(float(text), date1904=date1904)
    for fmt in _TEXT_DATE_FORMATS:
        try:
            return _check_range(dt.datetime.strptime(text, fmt).date(), raw)
        except ValueError:
            continue
    raise ValueProblem(f"{_short(raw)} is not a date; write it like 2025-03-31.")


def _make_date(year: int, month: int, day: int, raw: str) -> dt.date:
    try:
        return _check_range(dt.date(year, month, day), raw)
    except ValueError as exc:
        raise ValueProblem(f"{_short(raw)} is not a real date; check the day and month.") from exc


def _check_range(day: dt.date, raw: str) -> dt.date:
    if day < _EARLIEST:
        raise ValueProblem(f"{_short(raw)} is not a usable date; write it like 2025-03-31.")
    return day


# --------------------------------------------------------------------------- words

_TRUE_WORDS = frozenset({
    "done", "yes", "y", "true", "1", "✓", "✔", "✅", "x", "☑", "complete", "completed", "achieved",
    "sí", "si", "hecho", "completado", "logrado", "sim", "feito", "concluído", "concluido", "feita",
})  # fmt: skip
_FALSE_WORDS = frozenset({
    "not done", "no", "n", "false", "0", "✗", "✘", "❌", "☐", "pending", "open", "not started",
    "in progress", "todo", "to do", "no hecho", "pendiente", "não", "nao", "não feito", "pendente",
})  # fmt: skip


def parse_done(value: object) -> bool | None:
    """Read a binary KR value: done / not done, yes / no, ✓ / ✗, TRUE / FALSE, 1 / 0."""
    if is_empty(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = " ".join(unicodedata.normalize("NFC", value).replace("\ufe0f", "").split()).casefold()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    raise ValueProblem(f"{_short(str(value))} is not done / not done; write done or not done.")


def looks_done(value: object) -> bool:
    """True when a value reads as a done / not-done word (not a plain 0 or 1)."""
    if isinstance(value, bool):
        return True
    if not isinstance(value, str) or is_empty(value):
        return False
    try:
        parse_done(value)
    except ValueProblem:
        return False
    return value.strip() not in ("0", "1")


_KIND_WORDS: dict[str, KrKind] = {}
for _kind, _words in {
    KrKind.INCREASE: ("increase", "up", "grow", "raise", "more", "higher", "increment", "aumentar",
                      "incrementar", "subir", "crescer", "maior", "más", "mais", "↑"),
    KrKind.DECREASE: ("decrease", "down", "reduce", "lower", "less", "cut", "reducir", "disminuir",
                      "bajar", "reduzir", "diminuir", "menos", "↓"),
    KrKind.STAY_ABOVE: ("stay-above", "stay above", "keep above", "at least", "minimum", "min", ">=",
                        "≥", "floor", "mantener por encima", "manter acima", "mínimo"),
    KrKind.STAY_BELOW: ("stay-below", "stay below", "keep below", "at most", "maximum", "max", "<=",
                        "≤", "ceiling", "mantener por debajo", "manter abaixo", "máximo"),
    KrKind.MILESTONE: ("milestone", "binary", "done/not done", "yes/no", "boolean", "hito", "marco",
                       "entregable", "entrega"),
}.items():  # fmt: skip
    for _word in _words:
        _KIND_WORDS[_word] = _kind


def parse_kind(value: object) -> KrKind | None:
    """Read a KR kind word (increase, decrease, stay-above, stay-below, milestone, synonyms)."""
    if is_empty(value):
        return None
    word = " ".join(str(value).replace("_", "-").split()).casefold()
    if word in _KIND_WORDS:
        return _KIND_WORDS[word]
    raise ValueProblem(
        f"{_short(str(value))} is not a key-result kind; write increase, decrease, stay-above, "
        "stay-below or milestone (or leave it empty)."
    )


_TYPE_WORDS = {
    "committed": ObjectiveType.COMMITTED, "commit": ObjectiveType.COMMITTED,
    "comprometido": ObjectiveType.COMMITTED, "compromisso": ObjectiveType.COMMITTED,
    "comprometida": ObjectiveType.COMMITTED, "roof shot": ObjectiveType.COMMITTED,
    "aspirational": ObjectiveType.ASPIRATIONAL, "stretch": ObjectiveType.ASPIRATIONAL,
    "moonshot": ObjectiveType.ASPIRATIONAL, "moon shot": ObjectiveType.ASPIRATIONAL,
    "aspiracional": ObjectiveType.ASPIRATIONAL, "ambicioso": ObjectiveType.ASPIRATIONAL,
    "ambiciosa": ObjectiveType.ASPIRATIONAL,
}  # fmt: skip


def parse_objective_type(value: object) -> ObjectiveType | None:
    """Read committed / aspirational (and stretch, moonshot, Spanish and Portuguese)."""
    if is_empty(value):
        return None
    word = " ".join(str(value).split()).casefold()
    if word in _TYPE_WORDS:
        return _TYPE_WORDS[word]
    raise ValueProblem(f"{_short(str(value))} is not an objective type; write committed or aspirational.")


# --------------------------------------------------------------------------- text

_STRIP = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class CellText:
    text: str
    removed: int = 0  # how many invisible control characters were taken out


def text_from_cell(value: object, *, field: str = "") -> CellText:
    """Text of a cell: NFC, controls removed, trimmed, within the field's length limit."""
    if value is None:
        return CellText("")
    limit = TEXT_LIMITS.get(field, DEFAULT_TEXT_LIMIT)
    if type(value) is str and value.isascii() and value.isprintable():
        # the common case: nothing to remove or normalise
        text = value.strip()
        if len(text) > limit:
            raise ValueProblem(f"This text is {len(text):,} characters long; the limit here is {limit:,}. Shorten it.")
        return CellText(text)
    if isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        text = str(int(value))
    elif isinstance(value, (dt.date, dt.datetime)):
        text = value.isoformat()
    else:
        text = str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text, removed = _STRIP.subn("", text)
    text = unicodedata.normalize("NFC", text).strip()
    if len(text) > limit:
        raise ValueProblem(f"This text is {len(text):,} characters long; the limit here is {limit:,}. Shorten it.")
    return CellText(text, removed)


def parse_ref(value: object) -> str | None:
    """An outline number such as "1" or "1.2" (numbers typed as 1.0 or 1.2 included)."""
    if is_empty(value):
        return None
    if isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
    else:
        text = normalise_digits(str(value)).strip().rstrip(".")
    return text if re.fullmatch(r"\d{1,4}(?:\.\d{1,4}){0,3}", text) else None


def identity_key(text: str) -> str:
    """Compare key for ids and titles: NFKC, case-folded, spaces removed."""
    if text.isascii():
        return "".join(text.lower().split())
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())
