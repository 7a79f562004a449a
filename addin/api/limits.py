"""Per-tenant rate and upload quotas for the JSON API (TEN-3), with Flask-Limiter.

Buckets, each counted per tenant (the signed-in user's organisation):

- ``uploads``: POST /api/sync and /api/lint together, ``OKR_RATE_LIMIT_UPLOADS`` (30 per minute);
- ``upload_mb``: megabytes uploaded to those two, ``OKR_RATE_LIMIT_UPLOAD_MB`` (1000 per hour);
- ``api``: every other /api route together, ``OKR_RATE_LIMIT_DEFAULT`` (600 per minute);
- ``feed``: each calendar feed URL (/feeds/<token>.ics, no sign-in), counted per token,
  ``OKR_RATE_LIMIT_FEED`` (60 per minute): calendar apps poll every few hours, so this only
  stops a leaked URL from being used to load the server on every request.

/api/health, /api/openapi.json and the task panes' static files are never limited. Counts live in
``OKR_RATE_LIMIT_STORAGE`` (default ``memory://``, one process; ``redis://host:6379/0`` shares them
between workers). The app factory puts the environment's values (``addin.config.web_settings``)
into ``app.config`` under the same names; values given to ``create_app`` win.
"""

from __future__ import annotations

import hashlib
import math
import time

from flask import Flask, Response, current_app, jsonify, request
from flask_limiter import Limit, Limiter, RateLimitExceeded
from limits import parse_many

from addin.api import docs, feeds, sync
from addin.api.context import current_user, tenant
from addin.config import RATE_LIMIT_DEFAULTS
from addin.errors import error_body
from auth import AuthError

UNLIMITED_BLUEPRINTS = frozenset({docs.bp.name})  # health and the OpenAPI document
MIB = 1024 * 1024

# What the caller reads in the 429 answer, per bucket.
_MESSAGES = {
    "uploads": "Your organisation has reached its limit of {limit} workbook uploads; try again in {retry} s.",
    "upload_mb": "Your organisation has reached its limit of {limit} megabytes uploaded; try again in {retry} s.",
    "api": "Your organisation has reached its limit of {limit} requests; try again in {retry} s.",
    "feed": "This calendar feed was asked for more than {limit}; try again in {retry} s.",
}


def init_limits(app: Flask) -> None:
    """Count API requests per tenant and answer 429 ``rate_limited`` over a quota (once per app)."""
    if "okr_limiter" in app.extensions:
        return
    settings = {name: str(app.config.get(name) or default) for name, default in RATE_LIMIT_DEFAULTS.items()}
    for name in ("OKR_RATE_LIMIT_UPLOADS", "OKR_RATE_LIMIT_UPLOAD_MB", "OKR_RATE_LIMIT_DEFAULT", "OKR_RATE_LIMIT_FEED"):
        _check_limit(name, settings[name])

    # Registered before the limiter's own hook: the bucket is the caller's tenant, so a caller
    # without a valid token gets its 401 here and is never counted against (or refused as) anyone.
    app.before_request(_authenticate_first)
    limiter = Limiter(
        _tenant_key,
        storage_uri=settings["OKR_RATE_LIMIT_STORAGE"],
        strategy="moving-window",  # no burst of twice the limit across a window edge
        key_prefix="okr",
        default_limits=[Limit(settings["OKR_RATE_LIMIT_DEFAULT"], scope="api", shared=True)],
        # A Redis outage must not take the API down: count per process until it is back.
        in_memory_fallback_enabled=True,
        headers_enabled=False,
    )
    limiter.request_filter(lambda: not _is_limited())
    limiter.shared_limit(settings["OKR_RATE_LIMIT_UPLOADS"], scope="uploads")(sync.bp)
    limiter.shared_limit(settings["OKR_RATE_LIMIT_UPLOAD_MB"], scope="upload_mb", cost=_upload_megabytes)(sync.bp)
    # a blueprint's own limit replaces the default: feed requests never count against a tenant's API quota
    limiter.limit(settings["OKR_RATE_LIMIT_FEED"], key_func=_feed_key, scope="feed")(feeds.public)
    limiter.init_app(app)
    app.extensions["okr_limiter"] = limiter
    app.register_error_handler(RateLimitExceeded, _too_many_requests)


def _check_limit(name: str, value: str) -> None:
    """Refuse to start on a limit the library cannot read, rather than at the first request."""
    try:
        parse_many(value)
    except ValueError as exc:
        raise ValueError(f"{name}={value!r} is not a rate limit like '30 per minute' or '600/hour'.") from exc


def _is_limited() -> bool:
    """Whether this request is counted: an API route other than health/OpenAPI, or a calendar
    feed; not a preflight."""
    return (
        request.endpoint is not None  # unknown URL or method: the 404/405 answer is cheap
        and (request.path.startswith("/api/") or request.blueprint == feeds.public.name)
        and request.blueprint not in UNLIMITED_BLUEPRINTS
        and request.method != "OPTIONS"
    )


def _authenticate_first() -> None:
    """Identify the caller of a counted API request before the limiter asks for its tenant
    (a calendar feed has no caller to identify: its token is its key)."""
    if _is_limited() and request.path.startswith("/api/"):
        current_user()  # raises AuthError -> 401/403/503 through the app's error handler


def _feed_key() -> str:
    """A feed's bucket: its token, hashed (the token itself is never kept, not even in a counter)."""
    token = str((request.view_args or {}).get("token", ""))
    return "feed:" + hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()[:32]


def _tenant_key() -> str:
    """The bucket owner: the caller's tenant; its address only where no tenant is known."""
    try:
        return f"tenant:{tenant()}"
    except AuthError:
        # Only reachable when the request skipped _authenticate_first; never raise inside the
        # limiter, which would take the error for a storage outage.
        return f"address:{request.remote_addr}"


def _upload_megabytes() -> int:
    """The cost of an upload against the megabyte quota, from its declared length."""
    cap = math.ceil(current_app.config["MAX_CONTENT_LENGTH"] / MIB)
    length = request.content_length
    if length is None:  # chunked: the body may be as large as the per-request cap allows
        return cap
    # Capped: a body over MAX_CONTENT_LENGTH gets its 413, not a quota answer.
    return max(1, min(cap, math.ceil(length / MIB)))


def _too_many_requests(exc: RateLimitExceeded) -> Response:
    """The 429 answer in the project's error shape, with Retry-After in seconds."""
    limiter: Limiter = current_app.extensions["okr_limiter"]
    current = limiter.current_limit
    # The moving window frees a slot when its oldest counted request is a window old.
    retry = max(1, math.ceil(current.window[0] - time.time())) if current else 60
    bucket = exc.limit.scope if isinstance(exc.limit.scope, str) else "api"
    limit = str(exc.limit.limit)
    message = _MESSAGES.get(bucket, _MESSAGES["api"]).format(limit=limit, retry=retry)
    response = jsonify(error_body("rate_limited", message, {"retry_after": retry, "limit": limit, "quota": bucket}))
    response.status_code = 429
    response.headers["Retry-After"] = str(retry)
    return response
