"""Per-request accessors: the database, the clock and the signed-in user's tenant."""

from __future__ import annotations

import datetime as dt

from flask import current_app, g, request

from addin.config import LOCAL_TENANT
from addin.store.db import Database
from auth import AuthConfig, User, validate_access_token
from auth.errors import AuthError


def database() -> Database:
    return current_app.extensions["okr_db"]


def now() -> dt.datetime:
    return current_app.config["OKR_CLOCK"]()


def current_user() -> User:
    """The caller, from the Office SSO bearer token; the local user without an Azure app."""
    if "okr_user" not in g:
        config = current_app.config.get("OKR_AUTH") or AuthConfig.from_env()
        g.okr_user = _authenticate(config)
    return g.okr_user


def tenant() -> str:
    return current_user().tenant_id


def _authenticate(config: AuthConfig) -> User:
    if not config.enabled:
        return User(tenant_id=LOCAL_TENANT, object_id="local", name="Local user", email=None,
                    scopes=frozenset({"access_as_user"}))
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("Sign in first: the request carries no bearer token.", code="missing_token")
    return validate_access_token(token.strip(), config)
