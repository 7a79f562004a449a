"""A planned meeting as a Graph ``Event`` (and the PATCH for what changed), and events read back.

Our meeting key lives in a single-value extended property (``KEY_PROPERTY``), so an event is
found again by ``$filter`` even when a create's reply or the store was lost; each create's
transactionId (``transaction_id``) is the same on every retry, so Graph never makes a second one.
"""

from __future__ import annotations

import datetime as dt
import uuid
import warnings
from collections.abc import Sequence
from typing import Any

from addin.graph.client import SDK_MODULES

with warnings.catch_warnings():
    # kiota-abstractions warns at import time about its own deprecated class (used by the
    # generated request builders); nothing we can change, and pytest runs with -W error
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=SDK_MODULES)
    from msgraph.generated.models.attendee import Attendee
    from msgraph.generated.models.attendee_type import AttendeeType
    from msgraph.generated.models.body_type import BodyType
    from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
    from msgraph.generated.models.day_of_week import DayOfWeek
    from msgraph.generated.models.email_address import EmailAddress
    from msgraph.generated.models.event import Event
    from msgraph.generated.models.item_body import ItemBody
    from msgraph.generated.models.online_meeting_provider_type import OnlineMeetingProviderType
    from msgraph.generated.models.patterned_recurrence import PatternedRecurrence
    from msgraph.generated.models.recurrence_pattern import RecurrencePattern
    from msgraph.generated.models.recurrence_pattern_type import RecurrencePatternType
    from msgraph.generated.models.recurrence_range import RecurrenceRange
    from msgraph.generated.models.recurrence_range_type import RecurrenceRangeType
    from msgraph.generated.models.single_value_legacy_extended_property import (
        SingleValueLegacyExtendedProperty,
    )
    from msgraph.generated.models.week_index import WeekIndex

from addin.graph.client import Reply
from addin.outlook.body import ABOUT, section
from addin.outlook.calendar import MeetingChange
from addin.outlook.plan import PlannedMeeting
from addin.outlook.timezones import windows_zone
from addin.store.meetings import CREATED, MeetingRecord

# Our meeting key lives in this MAPI named property (a GUID of our own + a name).
KEY_PROPERTY = "String {3c1f6a52-8e0b-4f5e-9a37-6b2d1c0e4a91} Name okrCadenceMeetingKey"

_TXN_NAMESPACE = uuid.UUID("0b8c4f7e-2a61-4d3b-8f09-5e7a1c2d3b4f")

_SELECT = ["id", "iCalUId", "changeKey", "subject", "start", "type"]

_SELECT_BODY = [*_SELECT, "body"]


def transaction_id(tenant: str, key: str, generation: int = 0) -> str:
    """The transactionId of a meeting's create (the same on every retry and every run)."""
    return str(uuid.uuid5(_TXN_NAMESPACE, f"{tenant}\x1f{key}\x1f{generation}"))


def to_event(m: PlannedMeeting, *, tenant: str, txn: str | None = None) -> Event:
    """The SDK ``Event`` for a planned meeting (the series, with its generic body)."""
    wall = m.start.replace(tzinfo=None)
    zone = windows_zone(m.timezone)  # Graph documents Windows names (and few IANA ones)
    event = Event(
        subject=m.subject,
        body=ItemBody(content_type=BodyType.Html, content=section(ABOUT, m.body_html)),
        start=DateTimeTimeZone(date_time=wall.isoformat(timespec="seconds"), time_zone=zone),
        end=DateTimeTimeZone(date_time=(wall + m.duration).isoformat(timespec="seconds"), time_zone=zone),
        attendees=[
            Attendee(email_address=EmailAddress(address=a), type=AttendeeType.Required)
            for a in m.attendees
            if a.casefold() != m.organizer.casefold()
        ],
        categories=list(m.categories),
        is_online_meeting=m.online_meeting,
        online_meeting_provider=OnlineMeetingProviderType.TeamsForBusiness if m.online_meeting else None,
        recurrence=_recurrence(m),
    )
    if txn is not None:
        # only on create: transactionId cannot change later; the property is how we find it
        event.transaction_id = txn
        event.single_value_extended_properties = [SingleValueLegacyExtendedProperty(id=KEY_PROPERTY, value=m.key)]
    return event


def _recurrence(m: PlannedMeeting) -> PatternedRecurrence | None:
    rec = m.recurrence
    if rec is None:
        return None
    pattern = RecurrencePattern(
        type=RecurrencePatternType.Weekly if rec.pattern == "weekly" else RecurrencePatternType.RelativeMonthly,
        interval=rec.interval,
        days_of_week=[DayOfWeek(d) for d in rec.days_of_week],
    )
    if rec.pattern == "weekly":
        pattern.first_day_of_week = DayOfWeek.Monday
    else:
        pattern.index = WeekIndex(rec.index or "first")
    return PatternedRecurrence(
        pattern=pattern,
        range=RecurrenceRange(
            type=RecurrenceRangeType.EndDate,
            start_date=rec.range_start,
            end_date=rec.range_end,
            recurrence_time_zone=windows_zone(m.timezone),
        ),
    )


# which Event properties carry each changed field of a PlannedMeeting (see snapshots._snapshot)
_PROPERTIES = {
    "subject": ("subject",),
    "attendees": ("attendees",),
    "start": ("start", "end"),
    "duration": ("start", "end"),
    "timezone": ("start", "end", "recurrence"),
    "recurrence": ("start", "end", "recurrence"),
    "online_meeting": ("is_online_meeting", "online_meeting_provider"),
    "categories": ("categories",),
    "body_html": ("body",),
}


def patched_properties(changes: Sequence[str]) -> set[str]:
    """The Event properties a PATCH for these changed fields carries (empty: nothing to send,
    e.g. only skipped days changed: those are occurrence cancels)."""
    if "resend" in changes:
        return {"all"}
    return {p for change in changes for p in _PROPERTIES.get(change, ())}


def patch_event(m: PlannedMeeting, changes: Sequence[str], body: str | None = None) -> Event:
    """Only what changed: every PATCH sends attendees a notice (an attendees-only PATCH only
    to those added or removed), and re-sending ``recurrence`` discards the series' changed
    and cancelled occurrences. ``body`` is the spliced body, when ``body_html`` changed."""
    full = to_event(m, tenant="")
    names: set[str] = set()
    for change in changes:
        names.update(_PROPERTIES.get(change, ()))
    if "body" in names and body is None:
        names.discard("body")
    event = Event()
    for name in sorted(names):
        value = getattr(full, name)
        if value is not None:  # a single event has no recurrence to send
            setattr(event, name, value)
    if "body" in names:
        event.body = ItemBody(content_type=BodyType.Html, content=body)
    return event


def _key_filter(key: str) -> str:
    return f"singleValueExtendedProperties/Any(ep: ep/id eq '{KEY_PROPERTY}' and ep/value eq '{key}')"


def _invited(c: MeetingChange) -> list[str]:
    """Who the invitation went to (the stored snapshot: after outside attendees were left
    out), so a pre-read reaches exactly the meeting's attendees."""
    sent = (c.record.snapshot or {}).get("attendees")
    return [str(a) for a in sent] if isinstance(sent, list) else list(c.meeting.attendees)


def _body_changes(c: MeetingChange) -> bool:
    return "body_html" in c.changes or "resend" in c.changes


def _resends_recurrence(c: MeetingChange) -> bool:
    return c.meeting.recurrence is not None and bool({"timezone", "recurrence", "resend"} & set(c.changes))


def _body_of(event: dict[str, Any]) -> str:
    body = event.get("body")
    return str(body.get("content") or "") if isinstance(body, dict) else ""


def _with_ids(rec: MeetingRecord, body: dict[str, Any]) -> MeetingRecord:
    return rec.but(
        state=CREATED,
        graph_id=body.get("id") or rec.graph_id,
        ical_uid=body.get("iCalUId") or rec.ical_uid,
        change_key=body.get("changeKey") or rec.change_key,
    )


def _matching_instance(reply: Reply, c: MeetingChange) -> dict[str, Any] | None:
    assert c.body is not None
    want = c.body.start.astimezone(dt.UTC)
    values = (reply.body or {}).get("value") or []
    for item in values:
        start = item.get("start") or {}
        when = _parse_graph_time(start.get("dateTime"), start.get("timeZone"))
        if when is not None and abs((when - want).total_seconds()) < 60:
            return item
    return values[0] if len(values) == 1 else None


def _parse_graph_time(value: str | None, zone: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value[:26].rstrip("Z"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        if zone and zone.upper() != "UTC":
            try:
                from zoneinfo import ZoneInfo

                from addin.outlook.timezones import iana_zone  # Graph may answer in Windows names

                return parsed.replace(tzinfo=ZoneInfo(iana_zone(zone))).astimezone(dt.UTC)
            except (KeyError, ValueError):
                return None
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
