"""The API with sign-in on: tokens checked before any parsing, every tenant's data private (TEN-1)."""

from __future__ import annotations

import io
import uuid

import pytest

from addin.excel.template import write_template
from auth import AuthConfig
from tests.auth.identity_server import SigningKey
from tests.conftest import FIXED_NOW


@pytest.fixture
def second_tenant() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def signed_in_app(instance, identity, tenant, second_tenant):
    from addin import create_app

    client_id, secret = identity.register_client()
    config = AuthConfig.from_env(
        {
            "OKR_CLIENT_ID": client_id,
            "OKR_CLIENT_SECRET": secret,
            "OKR_AUTHORITY": identity.base_url,
            "OKR_ALLOWED_TENANTS": f"{tenant},{second_tenant}",
            "OKR_CA_BUNDLE": str(identity.ca_path),
        }
    )
    app = create_app({"TESTING": True, "OKR_CLOCK": lambda: FIXED_NOW, "OKR_AUTH": config})
    app.config["client_id"] = client_id
    return app


def _bearer(identity, app, tenant: str) -> dict[str, str]:
    token = identity.user_token(tenant, str(uuid.uuid4()), app.config["client_id"])
    return {"Authorization": f"Bearer {token}"}


def _upload(client, headers):
    data = write_template(sample=True, today=FIXED_NOW.date())
    return client.post(
        "/api/sync",
        headers=headers,
        content_type="multipart/form-data",
        data={"workbook": (io.BytesIO(data), "okrs.xlsx")},
    )


def test_no_token_is_401_before_the_upload_is_read(signed_in_app, monkeypatch):
    import addin.api.sync as api

    read = []
    monkeypatch.setattr(api, "uploaded_workbook", lambda: read.append(1) or b"")
    response = _upload(signed_in_app.test_client(), {})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "missing_token"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert read == []


def test_a_token_signed_by_another_key_is_401(signed_in_app, identity, tenant):
    forged = identity.sign(
        identity.user_claims(tenant, str(uuid.uuid4()), signed_in_app.config["client_id"]), key=SigningKey.generate()
    )
    response = signed_in_app.test_client().get("/api/teams", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


def test_another_tenant_sees_nothing_and_cannot_check_in(signed_in_app, identity, tenant, second_tenant):
    client = signed_in_app.test_client()
    a, b = _bearer(identity, signed_in_app, tenant), _bearer(identity, signed_in_app, second_tenant)
    assert _upload(client, a).status_code == 200
    teams_a = client.get("/api/teams", headers=a).get_json()["teams"]
    kr = teams_a[0]["objectives"][0]["key_results"][0]

    assert client.get("/api/teams", headers=b).get_json()["teams"] == []
    assert client.get(f"/api/teams/{teams_a[0]['team']}", headers=b).status_code == 404
    response = client.post(f"/api/key-results/{kr['id']}/checkins", headers=b, json={"value": 1})
    assert response.status_code == 404
    # ...and tenant A's KR did not move.
    again = client.get(f"/api/teams/{teams_a[0]['team']}", headers=a).get_json()
    assert again["objectives"][0]["key_results"][0]["current"] == kr["current"]
