"""Calendar feeds: a team's lead, members or an admin make (or replace) and revoke the URL
calendar apps subscribe to; the URL itself answers without sign-in.

Signed in (``bp``, under /api): ``GET/POST/DELETE /api/teams/<team>/feed``. The POST answer
is the only place the URL ever appears (the store keeps the token's hash).

Without sign-in (``public``): ``GET /feeds/<token>.ics``, the team's meetings as text/calendar
(METHOD:PUBLISH). Calendar apps poll it without cookies or headers, so the token in the URL is
the credential. A token that is unknown, malformed or revoked, a team that is gone and an
organisation that was offboarded all get the same 404: the answer says nothing about which.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from addin.api.context import current_actor, database, now, tenant
from addin.config import cadence_settings, public_url
from addin.errors import NotFound
from addin.outlook.feed import build_feed, feed_etag, team_feed
from addin.outlook.feed_access import close_feed, feed_links, feed_status, open_feed
from addin.store import feeds
from addin.store.feeds import FeedRecord

bp = Blueprint("feeds", __name__, url_prefix="/api")
public = Blueprint("feed_subscriptions", __name__, url_prefix="/feeds")

# Calendar apps poll every few hours; a client may reuse its copy for 5 minutes. "private":
# no shared cache (a proxy, a CDN) keeps a team's meetings; revalidation is cheap (ETag).
FEED_CACHE_CONTROL = "private, max-age=300"


@bp.get("/teams/<team>/feed")
def status(team: str) -> Response:
    """Whether the team has a feed, since when and who made it (never its URL)."""
    return jsonify(_status_body(team, feed_status(database(), tenant(), team)))


@bp.post("/teams/<team>/feed")
def create(team: str) -> tuple[Response, int]:
    """Make the team's feed URL; an older one stops working. The URL is shown this once."""
    issued = open_feed(database(), tenant(), team, actor=current_actor(), now=now())
    body = _status_body(issued.record.team, issued.record)
    body |= feed_links(_base_url(), issued.token) | {"replaced": issued.replaced}
    return jsonify(body), 201


@bp.delete("/teams/<team>/feed")
def revoke(team: str) -> Response:
    """Stop the team's feed: its URL answers 404 from now on."""
    record = close_feed(database(), tenant(), team, actor=current_actor(), now=now())
    return jsonify(_status_body(record.team, record))


@public.get("/<token>.ics")
def subscribe(token: str) -> Response:
    """The team's meetings for calendar apps (no sign-in: the token is the credential)."""
    with database().read() as session:
        feed = feeds.find_by_token(session, token)
    if feed is None or not _tenant_allowed(feed.tenant):
        raise _no_feed()
    try:
        content = team_feed(database(), feed.tenant, feed.team, now=now(), settings=cadence_settings())
    except NotFound as exc:
        raise _no_feed() from exc
    data = build_feed(content, stamp=now())
    response = Response(data, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="okr-meetings.ics"'
    response.headers["Cache-Control"] = FEED_CACHE_CONTROL
    response.headers["X-Robots-Tag"] = "noindex, nofollow"  # a URL pasted somewhere public is not indexed
    response.headers["Referrer-Policy"] = "no-referrer"
    response.set_etag(feed_etag(data))
    response.make_conditional(request)  # 304 when the client's copy is current (it changes itself)
    return response


def _status_body(team: str, record: FeedRecord | None) -> dict[str, object]:
    return {
        "team": team,
        "active": bool(record and record.active),
        "created_at": record.created_at.isoformat() if record else None,
        "created_by": record.created_by if record else None,
        "revoked_at": record.revoked_at.isoformat() if record and record.revoked_at else None,
    }


def _base_url() -> str:
    """Where calendar apps reach this server: OKR_PUBLIC_URL, else the address this request came to."""
    configured = current_app.config.get("OKR_PUBLIC_URL") or public_url()
    return str(configured or request.url_root).rstrip("/")


def _tenant_allowed(tenant_id: str) -> bool:
    """An organisation's feeds stop with its sign-ins (offboarded, or no longer allowed)."""
    config = current_app.config["OKR_AUTH"]
    if not config.enabled:
        return True
    from addin.tenancy import auth_config

    return tenant_id in auth_config(database(), config).allowed_tenants


def _no_feed() -> NotFound:
    return NotFound("There is no calendar at this address.", code="feed_not_found")
