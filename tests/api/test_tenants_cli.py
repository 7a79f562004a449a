"""`okr tenants list|add|offboard`: an operator lets an organisation in or stops it, as its admin would."""

from __future__ import annotations

import json
import uuid

import pytest

from addin.store import audit
from auth import AuthConfig
from tests.auth.identity_server import IdentityServer


@pytest.fixture
def registration(identity: IdentityServer) -> AuthConfig:  # noqa: F811
    client_id, secret = identity.register_client()
    return AuthConfig.from_env(
        {
            "OKR_CLIENT_ID": client_id,
            "OKR_CLIENT_SECRET": secret,
            "OKR_AUTHORITY": identity.base_url,
            "OKR_CA_BUNDLE": str(identity.ca_path),
        }
    )


def _signed_in(identity: IdentityServer, config: AuthConfig, tenant: str) -> dict[str, str]:
    token = identity.sign(identity.user_claims(tenant, str(uuid.uuid4()), config.client_id))
    return {"Authorization": f"Bearer {token}"}


def _listed(okr) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    result = okr("tenants", "list", "--json")
    assert result.exit_code == 0, result.stderr
    return {row["tenant"]: row for row in json.loads(result.stdout)["tenants"]}


def test_add_lets_users_in_and_offboard_stops_them_audited(okr, limited_app, registration, identity) -> None:  # type: ignore[no-untyped-def]
    app = limited_app(registration)
    client = app.test_client()
    tenant = str(uuid.uuid4())
    assert client.get("/api/teams", headers=_signed_in(identity, registration, tenant)).status_code == 403

    added = okr("tenants", "add", tenant.upper())  # ids are compared lower-case
    assert added.exit_code == 0, added.stderr
    assert _listed(okr)[tenant]["state"] == "active"
    assert client.get("/api/teams", headers=_signed_in(identity, registration, tenant)).status_code == 200

    gone = okr("tenants", "offboard", tenant)
    assert gone.exit_code == 0, gone.stderr
    assert "can no longer sign in" in gone.stdout
    refused = client.get("/api/teams", headers=_signed_in(identity, registration, tenant))
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "tenant_not_allowed"
    row = _listed(okr)[tenant]
    assert row["state"] == "offboarded" and row["offboarded_by"] == "local"
    with app.extensions["okr_db"].read() as s:  # the tenant's own trail says who did it, as for its admin
        actions = [(e.action, e.actor) for e in audit.entries(s, tenant)]
    assert actions == [("tenant-offboard", "local"), ("tenant-onboard", "local")]

    assert okr("tenants", "add", tenant).exit_code == 0  # brought back, data and all
    assert client.get("/api/teams", headers=_signed_in(identity, registration, tenant)).status_code == 200


def test_a_tenant_of_the_static_list_is_listed_and_can_be_offboarded(okr, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    tenant = str(uuid.uuid4())
    monkeypatch.setenv("OKR_CLIENT_ID", str(uuid.uuid4()))  # the server's sign-in settings, as the CLI shares them
    monkeypatch.setenv("OKR_ALLOWED_TENANTS", tenant)
    assert _listed(okr)[tenant]["state"] == "listed in OKR_ALLOWED_TENANTS"
    assert okr("tenants", "offboard", tenant).exit_code == 0
    row = _listed(okr)[tenant]
    assert row["state"] == "offboarded" and row["onboarded_by"] == "OKR_ALLOWED_TENANTS"
    monkeypatch.setenv("OKR_TENANT", tenant)
    trail = json.loads(okr("audit", "--action", "tenant-offboard", "--json").stdout)["entries"]
    assert [(e["action"], e["target"]) for e in trail] == [("tenant-offboard", tenant)]


def test_a_mistyped_tenant_is_refused_and_nothing_is_written(okr) -> None:  # type: ignore[no-untyped-def]
    unknown = okr("tenants", "offboard", str(uuid.uuid4()))
    assert unknown.exit_code == 2 and "okr tenants list" in unknown.stderr
    not_an_id = okr("tenants", "add", "contoso.onmicrosoft.com")
    assert not_an_id.exit_code == 2 and "not a tenant id" in not_an_id.stderr
    assert _listed(okr) == {}
    assert okr("tenants", "list").stdout.strip() == "No tenants onboarded yet."
