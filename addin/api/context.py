"""Per-request accessors: the database, the clock and the signed-in user's tenant."""

from __future__ import annotations

import datetime as dt

from flask import current_app, g, request

from addin.okr.authority import Actor, actor_from
from addin.store.db import Database
from auth import AuthConfig, User, authenticate


def database() -> Database:
    return current_app.extensions["okr_db"]


def now() -> dt.datetime:
    return current_app.config["OKR_CLOCK"]()


def current_user() -> User:
    """The caller, from the Office SSO bearer token; the local user without an Azure app."""
    if "okr_user" not in g:
        from addin.tenancy import auth_config  # OKR_ALLOWED_TENANTS + tenants onboarded by consent

        config = auth_config(database(), current_app.config.get("OKR_AUTH") or AuthConfig.from_env())
        g.okr_user = authenticate(request.headers.get("Authorization"), config)
    return g.okr_user


def current_actor() -> Actor:
    """The caller as the authority rules see them (admin: the OKR.Admin app role)."""
    user = current_user()
    return actor_from(user.object_id, user.email, user.name, user.roles)


def tenant() -> str:
    return current_user().tenant_id
