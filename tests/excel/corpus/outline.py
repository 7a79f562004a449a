"""Outline-numbered workbooks: 1, 1.1, 1.2, 2, 2.1 ... (invented content)."""

from __future__ import annotations

from tests.excel.corpus import Case, case
from tests.excel.corpus.build import book, save, sheet


@case
def headerless_outline() -> Case:
    """Number and title columns without a header: an instruction text is merged over them."""
    wb = book()
    instruction = (
        "Write each objective on a line with a whole number (1, 2 ...) and its key results "
        "below it numbered 1.1, 1.2 ... Keep the values up to date every Friday."
    )
    sheet(wb, "Customer Care", [
        [instruction, None, None, None, None, None],
        [None, None, "Owner", "Start", "Target", "Actual"],
        [1, "Make getting help effortless for every customer"],
        [1.1, "Cut the median first response time from 9 hours to 2 hours", "Lena Ortiz", 9, 2, 5],
        [1.2, "Raise the post-chat satisfaction score from 3.9 to 4.5", "Tomas Wirth", 3.9, 4.5, 4.1],
        [2, "Turn recurring questions into self-service answers"],
        [2.1, "Publish 40 new help-centre articles for the top contact reasons", "Lena Ortiz", 0, 40, 12],
        [2.2, "Lower the share of tickets about passwords from 18% to 8%", "Ines Faria", 18, 8, 15],
    ], merges=["A1:B2"])  # fmt: skip
    return Case(
        "headerless-outline", save(wb),
        objectives=[("Customer Care", "Make getting help effortless for every customer"),
                    ("Customer Care", "Turn recurring questions into self-service answers")],
        key_results=[
            {"objective": "Make getting help effortless for every customer", "ref": "1.1",
             "title": "Cut the median first response time from 9 hours to 2 hours",
             "owner": "Lena Ortiz", "baseline": 9, "target": 2, "current": 5},
            {"objective": "Make getting help effortless for every customer", "ref": "1.2",
             "title": "Raise the post-chat satisfaction score from 3.9 to 4.5",
             "owner": "Tomas Wirth", "baseline": 3.9, "target": 4.5, "current": 4.1},
            {"objective": "Turn recurring questions into self-service answers", "ref": "2.1",
             "title": "Publish 40 new help-centre articles for the top contact reasons",
             "baseline": 0, "target": 40, "current": 12},
            {"objective": "Turn recurring questions into self-service answers", "ref": "2.2",
             "title": "Lower the share of tickets about passwords from 18% to 8%",
             "baseline": 18, "target": 8, "current": 15},
        ],
        layout="outline",
        note_contains=("no header",),
    )  # fmt: skip


_BLOCK = ["Baseline", "Real", "Target", "% Avance", "Confianza"]


@case
def outline_quarter_blocks_es() -> Case:
    """Pillar column, outline numbers, per-quarter blocks in Spanish, emoji confidence, formula objective rows."""
    wb = book()
    top = [None, None, None, None]
    for q in ("Q1-2026", "Q2-2026", "Q3-2026", "Q4-2026"):
        top += [q, None, None, None, None]
    header = ["Pilar", "N°", "Objetivo / Resultado Clave", "Responsable", *(_BLOCK * 4)]
    rows = [
        ["Tablero OKR 2026 - Operaciones"],
        top,
        header,
        ["Eficiencia", 1, "Reducir el costo de operar cada pedido", None, None, None, None, "=AVERAGE(H5:H6)"],
        ["Eficiencia", 1.1, "Bajar el costo por pedido de 4,20 a 3,50 USD", "Marta Gil", 4.2, 3.9, 3.5, 0.43, "🟢"],
        ["Eficiencia", 1.2, "Automatizar 60% de las conciliaciones", "Raúl Peña", 10, 25, 60, 0.3, "🟡"],
        ["Clientes", 2, "Entregar a tiempo en todas las regiones", None, None, None, None, "=AVERAGE(H8:H9)"],
        ["Clientes", 2.1, "Subir entregas a tiempo del 88% al 96%", "Sofía Ruiz", 0.88, 0.9, 0.96, 0.25, "🔴"],
        ["Clientes", 2.2, "Reducir reclamos por demora de 320 a 150 al mes", "Sofía Ruiz", 320, 280, 150, 0.24, "🟢"],
    ]
    merges = ["E2:I2", "J2:N2", "O2:S2", "T2:X2"]
    sheet(wb, "OKR 2026", rows, merges=merges)
    team = "OKR 2026"
    o1, o2 = "Reducir el costo de operar cada pedido", "Entregar a tiempo en todas las regiones"
    return Case(
        "outline-quarter-blocks-es", save(wb),
        objectives=[(team, o1), (team, o2)],
        key_results=[
            {"objective": o1, "title": "Bajar el costo por pedido de 4,20 a 3,50 USD", "owner": "Marta Gil",
             "baseline": 4.2, "current": 3.9, "target": 3.5, "confidence": 0.8, "quarter": "2026-Q1"},
            {"objective": o1, "title": "Automatizar 60% de las conciliaciones", "owner": "Raúl Peña",
             "baseline": 10, "current": 25, "target": 60, "confidence": 0.5, "quarter": "2026-Q1"},
            {"objective": o2, "title": "Subir entregas a tiempo del 88% al 96%", "owner": "Sofía Ruiz",
             "baseline": 0.88, "current": 0.9, "target": 0.96, "confidence": 0.2, "quarter": "2026-Q1"},
            {"objective": o2, "title": "Reducir reclamos por demora de 320 a 150 al mes", "owner": "Sofía Ruiz",
             "baseline": 320, "current": 280, "target": 150, "confidence": 0.8, "quarter": "2026-Q1"},
        ],
        quarter="2026-Q1",
        layout="outline",
        note_contains=("2026-Q1",),
    )  # fmt: skip


@case
def outline_team_label_block() -> Case:
    """Team and period given once in a label block above an outline; owners written as names."""
    wb = book()
    sheet(wb, "Plan", [
        ["Equipo:", "Ventas LATAM"],
        ["Periodo:", "Q1 2026"],
        [],
        ["#", "Descripción", "Dueño", "Inicio", "Meta", "Actual"],
        ["1", "Abrir el mercado chileno"],
        ["1.1", "Firmar 8 distribuidores en Santiago", "Paula Vera, Diego Soto", 0, 8, 3],
        ["1.2", "Llegar a 150 mil USD en ventas mensuales en Chile", "Diego Soto", 20000, 150000, 61000],
    ])  # fmt: skip
    o = "Abrir el mercado chileno"
    return Case(
        "outline-team-label-block", save(wb),
        objectives=[("Ventas LATAM", o)],
        key_results=[
            {"objective": o, "team": "Ventas LATAM", "title": "Firmar 8 distribuidores en Santiago",
             "owner": "Paula Vera, Diego Soto", "baseline": 0, "target": 8, "current": 3},
            {"objective": o, "team": "Ventas LATAM", "title": "Llegar a 150 mil USD en ventas mensuales en Chile",
             "owner": "Diego Soto", "baseline": 20000, "target": 150000, "current": 61000},
        ],
        synced_quarter="2026-Q1",
        layout="outline",
    )  # fmt: skip
