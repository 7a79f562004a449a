"""MSAL on-behalf-of and app-only tokens over real HTTPS against the local identity server (AUTH-5)."""

from __future__ import annotations

import dataclasses
import json
import sys
import uuid

import jwt
import pytest

from auth import AuthConfig, AuthError, Forbidden, IdentityUnavailable, app_token, obo_token, validate_access_token
from auth.msal_tokens import _pool
from tests.auth.identity_server import GRANT_JWT_BEARER, IdentityServer

GRAPH_SCOPES = ["https://graph.microsoft.com/Calendars.ReadWrite"]
MFA_CLAIMS = json.dumps(
    {"access_token": {"capolids": {"essential": True, "values": ["c1b2c3d4-0000-4000-8000-00000000c0a1"]}}}
)


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _obo_error(config: AuthConfig, assertion: str) -> AuthError:
    with pytest.raises(AuthError) as caught:
        obo_token(config, assertion, GRAPH_SCOPES)
    return caught.value


def test_obo_returns_a_graph_token_for_that_user(
    identity: IdentityServer, config: AuthConfig, tenant: str, user_oid: str, sso_token: str
) -> None:
    token = obo_token(config, sso_token, GRAPH_SCOPES)
    claims = _claims(token)
    assert (claims["aud"], claims["tid"], claims["oid"]) == ("https://graph.microsoft.com", tenant, user_oid)
    assert claims["scp"] == "Calendars.ReadWrite"
    sent = identity.token_requests(GRANT_JWT_BEARER)
    assert len(sent) == 1 and sent[0].form["assertion"] == sso_token
    assert sent[0].form["requested_token_use"] == "on_behalf_of"


def test_obo_token_is_served_from_cache(identity: IdentityServer, config: AuthConfig, sso_token: str) -> None:
    first = obo_token(config, sso_token, GRAPH_SCOPES)
    assert obo_token(config, sso_token, GRAPH_SCOPES) == first
    assert len(identity.token_requests()) == 1


def test_expiring_obo_token_is_renewed_with_the_refresh_token(
    identity: IdentityServer, config: AuthConfig, sso_token: str
) -> None:
    identity.access_token_lifetime = 60  # MSAL treats tokens with < 5 min left as expired
    first = obo_token(config, sso_token, GRAPH_SCOPES)
    second = obo_token(config, sso_token, GRAPH_SCOPES)
    assert second != first
    assert [r.form["grant_type"] for r in identity.token_requests()] == [GRANT_JWT_BEARER, "refresh_token"]


def test_token_caches_are_partitioned_per_user_and_tenant(
    identity: IdentityServer, config: AuthConfig, tenant: str
) -> None:
    second_tenant = str(uuid.uuid4())
    config = dataclasses.replace(config, allowed_tenants=frozenset({tenant, second_tenant}))
    shared_oid = str(uuid.uuid4())  # the same object id in two tenants is two different users
    users = [
        (tenant, str(uuid.uuid4())),
        (tenant, str(uuid.uuid4())),
        (tenant, shared_oid),
        (second_tenant, shared_oid),
    ]
    for tid, oid in users:
        token = obo_token(config, identity.user_token(tid, oid, config.client_id), GRAPH_SCOPES)
        assert (_claims(token)["tid"], _claims(token)["oid"]) == (tid, oid)
    assert _pool(config).cached_users() == users
    # Each user's second call is a cache hit in that user's own cache.
    for tid, oid in users:
        token = obo_token(config, identity.user_token(tid, oid, config.client_id), GRAPH_SCOPES)
        assert (_claims(token)["tid"], _claims(token)["oid"]) == (tid, oid)
    assert len(identity.token_requests()) == len(users)


def test_per_user_caches_are_bounded(identity: IdentityServer, config: AuthConfig, tenant: str) -> None:
    config = dataclasses.replace(config, max_user_caches=2)
    oids = [str(uuid.uuid4()) for _ in range(3)]
    for oid in oids:
        obo_token(config, identity.user_token(tenant, oid, config.client_id), GRAPH_SCOPES)
    assert _pool(config).cached_users() == [(tenant, oids[1]), (tenant, oids[2])]


def test_invalid_assertion_is_rejected_before_any_token_request(
    identity: IdentityServer, config: AuthConfig, other_tenant: str
) -> None:
    assert _obo_error(config, "not-a-jwt").code == "invalid_token"
    assert _obo_error(config, identity.user_token(other_tenant, str(uuid.uuid4()), config.client_id)).code == (
        "tenant_not_allowed"
    )
    assert identity.token_requests() == []


# -- AUTH-5 ----------------------------------------------------------------------------------------


def test_consent_required_comes_back_as_a_challenge_without_retry_storm(
    identity: IdentityServer, config: AuthConfig, user_oid: str, sso_token: str
) -> None:
    identity.require_consent(user_oid)
    for _ in range(3):
        error = _obo_error(config, sso_token)
        assert (error.status, error.code) == (401, "consent_required")
        assert error.details["suberror"] == "consent_required"
    # The add-in is told to ask for consent; we never hammer the identity platform meanwhile.
    assert len(identity.token_requests()) == 1


def test_mfa_claims_challenge_is_passed_to_the_add_in(
    identity: IdentityServer, config: AuthConfig, tenant: str, user_oid: str, sso_token: str
) -> None:
    identity.require_mfa(user_oid, MFA_CLAIMS)
    error = _obo_error(config, sso_token)
    assert (error.status, error.code) == (401, "claims_challenge")
    assert error.claims == MFA_CLAIMS and error.as_dict()["details"]["claims"] == MFA_CLAIMS
    assert "claims=" in error.www_authenticate
    # After signing in again with MFA (a new SSO token), the exchange succeeds.
    stepped_up = identity.user_token(tenant, user_oid, config.client_id, amr=["pwd", "mfa"])
    assert _claims(obo_token(config, stepped_up, GRAPH_SCOPES))["oid"] == user_oid
    assert len(identity.token_requests()) == 2


def test_revoked_grant_asks_for_a_new_sign_in_after_one_attempt_each(
    identity: IdentityServer, config: AuthConfig, user_oid: str, sso_token: str
) -> None:
    identity.access_token_lifetime = 60
    obo_token(config, sso_token, GRAPH_SCOPES)
    identity.revoke(user_oid)
    error = _obo_error(config, sso_token)
    assert (error.status, error.code) == (401, "reauthentication_required")
    # One refresh with the cached refresh token, then one exchange with the fresh assertion: no loop.
    grants = [r.form["grant_type"] for r in identity.token_requests()]
    assert grants == [GRANT_JWT_BEARER, "refresh_token", GRANT_JWT_BEARER]


def test_throttling_is_honoured_without_calling_again(
    identity: IdentityServer, config: AuthConfig, tenant: str, sso_token: str
) -> None:
    identity.throttle(tenant, retry_after=7, count=5)
    with pytest.raises(IdentityUnavailable) as caught:
        obo_token(config, sso_token, GRAPH_SCOPES)
    assert (caught.value.status, caught.value.code, caught.value.retry_after) == (503, "identity_throttled", 7)
    for _ in range(3):
        with pytest.raises(IdentityUnavailable) as again:
            obo_token(config, sso_token, GRAPH_SCOPES)
        assert again.value.code == "identity_throttled" and 0 < again.value.retry_after <= 7
    assert len(identity.token_requests()) == 1


def test_throttled_refresh_is_not_followed_by_another_request(
    identity: IdentityServer, config: AuthConfig, tenant: str, sso_token: str
) -> None:
    identity.access_token_lifetime = 60
    obo_token(config, sso_token, GRAPH_SCOPES)
    identity.throttle(tenant, retry_after=3, count=5)
    with pytest.raises(IdentityUnavailable) as caught:
        obo_token(config, sso_token, GRAPH_SCOPES)
    assert caught.value.retry_after == 3
    assert [r.status for r in identity.token_requests()] == [200, 429]


def test_wrong_client_secret_is_a_server_configuration_error(
    identity: IdentityServer, config: AuthConfig, sso_token: str
) -> None:
    config = dataclasses.replace(config, client_secret="not-the-secret")
    with pytest.raises(IdentityUnavailable) as caught:
        obo_token(config, sso_token, GRAPH_SCOPES)
    assert caught.value.code == "auth_misconfigured"


def test_unreachable_identity_platform_is_unavailable_not_a_crash(config: AuthConfig, sso_token: str) -> None:
    user = validate_access_token(sso_token, config)
    config = dataclasses.replace(config, authority="https://127.0.0.1:9", http_timeout_seconds=2)
    with pytest.raises(IdentityUnavailable) as caught:
        obo_token(config, sso_token, GRAPH_SCOPES, user=user)
    assert caught.value.code == "identity_unavailable"


def test_msal_is_not_configured_on_the_embedded_default(sso_token: str) -> None:
    with pytest.raises(IdentityUnavailable) as caught:
        obo_token(AuthConfig.from_env({}), sso_token, GRAPH_SCOPES)
    assert caught.value.code == "auth_not_configured"


# -- app-only ----------------------------------------------------------------------------------


def test_app_token_for_an_onboarded_tenant_is_cached(identity: IdentityServer, config: AuthConfig, tenant: str) -> None:
    token = app_token(config, tenant, ["https://graph.microsoft.com/.default"])
    claims = _claims(token)
    assert (claims["tid"], claims["roles"], claims.get("scp")) == (tenant, ["Calendars.ReadWrite"], None)
    assert app_token(config, tenant, ["https://graph.microsoft.com/.default"]) == token
    assert [r.form["grant_type"] for r in identity.token_requests()] == ["client_credentials"]


def test_app_token_is_refused_for_tenants_not_onboarded(
    identity: IdentityServer, config: AuthConfig, other_tenant: str
) -> None:
    for tid in (other_tenant, "common", ""):
        with pytest.raises(Forbidden) as caught:
            app_token(config, tid, ["https://graph.microsoft.com/.default"])
        assert caught.value.code == "tenant_not_allowed"
    assert identity.requests == []


def test_app_token_throttled_tenant_does_not_block_another(
    identity: IdentityServer, config: AuthConfig, tenant: str
) -> None:
    second_tenant = str(uuid.uuid4())
    config = dataclasses.replace(config, allowed_tenants=frozenset({tenant, second_tenant}))
    identity.throttle(tenant, retry_after=30)
    with pytest.raises(IdentityUnavailable) as caught:
        app_token(config, tenant, ["https://graph.microsoft.com/.default"])
    assert caught.value.retry_after == 30
    assert _claims(app_token(config, second_tenant, ["https://graph.microsoft.com/.default"]))["tid"] == second_tenant


# -- G5: nothing but the local identity server is ever contacted --------------------------------

_connections: list[object] | None = None


def _record_connect(event: str, args: tuple) -> None:
    if event == "socket.connect" and _connections is not None:
        _connections.append(args[1])


_hooked = False


def test_every_connection_goes_to_the_local_identity_server(
    identity: IdentityServer, config: AuthConfig, tenant: str, sso_token: str
) -> None:
    global _connections, _hooked
    if not _hooked:
        sys.addaudithook(_record_connect)  # cannot be removed again; it records only while enabled
        _hooked = True
    _connections = []
    try:
        validate_access_token(sso_token, config)
        obo_token(config, sso_token, GRAPH_SCOPES)
        app_token(config, tenant, ["https://graph.microsoft.com/.default"])
    finally:
        seen, _connections = _connections, None
    port = int(identity.base_url.rsplit(":", 1)[1])
    assert seen, "the flows above talk to the identity server"
    assert {tuple(address[:2]) for address in seen} == {("127.0.0.1", port)}


def test_a_certificate_credential_gets_app_tokens_without_a_secret(
    identity: IdentityServer, tenant: str, tmp_path
) -> None:
    client_id, pem = identity.register_certificate_client(tmp_path)
    config = AuthConfig.from_env(
        {
            "OKR_CLIENT_ID": client_id,
            "OKR_CLIENT_CERT_PATH": str(pem),
            "OKR_AUTHORITY": identity.base_url,
            "OKR_ALLOWED_TENANTS": tenant,
            "OKR_CA_BUNDLE": str(identity.ca_path),
        }
    )
    assert config.client_secret is None
    token = app_token(config, tenant, ["https://graph.microsoft.com/.default"])
    assert _claims(token)["azp"] == client_id
    sent = identity.token_requests("client_credentials")[0].form
    assert "client_secret" not in sent
    assert sent["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def test_a_certificate_of_another_app_is_refused(identity: IdentityServer, tenant: str, tmp_path) -> None:
    client_id, _ = identity.register_certificate_client(tmp_path)
    _, stranger = identity.register_certificate_client(tmp_path)
    config = AuthConfig.from_env(
        {
            "OKR_CLIENT_ID": client_id,
            "OKR_CLIENT_CERT_PATH": str(stranger),
            "OKR_AUTHORITY": identity.base_url,
            "OKR_ALLOWED_TENANTS": tenant,
            "OKR_CA_BUNDLE": str(identity.ca_path),
        }
    )
    with pytest.raises(IdentityUnavailable):
        app_token(config, tenant, ["https://graph.microsoft.com/.default"])


def test_an_unreadable_certificate_refuses_to_start(tmp_path) -> None:
    key_only = tmp_path / "key.pem"
    key_only.write_text("-----BEGIN PRIVATE KEY-----\nMII=\n-----END PRIVATE KEY-----\n")
    for path, message in ((tmp_path / "missing.pem", "cannot be read"), (key_only, "the certificate")):
        with pytest.raises(ValueError, match=message):
            AuthConfig.from_env({"OKR_CLIENT_ID": str(uuid.uuid4()), "OKR_CLIENT_CERT_PATH": str(path)})
