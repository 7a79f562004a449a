"""Who may change what inside a tenant (plain rules; the edges call them with the signed-in user).

Everyone reads everything. Writes:

- an *admin* (the app role ``OKR.Admin``; the embedded default's local user) changes anything,
  the tenant's Settings included;
- a team's *lead* and *members*, as stored (never re-read from an upload as truth), change
  that team's OKRs and team details;
- a key result's *owner* checks in on it (the team's lead and members may too);
- another team's dependency on a team is accepted or declined only by that team's lead or an
  admin;
- who leads a team and who is in it changes only by that team's current lead or an admin, and
  a new team naming someone else as its lead waits for an admin. Anything not allowed is held
  as *pending*: reported as an ``authority.*`` finding, while the rest of the sync applies.

People are matched by e-mail / UPN (case-insensitive) until the first time they act; from then
on the address is bound to their object id, so a later account reusing the address is not them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from addin.okr.model import Finding, KeyResult, Location, Settings, Severity, Team

ADMIN_ROLE = "OKR.Admin"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is making a change: object id (the audit key), e-mail / UPN, display name, admin or not."""

    object_id: str
    email: str | None = None
    name: str = ""
    is_admin: bool = False


LOCAL_ADMIN = Actor(object_id="local", email=None, name="local", is_admin=True)


def actor_from(object_id: str, email: str | None, name: str, roles: Collection[str]) -> Actor:
    """The Actor of a signed-in user: admin when the token's ``roles`` carry OKR.Admin."""
    return Actor(object_id=object_id, email=email, name=name, is_admin=ADMIN_ROLE in roles)


def email_key(email: str | None) -> str:
    """How addresses are compared: trimmed and case-folded."""
    return (email or "").strip().casefold()


def is_person(actor: Actor, email: str | None, bindings: Mapping[str, str]) -> bool:
    """Whether ``actor`` is the person with ``email``: the bound object id, else the same address."""
    key = email_key(email)
    if not key:
        return False
    bound = bindings.get(key)
    if bound is not None:
        return bound == actor.object_id
    return email_key(actor.email) == key


def leads(actor: Actor, team: Team | None, bindings: Mapping[str, str]) -> bool:
    """Admins, and the team's stored lead, may change who leads it and who is in it."""
    return actor.is_admin or (team is not None and is_person(actor, team.lead, bindings))


def may_edit_team(actor: Actor, team: Team | None, bindings: Mapping[str, str]) -> bool:
    """Admins and the stored team's lead and members may change its OKRs."""
    if actor.is_admin:
        return True
    if team is None:
        return False
    return is_person(actor, team.lead, bindings) or any(is_person(actor, m, bindings) for m in team.members)


def may_answer_dependency(actor: Actor, team: Team | None, bindings: Mapping[str, str]) -> bool:
    """Only the depended-on team's stored lead (and admins) accept or decline a dependency on it:
    the answer commits the whole team, so its members do not give it."""
    return leads(actor, team, bindings)


def may_check_in(actor: Actor, owner: str | None, team: Team | None, bindings: Mapping[str, str]) -> bool:
    """The key result's owner, its team's lead and members, and admins may check in on it."""
    return is_person(actor, owner, bindings) or may_edit_team(actor, team, bindings)


@dataclass(slots=True)
class TeamDecision:
    """What a sync may store about teams, and which teams' OKRs the actor may change."""

    teams: list[Team]  # the workbook's teams with the lead/members the actor may set
    editable: set[str]  # email_key-style keys (see team_key) of teams whose OKRs the actor may change
    findings: list[Finding] = field(default_factory=list)  # authority.* pending changes
    roster_changes: list[dict[str, object]] = field(default_factory=list)  # applied, for the audit


def team_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def decide_teams(
    actor: Actor,
    workbook_teams: Sequence[Team],
    referenced: Iterable[str],
    stored: Mapping[str, Team],
    bindings: Mapping[str, str],
) -> TeamDecision:
    """Apply the roster rules to a workbook's Teams rows (``stored`` keyed by team_key).

    ``referenced``: team names the workbook's objectives and key results use; a new team
    that only they name is created with the actor as its member, so its creator can keep
    editing it.
    """
    decision = TeamDecision(teams=[], editable={k for k, t in stored.items() if may_edit_team(actor, t, bindings)})
    described = set()
    for team in workbook_teams:
        key = team_key(team.name)
        described.add(key)
        current = stored.get(key)
        if current is None:
            decision.teams.append(_new_team(actor, team, decision))
            decision.editable.add(key)
        else:
            decision.teams.append(_known_team(actor, team, current, bindings, decision))
    for name in referenced:
        key = team_key(name)
        if key not in stored and key not in described:
            described.add(key)
            members = () if actor.is_admin or not actor.email else (actor.email,)
            decision.teams.append(Team(name=name, members=members))
            decision.editable.add(key)
    return decision


def _new_team(actor: Actor, team: Team, decision: TeamDecision) -> Team:
    """A team the store does not know yet: its lead stands if it is the actor (or an admin set it)."""
    if actor.is_admin or not team.lead or email_key(team.lead) == email_key(actor.email):
        if (
            not actor.is_admin
            and actor.email
            and not any(email_key(m) == email_key(actor.email) for m in (team.lead, *team.members))
        ):
            team = replace(team, members=(*team.members, actor.email))
        if team.lead or team.members:
            decision.roster_changes.append(_roster_change(team.name, None, team))
        return team
    decision.findings.append(
        _finding(
            "authority.new-team-lead-pending",
            team,
            f"Team {team.name!r} was created, but naming {team.lead} as its lead (and its members) waits "
            "for an OKR Cadence admin: only an admin can make someone else a new team's lead.",
            "Ask an admin to sync this workbook, or name yourself as the lead.",
        )
    )
    kept = replace(team, lead=None, members=(actor.email,) if actor.email else ())
    decision.roster_changes.append(_roster_change(team.name, None, kept))
    return kept


def _known_team(actor: Actor, team: Team, current: Team, bindings: Mapping[str, str], decision: TeamDecision) -> Team:
    """A stored team: details by its lead/members, lead and member changes by its lead only."""
    if not may_edit_team(actor, current, bindings):
        if _details(team) != _details(current) or _roster_differs(team, current):
            decision.findings.append(
                _finding(
                    "authority.team-not-yours",
                    team,
                    f"Changes to team {team.name!r} were not applied: only its lead, its members or an "
                    "admin can change it.",
                    f"Ask {current.lead or 'an admin'} to make this change.",
                )
            )
        return replace(current, location=team.location)
    if not _roster_differs(team, current):
        return team
    if leads(actor, current, bindings):
        decision.roster_changes.append(_roster_change(team.name, current, team))
        return team
    decision.findings.append(
        _finding(
            "authority.lead-change-pending"
            if email_key(team.lead) != email_key(current.lead)
            else "authority.members-change-pending",
            team,
            f"The change to who leads team {team.name!r} or who is in it is pending: only its lead "
            f"({current.lead or 'none yet'}) or an admin can make it. The rest of the sync was applied.",
            f"Ask {current.lead or 'an admin'} to sync this change.",
        )
    )
    return replace(team, lead=current.lead, members=current.members)


def _roster_differs(a: Team, b: Team) -> bool:
    return email_key(a.lead) != email_key(b.lead) or sorted(map(email_key, a.members)) != sorted(
        map(email_key, b.members)
    )


def _details(team: Team) -> tuple[object, ...]:
    return (team.checkin_weekday, team.checkin_time, team.timezone, team.meeting_minutes, team.parent)


def _roster_change(name: str, before: Team | None, after: Team) -> dict[str, object]:
    return {
        "team": name,
        "lead": [before.lead if before else None, after.lead],
        "members": [list(before.members) if before else [], list(after.members)],
    }


def _finding(rule: str, team: Team, message: str, suggestion: str) -> Finding:
    where = team.location
    return Finding(
        rule=rule,
        pitfall=None,
        severity=Severity.WARNING,
        location=Location(sheet=where.sheet, row=where.row, team=team.name),
        message=message,
        suggestion=suggestion,
    )


@dataclass(slots=True)
class KrDecision:
    """Key result rows of a workbook the actor may not change: held, dropped, reported."""

    hold: set[str]  # stored ids neither updated nor archived
    drop_rows: set[tuple[str | None, int | None]]  # new rows (no id) in a team that is not theirs
    findings: list[Finding] = field(default_factory=list)


# current and confidence move with check-ins made elsewhere: a stale copy is not a change
_COMPARED = ("team", "objective", "title", "owner", "baseline", "target", "due", "unit", "kind", "depends_on", "notes")


def decide_key_results(
    actor: Actor,
    workbook: Sequence[KeyResult],
    stored: Mapping[str, KeyResult],
    editable: Collection[str],
) -> KrDecision:
    """Hold the rows of teams the actor may not change (``stored``: id -> stored KR, team names)."""
    decision = KrDecision(hold=set(), drop_rows=set())
    if actor.is_admin:
        return decision
    decision.hold = {kr_id for kr_id, kr in stored.items() if team_key(kr.team) not in editable}
    for kr in workbook:
        if kr.id is None:
            if team_key(kr.team) not in editable:
                decision.drop_rows.add((kr.location.sheet, kr.location.row))
                decision.findings.append(
                    _kr_finding(
                        kr,
                        f"This new key result for team {kr.team!r} was not "
                        "added: only that team's lead, members or an admin can.",
                    )
                )
            continue
        current = stored.get(kr.id)
        if current is None:
            continue  # the merge reports unknown ids
        if kr.id not in decision.hold and team_key(kr.team) not in editable:
            decision.hold.add(kr.id)  # moved into a team that is not theirs
        if kr.id in decision.hold and _differs(kr, current):
            decision.findings.append(
                _kr_finding(
                    kr,
                    f"Changes to {kr.id} (team {current.team!r}) were not "
                    "applied: only that team's lead, members or an admin can.",
                )
            )
    return decision


def _differs(kr: KeyResult, current: KeyResult) -> bool:
    def norm(value: object) -> object:
        return list(value) if isinstance(value, tuple) else value

    return any(
        norm(getattr(kr, name)) != norm(getattr(current, name))
        for name in _COMPARED
        if getattr(kr, name) is not None or name in ("team", "objective", "title")
    )


def _kr_finding(kr: KeyResult, message: str) -> Finding:
    return Finding(
        rule="authority.kr-not-yours",
        pitfall=None,
        severity=Severity.WARNING,
        location=Location(sheet=kr.location.sheet, row=kr.location.row, team=kr.team, key_result=kr.id),
        message=message,
        suggestion="Ask the team's lead to make this change, or an admin.",
    )


def decide_settings(actor: Actor, workbook: Settings, stored: Settings | None) -> tuple[Settings, list[Finding]]:
    """Only admins change the tenant's Settings; anyone else's are kept as stored (and reported)."""
    if actor.is_admin:
        return workbook, []
    kept = stored if stored is not None else Settings()
    if workbook == Settings() or workbook == kept:
        return kept, []
    return kept, [
        Finding(
            rule="authority.settings-change-pending",
            pitfall=None,
            severity=Severity.WARNING,
            location=Location(sheet="Settings"),
            message="The Settings sheet differs from the organisation's settings; only an OKR Cadence admin "
            "can change them, so the stored settings were kept.",
            suggestion="Ask an admin to sync this workbook, or copy the stored settings into the sheet.",
        )
    ]


@dataclass(frozen=True, slots=True)
class MeetingPeople:
    """Who a meeting may involve once the directory was asked."""

    organiser_ok: bool
    attendees: tuple[str, ...]  # kept
    left_out: tuple[str, ...]  # not users of the tenant, external attendees not allowed


def vet_meeting_people(
    organiser: str, attendees: Sequence[str], users: Mapping[str, bool], *, allow_external: bool
) -> MeetingPeople:
    """The organiser must be a user of the tenant (the app writes into their mailbox); attendees
    who are not are left out unless ``allow_external``. ``users``: email_key -> is a user."""
    organiser_ok = users.get(email_key(organiser), False)
    kept: list[str] = []
    left_out: list[str] = []
    for person in attendees:
        (kept if allow_external or users.get(email_key(person), False) else left_out).append(person)
    return MeetingPeople(organiser_ok, tuple(kept), tuple(left_out))
