"""The wording rules under the linter: verbs, numbers, metrics and same-title keys."""

from __future__ import annotations

import unicodedata

import pytest

from addin.okr.rules.text import (
    activity_verb,
    analyse,
    analyse_many,
    has_quantity,
    same_text_key,
)


@pytest.mark.parametrize(
    ("title", "verb", "language", "rest"),
    [
        ("1.2 Launch the new onboarding flow", "launch", "en", "the new onboarding flow"),
        ("KR3: Lançar o novo app", "lancar", "pt", "o novo app"),
        ("Set up the CI pipeline", "set up", "en", "the CI pipeline"),
        ("- Implementar el nuevo portal de clientes", "implementar", "es", "el nuevo portal de clientes"),
        ("We will migrate billing to Stripe", "migrate", "en", "billing to Stripe"),
    ],
)
def test_activity_verbs_after_outline_numbers_and_markers(title, verb, language, rest):
    assert activity_verb(title) == (verb, language, rest)


@pytest.mark.parametrize("title", ["Raise NPS from 30 to 40", "Krispy kreme sales up", "Launched campaigns convert"])
def test_outcomes_have_no_activity_verb(title):
    assert activity_verb(title) is None


def test_a_count_is_a_number_but_an_outline_number_is_not():
    assert analyse("10 new enterprise customers signed").number
    assert analyse("Double weekly active teams").number
    assert not analyse("1.2 Launch the new onboarding flow").number
    assert not has_quantity("Win the 2027 enterprise market in Q4")
    assert has_quantity("Revenue $2M")


def test_the_metric_ignores_direction_numbers_and_plural():
    up = analyse("Raise average discount from 10% to 15%").metric
    down = analyse("Cut the average discounts from 12% to 8%").metric
    assert up == down
    assert up  # the words are found, not left empty on both sides


def test_same_title_key_ignores_unicode_form_case_and_spacing():
    nfc = "Reducir la espera en el café"
    assert same_text_key(unicodedata.normalize("NFD", nfc)) == same_text_key(nfc)
    assert same_text_key("  REDUCIR la  espera en el CAFÉ. ") == same_text_key(nfc)
    assert same_text_key("Ｒaise NPS") == same_text_key("raise nps")


def test_many_titles_at_once_read_like_one_at_a_time():
    titles = [
        "1.2 Launch the new onboarding flow",
        "Keep uptime\nabove 99.9%",
        "Lançar o app",
        unicodedata.normalize("NFD", "Reducir la espera en el café de 8 a 4 min"),
        "Straße: keep costs ≤ 5k",
        "",
        "KR3: at least 40 NPS",
        "Raise NPS from 30 to 40",
    ]
    together = analyse_many(titles)
    assert together == [analyse_many([t])[0] for t in titles]
    assert together[1].maintain and together[1].above  # the line break is just a space
    assert together[4].below and together[4].band
