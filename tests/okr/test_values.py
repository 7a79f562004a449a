"""Cell value rules: numbers, percentages, confidence, dates, words and text."""

from __future__ import annotations

import datetime as dt

import pytest

from addin.okr import values as v
from addin.okr.model import KrKind, ObjectiveType, Severity


@pytest.mark.parametrize(
    ("raw", "number", "unit"),
    [
        ("1,200", 1200, ""), ("$1.2M", 1_200_000, ""), ("3.5k", 3500, ""), ("45,0", 45, ""),
        ("93 days", 93, "days"), ("93 dias", 93, "days"), ("1.200,50", 1200.5, ""), ("1,200.50", 1200.5, ""),
        ("1.200.000", 1_200_000, ""), ("-3", -3, ""), ("١٢٣", 123, ""), ("１２", 12, ""), ("४२", 42, ""),
        (12, 12, ""), (0.5, 0.5, ""), ("45%", 45, "%"), ("45 pct", 45, "%"), ("45 por ciento", 45, "%"),
    ],
)  # fmt: skip
def test_numbers_written_as_text_are_read(raw: object, number: float, unit: str) -> None:
    quantity = v.parse_quantity(raw)
    assert quantity is not None
    assert quantity.value == pytest.approx(number)
    assert quantity.unit == unit


@pytest.mark.parametrize("raw", ["NaN", "inf", "1e400", 1e308 * 10, float("nan"), 10**20, "½", "abc", True, "1,2,3"])
def test_nan_infinity_huge_and_junk_are_problems_never_numbers(raw: object) -> None:
    with pytest.raises(v.ValueProblem):
        v.parse_number(raw)


@pytest.mark.parametrize("raw", [None, "", "  ", "n/a", "N/A", "-", "tbd"])
def test_empty_words_read_as_no_value(raw: object) -> None:
    assert v.parse_number(raw) is None
    assert v.parse_confidence(raw) is None
    assert v.parse_date(raw) is None


def test_percent_format_and_text_and_number_meet_in_percentage_points() -> None:
    assert v.parse_quantity(0.45, percent_format=True).value == pytest.approx(45)
    assert v.parse_quantity("45%").value == 45
    assert v.parse_quantity(45).value == 45


def test_fraction_rows_are_scaled_and_mixed_rows_flagged() -> None:
    q = v.Quantity
    fractions, note, severity = v.normalise_percent_row({"baseline": q(0.2), "target": q(0.6), "current": q(0.45)})
    assert fractions == pytest.approx({"baseline": 20, "target": 60, "current": 45})
    assert severity is Severity.INFO and note
    mixed, note, severity = v.normalise_percent_row({"baseline": q(20), "target": q(0.6)})
    assert mixed == {"baseline": 20, "target": 0.6} and severity is Severity.WARNING
    same, note, _ = v.normalise_percent_row({"baseline": q(20, "%", True), "target": q(60)})
    assert same == {"baseline": 20, "target": 60} and note is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(0.7, 0.7), (7, 0.7), (70, 0.7), ("70%", 0.7), ("7/10", 0.7), ("High", 0.8), ("medium", 0.5), ("Low", 0.2),
     ("Alta", 0.8), ("baixa", 0.2), ("🙂", 0.8), ("🤔", 0.5), ("😟", 0.2), ("0,7", 0.7), (0, 0.0)],
)  # fmt: skip
def test_confidence_on_every_scale_reads_as_0_to_1(raw: object, expected: float) -> None:
    assert v.parse_confidence(raw) == pytest.approx(expected)


@pytest.mark.parametrize("raw", [-1, 101, "maybe", True, "12/10"])
def test_confidence_out_of_range_is_a_problem(raw: object) -> None:
    with pytest.raises(v.ValueProblem):
        v.parse_confidence(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (dt.date(2026, 3, 31), dt.date(2026, 3, 31)), (dt.datetime(2026, 3, 31, 23, 59), dt.date(2026, 3, 31)),
        (45930, dt.date(2025, 9, 30)), (45930.75, dt.date(2025, 9, 30)), ("2025-03-31", dt.date(2025, 3, 31)),
        ("2025-03-31T23:30:00Z", dt.date(2025, 3, 31)), ("2025-03-31T23:30:00-05:00", dt.date(2025, 3, 31)),
        ("2025-03-31T00:30:00+09:00", dt.date(2025, 3, 31)), ("31/03/2025", dt.date(2025, 3, 31)),
        ("03/31/2025", dt.date(2025, 3, 31)), ("Q3 2025", dt.date(2025, 9, 30)), ("2026-Q1", dt.date(2026, 3, 31)),
        ("31 Mar 2025", dt.date(2025, 3, 31)), (59, dt.date(1900, 2, 28)), (61, dt.date(1900, 3, 1)),
    ],
)  # fmt: skip
def test_dates_read_without_day_shift(raw: object, expected: dt.date) -> None:
    assert v.parse_date(raw) == expected


@pytest.mark.parametrize("raw", [60, 0, -1, 2958466, "2025-02-30", "03/04/2025", "soon", dt.time(0, 0), True])
def test_impossible_or_ambiguous_dates_are_problems(raw: object) -> None:
    with pytest.raises(v.ValueProblem):
        v.parse_date(raw)


def test_ambiguous_date_message_offers_both_readings() -> None:
    with pytest.raises(v.ValueProblem) as caught:
        v.parse_date("03/04/2025")
    assert "2025-04-03" in caught.value.message and "2025-03-04" in caught.value.message


def test_1904_serials_count_from_1904() -> None:
    assert v.parse_date(0, date1904=True) == dt.date(1904, 1, 1)
    assert v.parse_date(45930, date1904=True) == dt.date(2029, 10, 1)


def test_fiscal_quarter_end_for_due_text() -> None:
    assert v.parse_date("Q1 2026", fy_start_month=7) == dt.date(2025, 9, 30)


@pytest.mark.parametrize(
    ("raw", "done"),
    [("done", True), ("Not done", False), ("yes", True), ("no", False), ("✓", True), ("✗", False), (True, True),
     (1, True), (0, False), ("hecho", True), ("não", False)],
)  # fmt: skip
def test_binary_values(raw: object, done: bool) -> None:
    assert v.parse_done(raw) is done


def test_kind_and_type_words() -> None:
    assert v.parse_kind("Decrease") is KrKind.DECREASE
    assert v.parse_kind("at least") is KrKind.STAY_ABOVE
    assert v.parse_kind("reducir") is KrKind.DECREASE
    assert v.parse_kind("Milestone") is KrKind.MILESTONE
    assert v.parse_objective_type("Stretch") is ObjectiveType.ASPIRATIONAL
    assert v.parse_objective_type("comprometido") is ObjectiveType.COMMITTED
    with pytest.raises(v.ValueProblem):
        v.parse_kind("sideways")


def test_text_keeps_rtl_emoji_and_long_cells_but_strips_controls() -> None:
    rtl = "زيادة المستخدمين 👩‍👩‍👧 🇪🇸"
    assert v.text_from_cell(rtl).text == rtl
    cleaned = v.text_from_cell("Grow\x07 users\x00\ttoday")
    assert cleaned.text == "Grow users\ttoday" and cleaned.removed == 2
    assert len(v.text_from_cell("é" * 5000, field="notes").text) == 5000
    with pytest.raises(v.ValueProblem):
        v.text_from_cell("x" * 32767, field="key_result")


def test_text_is_nfc_normalised() -> None:
    assert v.text_from_cell("Cafe\u0301").text == "Café"
    assert v.identity_key("KR-7F3A ") == v.identity_key("kr-7f3a")


def test_outline_numbers() -> None:
    assert v.parse_ref(1.0) == "1"
    assert v.parse_ref("1.2") == "1.2"
    assert v.parse_ref(1.2) == "1.2"
    assert v.parse_ref("abc") is None
