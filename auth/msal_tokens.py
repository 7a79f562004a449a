"""Graph access tokens through MSAL: on-behalf-of the signed-in user, and app-only per tenant.

MSAL token caches are partitioned: one cache per (tenant, user) for on-behalf-of tokens and
one per tenant for app-only tokens, each held in a bounded LRU. Nothing here retries on its
own: a throttled tenant is remembered until its Retry-After passes, and consent or MFA
challenges go straight back to the add-in as AuthError carrying the claims challenge.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

import msal
import requests

from auth.config import AuthConfig, is_guid
from auth.errors import AuthError, Forbidden, IdentityUnavailable
from auth.tokens import User, validate_access_token

log = logging.getLogger(__name__)

CONSENT_REQUIRED_CODE = 65001  # AADSTS65001: the user or admin has not consented


def obo_token(
    config: AuthConfig,
    user_assertion: str,
    scopes: Iterable[str],
    *,
    user: User | None = None,
    claims_challenge: str | None = None,
) -> str:
    """A Graph token for the user behind ``user_assertion`` (on-behalf-of), from cache when fresh.

    ``user`` (the result of validating ``user_assertion``) saves validating it twice;
    ``claims_challenge`` is the claims JSON of a Graph 401 challenge, forcing a new exchange.
    """
    _require_confidential_client(config)
    if user is None:
        # The cache key must come from a verified token, never from unverified claims.
        user = validate_access_token(user_assertion, config)
    pool = _pool(config)
    pool.check_not_throttled(user.tenant_id)
    app = pool.user_app(user.tenant_id, user.object_id)
    scopes = list(scopes)
    result: dict[str, Any] | None = None
    with pool.transport.watch() as seen:
        if claims_challenge is None:
            accounts = app.get_accounts()
            if accounts:
                result = _call(lambda: app.acquire_token_silent_with_error(scopes, account=accounts[0]))
        if (not result or "access_token" not in result) and seen.get("status") != 429:
            # One exchange with the fresh assertion; a failed refresh is not retried further.
            result = _call(
                lambda: app.acquire_token_on_behalf_of(user_assertion, scopes, claims_challenge=claims_challenge)
            )
    return pool.token_from(result, user.tenant_id, seen)


def app_token(config: AuthConfig, tenant_id: str, scopes: Iterable[str]) -> str:
    """An app-only (client credentials) token for one onboarded tenant, from cache when fresh."""
    _require_confidential_client(config)
    tenant_id = (tenant_id or "").lower()
    if not is_guid(tenant_id) or tenant_id not in config.allowed_tenants:
        shown = tenant_id if is_guid(tenant_id) else "<not a GUID>"
        log.warning("app-only token refused: tenant %s is not onboarded", shown)
        raise Forbidden("This tenant has not been set up to use OKR Cadence.", code="tenant_not_allowed")
    pool = _pool(config)
    pool.check_not_throttled(tenant_id)
    app = pool.tenant_app(tenant_id)
    scopes = list(scopes)
    with pool.transport.watch() as seen:
        result = _call(lambda: app.acquire_token_for_client(scopes))
    return pool.token_from(result, tenant_id, seen)


def _require_confidential_client(config: AuthConfig) -> None:
    """MSAL needs an app registration with a certificate or a client secret."""
    if not config.enabled or not config.has_credential:
        raise IdentityUnavailable(
            "Microsoft 365 sign-in is not configured on this server (OKR_CLIENT_ID and "
            "OKR_CLIENT_CERT_PATH or OKR_CLIENT_SECRET).",
            code="auth_not_configured",
        )


def _call(fn: Any) -> Any:
    """Run one MSAL call, turning transport failures into IdentityUnavailable."""
    try:
        return fn()
    except (requests.RequestException, msal.exceptions.MsalServiceError) as exc:
        raise IdentityUnavailable(
            "The Microsoft identity platform could not be reached; try again shortly.",
            code="identity_unavailable",
        ) from exc


class _Transport:
    """A requests.Session for MSAL with a default timeout, noting status and Retry-After per thread."""

    def __init__(self, config: AuthConfig) -> None:
        self._session = requests.Session()
        self._verify = config.verify
        self._timeout = config.http_timeout_seconds
        self._local = threading.local()

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self._send("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self._send("POST", url, **kwargs)

    def close(self) -> None:
        self._session.close()

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout)
        # Per request: requests lets REQUESTS_CA_BUNDLE override a Session-level verify.
        kwargs.setdefault("verify", self._verify)
        response = self._session.request(method, url, **kwargs)
        seen = getattr(self._local, "seen", None)
        if seen is not None:
            seen["status"] = response.status_code
            seen["retry_after"] = response.headers.get("Retry-After")
        return response

    def watch(self) -> _Watch:
        """A context in which the last answer's status and Retry-After are recorded."""
        return _Watch(self._local)


class _Watch:
    def __init__(self, local: threading.local) -> None:
        self._local = local

    def __enter__(self) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        self._local.seen = seen
        return seen

    def __exit__(self, *exc: object) -> None:
        self._local.seen = None


class _Pool:
    """MSAL apps (each with its own token cache) for one configuration, in bounded LRUs."""

    def __init__(self, config: AuthConfig) -> None:
        self.config = config
        self.transport = _Transport(config)
        # Shared by every app: OIDC discovery answers and MSAL's own throttling memory.
        self.http_cache: dict[str, Any] = {}
        self._user_apps: OrderedDict[tuple[str, str], msal.ConfidentialClientApplication] = OrderedDict()
        self._tenant_apps: OrderedDict[str, msal.ConfidentialClientApplication] = OrderedDict()
        self._blocked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def user_app(self, tenant_id: str, object_id: str) -> msal.ConfidentialClientApplication:
        """The app whose token cache holds only this user's tokens in this tenant."""
        return self._get(self._user_apps, (tenant_id, object_id), tenant_id, self.config.max_user_caches)

    def tenant_app(self, tenant_id: str) -> msal.ConfidentialClientApplication:
        """The app whose token cache holds only this tenant's app-only tokens."""
        return self._get(self._tenant_apps, tenant_id, tenant_id, self.config.max_tenant_caches)

    def cached_users(self) -> list[tuple[str, str]]:
        """The (tenant, user) keys of the per-user caches, oldest first."""
        with self._lock:
            return list(self._user_apps)

    def _get(
        self, lru: OrderedDict[Any, msal.ConfidentialClientApplication], key: Any, tenant_id: str, bound: int
    ) -> msal.ConfidentialClientApplication:
        with self._lock:
            app = lru.get(key)
            if app is not None:
                lru.move_to_end(key)
                return app
        # Built outside the lock: construction fetches the tenant's OIDC discovery document.
        app = self._new_app(tenant_id)
        with self._lock:
            app = lru.setdefault(key, app)
            lru.move_to_end(key)
            while len(lru) > bound:
                lru.popitem(last=False)
        return app

    def _new_app(self, tenant_id: str) -> msal.ConfidentialClientApplication:
        try:
            return msal.ConfidentialClientApplication(
                self.config.client_id,
                client_credential=self.config.client_credential(),
                authority=self.config.tenant_authority(tenant_id),
                # No instance discovery call to login.microsoftonline.com: OKR_AUTHORITY is
                # configuration we trust (sovereign clouds, the tests' local identity server).
                instance_discovery=False,
                token_cache=msal.TokenCache(),
                http_client=self.transport,
                http_cache=self.http_cache,
            )
        except (requests.RequestException, ValueError) as exc:
            log.warning("identity platform discovery failed for tenant %s", tenant_id)
            raise IdentityUnavailable(
                "The Microsoft identity platform could not be reached; try again shortly.",
                code="identity_unavailable",
            ) from exc

    def check_not_throttled(self, tenant_id: str) -> None:
        """Refuse at once while the identity platform's Retry-After for this tenant runs."""
        with self._lock:
            until = self._blocked_until.get(tenant_id, 0.0)
        remaining = until - time.monotonic()
        if remaining > 0:
            raise IdentityUnavailable(
                "The Microsoft identity platform asked us to slow down; try again shortly.",
                code="identity_throttled",
                retry_after=max(1, round(remaining)),
            )

    def token_from(self, result: dict[str, Any] | None, tenant_id: str, seen: dict[str, Any]) -> str:
        """The access token of an MSAL result, or the project's error for its failure."""
        if result and "access_token" in result:
            return str(result["access_token"])
        result = result or {}
        error, suberror = result.get("error"), result.get("suberror")
        log.warning(
            "token request failed for tenant %s: %s %s %s",
            tenant_id,
            error,
            suberror or "",
            result.get("error_codes") or "",
        )
        if seen.get("status") == 429 or error == "temporarily_unavailable":
            retry_after = _seconds(seen.get("retry_after"))
            with self._lock:
                self._blocked_until[tenant_id] = time.monotonic() + (retry_after or 5)
            raise IdentityUnavailable(
                "The Microsoft identity platform asked us to slow down; try again shortly.",
                code="identity_throttled",
                retry_after=retry_after,
            )
        raise _error_for(result)


def _error_for(result: dict[str, Any]) -> AuthError:
    """Map an OAuth error answer to the challenge the add-in can act on."""
    error, suberror = result.get("error"), result.get("suberror")
    claims = result.get("claims") or None
    details = {"error": error, "suberror": suberror or None}
    codes = result.get("error_codes") or []
    if "consent_required" in (error, suberror) or CONSENT_REQUIRED_CODE in codes:
        return AuthError(
            "OKR Cadence needs your consent to use Microsoft 365 on your behalf.",
            code="consent_required",
            claims=claims,
            **details,
        )
    if error == "interaction_required":
        if claims:
            return AuthError(
                "Your organisation requires you to sign in again (for example with MFA).",
                code="claims_challenge",
                claims=claims,
                **details,
            )
        return AuthError("Sign in again to continue.", code="interaction_required", **details)
    if error == "invalid_grant":
        return AuthError("Your sign-in is no longer valid; sign in again.", code="reauthentication_required", **details)
    if error in ("invalid_client", "unauthorized_client", "invalid_scope", "invalid_request"):
        return IdentityUnavailable(
            "The server's Microsoft 365 app registration was refused; tell your administrator.",
            code="auth_misconfigured",
            **details,
        )
    return IdentityUnavailable(
        "The Microsoft identity platform refused the token request.", code="identity_error", **details
    )


def _seconds(value: Any) -> int | None:
    """A Retry-After header in seconds (the identity platform sends integers)."""
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return None


@functools.lru_cache(maxsize=8)
def _pool(config: AuthConfig) -> _Pool:
    """The pool of one configuration (a process normally has exactly one)."""
    return _Pool(config)
