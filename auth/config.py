"""Identity configuration, read from the environment (OKR_CLIENT_ID, OKR_AUTHORITY, ...)."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeGuard

DEFAULT_AUTHORITY = "https://login.microsoftonline.com"
LOCAL_TENANT = "local"
SSO_SCOPE = "access_as_user"


def is_guid(value: object) -> TypeGuard[str]:
    """True when ``value`` is a GUID in the canonical 8-4-4-4-12 form (as Entra tenant/object ids are)."""
    if not isinstance(value, str) or len(value) != 36:
        return False
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def _split_tenants(raw: str) -> frozenset[str]:
    """Parse OKR_ALLOWED_TENANTS: comma/space separated tenant GUIDs, lower-cased."""
    tenants = frozenset(part.strip().lower() for part in re.split(r"[,\s]+", raw) if part.strip())
    bad = sorted(t for t in tenants if not is_guid(t))
    if bad:
        raise ValueError(f"OKR_ALLOWED_TENANTS holds values that are not tenant GUIDs: {', '.join(bad)}")
    return tenants


# Variables that only make sense with sign-in on: any of them set means the operator wants sign-in.
SIGN_IN_VARS = ("OKR_CLIENT_SECRET", "OKR_CLIENT_CERT_PATH", "OKR_ALLOWED_TENANTS", "OKR_API_AUDIENCE", "OKR_JWKS_URL")
AUTH_MODES = ("local", "entra")


def auth_mode(env: Mapping[str, str]) -> str:
    """``entra`` (sign-in) or ``local`` (the embedded default's one user), fail-closed.

    OKR_AUTH_MODE says it explicitly; unset, sign-in is on when OKR_CLIENT_ID or any other
    sign-in variable is set. A misspelt or blank client id therefore never turns sign-in off.
    """
    raw = (env.get("OKR_AUTH_MODE") or "").strip().lower()
    if raw and raw not in AUTH_MODES:
        raise ValueError(f"OKR_AUTH_MODE must be local or entra, got {raw!r}")
    wants_sign_in = bool((env.get("OKR_CLIENT_ID") or "").strip()) or any(
        (env.get(name) or "").strip() for name in SIGN_IN_VARS
    )
    if raw == "local" and wants_sign_in:
        raise ValueError(
            "OKR_AUTH_MODE is local but sign-in variables (OKR_CLIENT_ID, OKR_ALLOWED_TENANTS, "
            "...) are set; remove them or set OKR_AUTH_MODE=entra"
        )
    return raw or ("entra" if wants_sign_in else "local")


def _client_id(env: Mapping[str, str]) -> str | None:
    """OKR_CLIENT_ID in sign-in mode (a GUID, or refuse to start); None on the embedded default."""
    if auth_mode(env) == "local":
        return None
    client_id = (env.get("OKR_CLIENT_ID") or "").strip()
    if not is_guid(client_id.lower()):
        shown = repr(client_id) if client_id else "blank"
        raise ValueError(
            f"Sign-in is configured but OKR_CLIENT_ID is {shown}: set it to the app "
            "registration's Application (client) ID, a GUID"
        )
    return client_id


def _cert_path(env: Mapping[str, str]) -> str | None:
    """OKR_CLIENT_CERT_PATH, checked at start-up: a readable PEM holding a private key and a certificate."""
    path = (env.get("OKR_CLIENT_CERT_PATH") or "").strip()
    if not path:
        return None
    try:
        pem = Path(path).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"OKR_CLIENT_CERT_PATH {path!r} cannot be read: {exc}") from exc
    if "PRIVATE KEY-----" not in pem or not _certificate_part(pem):
        raise ValueError(f"OKR_CLIENT_CERT_PATH {path!r} must hold the private key and the certificate (PEM)")
    return path


def _certificate_part(pem: str) -> str:
    start, end = pem.find("-----BEGIN CERTIFICATE-----"), pem.find("-----END CERTIFICATE-----")
    return pem[start : end + len("-----END CERTIFICATE-----")] if 0 <= start < end else ""


@dataclass(frozen=True)
class AuthConfig:
    """How the backend checks Office SSO tokens and obtains Graph tokens with MSAL."""

    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    # A PEM file with the app's private key and its certificate (preferred to a secret).
    client_cert_path: str | None = None
    authority: str = DEFAULT_AUTHORITY
    allowed_tenants: frozenset[str] = frozenset()
    api_audience: str | None = None
    jwks_url: str | None = None
    # A PEM CA bundle for a private identity endpoint (tests' local server); None = system CAs.
    ca_bundle: str | None = None
    required_scope: str = SSO_SCOPE
    leeway_seconds: int = 60
    # Minimum seconds between JWKS re-fetches forced by an unknown ``kid`` (rate limit).
    jwks_cooldown_seconds: float = 30.0
    http_timeout_seconds: float = 10.0
    # Bounds on the per-user (OBO) and per-tenant (app-only) MSAL token caches held in memory.
    max_user_caches: int = 1024
    max_tenant_caches: int = 256

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> AuthConfig:
        """Build the configuration from OKR_* environment variables (see ``auth_mode``)."""
        allowed = _split_tenants(env.get("OKR_ALLOWED_TENANTS", ""))
        client_id = _client_id(env)
        authority = (env.get("OKR_AUTHORITY") or DEFAULT_AUTHORITY).strip().rstrip("/")
        if not authority.startswith("https://"):
            # MSAL refuses non-https authorities; fail at start-up, not on the first request.
            raise ValueError(f"OKR_AUTHORITY must be an https URL, got {authority!r}")
        return cls(
            client_id=client_id,
            client_secret=(env.get("OKR_CLIENT_SECRET") or "").strip() or None,
            client_cert_path=_cert_path(env),
            authority=authority,
            allowed_tenants=allowed,
            api_audience=(env.get("OKR_API_AUDIENCE") or "").strip() or None,
            jwks_url=(env.get("OKR_JWKS_URL") or "").strip() or None,
            ca_bundle=(env.get("OKR_CA_BUNDLE") or "").strip() or None,
        )

    @property
    def has_credential(self) -> bool:
        """Whether MSAL can act as the app (a certificate or a secret)."""
        return bool(self.client_cert_path or self.client_secret)

    def client_credential(self) -> str | dict[str, str]:
        """MSAL's client_credential: the certificate (key + certificate PEM) when set, else the secret."""
        if self.client_cert_path:
            pem = Path(self.client_cert_path).read_text(encoding="ascii")
            return {"private_key": pem, "public_certificate": _certificate_part(pem)}
        return self.client_secret or ""

    @property
    def enabled(self) -> bool:
        """False on the embedded default (no app registration): one local tenant and user."""
        return self.client_id is not None

    @property
    def audiences(self) -> list[str]:
        """The ``aud`` values accepted: the client id (v2 tokens) and OKR_API_AUDIENCE (api://host/id) if set."""
        values = [a for a in (self.client_id, self.api_audience) if a]
        return values

    @property
    def jwks_uri(self) -> str:
        """Where the signing keys live: OKR_JWKS_URL, else the authority's common v2 key set."""
        return self.jwks_url or f"{self.authority.rstrip('/')}/common/discovery/v2.0/keys"

    def issuer_for(self, tenant_id: str) -> str:
        """The v2 issuer a token from ``tenant_id`` must carry."""
        return f"{self.authority.rstrip('/')}/{tenant_id}/v2.0"

    def tenant_authority(self, tenant_id: str) -> str:
        """The MSAL authority URL of one tenant."""
        return f"{self.authority.rstrip('/')}/{tenant_id}"

    @property
    def verify(self) -> str | bool:
        """The ``verify`` value for HTTP clients: the CA bundle path, else system CAs."""
        return self.ca_bundle or True
