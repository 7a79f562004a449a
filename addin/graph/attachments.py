"""Retro packs on Graph events, and cancelled events: attachments, upload sessions, cancel.

A pack under ``SMALL_LIMIT`` is one ``POST .../events/{id}/attachments`` (a fileAttachment
with ``contentBytes``); a larger one goes through ``attachments/createUploadSession`` and
``PUT``s of byte ranges to the session's pre-authenticated URL (no Graph token is sent
there). The new pack is added *before* the old one is deleted, so the meeting is never
without a pack; then every attachment of the event with the pack's name other than the
new one is deleted -- the older pack, and any copy a lost reply (re-sent POST) left
behind, since attachments have no transactionId. Requests go through the session, so
throttling, retries and the per-mailbox limit are those of every other Graph call.
"""

from __future__ import annotations

import asyncio
import re
import warnings
from collections.abc import Sequence
from typing import Any

from addin.graph.client import SDK_MODULES

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=SDK_MODULES)
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.models.attachment_item import AttachmentItem
    from msgraph.generated.models.attachment_type import AttachmentType
    from msgraph.generated.models.file_attachment import FileAttachment
    from msgraph.generated.users.item.events.item.attachments.attachments_request_builder import (
        AttachmentsRequestBuilder,
    )
    from msgraph.generated.users.item.events.item.attachments.create_upload_session.create_upload_session_post_request_body import (  # noqa: E501
        CreateUploadSessionPostRequestBody,
    )
    from msgraph.generated.users.item.events.item.cancel.cancel_post_request_body import (
        CancelPostRequestBody,
    )

from addin.graph.client import Call, Reply, Session
from addin.outlook.calendar import DOCX_TYPE, Failure, Record, RetroPack

SMALL_LIMIT = 3_000_000  # bytes: Graph takes attachments "smaller than 3 MB" in one POST
LARGE_LIMIT = 150 * 1024 * 1024  # upload sessions take files up to 150 MB
CHUNK = 10 * 320 * 1024  # bytes per PUT: under Outlook's 4 MB per request, a multiple of 320 KiB
MAX_PAGES = 100  # nextLink pages followed before giving up on a listing
_LOCATION_ID = re.compile(r"Attachments\('([^']+)'\)", re.IGNORECASE)


def _failure(pack: RetroPack, reply: Reply | None, what: str) -> Failure:
    rec = pack.record
    if reply is None:
        return Failure(rec.key, rec.team, rec.kind, what, False)
    transient = reply.status == 0 or reply.status in (429, 500, 502, 503, 504)
    return Failure(
        rec.key, rec.team, rec.kind, f"{what}: Graph answered {reply.status or 'nothing'}: {reply.message()}", transient
    )


class Attacher:
    """Puts packs on their events within one session (one event loop)."""

    def __init__(self, session: Session, record: Record) -> None:
        self.s = session
        self.record = record
        self.users = session.client.users
        self.failures: list[Failure] = []
        self.forbidden: Reply | None = None

    async def attach(self, packs: Sequence[RetroPack]) -> list[Failure]:
        """Attach every pack (meetings in parallel, each meeting's steps in order)."""
        await asyncio.gather(*(self._one(p) for p in packs))
        return self.failures

    async def _one(self, pack: RetroPack) -> None:
        rec = pack.record
        if len(pack.content) >= LARGE_LIMIT:
            self.failures.append(
                _failure(pack, None, f"the pack is {len(pack.content):,} bytes, over Outlook's 150 MB attachment limit")
            )
            return
        event = self.users.by_user_id(rec.organizer).events.by_event_id(rec.graph_id or "")
        if len(pack.content) < SMALL_LIMIT:
            body = FileAttachment(name=pack.name, content_type=DOCX_TYPE, content_bytes=pack.content, is_inline=False)
            (reply,) = await self.s.run(
                [Call(rec.organizer, event.attachments.to_post_request_information(body))], batch=False
            )
            new_id = reply.body.get("id") if reply.ok and isinstance(reply.body, dict) else None
            how = "file"
        else:
            new_id, reply = await self._upload(pack)
            how = "upload"
        if not new_id:
            self._note(reply)
            self.failures.append(_failure(pack, reply, "could not attach the retro pack"))
            return
        self.record(
            [
                rec.but(
                    attachment={
                        "id": new_id,
                        "sha256": pack.sha256,
                        "name": pack.name,
                        "size": len(pack.content),
                        "how": how,
                    }
                )
            ]
        )
        old = str((rec.attachment or {}).get("id") or "")
        await self._remove_others(pack, keep=str(new_id), old=old)

    async def _upload(self, pack: RetroPack) -> tuple[str | None, Reply]:
        """An upload session, then the file in ranges; the new attachment's id."""
        rec = pack.record
        event = self.users.by_user_id(rec.organizer).events.by_event_id(rec.graph_id or "")
        item = AttachmentItem(
            attachment_type=AttachmentType.File,
            name=pack.name,
            size=len(pack.content),
            content_type=DOCX_TYPE,
            is_inline=False,
        )
        request = event.attachments.create_upload_session.to_post_request_information(
            CreateUploadSessionPostRequestBody(attachment_item=item)
        )
        (reply,) = await self.s.run([Call(rec.organizer, request)], batch=False)
        url = reply.body.get("uploadUrl") if reply.ok and isinstance(reply.body, dict) else None
        if not url:
            return None, reply
        total, offset = len(pack.content), 0
        while offset < total:
            chunk = pack.content[offset : offset + CHUNK]
            reply = await self.s.upload(
                rec.organizer,
                url,
                chunk,
                {
                    "Content-Range": f"bytes {offset}-{offset + len(chunk) - 1}/{total}",
                    "Content-Type": "application/octet-stream",
                },
            )
            if reply.status == 201:
                found = _LOCATION_ID.search(reply.headers.get("location", ""))
                return (found[1] if found else await self._newest(pack)), reply
            ranges = (reply.body or {}).get("nextExpectedRanges") if reply.ok else None
            if not ranges:
                return None, reply
            # the server says where to go on (a resent range it already had moves us ahead)
            nxt = int(str(ranges[0]).split("-")[0])
            if nxt <= offset:
                return None, Reply(reply.status, reply.headers, reply.body, error="the upload session did not move on")
            offset = nxt
        return None, reply

    async def _list(self, pack: RetroPack) -> list[dict[str, Any]] | None:
        """The event's attachments (id, name, size), every page; None if Graph would not say."""
        rec = pack.record
        attachments = self.users.by_user_id(rec.organizer).events.by_event_id(rec.graph_id or "").attachments
        config = RequestConfiguration(
            query_parameters=AttachmentsRequestBuilder.AttachmentsRequestBuilderGetQueryParameters(
                select=["id", "name", "size"]
            )
        )
        request = attachments.to_get_request_information(config)
        out: list[dict[str, Any]] = []
        for _page in range(MAX_PAGES):
            (reply,) = await self.s.run([Call(rec.organizer, request)], batch=False)
            if not reply.ok or not isinstance(reply.body, dict):
                self._note(reply)
                self.failures.append(_failure(pack, reply, "could not list the meeting's attachments"))
                return None
            out.extend(v for v in reply.body.get("value") or [] if isinstance(v, dict))
            link = reply.body.get("@odata.nextLink")
            if not link:
                return out
            if not str(link).startswith(self.s.settings.base_url + "/"):
                self.failures.append(_failure(pack, None, f"Graph sent a nextLink elsewhere: {link!r}"))
                return None
            request = attachments.with_url(str(link)).to_get_request_information()
        self.failures.append(_failure(pack, None, "too many pages of attachments"))
        return None

    async def _newest(self, pack: RetroPack) -> str | None:
        listed = await self._list(pack) or []
        mine = [a for a in listed if a.get("name") == pack.name and a.get("size") == len(pack.content)]
        return str(mine[-1]["id"]) if mine else None

    async def _remove_others(self, pack: RetroPack, *, keep: str, old: str) -> None:
        listed = await self._list(pack)
        if listed is None:
            return
        rec = pack.record
        doomed = [
            str(a["id"])
            for a in listed
            if a.get("id") and str(a["id"]) != keep and (a.get("name") == pack.name or str(a["id"]) == old)
        ]
        if not doomed:
            return
        event = self.users.by_user_id(rec.organizer).events.by_event_id(rec.graph_id or "")
        calls = [
            Call(rec.organizer, event.attachments.by_attachment_id(a).to_delete_request_information()) for a in doomed
        ]
        for reply in await self.s.run(calls):
            if not reply.ok and reply.status != 404:  # 404: someone removed it already
                self._note(reply)
                self.failures.append(
                    _failure(pack, reply, "the new pack is attached, but an older copy could not be removed")
                )

    def _note(self, reply: Reply | None) -> None:
        if reply is not None and reply.status in (401, 403):
            self.forbidden = reply


def cancel_call(session: Session, mailbox: str, event_id: str, comment: str) -> Call:
    """``POST /users/{mailbox}/events/{id}/cancel``: the organiser cancels, attendees are told."""
    request = (
        session.client.users.by_user_id(mailbox)
        .events.by_event_id(event_id)
        .cancel.to_post_request_information(CancelPostRequestBody(comment=comment))
    )
    return Call(mailbox, request)
