"""Numbers written for people, in findings, invites and packs: 11,400 and 0.45, never 1.14e+04."""

from __future__ import annotations

import math


def readable(value: float) -> str:
    """11400.3 -> "11,400"; 136300 -> "136,300"; 20.626 -> "20.63"; 0.45 -> "0.45"; 0.00123 -> "0.00123"."""
    if not math.isfinite(value):
        return str(value)
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:,.1f}".rstrip("0").rstrip(".")
    if abs(value) >= 0.01:
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:.3g}"  # a tiny rate: three significant digits, still not in exponent form
