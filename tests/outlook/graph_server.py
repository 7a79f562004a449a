"""A local Microsoft Graph for tests: the calendar endpoints the product uses, over real HTTP.

Over 500 lines: one server imitating one service: the Teams block, the notices, the throttling, the time zones and the exceptions all work on the same mailboxes' state.

Implements, under ``/v1.0``: ``POST/GET /users/{id}/events`` (and ``/calendar/events``)
with ``$filter`` on a single-value extended property and ``$select``, ``GET/PATCH
/users/{id}/events/{id}`` with changeKey/ETag and ``If-Match`` (412 when stale),
``GET .../events/{id}/instances`` (occurrences expanded from the recurrence, patchable as
exceptions), JSON ``$batch`` (<= 20 items, each item answered on its own, including
injected 429s) and transactionId de-duplication.

Every POST/PATCH body is validated against the Event schema of Graph's published OpenAPI
(``graph_schema``) plus the semantic rules Graph enforces (date formats, known time zones,
recurrence shape); a rejected body is answered 400 *and* recorded in ``violations`` so a
test fails even if the client shrugs the 400 off.

Also the retro pack's endpoints: ``POST/GET/DELETE .../events/{id}/attachments`` (a
fileAttachment body, validated against ``attachment`` + fileAttachment's own properties),
``.../attachments/createUploadSession`` with the pre-authenticated ``PUT /upload/{id}``
byte ranges (a Graph token sent there is a violation), ``POST .../events/{id}/cancel``
(the event leaves the mailbox; ``cancelled`` keeps it with the comment), and paging:
with ``page_size`` set, listings are cut into pages *before* ``$filter`` is applied (as
Graph may answer a filtered listing with empty pages) and carry ``@odata.nextLink``.

Fault injection (``Faults``): a share of requests throttled (429 + Retry-After) or failing
(503), dropped connections after the work is done (the client never hears back), slow
answers, and a fixed latency per request (for the benchmark). Concurrency per mailbox is
measured (a $batch counts each item against its mailbox).

What a real tenant does that a careless client would not notice (each from Graph's docs):

- an online meeting's create appends a Teams join block to the body and returns
  ``onlineMeeting.joinUrl`` (mailboxes in ``no_teams`` get none, as without a Teams licence);
- every PATCH of an event with attendees sends each attendee an update notice (Graph has no
  "don't send updates"); an attendees-only PATCH notifies only the attendees added or removed;
  a series PATCH sends one more notice per occurrence already changed on its own;
  ``notices`` records them all (``notices_per_attendee`` counts);
- re-sending ``recurrence`` on a series discards its exceptions (changed and cancelled
  occurrences);
- past 4 concurrent requests to one mailbox, the rest are answered 429 with Retry-After;
- ``timeZone`` takes Windows names and exactly the IANA names Graph lists
  (``tests/data/graph/``); ``Europe/Madrid`` is refused;
- ``POST .../sendMail`` (a pre-read e-mail) and ``cancel`` of a single occurrence.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import itertools
import json
import logging
import random
import re
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jsonschema
from dateutil import rrule
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.outlook.graph_schema import (
    action_body_schema,
    file_attachment_schema,
    schema_for,
    strip_annotations,
)

SMALL_ATTACHMENT = 3_000_000  # Graph: "smaller than 3 MB" in one POST
LARGE_ATTACHMENT = 150 * 1024 * 1024
UPLOAD_CHUNK_MAX = 4 * 1024 * 1024  # Outlook upload sessions take up to 4 MB per PUT
_CANCEL_PATH = "/users/{user-id}/events/{event-id}/microsoft.graph.cancel"
_UPLOAD_PATH = "/users/{user-id}/events/{event-id}/attachments/microsoft.graph.createUploadSession"
_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")

logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request is noise here

_WEEKDAYS = {
    "monday": rrule.MO,
    "tuesday": rrule.TU,
    "wednesday": rrule.WE,
    "thursday": rrule.TH,
    "friday": rrule.FR,
    "saturday": rrule.SA,
    "sunday": rrule.SU,
}
_INDEX = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
_FILTER = re.compile(
    r"^singleValueExtendedProperties/Any\(ep:\s*ep/id eq '(?P<id>(?:[^']|'')*)'"
    r"\s+and\s+ep/value eq '(?P<value>(?:[^']|'')*)'\)$"
)
_DATA = Path(__file__).resolve().parents[1] / "data" / "graph"
# Outlook service limits: "4 concurrent requests" per mailbox
# https://learn.microsoft.com/en-us/graph/throttling-limits#outlook-service-limits
MAILBOX_CONCURRENCY = 4
TEAMS_MARK = "________________________________________________________________________________"


def _zone_lists() -> tuple[dict[str, str], frozenset[str]]:
    """Windows name -> IANA zone (CLDR), and the IANA names Graph documents (vendored)."""
    windows: dict[str, str] = {}
    for line in (_DATA / "windows_time_zones.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, iana = line.split("\t")
            windows[name] = iana
    iana_names: set[str] = set()
    for line in (_DATA / "iana_time_zones.txt").read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^(\S+)(?: \((\S+)\))?$", line.strip())
        assert m, line
        iana_names.add(m[1])
        if m[2]:  # "Europe/Kyiv (Kiev)": the older spelling too
            iana_names.add(m[1].rsplit("/", 1)[0] + "/" + m[2])
    return windows, frozenset(iana_names)


WINDOWS_ZONES, GRAPH_IANA_ZONES = _zone_lists()
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?$")


@dataclass
class Faults:
    """What goes wrong, and how often. Shares are per request (per $batch item)."""

    throttle: float = 0.0  # share answered 429
    unavailable: float = 0.0  # share answered 503
    drop: float = 0.0  # share processed, then the connection is dropped (no answer)
    slow: float = 0.0  # share answered after ``slow_seconds``
    slow_seconds: float = 0.0
    retry_after: int = 1
    latency: float = 0.0  # seconds added to every HTTP request
    seed: int = 1234


@dataclass
class _Event:
    data: dict[str, Any]
    mailbox: str
    instances: dict[str, dict[str, Any]] = field(default_factory=dict)  # occurrences seen
    patched: set[str] = field(default_factory=set)  # instance ids changed: exceptions
    cancelled: set[str] = field(default_factory=set)  # instance ids cancelled on their own


@dataclass(frozen=True)
class Notice:
    """One message Exchange would put in an attendee's inbox."""

    attendee: str
    event: str  # the series' (or single event's) id
    what: str  # invitation | update | cancellation | mail
    occurrence: str | None = None  # the occurrence's id when it was about one occurrence


class GraphState:
    """The fake tenant: mailboxes of events, counters, what went wrong."""

    def __init__(self, faults: Faults | None = None) -> None:
        self.lock = threading.RLock()
        self.faults = faults or Faults()
        self.events: dict[str, _Event] = {}
        self.transactions: dict[tuple[str, str], str] = {}
        self.violations: list[str] = []
        self.http_requests = 0
        self.operations = Counter[str]()  # "POST event", "PATCH event", "$batch"...
        self.in_flight = Counter[str]()
        self.max_in_flight: dict[str, int] = {}
        self.tokens: list[str] = []
        # ids the "organiser" edits just before our next PATCH of them lands (GR-4)
        self.edit_before_patch: set[str] = set()
        self.validator = jsonschema.Draft202012Validator(schema_for("event"))
        self._ids = itertools.count(1)
        self.page_size: int | None = None  # listings in pages of this many (None: one page)
        self.base_url = ""  # ".../v1.0", for nextLinks; set by GraphServer
        self.attachments: dict[str, dict[str, dict[str, Any]]] = {}  # event id -> id -> attachment
        self.uploads: dict[str, dict[str, Any]] = {}  # upload session id -> state
        self.cancelled: list[dict[str, Any]] = []  # {"mailbox", "event", "comment"}
        # the tenant's users (UPNs), for GET /users/{id}; None: every address is a user
        self.directory: set[str] | None = None
        self.user_lookups: list[str] = []
        self.no_teams: set[str] = set()  # mailboxes without Teams: no join link on create
        self.notices: list[Notice] = []
        self.mails: list[dict[str, Any]] = []  # {"mailbox", "message"} from sendMail
        self.exceptions_discarded = 0

    @property
    def faults(self) -> Faults:
        return self._faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        """New faults from now on, with their own seeded dice (a test can swap them)."""
        with self.lock:
            self._faults = faults
            self.rng = random.Random(faults.seed)

    # -- helpers for tests ---------------------------------------------------------------

    def mailbox_events(self, mailbox: str) -> list[dict[str, Any]]:
        with self.lock:
            return [e.data for e in self.events.values() if e.mailbox == mailbox.casefold()]

    def all_events(self) -> list[dict[str, Any]]:
        with self.lock:
            return [e.data for e in self.events.values()]

    def by_key(self, key: str) -> list[dict[str, Any]]:
        with self.lock:
            return [
                e.data
                for e in self.events.values()
                if any(p.get("value") == key for p in e.data.get("singleValueExtendedProperties", []))
            ]

    def exceptions_of(self, event_id: str) -> dict[str, dict[str, Any]]:
        """The occurrences of a series that were changed on their own (exceptions)."""
        with self.lock:
            ev = self.events[event_id]
            return {i: ev.instances[i] for i in ev.patched}

    def edit(self, event_id: str, **fields: Any) -> None:
        """An organiser's edit in Outlook: changes fields and the changeKey."""
        with self.lock:
            self.events[event_id].data.update(fields)
            self.events[event_id].data["changeKey"] = self._change_key()

    def delete(self, event_id: str) -> None:
        with self.lock:
            del self.events[event_id]

    def notices_per_attendee(self, what: str | None = None) -> Counter[str]:
        """How many notices (of one kind, or all) each attendee received."""
        with self.lock:
            return Counter(n.attendee for n in self.notices if what is None or n.what == what)

    def notices_per_occurrence(self) -> Counter[tuple[str, str]]:
        """Update notices per (attendee, occurrence id) for occurrence updates."""
        with self.lock:
            return Counter((n.attendee, n.occurrence) for n in self.notices if n.what == "update" and n.occurrence)

    def max_concurrency(self) -> int:
        return max(self.max_in_flight.values(), default=0)

    def mailboxes_in_flight(self, prefix: str = "") -> int:
        """How many mailboxes (whose address starts with ``prefix``) have a request being answered right now."""
        with self.lock:
            return sum(1 for box, n in self.in_flight.items() if n > 0 and box.startswith(prefix))

    def attachments_of(self, event_id: str) -> list[dict[str, Any]]:
        """The event's attachments, with their bytes decoded under ``content``."""
        with self.lock:
            return [
                {**a, "content": base64.b64decode(a["contentBytes"])}
                for a in self.attachments.get(event_id, {}).values()
            ]

    # -- one operation -------------------------------------------------------------------

    def handle(
        self, method: str, url: str, headers: dict[str, str], body: Any, *, faults: bool = True
    ) -> tuple[int, dict[str, str], Any]:
        """One Graph operation (a plain request or a $batch item)."""
        parts = urlsplit(url)
        path = unquote(parts.path)
        path = path[len("/v1.0") :] if path.startswith("/v1.0") else path
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if faults:
            roll = self.rng.random()
            f = self.faults
            if roll < f.throttle:
                self.operations["429 injected"] += 1
                return (
                    429,
                    {"Retry-After": str(f.retry_after)},
                    _error("TooManyRequests", "Application is over its MailboxConcurrency limit."),
                )
            if roll < f.throttle + f.unavailable:
                self.operations["503 injected"] += 1
                return 503, {}, _error("ServiceUnavailable", "Service unavailable")
        person = re.match(r"^/users/(?P<user>[^/]+)$", path)
        if person and method == "GET":
            with self.lock:
                return self._user(person["user"].casefold())
        mail = re.match(r"^/users/(?P<user>[^/]+)/(?:microsoft\.graph\.)?sendMail$", path)
        if mail and method == "POST":
            with self.lock:
                return self._send_mail(mail["user"].casefold(), body)
        action = re.match(
            r"^/users/(?P<user>[^/]+)(?:/calendar)?/events/(?P<id>[^/]+)/"
            r"(?P<what>attachments(?:/(?P<aid>[^/]+))?|(?:microsoft\.graph\.)?cancel)$",
            path,
        )
        if action:
            with self.lock:
                return self._event_action(
                    method, action["user"].casefold(), action["id"], action["what"], action["aid"], query, body
                )
        m = re.match(
            r"^/users/(?P<user>[^/]+)(?:/calendar)?/events(?:/(?P<id>[^/]+))?"
            r"(?P<instances>/instances)?$",
            path,
        )
        if not m:
            return 404, {}, _error("ResourceNotFound", f"no route {method} {path}")
        user = m["user"].casefold()
        event_id = m["id"]
        with self.lock:
            if event_id is None and method == "POST":
                return self._create(user, body)
            if event_id is None and method == "GET":
                return self._list(user, query)
            if m["instances"] and method == "GET":
                return self._instances(user, event_id, query)
            if method == "GET":
                return self._get(user, event_id)
            if method == "PATCH":
                return self._patch(user, event_id, headers, body)
        return 405, {}, _error("MethodNotAllowed", method)

    def _user(self, user: str) -> tuple[int, dict[str, str], Any]:
        """GET /users/{id | userPrincipalName}: the user, or 404 Request_ResourceNotFound."""
        self.operations["GET user"] += 1
        self.user_lookups.append(user)
        if self.directory is not None and user not in {u.casefold() for u in self.directory}:
            return (
                404,
                {},
                _error(
                    "Request_ResourceNotFound",
                    f"Resource '{user}' does not exist or one of its queried reference-property "
                    "objects are not present.",
                ),
            )
        return 200, {}, {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, user)), "userPrincipalName": user, "mail": user}

    def _create(self, user: str, body: Any) -> tuple[int, dict[str, str], Any]:
        self.operations["POST event"] += 1
        problem = self._validate(body, create=True)
        if problem:
            return 400, {}, _error("ErrorInvalidRequest", problem)
        txn = body.get("transactionId")
        if txn and (user, txn) in self.transactions:
            existing = self.events.get(self.transactions[(user, txn)])
            if existing is not None:
                self.operations["POST deduplicated"] += 1
                return 201, _etag(existing.data), existing.data
        eid = f"AAMk{next(self._ids):08d}{uuid.uuid4().hex[:8]}"
        data = dict(strip_annotations(body))
        data.update(
            id=eid,
            iCalUId=f"040000008200E00074C5B7101A82E008{uuid.uuid4().hex}",
            changeKey=self._change_key(),
            type="seriesMaster" if body.get("recurrence") else "singleInstance",
        )
        data["organizer"] = {"emailAddress": {"address": user}}
        self._online_meeting(user, data)
        self.events[eid] = _Event(data, user)
        self._notify(_attendees(data), eid, "invitation")
        if txn:
            self.transactions[(user, txn)] = eid
        return 201, _etag(data), data

    def _online_meeting(self, user: str, data: dict[str, Any]) -> None:
        """Exchange makes the Teams meeting: a join block appended to the body, the join URL in
        ``onlineMeeting`` (https://learn.microsoft.com/en-us/graph/outlook-calendar-online-meetings);
        a mailbox without Teams gets a plain meeting."""
        if not data.get("isOnlineMeeting"):
            data["onlineMeeting"] = None
            return
        if user in self.no_teams:
            data.update(isOnlineMeeting=False, onlineMeetingProvider="unknown", onlineMeeting=None)
            return
        join = f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{uuid.uuid4().hex}%40thread.v2/0"
        body = data.get("body") or {"contentType": "html", "content": ""}
        block = (
            f'<div style="width:100%">{TEAMS_MARK}</div><div class="me-email-text">'
            f'<span>Microsoft Teams meeting</span><br><a href="{join}">Join the meeting now</a>'
            f"</div><div>{TEAMS_MARK}</div>"
        )
        content = body.get("content") or ""
        if "</body>" in content:
            content = content.replace("</body>", block + "</body>", 1)
        else:
            content += block
        data["body"] = {"contentType": body.get("contentType") or "html", "content": content}
        data["onlineMeeting"] = {"joinUrl": join}

    def _notify(self, attendees: list[str], event_id: str, what: str, occurrence: str | None = None) -> None:
        self.notices.extend(Notice(a, event_id, what, occurrence) for a in attendees)

    def _send_mail(self, user: str, body: Any) -> tuple[int, dict[str, str], Any]:
        """``POST /users/{id}/sendMail``: 202, each recipient gets the message
        (https://learn.microsoft.com/en-us/graph/api/user-sendmail)."""
        self.operations["POST sendMail"] += 1
        # action parameters are case-insensitive: the SDK writes "Message", the docs "message"
        params = {str(k).casefold(): v for k, v in body.items()} if isinstance(body, dict) else {}
        message = params.get("message")
        if not isinstance(message, dict):
            return 400, {}, _error("ErrorInvalidRequest", self._violation("sendMail needs a message"))
        rcpts = [
            ((r or {}).get("emailAddress") or {}).get("address") or ""
            for key in ("toRecipients", "ccRecipients", "bccRecipients")
            for r in message.get(key) or []
        ]
        if not rcpts or any("@" not in r for r in rcpts):
            return 400, {}, _error("ErrorInvalidRecipients", self._violation(f"bad recipients {rcpts!r}"))
        if any(c in (message.get("subject") or "") for c in "\r\n"):
            return 400, {}, _error("ErrorInvalidRequest", self._violation("subject must be one line"))
        self.mails.append({"mailbox": user, "message": message})
        self._notify(rcpts, "", "mail")
        return 202, {}, None

    def _list(self, user: str, query: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        self.operations["GET events"] += 1
        items = [e.data for e in self.events.values() if e.mailbox == user]
        flt = query.get("$filter")
        keep: Any = lambda d: True  # noqa: E731
        if flt:
            fm = _FILTER.match(flt.strip())
            if not fm:
                self.violations.append(f"unsupported $filter {flt!r}")
                return 400, {}, _error("BadRequest", f"Invalid filter clause: {flt}")
            pid, value = fm["id"].replace("''", "'"), fm["value"].replace("''", "'")

            def keep(d: dict[str, Any]) -> bool:
                return any(
                    p.get("id", "").casefold() == pid.casefold() and p.get("value") == value
                    for p in d.get("singleValueExtendedProperties", [])
                )

        # paged before filtering: like Graph, a filtered listing may come back in empty pages
        return self._page(items, query, f"/users/{user}/events", keep)

    def _page(
        self, items: list[dict[str, Any]], query: dict[str, str], path: str, keep: Any
    ) -> tuple[int, dict[str, str], Any]:
        """One page of a listing (``keep`` filters within the page), with its nextLink."""
        out: dict[str, Any] = {}
        if self.page_size:
            skip = int(query.get("$skiptoken") or 0)
            window = items[skip : skip + self.page_size]
            if skip + self.page_size < len(items):
                rest = {k: v for k, v in query.items() if k != "$skiptoken"}
                rest["$skiptoken"] = str(skip + self.page_size)
                out["@odata.nextLink"] = f"{self.base_url}{path}?{urlencode(rest)}"
            items = window
        out["value"] = [_select(d, query) for d in items if keep(d)]
        return 200, {}, out

    # -- attachments, upload sessions, cancel ----------------------------------------------

    def _event_action(
        self, method: str, user: str, event_id: str, what: str, aid: str | None, query: dict[str, str], body: Any
    ) -> tuple[int, dict[str, str], Any]:
        if what.endswith("cancel") and method == "POST" and event_id not in self.events:
            return self._cancel_occurrence(user, event_id, body)
        ev = self.events.get(event_id)
        if ev is None or ev.mailbox != user:
            self.operations[f"{method} {what.split('/')[0]} (no event)"] += 1
            return 404, {}, _error("ErrorItemNotFound", "The specified object was not found in the store.")
        if what.endswith("cancel") and method == "POST":
            return self._cancel(user, event_id, body)
        if what == "attachments/createUploadSession" or what == "attachments/microsoft.graph.createUploadSession":
            if method == "POST":
                return self._create_upload(user, event_id, body)
        elif aid is not None and method == "DELETE":
            self.operations["DELETE attachment"] += 1
            if self.attachments.get(event_id, {}).pop(aid, None) is None:
                return 404, {}, _error("ErrorItemNotFound", "The attachment was not found.")
            return 204, {}, None
        elif aid is None and method == "POST":
            return self._add_attachment(event_id, body)
        elif aid is None and method == "GET":
            self.operations["GET attachments"] += 1
            return self._page(
                list(self.attachments.get(event_id, {}).values()),
                query,
                f"/users/{user}/events/{event_id}/attachments",
                lambda a: True,
            )
        return 405, {}, _error("MethodNotAllowed", f"{method} {what}")

    def _add_attachment(self, event_id: str, body: Any) -> tuple[int, dict[str, str], Any]:
        self.operations["POST attachment"] += 1
        if not isinstance(body, dict):
            return 400, {}, _error("ErrorInvalidRequest", self._violation("attachment body is not an object"))
        if body.get("@odata.type") != "#microsoft.graph.fileAttachment":
            return (
                400,
                {},
                _error(
                    "ErrorInvalidRequest",
                    self._violation(
                        f"attachment @odata.type {body.get('@odata.type')!r} is not #microsoft.graph.fileAttachment"
                    ),
                ),
            )
        problem = self._schema_problem(self.file_attachment_validator, body)
        if problem:
            return 400, {}, _error("ErrorInvalidRequest", problem)
        if not body.get("name"):
            return 400, {}, _error("ErrorInvalidRequest", self._violation("attachment name is required"))
        try:
            content = base64.b64decode(body.get("contentBytes") or "", validate=True)
        except (binascii.Error, ValueError):
            return 400, {}, _error("ErrorInvalidRequest", self._violation("contentBytes is not base64"))
        if len(content) >= SMALL_ATTACHMENT:
            self._violation(f"a {len(content)}-byte attachment must use an upload session")
            return 413, {}, _error("ErrorRequestEntityTooLarge", "The request is too large.")
        return (
            201,
            {},
            self._store_attachment(
                event_id, body["name"], body.get("contentType"), body.get("contentBytes") or "", len(content)
            ),
        )

    def _store_attachment(
        self, event_id: str, name: str, content_type: str | None, b64: str, size: int
    ) -> dict[str, Any]:
        aid = f"AAMkATT{next(self._ids):08d}{uuid.uuid4().hex[:8]}"
        data = {
            "@odata.type": "#microsoft.graph.fileAttachment",
            "id": aid,
            "name": name,
            "contentType": content_type,
            "size": size,
            "isInline": False,
            "lastModifiedDateTime": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "contentBytes": b64,
        }
        self.attachments.setdefault(event_id, {})[aid] = data
        self.events[event_id].data["hasAttachments"] = True
        return data

    def _create_upload(self, user: str, event_id: str, body: Any) -> tuple[int, dict[str, str], Any]:
        self.operations["POST createUploadSession"] += 1
        problem = self._schema_problem(self.upload_validator, body)
        if problem:
            return 400, {}, _error("ErrorInvalidRequest", problem)
        item = (body or {}).get("AttachmentItem") or {}
        if item.get("attachmentType") != "file" or not item.get("name"):
            return (
                400,
                {},
                _error("ErrorInvalidRequest", self._violation("AttachmentItem needs attachmentType file and a name")),
            )
        size = item.get("size")
        if not isinstance(size, int) or not 0 < size <= LARGE_ATTACHMENT:
            return (
                400,
                {},
                _error("ErrorInvalidRequest", self._violation(f"AttachmentItem.size {size!r} is not 1..150 MB")),
            )
        sid = uuid.uuid4().hex
        self.uploads[sid] = {
            "user": user,
            "event": event_id,
            "name": item["name"],
            "contentType": item.get("contentType"),
            "size": size,
            "data": bytearray(),
            "puts": 0,
        }
        expires = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
        origin = self.base_url.removesuffix("/v1.0")
        return (
            201,
            {},
            {"uploadUrl": f"{origin}/upload/{sid}", "expirationDateTime": expires, "nextExpectedRanges": ["0"]},
        )

    def upload(self, sid: str, headers: dict[str, str], chunk: bytes) -> tuple[int, dict[str, str], Any]:
        """One PUT of a byte range to an upload session (outside /v1.0, no token)."""
        with self.lock:
            self.operations["PUT upload"] += 1
            if "authorization" in headers:
                self._violation("a Graph token was sent to the pre-authenticated upload URL")
            session = self.uploads.get(sid)
            if session is None:
                return 404, {}, _error("ErrorItemNotFound", "upload session not found")
            m = _RANGE.match(headers.get("content-range", ""))
            if not m:
                return (
                    400,
                    {},
                    _error(
                        "InvalidRange",
                        self._violation(f"Content-Range {headers.get('content-range')!r} is not 'bytes a-b/total'"),
                    ),
                )
            first, last, total = int(m[1]), int(m[2]), int(m[3])
            data: bytearray = session["data"]
            if total != session["size"] or last - first + 1 != len(chunk) or last >= total:
                return (
                    400,
                    {},
                    _error(
                        "InvalidRange",
                        self._violation(
                            f"Content-Range {m[0]} does not match a {len(chunk)}-byte body of a {session['size']}-byte file"
                        ),
                    ),
                )
            if len(chunk) > UPLOAD_CHUNK_MAX:
                return 400, {}, _error("InvalidRange", self._violation(f"a {len(chunk)}-byte range is over 4 MB"))
            if first > len(data) or (first < len(data) and bytes(data[first : last + 1]) != chunk[: len(data) - first]):
                return (
                    416,
                    {},
                    _error("InvalidRange", self._violation(f"range starts at {first}, expected {len(data)}")),
                )
            data[first : last + 1] = chunk
            session["puts"] += 1
            if len(data) < total:
                return 200, {}, {"expirationDateTime": None, "nextExpectedRanges": [str(len(data))]}
            del self.uploads[sid]
            if session["event"] not in self.events:
                return 404, {}, _error("ErrorItemNotFound", "the event is gone")
            att = self._store_attachment(
                session["event"], session["name"], session["contentType"], base64.b64encode(bytes(data)).decode(), total
            )
            location = (
                f"{self.base_url}/Users('{session['user']}')/Events('{session['event']}')/Attachments('{att['id']}')"
            )
            return 201, {"Location": location}, None

    def _cancel(self, user: str, event_id: str, body: Any) -> tuple[int, dict[str, str], Any]:
        self.operations["POST cancel"] += 1
        problem = self._schema_problem(self.cancel_validator, body)
        if problem:
            return 400, {}, _error("ErrorInvalidRequest", problem)
        ev = self.events.pop(event_id)
        self.attachments.pop(event_id, None)
        self._notify(_attendees(ev.data), event_id, "cancellation")
        self.cancelled.append(
            {"mailbox": user, "event": ev.data, "comment": (body or {}).get("Comment"), "order": next(self._ids)}
        )  # ids count up: when, among creates
        return 202, {}, None

    def _cancel_occurrence(self, user: str, occurrence_id: str, body: Any) -> tuple[int, dict[str, str], Any]:
        """The organiser cancels one occurrence by its id: it leaves the series, the series
        stays (https://learn.microsoft.com/en-us/graph/api/event-cancel)."""
        self.operations["POST cancel occurrence"] += 1
        problem = self._schema_problem(self.cancel_validator, body)
        if problem:
            return 400, {}, _error("ErrorInvalidRequest", problem)
        found = self._find(user, occurrence_id)
        master = self.events.get((found or {}).get("seriesMasterId") or "")
        if found is None or master is None:
            return 404, {}, _error("ErrorItemNotFound", "The specified object was not found in the store.")
        master.cancelled.add(occurrence_id)
        master.instances.pop(occurrence_id, None)
        master.patched.discard(occurrence_id)
        self._notify(_attendees(master.data), master.data["id"], "cancellation", occurrence_id)
        return 202, {}, None

    def _schema_problem(self, validator: jsonschema.protocols.Validator, body: Any) -> str | None:
        if not isinstance(body, dict):
            return self._violation("body is not a JSON object")
        errors = sorted(validator.iter_errors(strip_annotations(body)), key=lambda e: list(e.path))
        if errors:
            e = errors[0]
            return self._violation(f"{'/'.join(map(str, e.path)) or 'body'}: {e.message}")
        return None

    # the spec slices for these are large: load them only when a test uses them
    @functools.cached_property
    def file_attachment_validator(self) -> jsonschema.protocols.Validator:
        return jsonschema.Draft202012Validator(file_attachment_schema())

    @functools.cached_property
    def upload_validator(self) -> jsonschema.protocols.Validator:
        return jsonschema.Draft202012Validator(action_body_schema(_UPLOAD_PATH))

    @functools.cached_property
    def cancel_validator(self) -> jsonschema.protocols.Validator:
        return jsonschema.Draft202012Validator(action_body_schema(_CANCEL_PATH))

    def _get(self, user: str, event_id: str) -> tuple[int, dict[str, str], Any]:
        self.operations["GET event"] += 1
        found = self._find(user, event_id)
        if found is None:
            return 404, {}, _error("ErrorItemNotFound", "The specified object was not found in the store.")
        return 200, _etag(found), found

    def _patch(self, user: str, event_id: str, headers: dict[str, str], body: Any) -> tuple[int, dict[str, str], Any]:
        self.operations["PATCH event"] += 1
        problem = self._validate(body, create=False)
        if problem:
            return 400, {}, _error("ErrorInvalidRequest", problem)
        found = self._find(user, event_id)
        if found is None:
            return 404, {}, _error("ErrorItemNotFound", "The specified object was not found in the store.")
        if event_id in self.edit_before_patch:
            self.edit_before_patch.discard(event_id)
            found["changeKey"] = self._change_key()
        match = headers.get("if-match")
        if match and match not in ("*", f'W/"{found["changeKey"]}"'):
            return (
                412,
                {},
                _error(
                    "ErrorIrresolvableConflict",
                    "The change key passed in the request does not match the current change key for the item.",
                ),
            )
        if "transactionId" in body and body["transactionId"] != found.get("transactionId"):
            self.violations.append("transactionId changed by PATCH")
            return 400, {}, _error("ErrorInvalidRequest", "transactionId cannot be changed")
        before = _attendees(found)
        found.update(strip_annotations(body))
        found["changeKey"] = self._change_key()
        master = self.events.get(found.get("seriesMasterId") or "")
        if master is not None:
            master.patched.add(event_id)
            found["type"] = "exception"
            self._notify(_attendees(master.data), master.data["id"], "update", event_id)
        else:
            self._notify_series_update(self.events[event_id], before, body)
        return 200, _etag(found), found

    def _notify_series_update(self, ev: _Event, before: list[str], body: dict[str, Any]) -> None:
        """Who hears of a PATCH of a series or single event
        (https://learn.microsoft.com/en-us/graph/api/event-update: an update of only
        ``attendees`` goes to the attendees that changed; any other update to all of them).
        A series update also goes out once more for each occurrence changed on its own;
        re-sending ``recurrence`` discards those exceptions (and cancelled occurrences)."""
        after = _attendees(ev.data)
        eid = ev.data["id"]
        changed = set(body) - {"@odata.type"}
        if changed == {"attendees"}:
            gone = [a for a in before if a.casefold() not in {x.casefold() for x in after}]
            new = [a for a in after if a.casefold() not in {x.casefold() for x in before}]
            self._notify(new, eid, "invitation")
            self._notify(gone, eid, "cancellation")
            return
        self._notify(after, eid, "update")
        for iid in sorted(ev.patched):
            self._notify(after, eid, "update", iid)
        if "recurrence" in body:
            self.exceptions_discarded += len(ev.patched) + len(ev.cancelled)
            ev.patched.clear()
            ev.cancelled.clear()
            ev.instances.clear()

    def _find(self, user: str, event_id: str) -> dict[str, Any] | None:
        ev = self.events.get(event_id)
        if ev is not None:
            return ev.data if ev.mailbox == user else None
        master_id, _, stamp = event_id.rpartition("_")
        master = self.events.get(master_id)
        if master is None or master.mailbox != user or not stamp:
            return None
        if event_id in master.cancelled:
            return None
        if event_id not in master.instances:
            start = self._occurrence_start(master.data, stamp)
            if start is None:
                return None
            master.instances[event_id] = self._instance(master.data, event_id, start)
        return master.instances[event_id]

    def _instances(self, user: str, event_id: str, query: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        self.operations["GET instances"] += 1
        ev = self.events.get(event_id)
        if ev is None or ev.mailbox != user:
            return 404, {}, _error("ErrorItemNotFound", "not found")
        try:
            lo = _utc(query["startDateTime"])
            hi = _utc(query["endDateTime"])
        except (KeyError, ValueError):
            return (
                400,
                {},
                _error(
                    "ErrorInvalidParameter",
                    "This request requires a time window specified by the query string "
                    "parameters StartDateTime and EndDateTime.",
                ),
            )
        out = []
        for start in self._expand(ev.data):
            if lo <= start < hi:
                iid = f"{event_id}_{start.strftime('%Y%m%dT%H%M%SZ')}"
                if iid in ev.cancelled:
                    continue
                if iid not in ev.instances:  # an occurrence keeps its id and changeKey
                    ev.instances[iid] = self._instance(ev.data, iid, start)
                out.append(_select(ev.instances[iid], query))
        return 200, {}, {"value": out}

    def _instance(self, master: dict[str, Any], iid: str, start: dt.datetime) -> dict[str, Any]:
        length = _local(master["end"]) - _local(master["start"])
        return {
            "id": iid,
            "seriesMasterId": master["id"],
            "type": "occurrence",
            "changeKey": self._change_key(),
            "subject": master.get("subject"),
            "start": {"dateTime": start.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": "UTC"},
            "end": {"dateTime": (start + length).strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": "UTC"},
            "body": master.get("body"),
        }

    def _occurrence_start(self, master: dict[str, Any], stamp: str) -> dt.datetime | None:
        for start in self._expand(master):
            if start.strftime("%Y%m%dT%H%M%SZ") == stamp:
                return start
        return None

    def _expand(self, data: dict[str, Any]) -> list[dt.datetime]:
        """Occurrence starts (UTC) of a series, wall time kept in its zone."""
        start = _local(data["start"])
        rec = data.get("recurrence")
        if not rec:
            return [start.astimezone(dt.UTC)]
        pattern, rng = rec["pattern"], rec["range"]
        zone = _zone(rng.get("recurrenceTimeZone") or data["start"]["timeZone"])
        first = dt.datetime.combine(dt.date.fromisoformat(rng["startDate"]), start.time())
        until = dt.datetime.combine(dt.date.fromisoformat(rng["endDate"]), dt.time(23, 59, 59))
        days = [_WEEKDAYS[d] for d in pattern.get("daysOfWeek", [])]
        if pattern["type"] == "weekly":
            rule = rrule.rrule(
                rrule.WEEKLY,
                dtstart=first,
                until=until,
                interval=pattern.get("interval", 1),
                byweekday=days,
                wkst=rrule.MO,
            )
        else:
            n = _INDEX[pattern.get("index", "first")]
            rule = rrule.rrule(
                rrule.MONTHLY,
                dtstart=first,
                until=until,
                interval=pattern.get("interval", 1),
                byweekday=[d(n) for d in days],
            )
        return [d.replace(tzinfo=zone).astimezone(dt.UTC) for d in rule]

    def _validate(self, body: Any, *, create: bool) -> str | None:
        """Schema (from Calendar.yml) + the semantic checks real Graph makes."""
        if not isinstance(body, dict):
            return self._violation("body is not a JSON object")
        clean = strip_annotations(body)
        errors = sorted(self.validator.iter_errors(clean), key=lambda e: list(e.path))
        if errors:
            e = errors[0]
            return self._violation(f"{'/'.join(map(str, e.path)) or 'body'}: {e.message}")
        for name in ("start", "end"):
            value = clean.get(name)
            if value is None:
                if create:
                    return self._violation(f"{name} is required")
                continue
            if not _DATETIME.match(value.get("dateTime") or ""):
                return self._violation(f"{name}.dateTime {value.get('dateTime')!r} is not a date-time")
            if not _known_zone(value.get("timeZone")):
                return self._violation(
                    f"{name}.timeZone {value.get('timeZone')!r} is not a time zone "
                    "Graph accepts (a Windows name or one of its listed IANA names)"
                )
        if "start" in clean and "end" in clean and _local(clean["end"]) <= _local(clean["start"]):
            return self._violation("end must be after start")
        rec = clean.get("recurrence")
        if rec:
            pattern, rng = rec.get("pattern") or {}, rec.get("range") or {}
            if pattern.get("type") in ("weekly", "relativeMonthly") and not pattern.get("daysOfWeek"):
                return self._violation("recurrence.pattern.daysOfWeek is required")
            if pattern.get("type") == "relativeMonthly" and not pattern.get("index"):
                return self._violation("recurrence.pattern.index is required for relativeMonthly")
            if rng.get("type") == "endDate" and not rng.get("endDate"):
                return self._violation("recurrence.range.endDate is required")
            tz = rng.get("recurrenceTimeZone")
            if tz is not None and not _known_zone(tz):
                return self._violation(f"recurrence.range.recurrenceTimeZone {tz!r} is not a time zone Graph accepts")
            if rng.get("endDate") and rng.get("startDate") and rng["endDate"] < rng["startDate"]:
                return self._violation("recurrence range ends before it starts")
            start = clean.get("start")
            if start and rng.get("startDate") and start["dateTime"][:10] != rng["startDate"]:
                return self._violation("recurrence.range.startDate must be the start's date")
        for person in clean.get("attendees") or []:
            address = ((person or {}).get("emailAddress") or {}).get("address") or ""
            if "@" not in address or any(c in address for c in '\r\n<>" '):
                return self._violation(f"attendee address {address!r} is not an e-mail address")
        if "subject" in clean and clean["subject"] and any(c in clean["subject"] for c in "\r\n"):
            return self._violation("subject must be one line")
        return None

    def _violation(self, message: str) -> str:
        self.violations.append(message)
        return message

    def _change_key(self) -> str:
        return uuid.uuid4().hex[:16]

    # -- HTTP --------------------------------------------------------------------------

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        with self.lock:
            self.http_requests += 1
        upload = re.match(r"^/upload/([0-9a-f]+)$", request.path)
        if upload and request.method == "PUT":  # pre-authenticated: no token expected
            headers = {k.lower(): v for k, v in request.headers.items()}
            with self._measure(Counter(["upload"])):
                status, out_headers, out = self.upload(upload[1], headers, request.get_data())
            return _json(status, out_headers, out)(environ, start_response)
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or len(auth) < 10:
            return _json(401, {}, _error("InvalidAuthenticationToken", "Access token is empty."))(
                environ, start_response
            )
        with self.lock:
            self.tokens.append(auth[7:])
        body = request.get_data()
        payload = json.loads(body) if body else None
        headers = {k.lower(): v for k, v in request.headers.items()}
        path = request.path
        if path.rstrip("/").endswith("/$batch") and request.method == "POST":
            mailboxes = Counter(_mailbox(i.get("url", "")) for i in (payload or {}).get("requests", []))
            status, out_headers, out = 0, {}, None
            with self._measure(mailboxes) as admitted:
                self._delay()
                status, out_headers, out = self._batch(payload, admitted)
        else:
            url = request.full_path if request.query_string else request.path
            box = _mailbox(path)
            with self._measure(Counter([box])) as admitted:
                self._delay()
                if admitted[box]:
                    status, out_headers, out = self.handle(request.method, url, headers, payload)
                else:
                    status, out_headers, out = self._over_concurrency()
        if self.faults.drop and status < 400 and self.rng.random() < self.faults.drop:
            with self.lock:
                self.operations["dropped"] += 1
            # the work is done, but the client never hears back (GR-3)
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return _json(status, out_headers, out)(environ, start_response)
        return _json(status, out_headers, out)(environ, start_response)

    def _delay(self) -> None:
        f = self.faults
        wait = f.latency
        if f.slow and self.rng.random() < f.slow:
            wait += f.slow_seconds
            with self.lock:
                self.operations["slow"] += 1
        if wait:
            time.sleep(wait)

    @contextmanager
    def _measure(self, mailboxes: Counter[str]) -> Iterator[dict[str, int]]:
        """Count requests in flight per mailbox; yields how many of each mailbox's requests
        are admitted: past ``MAILBOX_CONCURRENCY`` at once the rest are throttled (429)."""
        with self.lock:
            admitted = {}
            for box, n in mailboxes.items():
                room = n if not box else max(0, MAILBOX_CONCURRENCY - self.in_flight[box])
                admitted[box] = min(n, room)
                # the peak the client *asked* for, so a test sees a client that overdoes it
                self.max_in_flight[box] = max(self.max_in_flight.get(box, 0), self.in_flight[box] + n)
            taken = Counter(admitted)
            self.in_flight.update(taken)
        try:
            yield admitted
        finally:
            with self.lock:
                self.in_flight.subtract(taken)

    def _over_concurrency(self) -> tuple[int, dict[str, str], Any]:
        with self.lock:
            self.operations["429 concurrency"] += 1
        return (
            429,
            {"Retry-After": "1"},
            _error("ApplicationThrottled", "Application is over its MailboxConcurrency limit."),
        )

    def _batch(self, payload: Any, admitted: dict[str, int] | None = None) -> tuple[int, dict[str, str], Any]:
        with self.lock:
            self.operations["$batch"] += 1
        items = (payload or {}).get("requests")
        if not isinstance(items, list) or not 1 <= len(items) <= 20:
            self.violations.append("a $batch must hold 1 to 20 requests")
            return 400, {}, _error("BadRequest", "a $batch must hold 1 to 20 requests")
        ids = [str(i.get("id")) for i in items]
        if len(set(ids)) != len(ids):
            self.violations.append("duplicate $batch ids")
            return 400, {}, _error("BadRequest", "duplicate request ids")
        responses = []
        room = Counter(admitted or {})
        for item in items:
            url = item.get("url", "")
            box = _mailbox(url)
            if admitted is not None and box:
                if room[box] <= 0:  # Graph runs a batch's items in parallel: the excess is throttled
                    status, h, body = self._over_concurrency()
                    responses.append({"id": item.get("id"), "status": status, "headers": h, "body": body})
                    continue
                room[box] -= 1
            if not url.startswith("/") or url.startswith("/v1.0"):
                self.violations.append(f"$batch url {url!r} must be relative to the version root")
            headers = {k.lower(): v for k, v in (item.get("headers") or {}).items()}
            if item.get("body") is not None and "content-type" not in headers:
                self.violations.append("$batch item with a body has no Content-Type")
            status, h, body = self.handle(item.get("method", "GET"), url, headers, item.get("body"))
            responses.append({"id": item.get("id"), "status": status, "headers": h, "body": body})
        return 200, {}, {"responses": responses}


def _mailbox(url: str) -> str:
    m = re.search(r"/users/([^/?]+)", unquote(url))
    return m[1].casefold() if m else ""


def _json(status: int, headers: dict[str, str], body: Any) -> Response:
    resp = Response(json.dumps(body) if body is not None else b"", status=status, content_type="application/json")
    for k, v in headers.items():
        resp.headers[k] = v
    return resp


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _etag(data: dict[str, Any]) -> dict[str, str]:
    return {"ETag": f'W/"{data["changeKey"]}"'}


def _select(data: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
    fields = query.get("$select")
    if not fields:
        return data
    keep = {f.strip() for f in fields.split(",")} | {"id"}
    return {k: v for k, v in data.items() if k in keep}


def _known_zone(name: str | None) -> bool:
    """Windows names and the IANA names Graph lists (and UTC), nothing else
    (https://learn.microsoft.com/en-us/graph/api/resources/datetimetimezone)."""
    return bool(name) and (name in WINDOWS_ZONES or name in GRAPH_IANA_ZONES or name == "UTC")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(WINDOWS_ZONES.get(name, name))
    except (ZoneInfoNotFoundError, ValueError):  # a documented name this machine lacks
        return ZoneInfo(WINDOWS_ZONES.get(name, "UTC"))


def _attendees(data: dict[str, Any]) -> list[str]:
    return [((a or {}).get("emailAddress") or {}).get("address") or "" for a in data.get("attendees") or []]


def _local(value: dict[str, Any]) -> dt.datetime:
    naive = dt.datetime.fromisoformat(value["dateTime"][:19])
    return naive.replace(tzinfo=_zone(value.get("timeZone") or "UTC"))


def _utc(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class GraphServer:
    """The WSGI app on 127.0.0.1 at a random port, served from a thread."""

    def __init__(self, faults: Faults | None = None) -> None:
        self.state = GraphState(faults)
        self._server = make_server("127.0.0.1", 0, self.state.wsgi, threaded=True)
        self._server.daemon_threads = True
        self.port = self._server.server_port
        self.base_url = f"http://127.0.0.1:{self.port}/v1.0"
        self.state.base_url = self.base_url
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> GraphServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
