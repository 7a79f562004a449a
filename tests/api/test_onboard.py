"""Onboarding a tenant through the identity platform's admin consent (the local identity server,
over real HTTPS), and offboarding it."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from auth import AuthConfig
from tests.auth.identity_server import IdentityServer

CALLBACK = "http://localhost/onboard/callback"


@pytest.fixture
def registration(identity: IdentityServer) -> AuthConfig:  # noqa: F811
    """An app registration with the test client's callback registered; no static tenant list."""
    client_id, secret = identity.register_client(redirect_uris=[CALLBACK])
    return AuthConfig.from_env(
        {
            "OKR_CLIENT_ID": client_id,
            "OKR_CLIENT_SECRET": secret,
            "OKR_AUTHORITY": identity.base_url,
            "OKR_CA_BUNDLE": str(identity.ca_path),
        }
    )


@pytest.fixture
def onboarding(limited_app, registration):  # type: ignore[no-untyped-def]
    app = limited_app(registration)
    return app, app.test_client()


def _user(identity: IdentityServer, config: AuthConfig, tenant: str, *roles: str) -> dict[str, str]:
    claims = identity.user_claims(tenant, str(uuid.uuid4()), config.client_id, roles=list(roles) if roles else None)
    return {"Authorization": f"Bearer {identity.sign(claims)}"}


def _consent(client, identity: IdentityServer, hint: str = "") -> tuple[str, dict[str, list[str]]]:  # type: ignore[no-untyped-def]
    """Start onboarding, let the identity platform answer; (callback path+query, what /start sent)."""
    start = client.get("/onboard/start" + (f"?tenant={hint}" if hint else ""))
    assert start.status_code == 302
    sent = urlsplit(start.headers["Location"])
    answer = requests.get(start.headers["Location"], verify=str(identity.ca_path), allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == CALLBACK
    return f"{back.path}?{back.query}", {"path": [sent.path], **parse_qs(sent.query)}


def test_admin_consent_onboards_the_tenant_and_its_users_sign_in(onboarding, identity, registration) -> None:  # type: ignore[no-untyped-def]
    app, client = onboarding
    tenant = str(uuid.uuid4())
    identity.admin_consent(tenant=tenant)
    refused = client.get("/api/teams", headers=_user(identity, registration, tenant))
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "tenant_not_allowed"

    page = client.get("/onboard")
    assert page.status_code == 200 and b"/onboard/start" in page.data
    callback, sent = _consent(client, identity)
    assert sent["path"] == ["/organizations/v2.0/adminconsent"]
    assert sent["client_id"] == [registration.client_id]
    assert sent["redirect_uri"] == [CALLBACK]
    assert sent["scope"] == ["https://graph.microsoft.com/.default"]
    assert len(sent["state"][0]) >= 32
    done = client.get(callback)
    assert done.status_code == 200, done.data
    assert b"is set up" in done.data

    assert client.get("/api/teams", headers=_user(identity, registration, tenant)).status_code == 200
    other = client.get("/api/teams", headers=_user(identity, registration, str(uuid.uuid4())))
    assert other.status_code == 403  # only the tenant that consented


def test_a_tenant_named_at_the_start_is_asked_directly(onboarding, identity) -> None:  # type: ignore[no-untyped-def]
    app, client = onboarding
    tenant = str(uuid.uuid4())
    identity.admin_consent(tenant=None)
    _, sent = _consent(client, identity, hint=tenant)
    assert sent["path"] == [f"/{tenant}/v2.0/adminconsent"]
    for hostile in ("common", "a/b", "x" * 300, "<script>"):
        assert client.get("/onboard/start", query_string={"tenant": hostile}).status_code == 400


def test_access_denied_records_nothing(onboarding, identity, registration) -> None:  # type: ignore[no-untyped-def]
    app, client = onboarding
    tenant = str(uuid.uuid4())
    identity.admin_consent(tenant=tenant, decision="deny")
    callback, _ = _consent(client, identity)
    assert "error=access_denied" in callback
    answer = client.get(callback)
    assert answer.status_code == 403
    assert b"did not grant" in answer.data and b"AADSTS65004" in answer.data
    assert client.get("/api/teams", headers=_user(identity, registration, tenant)).status_code == 403


def test_a_forged_callback_onboards_nobody(onboarding, identity, registration) -> None:  # type: ignore[no-untyped-def]
    app, client = onboarding
    victim = str(uuid.uuid4())
    identity.admin_consent(tenant=str(uuid.uuid4()), strict=True)
    # no state cookie: a link someone else crafted
    forged = client.get("/onboard/callback", query_string={"admin_consent": "True", "tenant": victim, "state": "guess"})
    assert forged.status_code == 400
    # the attacker's own state, but no consent was ever given in that tenant: the platform
    # refuses an app-only token there, so nothing is recorded
    start = client.get("/onboard/start")
    state = parse_qs(urlsplit(start.headers["Location"]).query)["state"][0]
    forged = client.get("/onboard/callback", query_string={"admin_consent": "True", "tenant": victim, "state": state})
    assert forged.status_code == 403
    assert client.get("/api/teams", headers=_user(identity, registration, victim)).status_code == 403
    # and text from the query string is never echoed as markup
    start = client.get("/onboard/start")
    state = parse_qs(urlsplit(start.headers["Location"]).query)["state"][0]
    hostile = client.get(
        "/onboard/callback",
        query_string={"error": "access_denied", "error_description": "<script>alert(1)</script>", "state": state},
    )
    assert b"<script>" not in hostile.data and b"&lt;script&gt;" in hostile.data


def test_an_admin_offboards_their_organisation(onboarding, identity, registration) -> None:  # type: ignore[no-untyped-def]
    app, client = onboarding
    tenant = str(uuid.uuid4())
    identity.admin_consent(tenant=tenant)
    client.get(_consent(client, identity)[0])
    assert client.get("/api/teams", headers=_user(identity, registration, tenant)).status_code == 200

    plain = client.delete("/api/tenant", headers=_user(identity, registration, tenant))
    assert plain.status_code == 403 and plain.get_json()["error"]["code"] == "admin_required"
    assert client.get("/api/teams", headers=_user(identity, registration, tenant)).status_code == 200

    admin = str(uuid.uuid4())
    claims = identity.user_claims(tenant, admin, registration.client_id, roles=["OKR.Admin"])
    done = client.delete("/api/tenant", headers={"Authorization": f"Bearer {identity.sign(claims)}"})
    assert done.status_code == 200 and done.get_json() == {"tenant": tenant, "state": "offboarded"}
    gone = client.get("/api/teams", headers=_user(identity, registration, tenant))
    assert gone.status_code == 403 and gone.get_json()["error"]["code"] == "tenant_not_allowed"
    from addin.store import audit

    with app.extensions["okr_db"].read() as s:  # who let it in and who offboarded it, in its own trail
        trail = [(e.action, e.actor) for e in audit.entries(s, tenant)]
    assert trail == [("tenant-offboard", admin), ("tenant-onboard", "admin-consent")]

    client.get(_consent(client, identity)[0])  # consenting again brings it back
    assert client.get("/api/teams", headers=_user(identity, registration, tenant)).status_code == 200


def test_the_static_list_still_works_and_can_be_offboarded(limited_app, identity, registration) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    tenant = str(uuid.uuid4())
    app = limited_app(dataclasses.replace(registration, allowed_tenants=frozenset({tenant})))
    client = app.test_client()
    assert client.get("/api/teams", headers=_user(identity, registration, tenant)).status_code == 200
    assert client.delete("/api/tenant", headers=_user(identity, registration, tenant, "OKR.Admin")).status_code == 200
    assert client.get("/api/teams", headers=_user(identity, registration, tenant)).status_code == 403


def test_the_embedded_default_has_nothing_to_onboard(client) -> None:  # type: ignore[no-untyped-def]
    assert b"nothing to set up" in client.get("/onboard").data
    answer = client.get("/onboard/start")
    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "onboarding_unavailable"
