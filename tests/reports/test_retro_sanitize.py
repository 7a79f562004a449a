"""The Word text rule: XML-invalid characters removed, long text capped, anything accepted."""

from __future__ import annotations

import time

import pytest

from addin.reports.sanitize import ELLIPSIS, one_line, text_for_docx


@pytest.mark.parametrize(
    "bad",
    [
        "\x00",
        "\x01",
        "\x08",
        "\x0b",
        "\x0c",
        "\x0e",
        "\x1f",
        "\x7f",
        "\x85",
        "\x9f",
        "\ud800",
        "\udfff",
        "\ufffe",
        "\uffff",
        "\u202a",
        "\u202d",
        "\u202e",
        "\u2066",
        "\u2069",
    ],
)
def test_invalid_characters_are_removed(bad):
    assert text_for_docx(f"a{bad}b") == "ab"


@pytest.mark.parametrize(
    "kept", ["\t", "\n", "\u200b", "\u200f", "\ufeff", "é", "👩‍👩‍👧", "🇪🇸", "שלום", "<b>&amp;</b>"]
)
def test_meaningful_characters_are_kept(kept):
    assert text_for_docx(f"a{kept}b") == f"a{kept}b"


def test_carriage_returns_become_line_feeds():
    assert text_for_docx("a\r\nb\rc") == "a\nb\nc"


def test_long_text_is_cut_to_the_limit_with_an_ellipsis():
    out = text_for_docx("word " * 100, limit=50)
    assert len(out) <= 50 and out.endswith(ELLIPSIS)
    assert text_for_docx("x" * 50, limit=50) == "x" * 50


def test_any_value_becomes_text():
    assert text_for_docx(None) == ""
    assert text_for_docx(12.5) == "12.5"
    assert text_for_docx(b"caf\xc3\xa9 \xff") == "café \ufffd"


def test_one_line_folds_breaks_and_tabs():
    assert one_line("a\n\tb  c") == "a b c"


def test_a_megabyte_costs_no_more_than_a_line():
    started = time.perf_counter()
    out = text_for_docx("\x00a" * 1_000_000, limit=300)
    assert len(out) <= 300
    assert time.perf_counter() - started < 1
