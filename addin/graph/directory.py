"""Which addresses are users of the tenant: ``GET /users/{userPrincipalName}``, cached.

The calendar writes with an app-only token that may reach every mailbox, so before a meeting
is created its organiser (the team's stored lead) and its attendees are looked up here: an
address that is not a user of the tenant is never written to (organiser) and is left out of
the invitation (attendee) unless external attendees are allowed.

Answers are cached per (tenant, address) for ``ttl`` seconds in the process: a schedule of
a thousand teams asks about each person once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from addin.errors import ServiceUnavailable
from addin.graph.client import Call, GraphPermissionError, GraphSettings, Session, run_unit

if TYPE_CHECKING:
    from kiota_abstractions.request_information import RequestInformation

DEFAULT_TTL = 3600.0
MAX_CACHED = 50_000

_lock = threading.Lock()
_cache: dict[tuple[str, str], tuple[float, bool]] = {}


class TenantDirectory:
    """is_user(address) for one tenant, through Graph, with the process-wide cache."""

    def __init__(
        self,
        settings: GraphSettings,
        tenant: str,
        *,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings, self.tenant, self.ttl, self.clock = settings, tenant, ttl, clock

    def users(self, addresses: Iterable[str]) -> dict[str, bool]:
        """address -> whether it is a user of the tenant (one Graph lookup per uncached address)."""
        wanted = {a.strip().casefold() for a in addresses if a and a.strip()}
        now = self.clock()
        known: dict[str, bool] = {}
        with _lock:
            for address in wanted:
                hit = _cache.get((self.tenant, address))
                if hit is not None and hit[0] > now:
                    known[address] = hit[1]
        missing = sorted(wanted - known.keys())
        if missing:
            found = run_unit(self.settings, lambda session: _lookup(session, missing))
            with _lock:
                if len(_cache) + len(found) > MAX_CACHED:
                    _cache.clear()
                for address, is_user in found.items():
                    _cache[(self.tenant, address)] = (now + self.ttl, is_user)
            known.update(found)
        return known


def forget() -> None:
    """Empty the cache (tests; or after the tenant's directory changed)."""
    with _lock:
        _cache.clear()


async def _lookup(session: Session, addresses: list[str]) -> dict[str, bool]:
    def request(address: str) -> RequestInformation:
        from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder

        query = UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(select=["id", "userPrincipalName"])
        config = UserItemRequestBuilder.UserItemRequestBuilderGetRequestConfiguration(query_parameters=query)
        return session.client.users.by_user_id(address).to_get_request_information(config)

    replies = await session.run([Call(a, request(a)) for a in addresses])
    found: dict[str, bool] = {}
    for address, reply in zip(addresses, replies, strict=True):
        if reply.ok:
            found[address] = True
        elif reply.status in (400, 404):  # not a user principal name of this tenant
            found[address] = False
        elif reply.status in (401, 403):
            raise GraphPermissionError(
                "Microsoft Graph refused to look up users: grant the app User.Read.All "
                f"(application) and admin consent. ({reply.message()})",
                code="graph_permission_denied",
            )
        else:
            raise ServiceUnavailable(
                f"Microsoft Graph could not look up {address}: {reply.message()}", code="graph_unavailable"
            )
    return found
