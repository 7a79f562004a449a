"""Fixtures for the API tests: an app with its quotas from the environment, signed-in callers."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable

import pytest
from flask import Flask

from addin.excel.template import write_template
from auth import AuthConfig
from tests.auth.conftest import identity, identity_server  # noqa: F401  (the local identity platform)
from tests.auth.identity_server import IdentityServer, SigningKey
from tests.conftest import FIXED_NOW

RATE_VARS = (
    "OKR_RATE_LIMIT_UPLOADS",
    "OKR_RATE_LIMIT_UPLOAD_MB",
    "OKR_RATE_LIMIT_DEFAULT",
    "OKR_RATE_LIMIT_FEED",
    "OKR_RATE_LIMIT_STORAGE",
)


@pytest.fixture
def limited_app(instance, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Flask]:
    """Build an app with the given OKR_RATE_LIMIT_* environment: limited_app(UPLOADS="2 per minute")."""
    for name in RATE_VARS:
        monkeypatch.delenv(name, raising=False)

    def build(auth: AuthConfig | None = None, **env: str) -> Flask:
        for name, value in env.items():
            monkeypatch.setenv(f"OKR_RATE_LIMIT_{name}", value)
        from addin import create_app
        from addin.api.limits import init_limits

        overrides = {"TESTING": True, "OKR_CLOCK": lambda: FIXED_NOW}
        if auth is not None:
            overrides["OKR_AUTH"] = auth
        app = create_app(overrides)
        init_limits(app)  # a no-op once create_app calls it itself
        return app

    return build


@pytest.fixture
def sign_in(identity: IdentityServer):  # noqa: F811
    """(AuthConfig onboarding two fresh tenants, the tenants, headers(tenant) minting a user's token)."""
    client_id, secret = identity.register_client()
    tenants = (str(uuid.uuid4()), str(uuid.uuid4()))
    config = AuthConfig.from_env(
        {
            "OKR_CLIENT_ID": client_id,
            "OKR_CLIENT_SECRET": secret,
            "OKR_AUTHORITY": identity.base_url,
            "OKR_ALLOWED_TENANTS": ",".join(tenants),
            "OKR_CA_BUNDLE": str(identity.ca_path),
        }
    )

    def headers(tenant: str, *, forged: bool = False) -> dict[str, str]:
        """A user's Authorization header; ``forged``: signed by a key the platform never published."""
        claims = identity.user_claims(tenant, str(uuid.uuid4()), client_id)
        token = identity.sign(claims, key=SigningKey.generate() if forged else None)
        return {"Authorization": f"Bearer {token}"}

    return config, tenants, headers


@pytest.fixture(scope="session")
def workbook() -> bytes:
    """A valid sample OKR workbook."""
    return write_template(sample=True, today=FIXED_NOW.date())


def upload(client, path: str, data: bytes, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """POST a workbook to /api/sync or /api/lint as the task pane does."""
    return client.post(
        path,
        headers=headers or {},
        content_type="multipart/form-data",
        data={"workbook": (io.BytesIO(data), "okrs.xlsx")},
    )
