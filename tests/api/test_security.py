"""Security headers on every answer; Host and Origin checks without sign-in; fail-closed start-up."""

from __future__ import annotations

import uuid

import pytest

from tests.api.conftest import upload


def _get(client, path: str, **kwargs):  # type: ignore[no-untyped-def]
    """GET and close (static files answer with an open file)."""
    response = client.get(path, **kwargs)
    response.close()
    return response


def test_every_answer_says_nosniff_and_api_answers_are_not_stored(client):
    for path in ("/api/health", "/api/teams", "/api/openapi.json", "/api/nowhere", "/addin/excel/taskpane.html"):
        response = _get(client, path)
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        if path.startswith("/api/"):
            assert response.headers["Cache-Control"] == "no-store", path
    assert "X-Frame-Options" not in _get(client, "/addin/excel/taskpane.html").headers


def test_calendar_and_retro_downloads_are_not_stored(client, workbook):
    assert upload(client, "/api/sync", workbook).status_code == 200
    team = client.get("/api/teams").get_json()["teams"][0]["team"]
    for path in (f"/api/teams/{team}/retro/2026-Q4.docx", f"/api/teams/{team}/calendar/2026-Q4.ics"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store", path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path


@pytest.mark.parametrize(
    "pane",
    [
        "/addin/excel/taskpane.html",
        "/addin/outlook/taskpane.html",
        "/addin/outlook/commands.html",
        "/addin/common/backend.js",
    ],
)
def test_task_panes_carry_a_policy_that_office_can_frame(client, pane):
    response = _get(client, pane)
    assert response.status_code == 200
    policy = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    assert policy["script-src"].split() == ["'self'", "https://appsforoffice.microsoft.com"]
    ancestors = policy["frame-ancestors"].split()
    for host in ("https://*.officeapps.live.com", "https://*.office.com", "https://*.cloud.microsoft"):
        assert host in ancestors
    assert "*" not in ancestors and "'none'" not in ancestors
    assert policy["object-src"] == "'none'"


def test_a_request_for_another_host_name_is_refused_without_sign_in(client):
    response = client.get("/api/teams", headers={"Host": "okr.attacker.example"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "untrusted_host"
    assert client.get("/api/teams", headers={"Host": "127.0.0.1:5000"}).status_code == 200


def test_trusted_hosts_are_configurable(instance, monkeypatch):
    from addin import create_app

    monkeypatch.setenv("OKR_TRUSTED_HOSTS", "okr.lan, okr-box")
    client = create_app({"TESTING": True}).test_client()
    assert client.get("/api/teams", headers={"Host": "okr.lan:8080"}).status_code == 200
    assert client.get("/api/teams", headers={"Host": "other.lan"}).status_code == 400


def test_a_write_from_another_site_is_refused_and_nothing_is_stored(client, workbook):
    response = upload(client, "/api/sync", workbook, headers={"Origin": "https://evil.example"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "untrusted_origin"
    assert client.get("/api/teams").get_json()["teams"] == []
    # the server's own pages (same host) and non-browser clients (no Origin) may write
    assert upload(client, "/api/sync", workbook, headers={"Origin": "http://localhost"}).status_code == 200


def test_sign_in_on_skips_the_host_check(limited_app, sign_in):
    config, tenants, headers = sign_in
    client = limited_app(auth=config).test_client()
    response = client.get("/api/teams", headers={"Host": "okr.contoso.example", **headers(tenants[0])})
    assert response.status_code == 200


def test_the_app_refuses_to_start_with_sign_in_variables_and_a_blank_client_id(instance, monkeypatch):
    from addin import create_app

    monkeypatch.setenv("OKR_CLIENT_ID", " ")
    monkeypatch.setenv("OKR_ALLOWED_TENANTS", str(uuid.uuid4()))
    with pytest.raises(ValueError, match="OKR_CLIENT_ID is blank"):
        create_app({"TESTING": True})


def test_okr_serve_refuses_a_public_host_without_sign_in(okr):
    result = okr("serve", "--host", "0.0.0.0")
    assert result.exit_code == 2
    assert "without sign-in" in result.output


def test_okr_serve_names_the_misspelt_client_id_in_one_line(okr, monkeypatch):
    monkeypatch.setenv("OKR_CLIENT_ID", "my-okr-app")
    monkeypatch.setenv("OKR_CLIENT_SECRET", "s")
    result = okr("serve")
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert "OKR_CLIENT_ID is 'my-okr-app'" in result.output
