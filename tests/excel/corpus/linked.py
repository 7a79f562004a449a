"""Objectives and key results in two tables joined by id columns (invented content)."""

from __future__ import annotations

from tests.excel.corpus import Case, case
from tests.excel.corpus.build import book, save, sheet


@case
def linked_tables_with_kpi_sheet() -> Case:
    """Objetivos and Resultados-chave Excel tables joined by OKR_ID; a KPI sheet that is not OKRs."""
    wb = book()
    sheet(wb, "Objetivos", [
        ["OKR_ID", "Objetivo", "Área", "Dono"],
        ["OKR-01", "Reduzir o tempo de entrega ao cliente", "Logística", "Beatriz Alves"],
        ["OKR-02", "Ter estoque certo em cada loja", "Logística", "Renato Dias"],
    ], table="TabObjetivos")  # fmt: skip
    sheet(wb, "Resultados-chave", [
        ["KR_ID", "OKR_ID", "Resultado-chave", "Responsável", "Linha de base", "Meta", "Atual"],
        ["KR-01", "OKR-01", "Entregar 95% dos pedidos em 48 h", "Beatriz Alves", 0.81, 0.95, 0.88],
        ["KR-02", "OKR-01", "Baixar o custo do frete por pedido para R$ 14", "Renato Dias", 19, 14, 17],
        ["KR-03", "OKR-02", "Ruptura de estoque abaixo de 3%", "Renato Dias", 0.07, 0.03, 0.05],
    ], table="TabKRs")  # fmt: skip
    sheet(wb, "KPIs", [
        ["Indicador", "Jan", "Fev", "Mar", "Abr", "Meta anual"],
        ["Pedidos por dia", 1200, 1260, 1310, 1280, 1500],
        ["Devoluções", 0.021, 0.019, 0.02, 0.018, 0.015],
    ])  # fmt: skip
    o1, o2 = "Reduzir o tempo de entrega ao cliente", "Ter estoque certo em cada loja"
    return Case(
        "linked-tables-with-kpi-sheet", save(wb),
        objectives=[("Logística", o1), ("Logística", o2)],
        key_results=[
            {"objective": o1, "team": "Logística", "title": "Entregar 95% dos pedidos em 48 h", "id": "KR-01",
             "baseline": 0.81, "target": 0.95, "current": 0.88},
            {"objective": o1, "team": "Logística", "title": "Baixar o custo do frete por pedido para R$ 14",
             "id": "KR-02", "target": 14},
            {"objective": o2, "team": "Logística", "title": "Ruptura de estoque abaixo de 3%", "id": "KR-03",
             "current": 0.05},
        ],
        layout="two-sheet",
        note_contains=("KPIs",),
    )  # fmt: skip


@case
def linked_sheets_named_freely() -> Case:
    """Two sheets whose names say nothing ("Plan", "Tracking"); the KR table links by objective number."""
    wb = book()
    sheet(wb, "Plan", [
        ["Obj #", "Objective", "Team", "Type"],
        [1, "Be the easiest bank to open an account with", "Onboarding", "Committed"],
        [2, "Earn trust in the first month", "Onboarding", "Aspirational"],
    ])  # fmt: skip
    sheet(wb, "Tracking", [
        ["Obj #", "KR", "Owner (email)", "From", "To", "Now", "Confidence"],
        [1, "Account opened in under 5 minutes for 80% of applicants", "mia@example.com", 0.35, 0.8, 0.52, "70%"],
        [1, "Drop-off in the ID check step from 30% to 15%", "mia@example.com", 0.3, 0.15, 0.24, "High"],
        [2, "First-month complaints per 1,000 new accounts below 4", "raj@example.com", 9, 4, 6, 0.4],
    ])  # fmt: skip
    o1, o2 = "Be the easiest bank to open an account with", "Earn trust in the first month"
    return Case(
        "linked-sheets-named-freely", save(wb),
        objectives=[("Onboarding", o1), ("Onboarding", o2)],
        key_results=[
            {"objective": o1, "title": "Account opened in under 5 minutes for 80% of applicants",
             "confidence": 0.7, "baseline": 0.35, "target": 0.8, "current": 0.52},
            {"objective": o1, "title": "Drop-off in the ID check step from 30% to 15%", "confidence": 0.8},
            {"objective": o2, "title": "First-month complaints per 1,000 new accounts below 4", "owner": "raj@example.com",
             "target": 4},
        ],
        layout="two-sheet",
    )  # fmt: skip
