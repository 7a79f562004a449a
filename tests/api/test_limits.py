"""Per-tenant quotas (TEN-3): one tenant flooding the API gets 429, every other tenant is served."""

from __future__ import annotations

import socket

import pytest

from tests.api.conftest import upload

MIB = 1024 * 1024


def _assert_rate_limited(response, quota: str) -> int:
    """The 429 answer: the project's error shape, and Retry-After agreeing with the body."""
    assert response.status_code == 429
    error = response.get_json()["error"]
    assert error["code"] == "rate_limited"
    assert error["details"]["quota"] == quota
    retry = int(response.headers["Retry-After"])
    assert error["details"]["retry_after"] == retry
    assert 1 <= retry <= 60  # the test limits are per minute
    assert f"try again in {retry} s" in error["message"]
    return retry


def test_a_tenant_over_its_upload_limit_gets_429_while_another_is_served(limited_app, sign_in, workbook):
    config, (a, b), headers = sign_in
    client = limited_app(config, UPLOADS="2 per minute").test_client()

    assert upload(client, "/api/lint", workbook, headers(a)).status_code == 200
    assert upload(client, "/api/sync", workbook, headers(a)).status_code == 200
    # Sync and lint draw on one upload quota per tenant, whichever user of the tenant sends it.
    _assert_rate_limited(upload(client, "/api/lint", workbook, headers(a)), "uploads")
    _assert_rate_limited(upload(client, "/api/sync", workbook, headers(a)), "uploads")

    assert upload(client, "/api/sync", workbook, headers(b)).status_code == 200
    assert upload(client, "/api/lint", workbook, headers(b)).status_code == 200
    # A's other requests are a separate quota: the flood only stops A's uploads.
    assert client.get("/api/teams", headers=headers(a)).status_code == 200


def test_a_caller_without_a_valid_token_gets_401_not_429_and_uses_no_quota(limited_app, sign_in, workbook):
    config, (a, b), headers = sign_in
    client = limited_app(config, UPLOADS="2 per minute").test_client()
    forged = headers(a, forged=True)
    for _ in range(2):
        assert upload(client, "/api/sync", workbook, headers(a)).status_code == 200
    _assert_rate_limited(upload(client, "/api/sync", workbook, headers(a)), "uploads")

    for _ in range(4):  # more than the limit: none of these is counted, each gets its 401
        for caller in ({}, forged):
            response = upload(client, "/api/sync", workbook, caller)
            assert response.status_code == 401
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert "Retry-After" not in response.headers
    # Tenant B's quota (same client address as all of the above) is untouched.
    for _ in range(2):
        assert upload(client, "/api/lint", workbook, headers(b)).status_code == 200


def test_other_api_routes_share_the_default_limit_and_not_the_upload_one(limited_app, workbook):
    client = limited_app(DEFAULT="2 per minute", UPLOADS="5 per minute").test_client()

    assert client.get("/api/teams").status_code == 200
    assert client.get("/api/teams/Platform").status_code == 404  # no such team yet: counted all the same
    _assert_rate_limited(client.post("/api/key-results/KR-1/checkins", json={"value": 1}), "api")
    _assert_rate_limited(client.get("/api/teams"), "api")
    assert upload(client, "/api/lint", workbook).status_code == 200


def test_the_upload_quota_counts_megabytes_too(limited_app, workbook):
    client = limited_app(UPLOADS="30 per minute", UPLOAD_MB="3 per minute").test_client()
    big = b"x" * (2 * MIB + 1)  # counts as 3 MB: refused as no workbook, but it was uploaded

    response = client.post("/api/lint", data=big, content_type="application/octet-stream")
    assert response.status_code == 415
    _assert_rate_limited(upload(client, "/api/lint", workbook), "upload_mb")


def test_health_openapi_and_task_pane_files_are_never_limited(limited_app):
    client = limited_app(DEFAULT="1 per minute", UPLOADS="1 per minute").test_client()
    assert client.get("/api/teams").status_code == 200
    _assert_rate_limited(client.get("/api/teams"), "api")

    for _ in range(5):
        for path in ("/api/health", "/api/openapi.json", "/addin/excel/taskpane.html", "/addin/common/backend.js"):
            with client.get(path) as response:
                assert response.status_code == 200, path


def test_unknown_routes_and_methods_answer_404_and_405_not_429(limited_app):
    client = limited_app(DEFAULT="1 per minute").test_client()
    client.get("/api/teams")
    _assert_rate_limited(client.get("/api/teams"), "api")
    assert client.get("/api/no-such-thing").status_code == 404
    assert client.get("/api/sync").status_code == 405


def test_limits_come_from_the_environment(limited_app, workbook):
    strict = limited_app(UPLOADS="1 per minute").test_client()
    assert upload(strict, "/api/lint", workbook).status_code == 200
    _assert_rate_limited(upload(strict, "/api/lint", workbook), "uploads")

    roomy = limited_app(UPLOADS="3 per minute").test_client()
    assert [upload(roomy, "/api/lint", workbook).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_a_limit_that_is_not_a_rate_is_refused_at_start_naming_the_variable(limited_app):
    with pytest.raises(ValueError, match="OKR_RATE_LIMIT_UPLOADS='thirty a minute'"):
        limited_app(UPLOADS="thirty a minute")


def test_calling_init_limits_twice_counts_each_request_once(limited_app, workbook):
    from addin.api.limits import init_limits

    app = limited_app(UPLOADS="2 per minute")
    init_limits(app)
    client = app.test_client()
    assert [upload(client, "/api/lint", workbook).status_code for _ in range(3)] == [200, 200, 429]


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.mark.skipif(not _redis_answers(), reason="no Redis server answers on 127.0.0.1:6379")
def test_workers_sharing_redis_share_each_tenants_count(limited_app, sign_in, workbook):
    pytest.importorskip("redis", reason="the redis client package is not installed")
    config, (a, b), headers = sign_in  # fresh tenants: no counts left over from other runs
    storage = {"STORAGE": "redis://127.0.0.1:6379/0", "UPLOADS": "2 per minute"}
    one, two = limited_app(config, **storage).test_client(), limited_app(config, **storage).test_client()

    assert upload(one, "/api/lint", workbook, headers(a)).status_code == 200
    assert upload(two, "/api/lint", workbook, headers(a)).status_code == 200
    _assert_rate_limited(upload(one, "/api/lint", workbook, headers(a)), "uploads")
    _assert_rate_limited(upload(two, "/api/lint", workbook, headers(a)), "uploads")
    assert upload(two, "/api/lint", workbook, headers(b)).status_code == 200


def test_an_unreachable_redis_falls_back_to_counting_in_the_worker(limited_app, workbook):
    pytest.importorskip("redis", reason="the redis client package is not installed")
    # Port 1 on the loopback: nothing listens, the connection is refused at once.
    client = limited_app(STORAGE="redis://127.0.0.1:1/0", UPLOADS="1 per minute").test_client()
    assert upload(client, "/api/lint", workbook).status_code == 200
    _assert_rate_limited(upload(client, "/api/lint", workbook), "uploads")
