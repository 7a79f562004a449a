"""Identity: Office SSO token validation and MSAL (on-behalf-of, app-only). Imports nothing of addin."""

from auth.config import AuthConfig
from auth.errors import AuthError, Forbidden, IdentityUnavailable
from auth.msal_tokens import app_token, obo_token
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
