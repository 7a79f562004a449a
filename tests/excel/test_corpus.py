"""Every workbook of the generated corpus (tests/excel/corpus) is read whole."""

from __future__ import annotations

import math

import pytest

from addin.excel.reader import read_workbook
from addin.okr.model import Severity
from tests.excel.corpus import CASES, Case

BUILT = [builder() for builder in CASES]


def test_the_corpus_covers_the_structures() -> None:
    assert len(BUILT) >= 15
    assert len({c.name for c in BUILT}) == len(BUILT)


def _same(found: object, expected: object) -> bool:
    if isinstance(expected, (int, float)) and isinstance(found, (int, float)):
        return math.isclose(found, expected, rel_tol=1e-9, abs_tol=1e-9)
    return found == expected


@pytest.mark.parametrize("case", BUILT, ids=[c.name for c in BUILT])
def test_corpus_workbook_is_read_whole(case: Case) -> None:
    result = read_workbook(case.data, quarter=case.quarter, today=case.today)
    okrs = result.okrs
    serious = [
        p
        for p in result.problems
        if p.severity in (Severity.ERROR, Severity.WARNING) and p.rule not in case.allowed_rules
    ]
    assert not serious, [p.message for p in serious]
    assert sorted((o.team, o.title) for o in okrs.objectives) == sorted(case.objectives)
    assert [(k.objective, k.title) for k in okrs.key_results] == [
        (e["objective"], e["title"]) for e in case.key_results
    ]
    for kr, expected in zip(okrs.key_results, case.key_results, strict=True):
        for name, value in expected.items():
            assert _same(getattr(kr, name), value), (kr.title, name, getattr(kr, name), value)
    if case.layout:
        assert result.layout == case.layout, result.layout_note
    if case.synced_quarter:
        assert okrs.settings.quarter == case.synced_quarter, result.layout_note
    for word in case.note_contains:
        assert word in result.layout_note, result.layout_note
    assert sorted((i.kr_ref, i.title) for i in okrs.initiatives) == sorted(case.initiatives)
    assert result.mapping.confidence > 0 and result.mapping.sheets, "every read says how it mapped the workbook"


@pytest.mark.parametrize("case", BUILT, ids=[c.name for c in BUILT])
def test_corpus_workbook_is_stored_whole(case: Case, app_database) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from addin.excel.sync import sync_workbook

    now = dt.datetime.combine(case.today, dt.time(9), tzinfo=dt.UTC)
    report = sync_workbook(app_database, "corpus", case.data, now=now, quarter=case.quarter)
    assert report.held_back == 0 and not report.incomplete, report.summary
    assert report.created == len(case.key_results), report.summary
    assert report.summary.startswith(f"Read {len(case.objectives)} objective")
