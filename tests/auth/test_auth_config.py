"""AuthConfig read from OKR_* environment variables."""

from __future__ import annotations

import uuid

import pytest

from auth import AuthConfig


def test_no_sign_in_variable_means_the_embedded_default() -> None:
    config = AuthConfig.from_env({"OKR_AUTHORITY": "https://login.example.test"})
    assert not config.enabled
    assert config.allowed_tenants == frozenset()
    assert not AuthConfig.from_env({"OKR_AUTH_MODE": "local"}).enabled


@pytest.mark.parametrize("client_id", ["", "   ", "0d4f-not-a-guid", "contoso-okr"])
def test_sign_in_variables_with_a_blank_or_invalid_client_id_refuse_to_start(client_id: str) -> None:
    # A blank or misspelt client id used to turn sign-in silently off: fail closed instead.
    with pytest.raises(ValueError, match="OKR_CLIENT_ID") as refused:
        AuthConfig.from_env(
            {"OKR_CLIENT_ID": client_id, "OKR_CLIENT_SECRET": "s", "OKR_ALLOWED_TENANTS": str(uuid.uuid4())}
        )
    assert "\n" not in str(refused.value)


def test_explicit_entra_mode_without_a_client_id_refuses_to_start() -> None:
    with pytest.raises(ValueError, match="OKR_CLIENT_ID is blank"):
        AuthConfig.from_env({"OKR_AUTH_MODE": "entra"})


def test_local_mode_with_sign_in_variables_refuses_to_start() -> None:
    with pytest.raises(ValueError, match="OKR_AUTH_MODE is local"):
        AuthConfig.from_env({"OKR_AUTH_MODE": "local", "OKR_CLIENT_ID": str(uuid.uuid4())})
    with pytest.raises(ValueError, match="local or entra"):
        AuthConfig.from_env({"OKR_AUTH_MODE": "azure"})


def test_full_configuration_is_read() -> None:
    client_id, t1, t2 = (str(uuid.uuid4()) for _ in range(3))
    config = AuthConfig.from_env(
        {
            "OKR_CLIENT_ID": client_id,
            "OKR_CLIENT_SECRET": "secret",
            "OKR_AUTHORITY": "https://login.example.test/",
            "OKR_ALLOWED_TENANTS": f" {t1.upper()} ,{t2},",
            "OKR_API_AUDIENCE": f"api://okr.example.test/{client_id}",
        }
    )
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
        AuthConfig.from_env(
            {"OKR_CLIENT_ID": str(uuid.uuid4()), "OKR_ALLOWED_TENANTS": f"{uuid.uuid4()},contoso.onmicrosoft.com"}
        )


def test_plain_http_authority_is_refused() -> None:
    with pytest.raises(ValueError, match="https"):
        AuthConfig.from_env({"OKR_AUTHORITY": "http://login.example.test"})
