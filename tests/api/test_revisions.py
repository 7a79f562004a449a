"""No lost updates: each copy of a workbook is merged against the revision it was made from."""

from __future__ import annotations

import base64
import io
import threading

import openpyxl

from addin.errors import TooBusy
from addin.excel.sync import sync_workbook
from tests.api.conftest import upload
from tests.conftest import FIXED_NOW

PRODUCT_ROW, GROWTH_ROW, TARGET = 2, 7, "H"


def _returned(response) -> bytes:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.get_data(as_text=True)
    return base64.b64decode(response.get_json()["workbook"]["base64"])


def _with_target(data: bytes, row: int, target: float) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    book["OKRs"][f"{TARGET}{row}"] = target
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _targets(client) -> dict[str, float]:  # type: ignore[no-untyped-def]
    teams = client.get("/api/teams").get_json()["teams"]
    return {kr["title"]: kr["target"] for t in teams for o in t["objectives"] for kr in o["key_results"]}


def test_the_workbook_carries_its_revision(client, workbook):
    first = _returned(upload(client, "/api/sync?include=workbook", workbook))
    carried = openpyxl.load_workbook(io.BytesIO(first)).custom_doc_props["OKRCadenceWorkbookId"].value
    second = _returned(upload(client, "/api/sync?include=workbook", first))
    again = openpyxl.load_workbook(io.BytesIO(second)).custom_doc_props["OKRCadenceWorkbookId"].value
    assert carried.endswith("#r1") and again.endswith("#r2")
    assert carried.split("#")[0] == again.split("#")[0]


def test_two_stale_copies_synced_one_after_the_other_keep_both_edits(client, workbook):
    original = _returned(upload(client, "/api/sync?include=workbook", workbook))
    copy_a = _with_target(original, PRODUCT_ROW, 50)
    copy_b = _with_target(original, GROWTH_ROW, 999)
    _returned(upload(client, "/api/sync?include=workbook", copy_a))
    response = upload(client, "/api/sync", copy_b)
    assert response.get_json()["conflicts"] == []
    targets = _targets(client)
    assert targets["Increase activation of new sign-ups from 32% to 45%"] == 50  # not reverted by B
    assert 999 in targets.values()


def test_the_same_field_changed_in_two_copies_is_a_conflict(client, workbook):
    original = _returned(upload(client, "/api/sync?include=workbook", workbook))
    _returned(upload(client, "/api/sync?include=workbook", _with_target(original, PRODUCT_ROW, 50)))
    response = upload(client, "/api/sync", _with_target(original, PRODUCT_ROW, 60))
    conflicts = response.get_json()["conflicts"]
    assert [(c["field"], c["stored"], c["workbook"]) for c in conflicts] == [("target", 50, 60)]


def test_two_stale_copies_synced_at_once_keep_both_edits(client, app_database, workbook):
    original = _returned(upload(client, "/api/sync?include=workbook", workbook))
    copies = [_with_target(original, PRODUCT_ROW, 50), _with_target(original, GROWTH_ROW, 999)]
    start = threading.Barrier(2)
    refused: list[int] = []
    failures: list[BaseException] = []

    def sync(data: bytes) -> None:
        start.wait()
        while True:
            try:
                sync_workbook(app_database, "local", data, now=FIXED_NOW)
                return
            except TooBusy:  # the other copy is syncing: retry, as the task pane does after Retry-After
                refused.append(1)
                threading.Event().wait(0.05)
            except BaseException as exc:  # noqa: BLE001 - reported below
                failures.append(exc)
                return

    threads = [threading.Thread(target=sync, args=(c,)) for c in copies]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert failures == []
    targets = _targets(client)
    assert targets["Increase activation of new sign-ups from 32% to 45%"] == 50
    assert 999 in targets.values()
