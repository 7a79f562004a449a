"""Talking to Microsoft Graph: one unit of work per call, retries, batching, mailbox limits.

msgraph-sdk is async and its client is bound to the event loop it first ran on, so each
public call builds a fresh ``GraphServiceClient`` inside ``asyncio.run`` and drops it
at the end. Requests are built with the SDK's request builders (so bodies are the SDK's
serialisation of its models) and sent through the SDK's request adapter; replies are read
as plain JSON, because turning each reply into an SDK model costs ~10 ms of CPU.

The SDK's own retry handler is switched off: it re-sends without our bounds, does not
see 429s inside a ``$batch`` and cannot be told to use an injectable sleep. Here:

- 429/503/504 (and 500/502, dropped connections, timeouts) are retried with the server's
  Retry-After when it gives one, else exponential backoff with jitter, at most
  ``max_attempts`` times, including each failed item of a ``$batch``;
- other 4xx answers are returned to the caller, never retried blindly;
- at most ``per_mailbox`` (4) requests are in flight per mailbox, counting every item of
  a ``$batch`` against its mailbox, and at most ``max_in_flight`` HTTP requests overall.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import email.utils
import ipaddress
import json
import random
import time
import warnings
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

from addin.errors import OkrError, ServiceUnavailable

# the SDK's generated modules warn about their own deprecated classes when first imported
# (some lazily, on first use of a request builder); pytest runs with -W error
SDK_MODULES = r"(msgraph|msgraph_core|kiota_[a-z_]+)(\..*)?$"

with warnings.catch_warnings():
    # the SDK's generated code triggers kiota's own DeprecationWarning on import
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=SDK_MODULES)
    import httpx
    from kiota_abstractions.authentication import (
        AccessTokenProvider,
        AllowedHostsValidator,
        BaseBearerTokenAuthenticationProvider,
    )
    from kiota_abstractions.method import Method
    from kiota_abstractions.request_information import RequestInformation
    from kiota_http.middleware.options import RetryHandlerOption
    from msgraph import GraphRequestAdapter, GraphServiceClient
    from msgraph_core import GraphClientFactory


DEFAULT_BASE_URL = "https://graph.microsoft.com/v1.0"
RETRYABLE = frozenset({429, 500, 502, 503, 504})
BATCH_LIMIT = 20  # Graph's JSON batch limit

T = TypeVar("T")


class GraphPermissionError(OkrError):
    """Graph refused the app (401/403): consent, permission or mailbox access is missing."""

    status = 403
    code = "graph_permission_denied"


@dataclass(slots=True)
class GraphSettings:
    """How to reach Graph and how hard to try; tests shrink the waits."""

    token_provider: Callable[[], str]
    base_url: str = DEFAULT_BASE_URL  # the edges pass OKR_GRAPH_BASE_URL (addin/calendars.py)
    max_attempts: int = 5
    per_mailbox: int = 4
    max_in_flight: int = 16
    batch_size: int | None = BATCH_LIMIT  # None: one HTTP request per call (no $batch)
    timeout: float = 30.0  # seconds per HTTP request
    backoff_base: float = 1.0  # seconds; doubled per attempt, with jitter
    backoff_cap: float = 60.0
    retry_after_cap: float = 300.0  # never wait longer than this for one Retry-After
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep  # injectable for tests
    rng: random.Random = field(default_factory=random.Random)


@dataclass(frozen=True, slots=True)
class Call:
    """One Graph request on behalf of a mailbox."""

    mailbox: str
    request: RequestInformation


@dataclass(slots=True)
class Reply:
    """A Graph answer (final: after retries). ``status`` 0 means no HTTP answer at all."""

    status: int
    headers: dict[str, str]
    body: Any = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def message(self) -> str:
        """Graph's error message, or what went wrong on the wire."""
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            err = self.body["error"]
            return f"{err.get('code', '')}: {err.get('message', '')}".strip(": ")
        return self.error or f"HTTP {self.status}"


@dataclass(slots=True)
class Stats:
    """What one session sent: for reports, tests and the benchmark."""

    http_requests: int = 0
    calls: int = 0
    retries: int = 0
    waits: list[float] = field(default_factory=list)
    max_in_flight_per_mailbox: int = 0


class _TokenProvider(AccessTokenProvider):
    """Adapts a plain ``() -> str`` token callable to kiota, for the Graph host only."""

    def __init__(self, get_token: Callable[[], str], host: str) -> None:
        self._get_token = get_token
        self._validator = AllowedHostsValidator([host])

    async def get_authorization_token(self, uri: str, additional_authentication_context: dict[str, Any] = {}) -> str:  # noqa: B006 - kiota's signature
        parts = urlsplit(uri)
        if not self._validator.is_url_host_valid(uri):
            return ""
        if parts.scheme != "https" and not _is_loopback(parts.hostname or ""):
            raise GraphPermissionError(
                "Refusing to send a Graph token over plain http.", code="graph_insecure_url", url=uri
            )
        try:
            # MSAL may do network I/O; keep it off the event loop
            return await asyncio.to_thread(self._get_token)
        except OkrError:
            raise
        except Exception as exc:  # the token source is another module's; say what failed
            raise GraphPermissionError(
                f"Could not get a Microsoft Graph token: {exc}", code="graph_token_failed"
            ) from exc

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return self._validator


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class Session:
    """One unit of work: a fresh SDK client, its request adapter and the limits."""

    def __init__(self, settings: GraphSettings, stats: Stats) -> None:
        self.settings = settings
        self.stats = stats
        host = urlsplit(settings.base_url).hostname or ""
        http = httpx.AsyncClient(base_url=settings.base_url, timeout=settings.timeout, follow_redirects=False)
        options = {RetryHandlerOption.get_key(): RetryHandlerOption(max_retries=0, should_retry=False)}
        http = GraphClientFactory.create_with_default_middleware(client=http, options=options)
        self._http = http
        self.adapter = GraphRequestAdapter(
            BaseBearerTokenAuthenticationProvider(_TokenProvider(settings.token_provider, host)),
            client=http,
        )
        self.adapter.base_url = settings.base_url
        self.client = GraphServiceClient(request_adapter=self.adapter)
        self._global = asyncio.Semaphore(settings.max_in_flight)
        self._busy: Counter[str] = Counter()
        self._freed = asyncio.Condition()

    async def close(self) -> None:
        await self._http.aclose()

    # -- limits -----------------------------------------------------------------------

    async def _hold(self, mailboxes: Counter[str]) -> None:
        """Wait until every mailbox has room for its share of one HTTP request."""
        cap = self.settings.per_mailbox
        async with self._freed:
            await self._freed.wait_for(lambda: all(self._busy[m] + n <= cap for m, n in mailboxes.items()))
            self._busy.update(mailboxes)
            top = max(self._busy[m] for m in mailboxes)
            self.stats.max_in_flight_per_mailbox = max(self.stats.max_in_flight_per_mailbox, top)

    async def _release(self, mailboxes: Counter[str]) -> None:
        async with self._freed:
            self._busy.subtract(mailboxes)
            self._freed.notify_all()

    # -- one HTTP request -------------------------------------------------------------

    async def _send(self, request: RequestInformation, mailboxes: Counter[str]) -> Reply:
        await self._hold(mailboxes)
        try:
            async with self._global:
                self.stats.http_requests += 1
                span = self.adapter.start_tracing_span(request, "okr_cadence")
                try:
                    resp = await self.adapter.get_http_response_message(request, span)
                    content = resp.content
                finally:
                    span.end()
        except httpx.TransportError as exc:  # dropped connection, timeout, refused
            return Reply(0, {}, None, error=f"{type(exc).__name__}: {exc}")
        finally:
            await self._release(mailboxes)
        headers = {k.lower(): v for k, v in resp.headers.items()}
        body: Any = None
        if content:
            try:
                body = json.loads(content)
            except ValueError:
                body = None
        return Reply(resp.status_code, headers, body)

    # -- retries ----------------------------------------------------------------------

    def _delay(self, reply: Reply, attempt: int) -> float:
        """Seconds to wait before attempt ``attempt + 1``: Retry-After, else backoff+jitter."""
        after = parse_retry_after(reply.headers.get("retry-after"))
        if after is not None:
            return min(after, self.settings.retry_after_cap)
        s = self.settings
        ceiling = min(s.backoff_cap, s.backoff_base * (2**attempt))
        return ceiling / 2 + s.rng.uniform(0, ceiling / 2)

    async def _wait(self, seconds: float) -> None:
        self.stats.waits.append(seconds)
        await self.settings.sleep(seconds)

    async def run(self, calls: Sequence[Call], *, batch: bool = True) -> list[Reply]:
        """Send every call (batched when configured and ``batch``), retrying transient failures."""
        self.stats.calls += len(calls)
        if not batch or self.settings.batch_size is None or self.settings.batch_size <= 1:
            return list(await asyncio.gather(*(self._one(c) for c in calls)))
        return await self._batched(calls)

    async def _one(self, call: Call) -> Reply:
        reply = Reply(0, {}, error="not sent")
        for attempt in range(self.settings.max_attempts):
            reply = await self._send(call.request, Counter({call.mailbox: 1}))
            if not _transient(reply) or attempt == self.settings.max_attempts - 1:
                return reply
            self.stats.retries += 1
            await self._wait(self._delay(reply, attempt))
        return reply

    async def upload(self, mailbox: str, url: str, chunk: bytes, headers: dict[str, str]) -> Reply:
        """PUT one byte range to a pre-authenticated upload URL (no Graph token goes there),
        with the same retries and per-mailbox limit as any Graph request."""
        parts = urlsplit(url)
        if parts.scheme != "https" and not _is_loopback(parts.hostname or ""):
            raise GraphPermissionError("Refusing an upload URL that is not https.", code="graph_insecure_url", url=url)
        self.stats.calls += 1
        reply = Reply(0, {}, error="not sent")
        async with httpx.AsyncClient(timeout=self.settings.timeout, follow_redirects=False) as http:
            for attempt in range(self.settings.max_attempts):
                reply = await self._put(http, mailbox, url, chunk, headers)
                if not _transient(reply) or attempt == self.settings.max_attempts - 1:
                    return reply
                self.stats.retries += 1
                await self._wait(self._delay(reply, attempt))
        return reply

    async def _put(
        self, http: httpx.AsyncClient, mailbox: str, url: str, chunk: bytes, headers: dict[str, str]
    ) -> Reply:
        box = Counter({mailbox: 1})
        await self._hold(box)
        try:
            async with self._global:
                self.stats.http_requests += 1
                resp = await http.put(url, content=chunk, headers=headers)
        except httpx.TransportError as exc:
            return Reply(0, {}, error=f"{type(exc).__name__}: {exc}")
        finally:
            await self._release(box)
        body: Any = None
        if resp.content:
            try:
                body = json.loads(resp.content)
            except ValueError:
                body = None
        return Reply(resp.status_code, {k.lower(): v for k, v in resp.headers.items()}, body)

    async def _batched(self, calls: Sequence[Call]) -> list[Reply]:
        results: list[Reply | None] = [None] * len(calls)
        attempts = [0] * len(calls)
        pending = list(range(len(calls)))
        while pending:
            batches = _pack(pending, calls, self.settings.batch_size or BATCH_LIMIT, self.settings.per_mailbox)
            answers = await asyncio.gather(*(self._send_batch([calls[i] for i in b]) for b in batches))
            retry: list[int] = []
            wait = 0.0
            for batch, replies in zip(batches, answers):
                for idx, reply in zip(batch, replies):
                    if _transient(reply) and attempts[idx] < self.settings.max_attempts - 1:
                        wait = max(wait, self._delay(reply, attempts[idx]))
                        attempts[idx] += 1
                        retry.append(idx)
                    else:
                        results[idx] = reply
            if retry:
                self.stats.retries += len(retry)
                await self._wait(wait)
            pending = retry
        return [r if r is not None else Reply(0, {}, error="not sent") for r in results]

    async def _send_batch(self, calls: Sequence[Call]) -> list[Reply]:
        """One POST /$batch; a whole-batch failure becomes the same reply for each item."""
        if len(calls) == 1:
            # a batch of one costs the same request and hides nothing: send it directly
            return [await self._send(calls[0].request, Counter({calls[0].mailbox: 1}))]
        items = [self._batch_item(str(i), c.request) for i, c in enumerate(calls)]
        request = RequestInformation(Method.POST, "{+baseurl}/$batch")
        request.headers.try_add("Accept", "application/json")
        request.set_stream_content(json.dumps({"requests": items}).encode(), "application/json")
        reply = await self._send(request, Counter(c.mailbox for c in calls))
        if not reply.ok or not isinstance(reply.body, dict):
            return [reply] * len(calls)
        by_id = {str(r.get("id")): r for r in reply.body.get("responses", []) if isinstance(r, dict)}
        out = []
        for i in range(len(calls)):
            item = by_id.get(str(i))
            if item is None:
                out.append(Reply(0, {}, error="missing from the $batch answer"))
                continue
            headers = {str(k).lower(): str(v) for k, v in (item.get("headers") or {}).items()}
            out.append(Reply(int(item.get("status", 0)), headers, item.get("body")))
        return out

    def _batch_item(self, item_id: str, request: RequestInformation) -> dict[str, Any]:
        """A JSON $batch item from an SDK-built request (url relative to the version root)."""
        self.adapter.set_base_url_for_request_information(request)
        url = request.url
        base = self.settings.base_url
        relative = url[len(base) :] if url.startswith(base) else urlsplit(url).path
        if request.http_method is None:  # every request builder sets one
            raise ValueError(f"a Graph request to {relative or '/'} without an HTTP method")
        item: dict[str, Any] = {"id": item_id, "method": request.http_method.value, "url": relative or "/"}
        headers = dict(request.request_headers or {})  # kiota joins a header's values with ", "
        if request.content:
            item["body"] = json.loads(request.content)
            headers.setdefault("content-type", "application/json")
        if headers:
            item["headers"] = headers
        return item


def _transient(reply: Reply) -> bool:
    return reply.status == 0 or reply.status in RETRYABLE


def _pack(indexes: Sequence[int], calls: Sequence[Call], size: int, per_mailbox: int) -> list[list[int]]:
    """Group calls into batches of ``size`` with at most ``per_mailbox`` per mailbox."""
    batches: list[list[int]] = []
    counts: list[Counter[str]] = []
    for idx in indexes:
        box = calls[idx].mailbox
        for batch, count in zip(batches, counts):
            if len(batch) < size and count[box] < per_mailbox:
                batch.append(idx)
                count[box] += 1
                break
        else:
            batches.append([idx])
            counts.append(Counter({box: 1}))
    return batches


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _outside_any_running_loop(call: Callable[[], T]) -> T:
    """Run ``call`` here, or in a short-lived thread when this thread already runs an
    event loop (an async server, a notebook): asyncio.run refuses to nest."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="graph-unit") as pool:
        return pool.submit(call).result()


def run_unit(
    settings: GraphSettings, work: Callable[[Session], Coroutine[Any, Any, T]], stats: Stats | None = None
) -> T:
    """Run ``work`` with a fresh session in its own event loop; plain sync for callers."""
    stats = stats if stats is not None else Stats()

    async def main() -> T:
        session = Session(settings, stats)
        try:
            return await work(session)
        finally:
            await session.close()

    def run_loop() -> T:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=DeprecationWarning, module=SDK_MODULES)
            return asyncio.run(main())

    try:
        return _outside_any_running_loop(run_loop)
    except OkrError:
        raise
    except httpx.HTTPError as exc:
        raise ServiceUnavailable(
            "Microsoft Graph could not be reached; try again later.", code="graph_unreachable"
        ) from exc
