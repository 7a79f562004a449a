"""Onboarding a tenant by its administrator's consent, and offboarding it.

``GET /onboard`` explains what the organisation's admin is about to grant and links to
``/onboard/start``, which sends the admin to the identity platform's admin-consent endpoint
(``{authority}/{tenant}/v2.0/adminconsent`` with client_id, redirect_uri, scope ``.default``
and a state). The platform sends the admin back to ``/onboard/callback`` with
``admin_consent=True&tenant=...`` or ``error=access_denied``. The callback checks the state
against the cookie set at the start (the same browser began this), then checks the consent
itself: it asks for an app-only token in that tenant, which the platform issues only where
the app was consented to. Only then is the tenant recorded; its users can sign in from then
on, without a restart. ``DELETE /api/tenant`` lets an admin (app role ``OKR.Admin``) of a
tenant offboard it: sign-ins stop; the data stays (consenting again brings it back).
"""

from __future__ import annotations

import hmac
import html
import logging
import secrets
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, redirect, request
from werkzeug.wrappers import Response as WerkzeugResponse

from addin.api.context import current_actor, current_user, database, now
from addin.errors import OkrError
from addin.okr.authority import ADMIN_ROLE
from auth import AuthConfig, AuthError
from auth.config import is_guid
from auth.errors import Forbidden

log = logging.getLogger(__name__)

bp = Blueprint("onboard", __name__)

STATE_COOKIE = "okr_onboard_state"
GRAPH_DEFAULT_SCOPE = "https://graph.microsoft.com/.default"
_TENANT_HINT = __import__("re").compile(r"^[A-Za-z0-9.-]{1,253}$")


class OnboardingUnavailable(OkrError):
    status = 409


def _auth() -> AuthConfig:
    return current_app.config.get("OKR_AUTH") or AuthConfig.from_env()


def _callback_url() -> str:
    """Where the platform sends the admin back: OKR_PUBLIC_URL's origin (registered as a
    redirect URI), else this request's own origin."""
    public = (current_app.config.get("OKR_PUBLIC_URL") or "").strip()
    root = public.rstrip("/") if public else request.host_url.rstrip("/")
    return f"{root}/onboard/callback"


@bp.get("/onboard")
def page() -> Response:
    """The page an organisation's admin opens to set OKR Cadence up for the organisation."""
    enabled = _auth().enabled
    body = (
        "<p>An administrator of your Microsoft 365 organisation grants OKR Cadence the permissions it "
        "needs (sign-in, and writing the OKR meetings into the team leads' calendars). You will be asked "
        "to sign in with an administrator account and to accept.</p>"
        '<form action="/onboard/start" method="get"><label>Your organisation\'s domain or tenant id '
        '(optional): <input name="tenant" placeholder="contoso.onmicrosoft.com"></label> '
        "<button>Set up my organisation</button></form>"
        if enabled
        else "<p>This server runs without a Microsoft Entra app registration (the embedded default): there is "
        "nothing to set up.</p>"
    )
    return _page("Set up OKR Cadence for your organisation", body, 200)


@bp.get("/onboard/start")
def start() -> WerkzeugResponse:
    """Send the admin to the admin-consent endpoint, with a fresh state bound to this browser."""
    config = _auth()
    if not config.enabled:
        raise OnboardingUnavailable(
            "Onboarding needs an app registration (OKR_CLIENT_ID).", code="onboarding_unavailable"
        )
    hint = (request.args.get("tenant") or "").strip() or "organizations"
    if not _TENANT_HINT.match(hint) or hint.lower() == "common":
        raise OkrError(
            "'tenant' must be your organisation's domain or tenant id.", code="invalid_field", field="tenant"
        )
    state = secrets.token_urlsafe(32)
    query = urlencode(
        {"client_id": config.client_id, "redirect_uri": _callback_url(), "scope": GRAPH_DEFAULT_SCOPE, "state": state}
    )
    response = redirect(f"{config.authority}/{hint}/v2.0/adminconsent?{query}", code=302)
    response.set_cookie(
        STATE_COOKIE, state, max_age=900, httponly=True, secure=request.is_secure, samesite="Lax", path="/onboard"
    )
    return response


@bp.get("/onboard/callback")
def callback() -> Response:
    """The platform's answer: record the tenant once its consent is proven."""
    config = _auth()
    if not config.enabled:
        raise OnboardingUnavailable(
            "Onboarding needs an app registration (OKR_CLIENT_ID).", code="onboarding_unavailable"
        )
    expected = request.cookies.get(STATE_COOKIE, "")
    state = request.args.get("state", "")
    if not expected or not hmac.compare_digest(expected.encode(), state.encode()):
        return _done(
            _page(
                "This link has expired",
                '<p>Start again from <a href="/onboard">the set-up page</a> in the same browser.</p>',
                400,
            )
        )
    error = request.args.get("error")
    if error:
        log.info("admin consent not given: %s", error)
        reason = request.args.get("error_description") or error
        return _done(
            _page(
                "OKR Cadence was not set up",
                "<p>Your organisation's administrator did not grant the permissions "
                f"({html.escape(reason[:300])}). Nothing was changed. You can "
                '<a href="/onboard">try again</a>.</p>',
                403,
            )
        )
    tenant = (request.args.get("tenant") or "").lower()
    if request.args.get("admin_consent", "").lower() != "true" or not is_guid(tenant):
        return _done(
            _page(
                "OKR Cadence was not set up",
                "<p>The answer from Microsoft did not say which organisation consented. Nothing was changed.</p>",
                400,
            )
        )
    if not _consent_is_real(config, tenant):
        return _done(
            _page(
                "OKR Cadence was not set up",
                "<p>Microsoft does not confirm the consent of this organisation yet. Wait a minute and try again.</p>",
                403,
            )
        )
    from addin.okr.authority import Actor
    from addin.tenancy import onboard_tenant

    # the platform names the tenant, not the admin who consented: the audit says "admin consent"
    consent = Actor(object_id="admin-consent", name="admin consent", is_admin=True)
    onboard_tenant(database(), tenant, actor=consent, by="admin consent", now=now())
    log.info("tenant %s onboarded by admin consent", tenant)
    return _done(
        _page(
            "OKR Cadence is set up",
            "<p>Your organisation can now use OKR Cadence: open the add-in in Excel or Outlook and sign in.</p>",
            200,
        )
    )


@bp.delete("/api/tenant")
def offboard() -> tuple[Response, int]:
    """An admin (app role OKR.Admin) offboards their own organisation: its sign-ins stop."""
    user = current_user()
    if not current_actor().is_admin:  # the one rule of who is an admin: okr.authority
        raise Forbidden(
            f"Only an administrator with the {ADMIN_ROLE} app role can offboard the organisation.",
            code="admin_required",
        )
    from addin.tenancy import offboard_tenant

    offboard_tenant(database(), user.tenant_id, actor=current_actor(), now=now())
    log.info("tenant %s offboarded by %s", user.tenant_id, user.object_id)
    return jsonify({"tenant": user.tenant_id, "state": "offboarded"}), 200


def _consent_is_real(config: AuthConfig, tenant: str) -> bool:
    """An app-only token in ``tenant`` is issued only where the app was consented to."""
    import dataclasses

    from auth import app_token

    probe = dataclasses.replace(config, allowed_tenants=config.allowed_tenants | {tenant})
    try:
        app_token(probe, tenant, [GRAPH_DEFAULT_SCOPE])
    except AuthError as exc:
        log.warning("admin consent of tenant %s not confirmed: %s", tenant, exc.code)
        return False
    return True


def _done(response: Response) -> Response:
    response.delete_cookie(STATE_COOKIE, path="/onboard")
    return response


def _page(title: str, body: str, status: int) -> Response:
    text = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"</head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    response = Response(text, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; form-action 'self'"
    return response
