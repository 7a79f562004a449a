"""Header and sheet-name matching: case, spaces, punctuation, synonyms, languages."""

from __future__ import annotations

import pytest

from addin.excel import headers


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("Key Result", "key_result"), ("  KEY\u00a0RESULT ", "key_result"), ("key\nresult", "key_result"),
        ("KR", "key_result"), ("Key-Result", "key_result"), ("Owner (email)", "owner"), ("Owner email", "owner"),
        ("Start", "baseline"), ("Goal", "target"), ("Actual", "current"), ("Progress %", "progress"),
        ("Confidence (0–1)", "confidence"), ("Last check-in", "last_checkin"), ("ID", "id"), ("#", "ref"),
        ("Responsable", "owner"), ("Real", "current"), ("Meta", "target"), ("Confianza", "confidence"),
        ("Equipo", "team"), ("Objetivo", "objective"), ("Resultado clave", "key_result"), ("Dono", "owner"),
        ("Prazo", "due"), ("Línea base", "baseline"), ("Confiança", "confidence"), ("Resultado-chave", "key_result"),
        ("Fecha límite", "due"), ("Aligns to", "aligns_to"), ("Depends on", "depends_on"),
    ],
)  # fmt: skip
def test_headers_match_their_field(text: str, field: str) -> None:
    assert headers.match_header(text) == field


@pytest.mark.parametrize(
    "text", ["tenant_id", "owner_oid", "created_by", "is_admin", "__class__", "Tenant ID", "", None]
)
def test_internal_and_unknown_columns_bind_to_nothing(text: str | None) -> None:
    assert headers.match_header(text) is None


def test_outline_title_column() -> None:
    assert headers.is_outline_title("Objective / Key result")
    assert headers.map_header_row(["#", "Objective / Key Result", "Owner"], "key_results") == {
        "ref": [1], "title": [2], "owner": [3]
    }  # fmt: skip


def test_sheet_names() -> None:
    assert headers.sheet_kind("OKRs") == "key_results"
    assert headers.sheet_kind("Key Results") == "key_results"
    assert headers.sheet_kind("check-ins") == "checkins"
    assert headers.sheet_kind("How to use") == "help"
    assert headers.sheet_kind("Configuración") == "settings"
    assert headers.sheet_kind("Budget") is None


def test_other_sheet_kinds_have_their_own_columns() -> None:
    assert headers.match_header("Time zone", "teams") == "timezone"
    assert headers.match_header("Check-in weekday", "teams") == "checkin_weekday"
    assert headers.match_header("KR #", "initiatives") == "ref"
    assert headers.match_header("Iniciativa", "initiatives") == "initiative"
    assert headers.match_header("KR ID", "checkins") == "id"


def test_labels_above_a_table() -> None:
    assert headers.label_of("Team") == "team"
    assert headers.label_of("Período") == "period"
    assert headers.label_of("Last check-in") == "last_checkin"
    assert headers.label_of("Budget") is None
