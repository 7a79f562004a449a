"""Who may open and close a team's calendar feed, and the links a new one is reached at.

A feed's URL is its credential (``addin.outlook.feed``): the team's lead and members, and
admins, make it (a new one replaces the old, which stops at once) and revoke it; everyone in
the tenant may see whether a team has one, never its URL. Every change is audited with its
actor, in the same transaction as the change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from addin.errors import Forbidden, NotFound
from addin.okr.authority import Actor, may_edit_team, team_key
from addin.store import audit, feeds, people
from addin.store.feeds import FeedRecord

FEED_PATH = "/feeds/{token}.ics"


@dataclass(frozen=True, slots=True)
class IssuedFeed:
    """A new feed token, shown once: the caller prints or returns its links and forgets it."""

    token: str
    record: FeedRecord
    replaced: bool  # an older token was active and stops now


def open_feed(db: Any, tenant: str, team: str, *, actor: Actor, now: dt.datetime) -> IssuedFeed:
    """Make the team's feed token, replacing any older one (its lead, members or an admin); audited."""
    with db.transaction() as s:
        stored = _team_the_actor_may_change(s, tenant, team, actor, now)
        token, record, replaced = feeds.issue(s, tenant, stored, now=now, by=actor.object_id)
        change = "rotated" if replaced else "created"
        audit.record(s, tenant, actor, "feed-change", at=now, target=stored, details={"change": change})
    return IssuedFeed(token, record, replaced)


def close_feed(db: Any, tenant: str, team: str, *, actor: Actor, now: dt.datetime) -> FeedRecord:
    """Revoke the team's feed (its URL answers 404 from now on); NotFound when none is active."""
    with db.transaction() as s:
        stored = _team_the_actor_may_change(s, tenant, team, actor, now)
        record = feeds.revoke(s, tenant, stored, now=now, by=actor.object_id)
        if record is None:
            raise NotFound(f"Team {stored!r} has no calendar feed to revoke.", code="feed_not_found", team=stored)
        audit.record(s, tenant, actor, "feed-change", at=now, target=stored, details={"change": "revoked"})
    return record


def feed_status(db: Any, tenant: str, team: str) -> FeedRecord | None:
    """The team's feed as stored (never its token); NotFound for an unknown team."""
    with db.read() as s:
        stored = people.stored_teams(s, tenant).get(team_key(team))
        if stored is None:
            raise NotFound(f"There is no team called {team!r}.", code="unknown_team", team=team)
        return feeds.team_feed(s, tenant, stored.name)


def feed_links(base_url: str, token: str) -> dict[str, str]:
    """The feed's https:// address (Outlook on the web, Google) and its webcal:// form (a
    click opens Outlook's or Apple Calendar's subscribe dialog)."""
    url = base_url.rstrip("/") + FEED_PATH.format(token=token)
    return {"url": url, "webcal": "webcal://" + url.split("://", 1)[1]}


def _team_the_actor_may_change(s: Any, tenant: str, team: str, actor: Actor, now: dt.datetime) -> str:
    stored = people.stored_teams(s, tenant).get(team_key(team))
    if stored is None:
        raise NotFound(f"There is no team called {team!r}.", code="unknown_team", team=team)
    bindings = people.bind(s, tenant, actor, now=now)
    if not may_edit_team(actor, stored, bindings):
        raise Forbidden(
            f"Only team {stored.name!r}'s lead and members, or an admin, can make or revoke its calendar feed.",
            code="not_your_team",
            team=stored.name,
        )
    return stored.name
