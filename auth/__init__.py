"""Identity: Office SSO token validation and MSAL (on-behalf-of, app-only). Imports nothing of addin.

``obo_token`` and ``app_token`` load MSAL on first use, so processes that only validate tokens
(or run on the embedded default) never import it.
"""

from __future__ import annotations

from typing import Any

from auth.config import AuthConfig
from auth.errors import AuthError, Forbidden, IdentityUnavailable
from auth.tokens import User, authenticate, local_user, validate_access_token

__all__ = [
    "AuthConfig",
    "AuthError",
    "Forbidden",
    "IdentityUnavailable",
    "User",
    "app_token",
    "authenticate",
    "local_user",
    "obo_token",
    "validate_access_token",
]


def __getattr__(name: str) -> Any:
    if name in ("obo_token", "app_token"):
        from auth import msal_tokens

        return getattr(msal_tokens, name)
    raise AttributeError(f"module 'auth' has no attribute {name!r}")
