"""Fixtures for the identity tests: the local identity server over HTTPS and a config pointing at it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from auth import AuthConfig
from tests.auth.identity_server import IdentityServer


@pytest.fixture(scope="session")
def identity_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IdentityServer]:
    server = IdentityServer(tmp_path_factory.mktemp("identity-tls")).start()
    yield server
    server.stop()


@pytest.fixture
def identity(identity_server: IdentityServer) -> Iterator[IdentityServer]:
    """The identity server with no recorded requests and no error modes."""
    identity_server.reset()
    yield identity_server
    identity_server.reset()


@pytest.fixture
def tenant() -> str:
    """An onboarded tenant (a fresh random GUID per test; no real tenant ids in the code)."""
    return str(uuid.uuid4())


@pytest.fixture
def other_tenant() -> str:
    """A tenant that exists at the identity platform but is not onboarded."""
    return str(uuid.uuid4())


@pytest.fixture
def config(identity: IdentityServer, tenant: str) -> AuthConfig:
    """A configuration for a fresh app registration at the local identity server."""
    client_id, secret = identity.register_client()
    return AuthConfig.from_env(
        {
            "OKR_CLIENT_ID": client_id,
            "OKR_CLIENT_SECRET": secret,
            "OKR_AUTHORITY": identity.base_url,
            "OKR_ALLOWED_TENANTS": tenant,
            "OKR_CA_BUNDLE": str(identity.ca_path),
        }
    )


@pytest.fixture
def user_oid() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def sso_token(identity: IdentityServer, config: AuthConfig, tenant: str, user_oid: str) -> str:
    """A valid Office SSO access token for ``user_oid`` in the onboarded tenant."""
    return identity.user_token(tenant, user_oid, config.client_id)
