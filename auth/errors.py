"""The identity layer's exceptions; the edges turn them into 401/403/503 JSON answers.

    AuthError                  the caller is not (or no longer) authenticated (401)
    ├── Forbidden              authenticated, but not allowed here (403)
    └── IdentityUnavailable    the identity platform throttled or failed for now (503)

Each carries a stable snake_case ``code`` the task panes switch on, a message, and
``details``. A consent or MFA challenge carries ``claims`` (the claims-challenge JSON the
add-in passes to ``OfficeRuntime.auth.getAccessToken({authChallenge: ...})``).
Shaped like ``addin.errors.OkrError`` (``status``, ``code``, ``message``, ``details``,
``as_dict()``) so the edge can render both the same way; auth/ imports nothing of addin.
"""

from __future__ import annotations

from typing import Any


class AuthError(Exception):
    """Raised when a token is missing, malformed, expired, or rejected by the identity platform."""

    status = 401
    code = "invalid_token"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        claims: str | None = None,
        **details: Any,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.claims = claims
        self.details = {k: v for k, v in details.items() if v is not None}
        if claims is not None:
            self.details["claims"] = claims

    def as_dict(self) -> dict[str, Any]:
        """The body of the JSON error answer: ``{"code", "message", "details"}``."""
        return {"code": self.code, "message": self.message, "details": self.details}

    @property
    def www_authenticate(self) -> str:
        """A ``WWW-Authenticate`` header value (RFC 6750) naming the error code."""
        value = f'Bearer error="{self.code}"'
        if self.claims is not None:
            # The claims JSON is base64-free here; quotes are escaped per RFC 7235 quoted-string.
            escaped = self.claims.replace("\\", "\\\\").replace('"', '\\"')
            value += f', claims="{escaped}"'
        return value


class Forbidden(AuthError):
    """Raised when a valid token lacks the scope or tenant onboarding an endpoint needs."""

    status = 403
    code = "insufficient_scope"


class IdentityUnavailable(AuthError):
    """Raised when the identity platform throttles (429) or fails (5xx); ``retry_after`` in seconds."""

    status = 503
    code = "identity_unavailable"

    def __init__(self, message: str, *, retry_after: int | None = None, **kwargs: Any) -> None:
        super().__init__(message, retry_after=retry_after, **kwargs)
        self.retry_after = retry_after

    @property
    def www_authenticate(self) -> str:
        """Empty: an outage is not an authentication challenge (send Retry-After instead)."""
        return ""
