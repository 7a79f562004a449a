"""Which meeting the Outlook pane is in: by the meeting key the invite carries, never a guess.

Every series body ends with "OKR meeting key: okr-<kind>-<hex>" (``plan._series_body``);
the pane reads it from the item's body, in the organiser's form and the attendee's alike,
and asks for the meeting it names. An unknown or malformed key is an error, never another
team's meeting.
"""

from __future__ import annotations

import re
from typing import Any

from addin.errors import InputError, NotFound
from addin.store.meetings import get_meeting

MEETING_KEY = re.compile(r"^okr-(?:checkin|review|retro)-[0-9a-f]{24}(?:-until-\d{8})?$")


def meeting_identity(db: Any, tenant: str, key: str) -> dict[str, str]:
    """The team, kind and quarter of the meeting ``key`` (this tenant's only)."""
    if not MEETING_KEY.match(key or ""):
        raise InputError(
            "That is not an OKR meeting key (okr-checkin-… as the invite shows it).",
            code="bad_meeting_key",
            field="key",
        )
    with db.read() as s:
        rec = get_meeting(s, tenant, key)
    if rec is None:
        raise NotFound(
            "No OKR meeting has this key here; was it scheduled in another tenant?", code="meeting_not_found", key=key
        )
    return {"key": rec.key, "team": rec.team, "kind": rec.kind, "quarter": rec.quarter}


__all__ = ["MEETING_KEY", "meeting_identity"]
