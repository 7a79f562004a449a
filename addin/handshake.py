"""The dependency handshake at the edges: a team's dependencies both ways with the other teams'
answers, and the depended-on team's lead accepting or declining one (with a note).

The rules are the domain's (``addin/okr/dependencies.py``, ``authority.may_answer_dependency``);
this module reads the store, enforces them for the signed-in user and writes the answer, its
audit entry and the findings it changes in one transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from addin.errors import Forbidden, NotFound
from addin.okr.authority import Actor, may_answer_dependency, team_key
from addin.okr.dependencies import (
    DependencyLink,
    TeamDependencies,
    clean_note,
    dependency_links,
    find_link,
    parse_state,
    team_dependencies,
)
from addin.okr.lint import DEPENDENCY_RULES, lint_dependencies
from addin.okr.model import DependencyAnswer, OkrSet, Team
from addin.okr.periods import view_quarter
from addin.okr.quarters import parse_quarter
from addin.store import audit, dependencies, key_results, okr_sets, people
from addin.store.db import Database, Session


@dataclass(frozen=True, slots=True)
class DependencyView:
    """A team's dependencies in one quarter, and whether the caller may answer the incoming ones."""

    team: Team
    quarter: str
    dependencies: TeamDependencies
    may_answer: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "team": self.team.name,
            "quarter": self.quarter,
            "lead": self.team.lead,
            "may_answer": self.may_answer,
            **self.dependencies.as_dict(),
        }


def quarter_okrs(s: Session, tenant: str, quarter: str, *, teams: list[Team] | None = None) -> OkrSet:
    """What dependencies are read from: every team, the quarter's key results (not archived) and
    its answers -- the names the linter resolves against, without objectives or check-ins.
    ``teams``: the tenant's teams when the caller has read them already."""
    return OkrSet(
        teams=okr_sets.list_teams(s, tenant) if teams is None else teams,
        key_results=list(key_results.load_key_results(s, tenant, include_archived=False, quarter=quarter).values()),
        dependency_answers=dependencies.load_answers(s, tenant, quarter=quarter),
    )


def dependency_view(
    db: Database, tenant: str, team: str, *, quarter: str | None, today: dt.date, actor: Actor | None = None
) -> DependencyView:
    """``team``'s dependencies in the quarter (today's unless named): on other teams, and theirs on it."""
    with db.read() as s:
        the_quarter = view_quarter(quarter, okr_sets.load_settings(s, tenant), today).label
        stored = _stored_team(s, tenant, team)
        okrs = quarter_okrs(s, tenant, the_quarter)
        may = actor is not None and may_answer_dependency(actor, stored, people.bindings(s, tenant))
    links = team_dependencies(dependency_links(okrs), stored.name)
    return DependencyView(stored, the_quarter, links, may)


def answer_dependency(
    db: Database, tenant: str, actor: Actor, *, team: str, kr_id: str, state: object, note: object, now: dt.datetime
) -> DependencyLink:
    """``team`` (its lead, or an admin) accepts or declines key result ``kr_id``'s dependency on it.

    Refused before anything is written: a bad state or note (400), a caller who is not the
    team's lead or an admin (403), an unknown team or key result, or a KR that does not depend
    on ``team`` (404). The answer, its audit entry and the KR's dependency findings are written
    together."""
    answer_state = parse_state(state)
    text = clean_note(note, answer_state)
    with db.transaction() as s:
        stored = _stored_team(s, tenant, team)
        if not may_answer_dependency(actor, stored, people.bind(s, tenant, actor, now=now)):
            raise Forbidden(
                f"Only team {stored.name!r}'s lead ({stored.lead or 'none yet'}) or an admin can accept or "
                "decline a dependency on it.",
                code="not_the_teams_lead",
                team=stored.name,
            )
        quarter = dependencies.kr_quarter(s, tenant, kr_id)
        if quarter is None:
            raise NotFound(f"Key result {kr_id} was not found.", code="kr_not_found", key_result=kr_id)
        okrs = quarter_okrs(s, tenant, quarter)
        link = find_link(dependency_links(okrs), kr_id, stored.name)
        if link is None or not link.kr.id:
            raise NotFound(
                f"Key result {kr_id} does not depend on team {stored.name!r}: its 'Depends on' names another "
                "team, or nothing.",
                code="not_a_dependency",
                key_result=kr_id,
                team=stored.name,
            )
        answer = DependencyAnswer(
            link.kr.id, stored.name, answer_state, text, actor.email or actor.name or actor.object_id, now, quarter
        )
        dependencies.save_answer(s, tenant, answer, actor_oid=actor.object_id)
        audit.record(
            s,
            tenant,
            actor,
            "dependency-answer",
            at=now,
            target=link.kr.id,
            details={"team": stored.name, "quarter": quarter, "state": str(answer_state), "note": text},
        )
        _refresh_findings(s, tenant, okrs, link, answer, now=now)
    return replace(link, answer=answer)


def _refresh_findings(
    s: Session, tenant: str, okrs: OkrSet, link: DependencyLink, answer: DependencyAnswer, *, now: dt.datetime
) -> None:
    """The KR's stored dependency findings as the linter now reports them (what a sync would record)."""
    okrs = replace(okrs, dependency_answers=[*okrs.dependency_answers, answer])  # the later answer wins
    settings = okr_sets.load_settings(s, tenant)
    quarter = parse_quarter(answer.quarter or "", settings.fiscal_year_start_month)
    found = [
        f
        for f in lint_dependencies(okrs, today=now.date(), quarter=quarter)
        if f.location.key_result == link.kr.id and f.rule in DEPENDENCY_RULES
    ]
    dependencies.refresh_findings(
        s, tenant, quarter=quarter.label, kr_id=link.kr.id or "", rules=DEPENDENCY_RULES, findings=found, now=now
    )


def _stored_team(s: Session, tenant: str, team: str) -> Team:
    found = people.stored_teams(s, tenant).get(team_key(team))
    if found is None:
        raise NotFound(f"There is no team called {team!r}.", code="team_not_found", team=team)
    return found
