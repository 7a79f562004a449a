"""One table of key results, in the many ways people head and fill it (invented content)."""

from __future__ import annotations

from tests.excel.corpus import Case, case
from tests.excel.corpus.build import book, save, sheet


@case
def headers_containing_synonyms() -> Case:
    """Headers that contain a synonym; title rows and data rows that mention "Key result" / "Progress"."""
    wb = book()
    sheet(wb, "Finanzas 2026", [
        ["Key result progress report - Finanzas"],
        ["Progress is reviewed monthly by the key result owners"],
        [],
        ["Área", "Objetivo estratégico", "KR Título", "Responsable del Key Result", "Línea base 2025",
         "Meta_2028", "Valor actual", "% Avance"],
        ["Finanzas", "Cerrar el mes más rápido", "Key result reviews held with every squad", "Elena Mora",
         0, 12, 5, 0.42],
        ["Finanzas", "Cerrar el mes más rápido", "Progress", "Elena Mora", 9, 4, 7, 0.4],
        ["Finanzas", "Cerrar el mes más rápido", "Reducir días de cierre contable de 9 a 4", "Iván Cruz",
         9, 4, 6, 0.6],
    ])  # fmt: skip
    o = "Cerrar el mes más rápido"
    return Case(
        "headers-containing-synonyms", save(wb),
        objectives=[("Finanzas", o)],
        key_results=[
            {"objective": o, "title": "Key result reviews held with every squad", "owner": "Elena Mora",
             "baseline": 0, "target": 12, "current": 5},
            {"objective": o, "title": "Progress", "owner": "Elena Mora", "baseline": 9, "target": 4, "current": 7},
            {"objective": o, "title": "Reducir días de cierre contable de 9 a 4", "owner": "Iván Cruz",
             "baseline": 9, "target": 4, "current": 6},
        ],
        layout="flat-table",
    )  # fmt: skip


@case
def id_and_text_columns() -> Case:
    """objetivo_id and objetivo both name the objective: the id links, the text titles."""
    wb = book()
    sheet(wb, "base", [
        ["equipe", "objetivo_id", "objetivo", "kr_id", "resultado_chave", "dono", "linha_base", "meta", "atual"],
        ["Dados", "OBJ-1", "Tornar os dados confiáveis", "KR-1", "Zerar tabelas sem dono", "Rita Luz", 37, 0, 12],
        ["Dados", "OBJ-1", "Tornar os dados confiáveis", "KR-2", "Cobrir 90% das tabelas com testes", "Caio Reis",
         20, 90, 55],
        ["Dados", "OBJ-2", "Entregar painéis em um dia", "KR-3", "Publicar painel novo em até 1 dia", "Rita Luz",
         10, 1, 4],
    ])  # fmt: skip
    o1, o2 = "Tornar os dados confiáveis", "Entregar painéis em um dia"
    return Case(
        "id-and-text-columns", save(wb),
        objectives=[("Dados", o1), ("Dados", o2)],
        key_results=[
            {"objective": o1, "title": "Zerar tabelas sem dono", "id": "KR-1", "baseline": 37, "target": 0, "current": 12},
            {"objective": o1, "title": "Cobrir 90% das tabelas com testes", "id": "KR-2", "target": 90},
            {"objective": o2, "title": "Publicar painel novo em até 1 dia", "id": "KR-3", "current": 4},
        ],
    )  # fmt: skip


@case
def units_and_comparators_pt() -> Case:
    """Values with units or comparators in the text: "93 dias", "≥ 70%", "+3 p.p.", "R$ 1,2 mi"."""
    wb = book()
    sheet(wb, "OKRs Comercial", [
        ["Equipe", "Objetivo", "Resultado-chave", "Responsável", "Linha de base", "Meta", "Atual"],
        ["Comercial", "Vender mais rápido", "Encurtar o ciclo de venda", "Júlia Prado", "120 dias", "93 dias",
         "101 dias"],
        ["Comercial", "Vender mais rápido", "Aumentar a taxa de conversão de propostas", "Júlia Prado", "55%",
         "≥ 70%", "62%"],
        ["Comercial", "Vender mais rápido", "Ganhar participação no segmento médio", "Otávio Lins", "0 p.p.",
         "+3 p.p.", "+1,5 p.p."],
        ["Comercial", "Crescer a receita recorrente", "Receita nova recorrente no trimestre", "Otávio Lins",
         "R$ 0,8 mi", "R$ 1,2 mi", "R$ 1 mi"],
    ])  # fmt: skip
    o1, o2 = "Vender mais rápido", "Crescer a receita recorrente"
    return Case(
        "units-and-comparators-pt", save(wb),
        objectives=[("Comercial", o1), ("Comercial", o2)],
        key_results=[
            {"objective": o1, "title": "Encurtar o ciclo de venda", "baseline": 120, "target": 93, "current": 101,
             "unit": "days"},
            {"objective": o1, "title": "Aumentar a taxa de conversão de propostas", "baseline": 55, "target": 70,
             "current": 62, "unit": "%"},
            {"objective": o1, "title": "Ganhar participação no segmento médio", "baseline": 0, "target": 3,
             "current": 1.5, "unit": "p.p."},
            {"objective": o2, "title": "Receita nova recorrente no trimestre", "baseline": 800_000,
             "target": 1_200_000, "current": 1_000_000},
        ],
        layout="flat-table",
    )  # fmt: skip


@case
def empty_baselines() -> Case:
    """Baselines left empty (one KR already past its target)."""
    wb = book()
    sheet(wb, "Q1", [
        ["Team", "Objective", "Key Result", "Owner", "Baseline", "Target", "Current"],
        ["Mobile", "Ship a faster app", "App start time under 1.5 s", "kim@example.com", None, 1.5, 2.1],
        ["Mobile", "Ship a faster app", "Crash-free sessions at 99.8%", "kim@example.com", None, 99.8, 99.9],
        ["Mobile", "Ship a faster app", "Release every two weeks", "lou@example.com", None, 6, None],
    ])  # fmt: skip
    o = "Ship a faster app"
    return Case(
        "empty-baselines", save(wb),
        objectives=[("Mobile", o)],
        key_results=[
            {"objective": o, "title": "App start time under 1.5 s", "baseline": None, "target": 1.5, "current": 2.1},
            {"objective": o, "title": "Crash-free sessions at 99.8%", "baseline": None, "current": 99.9},
            {"objective": o, "title": "Release every two weeks", "baseline": None, "target": 6, "current": None},
        ],
    )  # fmt: skip


@case
def owner_names_and_teams() -> Case:
    """Owners written as names (matched to the Teams sheet's e-mails) or lists of names (kept)."""
    wb = book()
    sheet(wb, "OKRs", [
        ["Team", "Objective", "Key Result", "Owner", "Baseline", "Target", "Current"],
        ["People", "Hire well and fast", "Cut time to hire from 52 to 35 days", "Nora Blum", 52, 35, 44],
        ["People", "Hire well and fast", "Every new hire has a buddy on day one", "Nora Blum; Axel Voss", 60, 100, 85],
        ["People", "Keep the people we hired", "Regretted attrition below 6%", "Axel Voss", 9, 6, 8],
    ])  # fmt: skip
    sheet(wb, "Teams", [
        ["Team", "Lead", "Members"],
        ["People", "nora.blum@example.com", "nora.blum@example.com, axel.voss@example.com"],
    ])  # fmt: skip
    o1, o2 = "Hire well and fast", "Keep the people we hired"
    return Case(
        "owner-names-and-teams", save(wb),
        objectives=[("People", o1), ("People", o2)],
        key_results=[
            {"objective": o1, "title": "Cut time to hire from 52 to 35 days", "owner": "nora.blum@example.com"},
            {"objective": o1, "title": "Every new hire has a buddy on day one", "owner": "Nora Blum; Axel Voss"},
            {"objective": o2, "title": "Regretted attrition below 6%", "owner": "axel.voss@example.com",
             "current": 8},
        ],
    )  # fmt: skip


@case
def own_kr_ids() -> Case:
    """The manager's own IDs (OKR1.KR2 style) in an ID column, before any sync."""
    wb = book()
    sheet(wb, "Tracker", [
        ["ID", "Team", "Objective", "Key Result", "Owner", "Start", "Goal", "Actual"],
        ["OKR1.KR1", "Security", "Close the gaps auditors found", "Fix all 14 high findings", "Yuki Sato", 14, 0, 6],
        ["OKR1.KR2", "Security", "Close the gaps auditors found", "MFA on 100% of admin accounts", "Yuki Sato",
         70, 100, 92],
        ["OKR2.KR1", "Security", "Make incidents rarer", "Phishing click rate under 3%", "Omar Haddad", 11, 3, 7],
    ])  # fmt: skip
    o1, o2 = "Close the gaps auditors found", "Make incidents rarer"
    return Case(
        "own-kr-ids", save(wb),
        objectives=[("Security", o1), ("Security", o2)],
        key_results=[
            {"objective": o1, "title": "Fix all 14 high findings", "id": "OKR1.KR1", "current": 6},
            {"objective": o1, "title": "MFA on 100% of admin accounts", "id": "OKR1.KR2", "current": 92},
            {"objective": o2, "title": "Phishing click rate under 3%", "id": "OKR2.KR1", "target": 3},
        ],
    )  # fmt: skip
