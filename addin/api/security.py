"""Response headers every answer carries, and the Host/Origin checks of a server without sign-in.

Why each header (README "Security headers"):

- ``X-Content-Type-Options: nosniff`` on every answer: a browser never guesses a script or a
  page out of a JSON, .ics or .docx answer whose text a user wrote.
- ``Cache-Control: no-store`` on /api/ answers (the tenant's OKRs, the .ics calendars and the
  .docx retro packs): nothing private stays in a shared or browser cache after sign-out.
- ``Cache-Control: private, max-age=300`` on calendar feeds (/feeds/): a calendar app may keep
  its copy a few minutes, no shared cache keeps it; their error answers are ``no-store``.
- ``Content-Security-Policy`` on the task panes: scripts only from this server and Office.js's
  CDN, so injected markup cannot run script; ``frame-ancestors`` names the Office hosts that
  frame the panes (Office on the web, Outlook on the web, the new Outlook). ``X-Frame-Options``
  is never sent: ``DENY``/``SAMEORIGIN`` would stop Office on the web from showing the panes.

Without sign-in (the embedded default) anyone who can reach the port acts as the local admin,
so the app only answers requests addressed to a trusted host (``OKR_TRUSTED_HOSTS``, default
the loopback names) and refuses writes whose ``Origin`` is another site (a web page the user
visits cannot drive the local API with the browser as its messenger).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request

from addin.errors import OkrError

OFFICE_SCRIPT_CDN = "https://appsforoffice.microsoft.com"
# The hosts that frame add-in task panes: Office on the web (Excel, Outlook), its new
# *.cloud.microsoft domains, SharePoint/OneDrive-hosted workbooks, and consumer OneDrive.
OFFICE_FRAME_ANCESTORS = (
    "https://*.officeapps.live.com",
    "https://*.office.com",
    "https://*.office365.com",
    "https://*.cloud.microsoft",
    "https://*.outlook.com",
    "https://*.sharepoint.com",
    "https://onedrive.live.com",
)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class UntrustedRequest(OkrError):
    status = 400
    code = "untrusted_host"


def task_pane_policy(extra_ancestors: tuple[str, ...] = ()) -> str:
    """The Content-Security-Policy of the task panes' pages and files."""
    ancestors = " ".join(("'self'", *OFFICE_FRAME_ANCESTORS, *extra_ancestors))
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' {OFFICE_SCRIPT_CDN}",
            # Office.js adds style attributes to the pane; no script can come from a style.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            f"connect-src 'self' {OFFICE_SCRIPT_CDN}",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            f"frame-ancestors {ancestors}",
        )
    )


def init_security(app: Flask, *, sign_in: bool) -> None:
    """Add the security headers to every answer; without sign-in, check Host and Origin."""
    extra = tuple(_split(app.config.get("OKR_FRAME_ANCESTORS") or ""))
    policy = task_pane_policy(extra)

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers["X-Content-Type-Options"] = "nosniff"
        if request.path.startswith("/api/"):
            response.headers["Cache-Control"] = "no-store"
        elif request.path.startswith("/addin/"):
            response.headers["Content-Security-Policy"] = policy
        elif request.path.startswith("/feeds/"):
            # a feed sets its own (private, short); its errors are never kept anywhere
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    if not sign_in:
        hosts = _split(app.config.get("OKR_TRUSTED_HOSTS") or "")
        app.config["OKR_TRUSTED_HOSTS_SET"] = frozenset(h.lower() for h in (*LOOPBACK_HOSTS, *hosts))
        app.before_request(_check_local_request)


def _check_local_request() -> None:
    """Host must be trusted; a write's Origin (when a browser sends one) must be this host."""
    trusted: frozenset[str] = current_app.config["OKR_TRUSTED_HOSTS_SET"]
    host = _hostname(request.host)
    if host not in trusted:
        raise UntrustedRequest(
            f"This server answers only requests addressed to {', '.join(sorted(trusted))}; "
            "add the name to OKR_TRUSTED_HOSTS or turn sign-in on.",
            host=host,
        )
    origin = request.headers.get("Origin")
    if request.method in WRITE_METHODS and origin is not None:
        parts = urlsplit(origin)
        if origin == "null" or (parts.hostname or "").lower() not in trusted:
            raise UntrustedRequest(
                "Writes are accepted only from this server's own pages.", code="untrusted_origin", origin=origin
            )


def _hostname(host: str) -> str:
    """The name of a Host header without its port ("[::1]:5000" -> "::1")."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _split(raw: str) -> list[str]:
    return [part for part in raw.replace(",", " ").split() if part]
