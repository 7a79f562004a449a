"""Meetings only in mailboxes that agreed: the organiser is the team's stored lead (set by the
lead or an admin, never by a workbook cell alone), and with Graph configured the organiser and
attendees are checked to be users of the tenant before anything is written.

``CadenceSettings.allow_external_attendees`` (OKR_ALLOW_EXTERNAL_ATTENDEES=true) keeps attendees
outside the tenant in the invitations; by default they are left out (and the schedule report says so).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from addin.okr.authority import vet_meeting_people
from addin.outlook.plan import CadencePlan, Skipped


def with_people_check(calendar: Any) -> Any:
    """Mark a Graph calendar so every schedule through it checks organisers and attendees
    (default_calendar does this for every Graph calendar it builds)."""
    calendar.check_people = True
    return calendar


def vet_plan(plan: CadencePlan, calendar: Any, tenant: str, *, allow_external: bool = False) -> CadencePlan:
    """The plan without meetings whose organiser is not a tenant user, and without outside
    attendees unless allowed; each is reported as skipped. Only with a checked Graph calendar."""
    if getattr(calendar, "name", "") != "graph" or not getattr(calendar, "check_people", False):
        return plan
    if not plan.meetings:
        return plan
    people = {m.organizer for m in plan.meetings} | {a for m in plan.meetings for a in m.attendees}
    users = calendar.tenant_users(tenant, people)  # the Graph adapter asks the tenant's directory
    meetings, skipped = [], list(plan.skipped)
    for m in plan.meetings:
        vetted = vet_meeting_people(m.organizer, m.attendees, users, allow_external=allow_external)
        if not vetted.organiser_ok:
            skipped.append(
                Skipped(
                    m.team,
                    f"{m.organizer}, the team's lead, is not a user of this "
                    f"organisation: the {m.kind} meeting is not created in that mailbox",
                )
            )
            continue
        if vetted.left_out:
            skipped.append(
                Skipped(
                    m.team,
                    f"left out of the {m.kind} invitation (not users of this organisation; "
                    f"OKR_ALLOW_EXTERNAL_ATTENDEES=true invites them): "
                    f"{', '.join(vetted.left_out)}",
                )
            )
            m = replace(m, attendees=vetted.attendees)
        meetings.append(m)
    return replace(plan, meetings=tuple(meetings), skipped=tuple(skipped))
