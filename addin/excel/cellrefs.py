"""A1 cell references: column letters and numbers, for the reader and the write-back alike."""

from __future__ import annotations

import functools

_COLUMN_NUMBERS: dict[str | bytes, int] = {}


def column_number(letters: bytes | str) -> int:
    """1-based column of letters such as "AB" or b"ab" (28)."""
    cached = _COLUMN_NUMBERS.get(letters)
    if cached is not None:
        return cached
    number = 0
    for ch in (letters if isinstance(letters, str) else letters.decode()).upper():
        number = number * 26 + ord(ch) - 64
    if len(_COLUMN_NUMBERS) < 20_000:  # a sheet has at most 16,384 columns
        _COLUMN_NUMBERS[letters] = number
    return number


@functools.lru_cache(maxsize=4096)
def column_letters(number: int) -> str:
    """Letters of a 1-based column number (28 -> "AB")."""
    out = ""
    while number:
        number, rest = divmod(number - 1, 26)
        out = chr(65 + rest) + out
    return out
