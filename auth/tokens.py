"""Office SSO access-token validation: signature (JWKS), audience, lifetime, v2 issuer, tenant, scope."""

from __future__ import annotations

import functools
import logging
import ssl
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jwt

from auth.config import LOCAL_TENANT, AuthConfig, is_guid
from auth.errors import AuthError, Forbidden, IdentityUnavailable

if TYPE_CHECKING:
    from jwt.types import Options  # PyJWT >= 2.10

log = logging.getLogger(__name__)

# Entra signs access tokens with RS256 only; anything else (none, HS256 keyed with the
# public key, ES*) is refused before a key is even looked up.
ALLOWED_ALGORITHMS = ("RS256",)
V1_ISSUER_HOST = "sts.windows.net"


@dataclass(frozen=True)
class User:
    """The caller, as proven by a validated token: tenant, object id, display name, e-mail, scopes."""

    tenant_id: str
    object_id: str
    name: str
    email: str | None
    scopes: frozenset[str]
    roles: frozenset[str] = frozenset()  # app roles assigned to the user (the ``roles`` claim)


def local_user() -> User:
    """The single user of the embedded default (no app registration configured)."""
    # The embedded default has one user, who administers it.
    return User(LOCAL_TENANT, "local", "local", None, frozenset({"access_as_user"}), frozenset({"OKR.Admin"}))


def authenticate(authorization: str | None, config: AuthConfig, *, now: float | None = None) -> User:
    """The user behind an ``Authorization: Bearer`` header (the local user when auth is off)."""
    if not config.enabled:
        return local_user()
    if not authorization:
        raise AuthError("Sign in first: the request carries no access token.", code="missing_token")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("The Authorization header must be 'Bearer <token>'.", code="missing_token")
    return validate_access_token(token.strip(), config, now=now)


def validate_access_token(token: str, config: AuthConfig, *, now: float | None = None) -> User:
    """Check an Office SSO access token for this API and return its user, or raise AuthError/Forbidden."""
    if not config.enabled:
        raise AuthError("Sign-in is not configured on this server (OKR_CLIENT_ID unset).", code="auth_not_configured")
    claims = _VERIFIED.get(token, config)
    if claims is None:
        header = _header(token)
        key = _signing_key(header["kid"], config)
        claims = _verified_claims(token, key, config, now)
        _VERIFIED.put(token, config, claims)
    else:  # verified before: its lifetime is checked again, now
        _check_lifetime(claims, time.time() if now is None else now, config.leeway_seconds)
    # the tenant is checked on every request: an offboarded tenant's tokens stop at once
    tenant_id = _check_issuer_and_tenant(claims, config)
    _check_token_kind(claims, tenant_id, config)
    return _user_from(claims, tenant_id)


class _VerifiedTokens:
    """Tokens whose signature and audience were verified, with their claims, for a few minutes.

    The panes send the same token with every request for as long as it lives (about an hour);
    verifying its RS256 signature and decoding it again each time was a tenth of a check-in's
    CPU. Only a token verified before is found here, by its whole text, for at most as long as
    the signing keys themselves are cached (300 s); lifetime, issuer, tenant and scope are still
    checked on every request. Bounded: the least recently used token goes first.
    """

    TTL_SECONDS = 300.0
    MAX_TOKENS = 2048

    def __init__(self) -> None:
        self._items: OrderedDict[tuple[str, str, tuple[str, ...]], tuple[float, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token: str, config: AuthConfig) -> dict[str, Any] | None:
        key = (token, config.jwks_uri, tuple(config.audiences))
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            if found[0] < time.monotonic():
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return found[1]

    def put(self, token: str, config: AuthConfig, claims: dict[str, Any]) -> None:
        key = (token, config.jwks_uri, tuple(config.audiences))
        with self._lock:
            self._items[key] = (time.monotonic() + self.TTL_SECONDS, claims)
            self._items.move_to_end(key)
            while len(self._items) > self.MAX_TOKENS:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_VERIFIED = _VerifiedTokens()


def _header(token: str) -> dict[str, Any]:
    """The unverified JOSE header, refused unless RS256 with a key id."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise AuthError("The access token is not a well-formed JWT.", code="invalid_token") from exc
    if header.get("alg") not in ALLOWED_ALGORITHMS:
        raise AuthError(
            f"The access token is signed with {header.get('alg')!r}; only RS256 is accepted.", code="invalid_token"
        )
    if not isinstance(header.get("kid"), str) or not header["kid"]:
        raise AuthError("The access token names no signing key (kid).", code="invalid_token")
    return header


@functools.lru_cache(maxsize=8)
def _jwks_client(config: AuthConfig) -> jwt.PyJWKClient:
    """One PyJWKClient per configuration: the key set is cached (5 min), forced re-fetches rate-limited."""
    context = ssl.create_default_context(cafile=config.ca_bundle) if config.ca_bundle else None
    return jwt.PyJWKClient(
        config.jwks_uri,
        cache_jwk_set=True,
        lifespan=300,
        timeout=config.http_timeout_seconds,
        ssl_context=context,
        # An unknown kid forces at most one re-fetch per cooldown window, so a flood of
        # forged kids cannot turn into a flood of requests to the identity platform.
        cooldown_duration=config.jwks_cooldown_seconds,
    )


def _signing_key(kid: str, config: AuthConfig) -> Any:
    """The public key for ``kid`` from the identity platform's key set."""
    try:
        return _jwks_client(config).get_signing_key(kid).key
    except (jwt.PyJWKClientConnectionError, jwt.exceptions.PyJWKSetError) as exc:
        log.warning("signing keys unavailable from %s", config.jwks_uri)
        raise IdentityUnavailable(
            "The sign-in keys could not be fetched from the identity platform; try again shortly.",
            code="identity_unavailable",
        ) from exc
    except jwt.PyJWKClientError as exc:
        raise AuthError("The access token is signed with an unknown key.", code="invalid_token") from exc


def _verified_claims(token: str, key: Any, config: AuthConfig, now: float | None) -> dict[str, Any]:
    """Claims after signature, audience and lifetime checks (exp required, small leeway)."""
    leeway = config.leeway_seconds
    options: Options = {"require": ["exp", "iss", "aud", "tid"], "verify_iss": False}
    if now is not None:
        # PyJWT compares against the wall clock; shift the leeway window to the caller's clock
        # by checking lifetime ourselves below.
        options |= {"verify_exp": False, "verify_nbf": False, "verify_iat": False}
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=list(ALLOWED_ALGORITHMS),
            audience=config.audiences,
            leeway=leeway,
            options=options,
        )
    except jwt.ExpiredSignatureError as exc:
        raise AuthError("The access token has expired; get a new one.", code="token_expired") from exc
    except jwt.ImmatureSignatureError as exc:
        raise AuthError("The access token is not valid yet.", code="token_not_yet_valid") from exc
    except jwt.InvalidAudienceError as exc:
        raise AuthError("The access token was issued for another API.", code="wrong_audience") from exc
    except jwt.MissingRequiredClaimError as exc:
        raise AuthError(f"The access token lacks the {exc.claim!r} claim.", code="invalid_token") from exc
    except jwt.PyJWTError as exc:
        raise AuthError("The access token's signature or format is invalid.", code="invalid_token") from exc
    if now is not None:
        _check_lifetime(claims, now, leeway)
    return claims


def _check_lifetime(claims: dict[str, Any], now: float, leeway: int) -> None:
    """exp/nbf against an explicit clock (same rules as PyJWT's)."""
    try:
        exp = float(claims["exp"])
        nbf = float(claims["nbf"]) if "nbf" in claims else None
    except (TypeError, ValueError) as exc:
        raise AuthError("The access token's lifetime claims are not numbers.", code="invalid_token") from exc
    if exp <= now - leeway:
        raise AuthError("The access token has expired; get a new one.", code="token_expired")
    if nbf is not None and nbf > now + leeway:
        raise AuthError("The access token is not valid yet.", code="token_not_yet_valid")


def _check_issuer_and_tenant(claims: dict[str, Any], config: AuthConfig) -> str:
    """The token's tenant id, after checking it is a GUID, matches the v2 issuer, and is onboarded."""
    tid = claims.get("tid")
    if not is_guid(tid):
        log.warning("token rejected: tenant id is not a GUID")
        raise AuthError("The access token's tenant id is not a GUID.", code="invalid_token")
    tid = tid.lower()
    issuer = claims.get("iss")
    if isinstance(issuer, str) and V1_ISSUER_HOST in issuer:
        log.warning("token rejected for tenant %s: v1 issuer", tid)
        raise AuthError(
            "The access token is a v1.0 token; the API expects v2.0 tokens "
            "(set accessTokenAcceptedVersion to 2 in the app registration).",
            code="invalid_issuer",
        )
    if not isinstance(issuer, str) or issuer.rstrip("/").lower() != config.issuer_for(tid).lower():
        log.warning("token rejected for tenant %s: issuer does not match the tenant", tid)
        raise AuthError("The access token's issuer does not match its tenant.", code="invalid_issuer")
    if tid not in config.allowed_tenants:
        log.warning("token rejected: tenant %s is not onboarded", tid)
        raise Forbidden(
            "Your organisation has not been set up to use OKR Cadence yet; ask your administrator.",
            code="tenant_not_allowed",
            tenant_id=tid,
        )
    return tid


def _check_token_kind(claims: dict[str, Any], tenant_id: str, config: AuthConfig) -> None:
    """Only delegated access tokens carrying the SSO scope may call user endpoints."""
    scp = claims.get("scp")
    if not scp:
        if claims.get("roles") or claims.get("idtyp") == "app":
            log.warning("token rejected for tenant %s: app-only token on a user endpoint", tenant_id)
            raise Forbidden("An app-only token cannot call a user endpoint.", code="insufficient_scope")
        log.warning("token rejected for tenant %s: not an access token", tenant_id)
        raise AuthError("This is not an access token (an ID token?); send the SSO access token.", code="invalid_token")
    if not isinstance(scp, str) or config.required_scope not in scp.split():
        log.warning("token rejected for tenant %s: scope %s missing", tenant_id, config.required_scope)
        raise Forbidden(f"The access token lacks the {config.required_scope!r} scope.", code="insufficient_scope")


def _user_from(claims: dict[str, Any], tenant_id: str) -> User:
    """The User a validated token describes."""
    oid = claims.get("oid")
    if not is_guid(oid):
        log.warning("token rejected for tenant %s: object id missing or not a GUID", tenant_id)
        raise AuthError("The access token carries no valid user object id.", code="invalid_token")
    email = claims.get("preferred_username") or claims.get("email") or claims.get("upn")
    name = claims.get("name") or email or oid
    return User(
        tenant_id=tenant_id,
        object_id=oid.lower(),
        name=str(name),
        email=str(email) if email else None,
        scopes=frozenset(str(claims.get("scp", "")).split()),
        roles=_roles(claims.get("roles")),
    )


def _roles(raw: object) -> frozenset[str]:
    """The ``roles`` claim: a list of app role values (anything else carries no role)."""
    if not isinstance(raw, list):
        return frozenset()
    return frozenset(r for r in raw if isinstance(r, str))
