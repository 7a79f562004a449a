"""How numbers, grades and dates read in the pack."""

from __future__ import annotations

import datetime as dt
import math

from addin.okr.numbers import readable

from .sanitize import SHORT_LIMIT, one_line

DASH = "—"


def number(value: float | None, unit: str = "") -> str:
    """1234.5 -> "1,234.5"; 45 with unit "%" -> "45%"; 1200 with "$" -> "$1,200"; None -> an em dash."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return DASH
    text = readable(value)
    unit = one_line(unit, SHORT_LIMIT)
    if not unit:
        return text
    if unit in {"$", "€", "£", "¥"}:
        return f"-{unit}{text[1:]}" if text.startswith("-") else f"{unit}{text}"
    return f"{text}{unit}" if unit in {"%", "k", "M"} else f"{text} {unit}"


def grade(value: float | None) -> str:
    """A grade on the 0.0-1.0 scale, two decimals (0.68 and 0.72 read differently at 0.7)."""
    return DASH if value is None or not math.isfinite(value) else f"{value:.2f}"


def percent(value: float | None) -> str:
    return DASH if value is None or not math.isfinite(value) else f"{value * 100:.0f} %"


def day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return DASH
    if isinstance(value, dt.datetime):
        value = (value.astimezone(dt.UTC) if value.tzinfo else value).date()
    return f"{value.day} {value:%b %Y}"
