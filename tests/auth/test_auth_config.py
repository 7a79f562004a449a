"""AuthConfig read from OKR_* environment variables."""

from __future__ import annotations

import uuid

import pytest

from auth import AuthConfig


def test_unset_client_id_means_the_embedded_default() -> None:
    config = AuthConfig.from_env({"OKR_CLIENT_SECRET": "s"})
    assert not config.enabled
    assert config.authority == "https://login.microsoftonline.com"
    assert config.allowed_tenants == frozenset()


def test_full_configuration_is_read() -> None:
    client_id, t1, t2 = (str(uuid.uuid4()) for _ in range(3))
    config = AuthConfig.from_env({
        "OKR_CLIENT_ID": client_id,
        "OKR_CLIENT_SECRET": "secret",
        "OKR_AUTHORITY": "https://login.example.test/",
        "OKR_ALLOWED_TENANTS": f" {t1.upper()} ,{t2},",
        "OKR_API_AUDIENCE": f"api://okr.example.test/{client_id}",
    })
    assert config.enabled
    assert config.allowed_tenants == frozenset({t1, t2})
    assert config.audiences == [client_id, f"api://okr.example.test/{client_id}"]
    assert config.jwks_uri == "https://login.example.test/common/discovery/v2.0/keys"
    assert config.issuer_for(t1) == f"https://login.example.test/{t1}/v2.0"
    assert "secret" not in repr(config)


def test_empty_allowed_tenants_onboards_nobody() -> None:
    config = AuthConfig.from_env({"OKR_CLIENT_ID": str(uuid.uuid4()), "OKR_ALLOWED_TENANTS": ""})
    assert config.allowed_tenants == frozenset()


def test_tenant_names_instead_of_guids_are_refused() -> None:
    with pytest.raises(ValueError, match="contoso.onmicrosoft.com"):
        AuthConfig.from_env({"OKR_ALLOWED_TENANTS": f"{uuid.uuid4()},contoso.onmicrosoft.com"})


def test_plain_http_authority_is_refused() -> None:
    with pytest.raises(ValueError, match="https"):
        AuthConfig.from_env({"OKR_AUTHORITY": "http://login.example.test"})
