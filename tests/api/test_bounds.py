"""Bounded work: a row cap refused before the heavy work, one sync at a time per tenant (429)."""

from __future__ import annotations

import threading

import pytest

from addin.store.sync_slots import sync_slot
from tests.api.conftest import upload


def _teams(client, headers=None):  # type: ignore[no-untyped-def]
    return client.get("/api/teams", headers=headers or {}).get_json()["teams"]


def test_a_workbook_over_the_row_cap_is_refused_and_nothing_is_stored(instance, monkeypatch, workbook):
    from addin import create_app

    monkeypatch.setenv("OKR_MAX_KR_ROWS", "5")
    client = create_app({"TESTING": True}).test_client()
    response = upload(client, "/api/sync", workbook)
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "too_many_key_results"
    assert error["details"]["rows"] == 22 and error["details"]["limit"] == 5
    assert "OKR_MAX_KR_ROWS" in error["message"]
    assert _teams(client) == []


def test_the_cli_refuses_over_the_row_cap_in_one_line(okr, tmp_path, monkeypatch, workbook):
    path = tmp_path / "okrs.xlsx"
    path.write_bytes(workbook)
    monkeypatch.setenv("OKR_MAX_KR_ROWS", "21")
    result = okr("sync", str(path))
    assert result.exit_code == 2
    assert "22 key result rows" in result.output and "[too_many_key_results]" in result.output


def test_an_invalid_row_cap_refuses_to_start(instance, monkeypatch):
    from addin import create_app

    monkeypatch.setenv("OKR_MAX_KR_ROWS", "lots")
    with pytest.raises(ValueError, match="OKR_MAX_KR_ROWS"):
        create_app({"TESTING": True})


def test_a_second_sync_of_a_tenant_is_429_while_other_tenants_sync(limited_app, sign_in, workbook):
    config, (tenant_a, tenant_b), headers = sign_in
    app = limited_app(auth=config)
    client, db = app.test_client(), app.extensions["okr_db"]
    with sync_slot(db, tenant_a):  # tenant A's first sync is running
        busy = upload(client, "/api/sync", workbook, headers(tenant_a))
        other = upload(client, "/api/sync", workbook, headers(tenant_b))
    assert busy.status_code == 429
    assert busy.get_json()["error"]["code"] == "sync_in_progress"
    assert int(busy.headers["Retry-After"]) > 0
    assert other.status_code == 200
    assert _teams(client, headers(tenant_a)) == []
    assert upload(client, "/api/sync", workbook, headers(tenant_a)).status_code == 200  # slot released


def test_two_syncs_at_once_one_runs_one_is_told_to_retry(client, app_database, workbook, monkeypatch):
    """Two threads race for one tenant: exactly one syncs, the other gets 429 (no queueing)."""
    import addin.excel.sync as sync

    entered, release = threading.Event(), threading.Event()
    original = sync._store

    def slow_store(*args, **kwargs):  # type: ignore[no-untyped-def]
        entered.set()
        release.wait(30)
        return original(*args, **kwargs)

    monkeypatch.setattr(sync, "_store", slow_store)
    results: list[int] = []
    first = threading.Thread(target=lambda: results.append(upload(client, "/api/sync", workbook).status_code))
    first.start()
    assert entered.wait(30)
    results.append(upload(client, "/api/sync", workbook).status_code)
    release.set()
    first.join(30)
    assert sorted(results) == [200, 429]


# The slot across worker processes, on SQLite and PostgreSQL: tests/store/test_slots.py.
