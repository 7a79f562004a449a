"""A local stand-in for the Microsoft identity platform, served over HTTPS on 127.0.0.1.

Over 500 lines: one server imitating the identity platform: discovery, keys, tokens and admin consent share its signing state.

It implements what OKR Cadence uses: the v2 OpenID discovery document per tenant, a JWKS
endpoint whose RSA keys can be rotated, and /oauth2/v2.0/token with the client_credentials,
on-behalf-of (jwt-bearer) and refresh_token grants. ``/{tenant}/v2.0/adminconsent`` answers as
the admin-consent endpoint does once the admin decided (``admin_decision``): a redirect to the
registered redirect URI with ``admin_consent=True&tenant=...&scope=...&state=...``, or with
``error=access_denied&error_description=...&state=...``; an unknown client or a redirect URI
not registered gets an error page, never a redirect. With ``require_admin_consent`` on, an
app-only token is issued only in tenants whose admin consented (AADSTS7000229 otherwise). Error modes are switched on per user or
tenant: consent required, an MFA claims challenge, a revoked grant, and 429 with Retry-After.

The TLS certificate (and its CA) are generated at start-up, so MSAL, which only accepts
https authorities, talks to it over real HTTPS with ``verify=<ca file>``.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import secrets
import ssl
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
GRANT_JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
RESERVED_SCOPES = {"openid", "profile", "offline_access"}
GRAPH_AUDIENCE = "https://graph.microsoft.com"


@dataclass
class SigningKey:
    """One RSA key of the key set; ``kid`` is what tokens name in their header."""

    kid: str
    private_key: rsa.RSAPrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(
            kid=secrets.token_urlsafe(12), private_key=rsa.generate_private_key(public_exponent=65537, key_size=2048)
        )

    def public_jwk(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {**jwk, "kid": self.kid, "use": "sig", "kty": "RSA"}

    def private_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


@dataclass
class RecordedRequest:
    """What the server saw: method, path and form (the tests count and inspect these)."""

    method: str
    path: str
    form: dict[str, str]
    status: int = 0


@dataclass
class _Modes:
    consent: set[str] = field(default_factory=set)  # object ids needing consent
    mfa: dict[str, str] = field(default_factory=dict)  # object id -> claims challenge
    revoked: set[str] = field(default_factory=set)  # object ids whose grants are revoked
    throttled: dict[str, tuple[int, int]] = field(default_factory=dict)  # tenant -> (retry_after, count)
    # admin consent: what the admin of "organizations" is (tenant) and decides (grant / deny)
    admin_tenant: str | None = None
    admin_decision: str = "grant"
    require_admin_consent: bool = False


def write_tls_files(folder: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate for 127.0.0.1/localhost: (ca.pem, cert.pem, key.pem)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "okr-cadence test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return ca_path, cert_path, key_path


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr (tests inspect ``IdentityServer.requests``); keep-alive like the real one."""

    protocol_version = "HTTP/1.1"

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class IdentityServer:
    """The identity platform double; ``start()`` it, point ``OKR_AUTHORITY`` at ``base_url``."""

    def __init__(self, tls_folder: Path) -> None:
        self.ca_path, cert_path, key_path = write_tls_files(tls_folder)
        self._ssl = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._ssl.load_cert_chain(cert_path, key_path)
        self.keys: list[SigningKey] = [SigningKey.generate()]
        self.clients: dict[str, str] = {}
        self.redirect_uris: dict[str, set[str]] = {}  # client id -> registered redirect URIs
        self.consented: set[tuple[str, str]] = set()  # (tenant, client id) with admin consent
        self.certificates: dict[str, list[Any]] = {}  # client id -> x509 certificates (credentials)
        self.requests: list[RecordedRequest] = []
        self.access_token_lifetime = 3600
        self.modes = _Modes()
        self._refresh_tokens: dict[str, tuple[str, str, str]] = {}  # rt -> (tenant, oid, client)
        self._lock = threading.Lock()
        self._server = make_server(
            "127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_QuietHandler, ssl_context=self._ssl
        )
        self.base_url = f"https://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="identity-server", daemon=True
        )

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> IdentityServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def reset(self) -> None:
        """Forget recorded requests and error modes (keys and clients stay)."""
        with self._lock:
            self.requests.clear()
            self.modes = _Modes()
            self.access_token_lifetime = 3600

    # -- set-up helpers for tests ----------------------------------------------------------------
    def register_certificate_client(self, folder: Path) -> tuple[str, Path]:
        """A new app registration with a certificate credential: (client id, PEM with key + cert)."""
        client_id = str(uuid.uuid4())
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"okr-{client_id[:8]}")])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .sign(key, hashes.SHA256())
        )
        self.certificates[client_id] = [cert]
        path = folder / f"{client_id}.pem"
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            + cert.public_bytes(serialization.Encoding.PEM)
        )
        return client_id, path

    def register_client(self, redirect_uris: Iterable[str] = ()) -> tuple[str, str]:
        """A new app registration: (client id, client secret)."""
        client_id, secret = str(uuid.uuid4()), secrets.token_urlsafe(24)
        self.clients[client_id] = secret
        self.redirect_uris[client_id] = set(redirect_uris)
        return client_id, secret

    def admin_consent(self, *, tenant: str | None = None, decision: str = "grant", strict: bool = True) -> None:
        """How the next admin-consent visits end: ``tenant`` is the admin's directory (for
        /organizations/), ``decision`` "grant" or "deny"; ``strict``: app-only tokens only after
        consent."""
        self.modes.admin_tenant, self.modes.admin_decision = tenant, decision
        self.modes.require_admin_consent = strict

    def rotate_key(self, *, retire_old: bool = False) -> SigningKey:
        """Publish a new signing key and sign with it from now on."""
        key = SigningKey.generate()
        with self._lock:
            self.keys = ([] if retire_old else self.keys) + [key]
        return key

    @property
    def signing_key(self) -> SigningKey:
        return self.keys[-1]

    def issuer(self, tenant: str) -> str:
        return f"{self.base_url}/{tenant}/v2.0"

    def sign(
        self, claims: dict[str, Any], *, key: SigningKey | None = None, headers: dict[str, Any] | None = None
    ) -> str:
        """An RS256 JWT over ``claims`` with one of the key set's keys (or any other key given)."""
        key = key or self.signing_key
        return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid, **(headers or {})})

    def user_claims(self, tenant: str, oid: str, audience: str, **overrides: Any) -> dict[str, Any]:
        """The claims of a v2 delegated access token (an Office SSO token) for our API."""
        now = int(time.time())
        claims = {
            "aud": audience,
            "iss": self.issuer(tenant),
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "tid": tenant,
            "oid": oid,
            "sub": secrets.token_urlsafe(16),
            "name": "Ada Lovelace",
            "preferred_username": "ada@example.test",
            "scp": "access_as_user",
            "ver": "2.0",
            "azp": "office-client",
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def user_token(self, tenant: str, oid: str, audience: str, **overrides: Any) -> str:
        """A signed Office SSO access token; ``overrides`` set (or, with None, drop) claims."""
        return self.sign(self.user_claims(tenant, oid, audience, **overrides))

    def require_consent(self, oid: str) -> None:
        self.modes.consent.add(oid)

    def require_mfa(self, oid: str, claims: str) -> None:
        self.modes.mfa[oid] = claims

    def revoke(self, oid: str) -> None:
        self.modes.revoked.add(oid)

    def throttle(self, tenant: str, *, retry_after: int, count: int = 1) -> None:
        self.modes.throttled[tenant] = (retry_after, count)

    def token_requests(self, grant_type: str | None = None) -> list[RecordedRequest]:
        """Requests the token endpoint received (optionally of one grant type)."""
        with self._lock:
            return [
                r
                for r in self.requests
                if r.path.endswith("/oauth2/v2.0/token")
                and (grant_type is None or r.form.get("grant_type") == grant_type)
            ]

    def jwks_requests(self) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.path.endswith("/discovery/v2.0/keys"))

    # -- HTTP ----------------------------------------------------------------------------------
    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        record = RecordedRequest(request.method, request.path, dict(request.form))
        with self._lock:
            self.requests.append(record)
        response = self._route(request)
        record.status = response.status_code
        return response(environ, start_response)

    def _route(self, request: Request) -> Response:
        parts = request.path.strip("/").split("/")
        if request.method == "GET" and parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            return self._discovery(parts[0])
        if request.method == "GET" and parts[1:] == ["discovery", "v2.0", "keys"]:
            with self._lock:
                keys = [k.public_jwk() for k in self.keys]
            return _json({"keys": keys})
        if request.method == "POST" and parts[1:] == ["oauth2", "v2.0", "token"]:
            return self._token(parts[0], request)
        if request.method == "GET" and parts[1:] == ["v2.0", "adminconsent"]:
            return self._admin_consent(parts[0], request)
        return _json({"error": "not_found"}, 404)

    def _discovery(self, tenant: str) -> Response:
        base = f"{self.base_url}/{tenant}"
        return _json(
            {
                "issuer": self.issuer(tenant),
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "jwks_uri": f"{base}/discovery/v2.0/keys",
                "response_types_supported": ["code", "id_token", "token id_token"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "client_secret_basic",
                    "private_key_jwt",
                ],
                "tenant_region_scope": "EU",
            }
        )

    def _token(self, tenant: str, request: Request) -> Response:
        client_id = self._authenticate_client(request)
        if client_id is None:
            return _oauth_error("invalid_client", "AADSTS7000215: Invalid client secret provided.", 401, [7000215])
        throttled = self.modes.throttled.get(tenant)
        if throttled and throttled[1] > 0:
            self.modes.throttled[tenant] = (throttled[0], throttled[1] - 1)
            response = _oauth_error("temporarily_unavailable", "AADSTS50196: too many requests.", 429, [50196])
            response.headers["Retry-After"] = str(throttled[0])
            return response
        grant = request.form.get("grant_type")
        if grant == "client_credentials":
            return self._client_credentials(tenant, client_id, request.form.get("scope", ""))
        if grant == GRANT_JWT_BEARER:
            return self._on_behalf_of(tenant, client_id, request)
        if grant == "refresh_token":
            return self._refresh(tenant, client_id, request)
        return _oauth_error("unsupported_grant_type", f"AADSTS70003: grant {grant!r} not supported.", 400, [70003])

    def _authenticate_client(self, request: Request) -> str | None:
        auth = request.authorization
        if auth is not None and auth.type == "basic":
            client_id, secret = auth.username, auth.password
        else:
            client_id, secret = request.form.get("client_id"), request.form.get("client_secret")
        if client_id and secret and self.clients.get(client_id) == secret:
            return client_id
        if request.form.get("client_assertion_type") == CLIENT_ASSERTION_TYPE:
            return self._certificate_client(request)
        return None

    def _certificate_client(self, request: Request) -> str | None:
        """A client assertion (RFC 7523) signed with a registered certificate, as Entra checks it:
        the certificate named by x5t#S256 (PS256) or x5t (RS256), aud the token endpoint,
        iss = sub = client id, not expired."""
        assertion = request.form.get("client_assertion", "")
        try:
            header = jwt.get_unverified_header(assertion)
            claimed = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            return None
        client_id = claimed.get("iss")
        for cert in self.certificates.get(client_id, []):
            s256 = base64.urlsafe_b64encode(cert.fingerprint(hashes.SHA256())).rstrip(b"=").decode()
            s1 = base64.urlsafe_b64encode(cert.fingerprint(hashes.SHA1())).rstrip(b"=").decode()
            # base64url, with or without padding (MSAL pads it)
            if str(header.get("x5t#S256", "")).rstrip("=") != s256 and str(header.get("x5t", "")).rstrip("=") != s1:
                continue
            try:
                claims = jwt.decode(
                    assertion,
                    cert.public_key(),
                    algorithms=["PS256", "RS256"],
                    audience=request.base_url,
                    options={"require": ["exp", "aud", "iss", "sub"]},
                )
            except jwt.PyJWTError:
                return None
            return client_id if claims.get("sub") == client_id else None
        return None

    def _admin_consent(self, tenant: str, request: Request) -> Response:
        """The admin signed in and decided; the answer goes to the app's redirect URI."""
        args = request.args
        client_id, redirect_uri = args.get("client_id", ""), args.get("redirect_uri", "")
        if client_id not in self.clients:
            return _error_page(
                f"AADSTS700016: Application with identifier '{client_id}' was not found in the directory."
            )
        if not redirect_uri or redirect_uri not in self.redirect_uris.get(client_id, set()):
            return _error_page(
                "AADSTS50011: The redirect URI specified in the request does not match the "
                "redirect URIs configured for the application."
            )
        if not args.get("scope"):
            return _error_page("AADSTS900144: The request body must contain the following parameter: 'scope'.")
        state = args.get("state")
        if self.modes.admin_decision != "grant":
            return _redirect(
                redirect_uri,
                {
                    "error": "access_denied",
                    "error_description": "AADSTS65004: User declined to consent to access the app.",
                    "state": state,
                },
            )
        directory = self.modes.admin_tenant if tenant in ("organizations", "common") else tenant
        if not directory:
            return _error_page("AADSTS50020: the signed-in admin has no tenant.")
        with self._lock:
            self.consented.add((directory, client_id))
        return _redirect(
            redirect_uri, {"admin_consent": "True", "tenant": directory, "scope": args.get("scope"), "state": state}
        )

    def _client_credentials(self, tenant: str, client_id: str, scope: str) -> Response:
        if self.modes.require_admin_consent and (tenant, client_id) not in self.consented:
            return _oauth_error(
                "invalid_client",
                "AADSTS7000229: The client application is missing service principal in the tenant.",
                400,
                [7000229],
            )
        scopes = scope.split()
        if len(scopes) != 1 or not scopes[0].endswith("/.default"):
            return _oauth_error("invalid_scope", "AADSTS1002012: scope must be <resource>/.default.", 400, [1002012])
        now = int(time.time())
        token = self.sign(
            {
                "aud": scopes[0].removesuffix("/.default"),
                "iss": self.issuer(tenant),
                "iat": now,
                "nbf": now,
                "exp": now + self.access_token_lifetime,
                "tid": tenant,
                "oid": client_id,
                "azp": client_id,
                "roles": ["Calendars.ReadWrite"],
                "idtyp": "app",
                "ver": "2.0",
                "uti": secrets.token_urlsafe(16),
            }
        )
        return _json(
            {
                "token_type": "Bearer",
                "expires_in": self.access_token_lifetime,
                "ext_expires_in": self.access_token_lifetime,
                "access_token": token,
            }
        )

    def _on_behalf_of(self, tenant: str, client_id: str, request: Request) -> Response:
        if request.form.get("requested_token_use") != "on_behalf_of":
            return _oauth_error("invalid_request", "AADSTS900144: requested_token_use missing.", 400, [900144])
        try:
            claims = self._verify_assertion(request.form.get("assertion", ""), client_id)
        except jwt.PyJWTError as exc:
            return _oauth_error(
                "invalid_grant", f"AADSTS50013: Assertion failed signature validation. {exc}", 400, [50013]
            )
        if claims.get("tid") != tenant:
            return _oauth_error("invalid_grant", "AADSTS50013: assertion tenant mismatch.", 400, [50013])
        oid = claims["oid"]
        refusal = self._user_refusal(oid)
        if refusal is not None:
            return refusal
        # The challenge is met once the user signed in again with MFA (the new SSO token says so).
        if oid in self.modes.mfa and "mfa" not in claims.get("amr", []):
            return _oauth_error(
                "interaction_required",
                "AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication.",
                400,
                [50076],
                suberror="basic_action",
                claims=self.modes.mfa[oid],
            )
        return self._user_tokens(tenant, oid, client_id, request.form.get("scope", ""))

    def _refresh(self, tenant: str, client_id: str, request: Request) -> Response:
        with self._lock:
            grant = self._refresh_tokens.get(request.form.get("refresh_token", ""))
        if grant is None or grant[0] != tenant or grant[2] != client_id:
            return _oauth_error(
                "invalid_grant", "AADSTS9002313: Invalid request. Malformed or invalid refresh token.", 400, [9002313]
            )
        refusal = self._user_refusal(grant[1])
        if refusal is not None:
            return refusal
        return self._user_tokens(tenant, grant[1], client_id, request.form.get("scope", ""))

    def _user_refusal(self, oid: str) -> Response | None:
        if oid in self.modes.revoked:
            return _oauth_error(
                "invalid_grant",
                "AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed.",
                400,
                [50173],
                suberror="bad_token",
            )
        if oid in self.modes.consent:
            return _oauth_error(
                "invalid_grant",
                "AADSTS65001: The user or administrator has not consented to use the application.",
                400,
                [65001],
                suberror="consent_required",
            )
        return None

    def _verify_assertion(self, assertion: str, client_id: str) -> dict[str, Any]:
        header = jwt.get_unverified_header(assertion)
        with self._lock:
            key = next((k for k in self.keys if k.kid == header.get("kid")), None)
        if key is None:
            raise jwt.InvalidSignatureError("unknown kid")
        return jwt.decode(
            assertion,
            key.private_key.public_key(),
            algorithms=["RS256"],
            audience=[client_id],
            options={"require": ["exp", "tid", "oid"], "verify_iss": False},
        )

    def _user_tokens(self, tenant: str, oid: str, client_id: str, scope: str) -> Response:
        scopes = [s for s in scope.split() if s not in RESERVED_SCOPES]
        now = int(time.time())
        access = self.sign(
            {
                "aud": GRAPH_AUDIENCE,
                "iss": self.issuer(tenant),
                "iat": now,
                "nbf": now,
                "exp": now + self.access_token_lifetime,
                "tid": tenant,
                "oid": oid,
                "azp": client_id,
                "scp": " ".join(s.rsplit("/", 1)[-1] for s in scopes),
                "ver": "2.0",
                "uti": secrets.token_urlsafe(16),
            }
        )
        refresh = secrets.token_urlsafe(32)
        with self._lock:
            self._refresh_tokens[refresh] = (tenant, oid, client_id)
        client_info = base64.urlsafe_b64encode(json.dumps({"uid": oid, "utid": tenant}).encode()).decode().rstrip("=")
        return _json(
            {
                "token_type": "Bearer",
                "scope": " ".join(scopes),
                "expires_in": self.access_token_lifetime,
                "ext_expires_in": self.access_token_lifetime,
                "access_token": access,
                "refresh_token": refresh,
                "client_info": client_info,
            }
        )


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _redirect(uri: str, params: dict[str, str | None]) -> Response:
    from urllib.parse import urlencode

    query = urlencode({k: v for k, v in params.items() if v is not None})
    return Response("", status=302, headers={"Location": f"{uri}{'&' if '?' in uri else '?'}{query}"})


def _error_page(message: str) -> Response:
    """The identity platform shows an error page (it never redirects to an unverified URI)."""
    import html

    return Response(
        f"<html><body><h1>Sorry, but we're having trouble signing you in.</h1><p>{html.escape(message)}</p>"
        "</body></html>",
        status=400,
        mimetype="text/html",
    )


def _oauth_error(error: str, description: str, status: int, codes: Iterable[int], **extra: Any) -> Response:
    body = {
        "error": error,
        "error_description": description,
        "error_codes": list(codes),
        "timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ"),
        "trace_id": str(uuid.uuid4()),
        "correlation_id": str(uuid.uuid4()),
        **extra,
    }
    return _json(body, status)
