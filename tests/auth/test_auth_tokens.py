"""Office SSO token validation against the local identity server's JWKS (AUTH-1..AUTH-4)."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import logging
import time
import uuid

import jwt
import pytest

from auth import (
    AuthConfig,
    AuthError,
    Forbidden,
    IdentityUnavailable,
    User,
    authenticate,
    local_user,
    validate_access_token,
)
from tests.auth.identity_server import IdentityServer, SigningKey


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unsigned(header: dict, claims: dict, signature: bytes = b"") -> str:
    return ".".join([_b64(json.dumps(header).encode()), _b64(json.dumps(claims).encode()), _b64(signature)])


@pytest.fixture(scope="module")
def stranger() -> SigningKey:
    """An RSA key the identity platform never published."""
    return SigningKey.generate()


def _renamed(key: SigningKey) -> SigningKey:
    """The same key under a fresh, unknown kid."""
    return SigningKey(kid=str(uuid.uuid4()), private_key=key.private_key)


def _rejected(token: str, config: AuthConfig, **kwargs: object) -> AuthError:
    with pytest.raises(AuthError) as caught:
        validate_access_token(token, config, **kwargs)
    return caught.value


# -- the happy path ------------------------------------------------------------------------------


def test_valid_sso_token_gives_the_user(config: AuthConfig, tenant: str, user_oid: str, sso_token: str) -> None:
    user = validate_access_token(sso_token, config)
    assert user == User(
        tenant_id=tenant,
        object_id=user_oid,
        name="Ada Lovelace",
        email="ada@example.test",
        scopes=frozenset({"access_as_user"}),
    )


def test_api_audience_uri_is_accepted_when_configured(
    identity: IdentityServer, config: AuthConfig, tenant: str
) -> None:
    audience = f"api://localhost:5000/{config.client_id}"
    token = identity.user_token(tenant, str(uuid.uuid4()), audience)
    assert _rejected(token, config).code == "wrong_audience"
    assert validate_access_token(token, dataclasses.replace(config, api_audience=audience)).tenant_id == tenant


def test_authenticate_reads_the_bearer_header(config: AuthConfig, sso_token: str, user_oid: str) -> None:
    assert authenticate(f"Bearer {sso_token}", config).object_id == user_oid
    for header in (None, "", "Bearer ", f"Basic {sso_token}"):
        with pytest.raises(AuthError) as caught:
            authenticate(header, config)
        assert caught.value.code == "missing_token" and caught.value.status == 401


def test_embedded_default_is_one_local_user() -> None:
    config = AuthConfig.from_env({})
    assert not config.enabled
    assert authenticate(None, config) == local_user()
    assert local_user().tenant_id == "local" and local_user().object_id == "local"


# -- AUTH-1: algorithm and signature ---------------------------------------------------------------


def test_alg_none_is_rejected(identity: IdentityServer, config: AuthConfig, tenant: str) -> None:
    claims = identity.user_claims(tenant, str(uuid.uuid4()), config.client_id)
    token = _unsigned({"alg": "none", "typ": "JWT", "kid": identity.signing_key.kid}, claims)
    error = _rejected(token, config)
    assert (error.status, error.code) == (401, "invalid_token")


def test_hs256_signed_with_the_public_key_is_rejected(
    identity: IdentityServer, config: AuthConfig, tenant: str
) -> None:
    claims = identity.user_claims(tenant, str(uuid.uuid4()), config.client_id)
    header = {"alg": "HS256", "typ": "JWT", "kid": identity.signing_key.kid}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    mac = hmac.new(identity.signing_key.public_pem(), signing_input.encode(), hashlib.sha256).digest()
    error = _rejected(f"{signing_input}.{_b64(mac)}", config)
    assert (error.status, error.code) == (401, "invalid_token")


def test_tampered_payload_is_rejected(
    identity: IdentityServer, config: AuthConfig, tenant: str, sso_token: str
) -> None:
    header, _, signature = sso_token.split(".")
    forged = identity.user_claims(tenant, str(uuid.uuid4()), config.client_id, name="Mallory")
    token = f"{header}.{_b64(json.dumps(forged).encode())}.{signature}"
    assert _rejected(token, config).code == "invalid_token"


def test_garbage_is_rejected(config: AuthConfig) -> None:
    for token in ("", "not-a-jwt", "a.b.c", "e30.e30."):
        assert _rejected(token, config).code == "invalid_token"


def test_unknown_kids_refresh_the_key_set_at_most_once_per_window(
    identity: IdentityServer, config: AuthConfig, tenant: str, sso_token: str, stranger: SigningKey
) -> None:
    validate_access_token(sso_token, config)  # first fetch of the key set
    assert identity.jwks_requests() == 1
    for _ in range(5):
        token = identity.sign(identity.user_claims(tenant, str(uuid.uuid4()), config.client_id), key=_renamed(stranger))
        assert _rejected(token, config).code == "invalid_token"
    # Inside the cooldown window a flood of unknown kids costs no request at all.
    assert identity.jwks_requests() == 1


def test_unknown_kid_without_cooldown_refreshes_exactly_once_each(
    identity: IdentityServer, config: AuthConfig, tenant: str, sso_token: str, stranger: SigningKey
) -> None:
    config = dataclasses.replace(config, jwks_cooldown_seconds=0)
    validate_access_token(sso_token, config)
    before = identity.jwks_requests()
    for _ in range(3):
        token = identity.sign(identity.user_claims(tenant, str(uuid.uuid4()), config.client_id), key=_renamed(stranger))
        assert _rejected(token, config).code == "invalid_token"
    assert identity.jwks_requests() - before == 3


def test_rotated_key_is_picked_up(identity: IdentityServer, config: AuthConfig, tenant: str, sso_token: str) -> None:
    config = dataclasses.replace(config, jwks_cooldown_seconds=0)
    validate_access_token(sso_token, config)
    identity.rotate_key()
    oid = str(uuid.uuid4())
    assert validate_access_token(identity.user_token(tenant, oid, config.client_id), config).object_id == oid
    assert identity.jwks_requests() == 2


# -- AUTH-2: lifetime ------------------------------------------------------------------------------


def test_expired_token_is_rejected(identity: IdentityServer, config: AuthConfig, tenant: str) -> None:
    now = int(time.time())
    token = identity.user_token(
        tenant, str(uuid.uuid4()), config.client_id, iat=now - 7200, nbf=now - 7200, exp=now - 3600
    )
    error = _rejected(token, config)
    assert (error.status, error.code) == (401, "token_expired")


def test_future_nbf_beyond_leeway_is_rejected(identity: IdentityServer, config: AuthConfig, tenant: str) -> None:
    now = int(time.time())
    token = identity.user_token(tenant, str(uuid.uuid4()), config.client_id, nbf=now + 3600, exp=now + 7200, iat=now)
    assert _rejected(token, config).code == "token_not_yet_valid"


def test_missing_exp_is_rejected(identity: IdentityServer, config: AuthConfig, tenant: str) -> None:
    token = identity.user_token(tenant, str(uuid.uuid4()), config.client_id, exp=None)
    assert _rejected(token, config).code == "invalid_token"


def test_small_clock_skew_is_tolerated_and_now_can_be_pinned(
    identity: IdentityServer, config: AuthConfig, tenant: str
) -> None:
    now = int(time.time())
    token = identity.user_token(tenant, str(uuid.uuid4()), config.client_id, iat=now - 600, nbf=now - 600, exp=now - 30)
    assert validate_access_token(token, config).tenant_id == tenant  # 30 s late: inside the leeway
    assert validate_access_token(token, config, now=now - 300).tenant_id == tenant
    assert _rejected(token, config, now=now + 3600).code == "token_expired"
    assert _rejected(token, config, now=now - 3600).code == "token_not_yet_valid"


def test_a_token_is_verified_once_and_its_lifetime_and_tenant_on_every_request(
    identity: IdentityServer, config: AuthConfig, tenant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = int(time.time())
    token = identity.user_token(tenant, str(uuid.uuid4()), config.client_id, iat=now - 60, nbf=now - 60, exp=now + 600)
    verified = []
    decode = jwt.decode
    monkeypatch.setattr(jwt, "decode", lambda *a, **k: verified.append(1) or decode(*a, **k))
    assert validate_access_token(token, config) == validate_access_token(token, config)
    assert len(verified) == 1  # the pane's next request with the same token: no second signature check

    assert _rejected(token, config, now=now + 3600).code == "token_expired"
    with pytest.raises(Forbidden) as offboarded:
        validate_access_token(token, dataclasses.replace(config, allowed_tenants=frozenset()))
    assert offboarded.value.code == "tenant_not_allowed"
    forged = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]  # another text: verified on its own
    assert _rejected(forged, config).code == "invalid_token" and len(verified) == 2


# -- AUTH-3: the wrong kind of token -------------------------------------------------------------


def test_graph_token_is_rejected_as_wrong_audience(identity: IdentityServer, config: AuthConfig, tenant: str) -> None:
    token = identity.user_token(tenant, str(uuid.uuid4()), "https://graph.microsoft.com")
    error = _rejected(token, config)
    assert (error.status, error.code) == (401, "wrong_audience")


def test_id_token_is_rejected(identity: IdentityServer, config: AuthConfig, tenant: str) -> None:
    token = identity.user_token(tenant, str(uuid.uuid4()), config.client_id, scp=None, nonce="n-0S6_WzA2Mj")
    error = _rejected(token, config)
    assert (error.status, error.code) == (401, "invalid_token")
    assert "ID token" in error.message


def test_token_without_access_as_user_is_forbidden(identity: IdentityServer, config: AuthConfig, tenant: str) -> None:
    token = identity.user_token(tenant, str(uuid.uuid4()), config.client_id, scp="User.Read Mail.Read")
    error = _rejected(token, config)
    assert isinstance(error, Forbidden)
    assert (error.status, error.code) == (403, "insufficient_scope")


def test_app_only_token_is_forbidden_on_user_endpoints(
    identity: IdentityServer, config: AuthConfig, tenant: str
) -> None:
    token = identity.user_token(
        tenant, str(uuid.uuid4()), config.client_id, scp=None, roles=["Okr.ReadWrite.All"], idtyp="app"
    )
    error = _rejected(token, config)
    assert (error.status, error.code) == (403, "insufficient_scope")


# -- AUTH-4: issuer and tenant -------------------------------------------------------------------


def test_non_onboarded_tenant_is_refused_and_logged_by_tenant_id(
    identity: IdentityServer, config: AuthConfig, other_tenant: str, caplog: pytest.LogCaptureFixture
) -> None:
    token = identity.user_token(other_tenant, str(uuid.uuid4()), config.client_id)
    with caplog.at_level(logging.INFO, logger="auth"):
        error = _rejected(token, config)
    assert (error.status, error.code) == (403, "tenant_not_allowed")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert other_tenant in logged
    assert token not in logged and token.split(".")[2] not in logged


def test_issuer_of_another_tenant_is_rejected(
    identity: IdentityServer, config: AuthConfig, tenant: str, other_tenant: str
) -> None:
    token = identity.user_token(tenant, str(uuid.uuid4()), config.client_id, iss=identity.issuer(other_tenant))
    assert _rejected(token, config).code == "invalid_issuer"


def test_issuer_of_another_authority_is_rejected(identity: IdentityServer, config: AuthConfig, tenant: str) -> None:
    token = identity.user_token(
        tenant, str(uuid.uuid4()), config.client_id, iss=f"https://login.example.test/{tenant}/v2.0"
    )
    assert _rejected(token, config).code == "invalid_issuer"


def test_tenant_id_that_is_not_a_guid_is_rejected(identity: IdentityServer, config: AuthConfig) -> None:
    for tid in ("contoso", "common", "../etc", "00000000-0000-0000-0000-00000000000g"):
        token = identity.user_token(tid, str(uuid.uuid4()), config.client_id)
        assert _rejected(token, dataclasses.replace(config, allowed_tenants=frozenset({tid}))).code == "invalid_token"


def test_v1_issuer_is_rejected_when_v2_is_configured(
    identity: IdentityServer, config: AuthConfig, tenant: str, caplog: pytest.LogCaptureFixture
) -> None:
    token = identity.user_token(
        tenant, str(uuid.uuid4()), config.client_id, iss=f"https://sts.windows.net/{tenant}/", ver="1.0"
    )
    with caplog.at_level(logging.INFO, logger="auth"):
        error = _rejected(token, config)
    assert (error.status, error.code) == (401, "invalid_issuer")
    assert "v1.0" in error.message
    assert all(token not in r.getMessage() for r in caplog.records)


def test_no_log_line_ever_carries_a_token(
    identity: IdentityServer, config: AuthConfig, tenant: str, other_tenant: str, caplog: pytest.LogCaptureFixture
) -> None:
    tokens = [
        identity.user_token(other_tenant, str(uuid.uuid4()), config.client_id),
        identity.user_token(tenant, str(uuid.uuid4()), config.client_id, scp="User.Read"),
        identity.user_token(tenant, str(uuid.uuid4()), config.client_id, scp=None, roles=["x"]),
        identity.user_token(tenant, str(uuid.uuid4()), config.client_id, iss="https://sts.windows.net/x/"),
        identity.user_token(tenant, "not-a-guid", config.client_id),
    ]
    with caplog.at_level(logging.DEBUG):
        for token in tokens:
            _rejected(token, config)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert caplog.records, "rejections are logged"
    for token in tokens:
        for part in token.split("."):
            assert part not in text


def test_error_answer_shape(identity: IdentityServer, config: AuthConfig, other_tenant: str) -> None:
    error = _rejected(identity.user_token(other_tenant, str(uuid.uuid4()), config.client_id), config)
    body = error.as_dict()
    assert body["code"] == "tenant_not_allowed" and body["message"]
    assert body["details"] == {"tenant_id": other_tenant}
    assert error.www_authenticate == 'Bearer error="tenant_not_allowed"'


def test_unsigned_decode_is_never_trusted(identity: IdentityServer, config: AuthConfig, tenant: str) -> None:
    # A token whose signature is valid for a *different* payload must fail even though every
    # claim is otherwise perfect: PyJWT is asked for RS256 only and the key comes from JWKS.
    good = identity.user_token(tenant, str(uuid.uuid4()), config.client_id)
    other = identity.user_token(tenant, str(uuid.uuid4()), config.client_id)
    spliced = ".".join([good.split(".")[0], other.split(".")[1], good.split(".")[2]])
    assert _rejected(spliced, config).code == "invalid_token"
    assert jwt.get_unverified_header(spliced)["alg"] == "RS256"


def test_unreachable_key_set_is_unavailable_not_unauthorised(config: AuthConfig, sso_token: str) -> None:
    config = dataclasses.replace(
        config, jwks_url="https://127.0.0.1:9/common/discovery/v2.0/keys", http_timeout_seconds=2
    )
    with pytest.raises(IdentityUnavailable) as caught:
        validate_access_token(sso_token, config)
    assert (caught.value.status, caught.value.code) == (503, "identity_unavailable")


def test_auth_disabled_refuses_to_validate(sso_token: str) -> None:
    error = _rejected(sso_token, AuthConfig.from_env({}))
    assert error.code == "auth_not_configured"
