"""Team pages built once per tenant data version, kept in this worker's memory.

A team page (``GET /api/teams/<team>``) depends on the tenant's stored OKRs, teams and
settings, on the day (statuses and trends are judged as of today) and on the quarter asked
for. The tenant's data version (``store.versions``) is read first, before anything the page
is built from: a page kept under that version is never older than the version says, and the
tenant's next committed write moves the version, so no worker serves a page from before a
write once that write is committed. The pages are the same for everyone in the tenant (every
signed-in user reads everything), so one copy serves them all. The page's ETag names the
same things: a pane that sends it back in ``If-None-Match`` gets 304 without a body.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from importlib.metadata import PackageNotFoundError, version

MAX_PAGES = 512  # a page of 50 key results is about 30 kB: at most ~15 MB per worker


def _build() -> str:
    try:
        return version("okr-cadence")
    except PackageNotFoundError:  # a checkout that was not installed
        return "dev"


_BUILD = _build()  # a new release may shape pages differently: its ETags differ


class PageCache:
    """The newest pages, least recently used dropped first (thread-safe: gthread workers share it)."""

    def __init__(self, size: int = MAX_PAGES) -> None:
        self._pages: OrderedDict[str, bytes] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, etag: str) -> bytes | None:
        with self._lock:
            page = self._pages.get(etag)
            if page is not None:
                self._pages.move_to_end(etag)
            return page

    def put(self, etag: str, page: bytes) -> None:
        with self._lock:
            self._pages[etag] = page
            self._pages.move_to_end(etag)
            while len(self._pages) > self._size:
                self._pages.popitem(last=False)


def page_etag(database: str, tenant: str, data_version: int, *parts: object) -> str:
    """A strong ETag for a page of ``tenant`` at ``data_version`` (``parts``: the team, day and quarter asked)."""
    text = "\x1f".join(map(repr, (_BUILD, database, tenant, data_version, *parts)))  # repr: None is not "None"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
