"""Where every team stands: stored OKRs scored for a day (`okr status`, GET /api/teams and /api/teams/<team>)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace

from addin.errors import NotFound
from addin.handshake import quarter_okrs
from addin.okr.dependencies import TeamDependencies, dependency_links, team_dependencies
from addin.okr.model import CheckIn, KeyResult, Objective, ObjectiveType, OkrSet, Team
from addin.okr.periods import view_quarter
from addin.okr.quarters import Quarter
from addin.okr.scoring import KrStatus, kr_status, objective_score, team_score
from addin.store import dependencies, team_pages
from addin.store.db import Database, Session
from addin.store.key_results import load_key_results
from addin.store.okr_sets import list_teams, load_okrs, load_settings
from addin.store.tables import text_key


@dataclass(frozen=True, slots=True)
class KrView:
    kr: KeyResult
    status: KrStatus


@dataclass(frozen=True, slots=True)
class ObjectiveView:
    objective: Objective
    key_results: list[KrView]
    score: float | None


@dataclass(frozen=True, slots=True)
class TeamView:
    team: str
    quarter: Quarter
    objectives: list[ObjectiveView]
    score: float | None
    # what the team depends on and who depends on it, with the answers (okr_status fills it)
    dependencies: TeamDependencies | None = None

    def as_dict(self) -> dict[str, object]:
        """The team's status; ``dependencies`` only where filled (a team's own page, not the listing,
        which would have to read every team of the quarter to say who depends on whom)."""
        links = {"dependencies": self.dependencies.as_dict()} if self.dependencies is not None else {}
        return {
            "team": self.team,
            "quarter": self.quarter.label,
            "score": self.score,
            **links,
            "objectives": [
                {
                    "title": o.objective.title,
                    "type": str(o.objective.type),
                    "score": o.score,
                    "key_results": [_kr_dict(v) for v in o.key_results],
                }
                for o in self.objectives
            ],
        }


def okr_status(
    db: Database, tenant: str, *, today: dt.date, team: str | None = None, quarter: str | None = None
) -> list[TeamView]:
    """Every team's (or one team's) objectives and KRs with their status on ``today``, and its
    dependencies both ways with the other teams' answers."""
    with db.read() as session:
        the_quarter = view_quarter(quarter, load_settings(session, tenant), today)
        okrs = load_okrs(session, tenant, team=team, quarter=the_quarter.label)
        okrs.dependency_answers = dependencies.load_answers(session, tenant, quarter=the_quarter.label)
        # dependencies are read across every team of the quarter (one team's own OKRs do not say who depends on it)
        whole = okrs if team is None else quarter_okrs(session, tenant, the_quarter.label)
    if team is not None:
        _check_team_exists(okrs, team)
    links = dependency_links(whole)
    return [
        replace(view, dependencies=team_dependencies(links, view.team))
        for view in score_teams(okrs, today=today, quarter=the_quarter)
    ]


def _check_team_exists(okrs: OkrSet, team: str) -> None:
    if not any(o.team == team for o in okrs.objectives) and not any(t.name == team for t in okrs.teams):
        raise NotFound(f"There is no team called {team!r}.", code="team_not_found", team=team)


@dataclass(frozen=True, slots=True)
class TeamsPage:
    """One page of the teams with key results in a quarter, scored; ``total`` counts every page's."""

    views: list[TeamView]
    teams: list[Team]  # the page's teams as stored (lead, members)
    total: int


def teams_page(
    db: Database, tenant: str, *, today: dt.date, quarter: str | None = None, offset: int, limit: int
) -> TeamsPage:
    """Teams ``offset`` to ``offset + limit`` of the quarter (today's, or ``quarter``), by name, with status.

    Only that page's teams are loaded and scored; the rest are counted in SQL.
    """
    with db.read() as session:
        the_quarter = view_quarter(quarter, load_settings(session, tenant), today)
        total = team_pages.count_teams(session, tenant, the_quarter.label)
        ids = team_pages.page_of_teams(session, tenant, the_quarter.label, offset=offset, limit=limit)
        okrs = team_pages.load_teams_okrs(session, tenant, the_quarter.label, ids)
    return TeamsPage(score_teams(okrs, today=today, quarter=the_quarter), okrs.teams, total)


@dataclass(frozen=True, slots=True)
class TeamPage:
    """One team's page: its quarter with status, its history across quarters, and the tenant's stored teams."""

    body: dict[str, object]  # TeamView.as_dict() (or an empty quarter) with "trend" and "paths"
    teams: list[Team]  # every stored team of the tenant (their leads and members)


def team_page(session: Session, tenant: str, team: str, *, quarter: str | None, now: dt.datetime) -> TeamPage:
    """One team's quarter with status, its last four quarters' trend and its carried KRs' paths.

    Read in the caller's session: the team's quarter is read once and serves the view, the running
    quarter's trend entry and the carried KRs' paths; settings and teams are read once too.
    """
    from addin.reports.gather import team_trend
    from addin.reports.trends import kr_paths

    today = now.date()
    settings = load_settings(session, tenant)
    the_quarter = view_quarter(quarter, settings, today)
    teams = list_teams(session, tenant)
    okrs = load_okrs(session, tenant, team=team, quarter=the_quarter.label, settings=settings, teams_read=teams)
    _check_team_exists(okrs, team)
    # who depends on whom is read across every team of the quarter, with the answers given
    whole = quarter_okrs(session, tenant, the_quarter.label, teams=teams)
    okrs.dependency_answers = whole.dependency_answers
    links = dependency_links(whole)
    views = [
        replace(view, dependencies=team_dependencies(links, view.team))
        for view in score_teams(okrs, today=today, quarter=the_quarter)
    ]
    body = views[0].as_dict() if views else {"team": team, "objectives": [], "score": None}
    found = {t.name.casefold(): t for t in teams}.get(team.casefold())
    if found is None:
        return TeamPage(body | {"trend": [], "paths": {}}, teams)
    # the same key results as team=found.name would read (names are matched by their text key)
    same = text_key(found.name) == text_key(team)
    trend = team_trend(session, tenant, found, the_quarter, now=now, loaded={the_quarter.label: okrs} if same else None)
    shown = (okrs if same else load_okrs(session, tenant, team=found.name, quarter=the_quarter.label)).key_results
    carried = [kr for kr in shown if kr.continues]
    paths = kr_paths(load_key_results(session, tenant, team=found.name), carried) if carried else {}
    body |= {
        "trend": [t.as_dict() for t in trend],
        "paths": {kr_id: [step.as_dict() for step in steps] for kr_id, steps in paths.items()},
    }
    return TeamPage(body, teams)


def score_teams(okrs: OkrSet, *, today: dt.date, quarter: str | Quarter | None = None) -> list[TeamView]:
    """Score an OkrSet team by team (pure: no store, no clock)."""
    the_quarter = view_quarter(quarter, okrs.settings, today)
    today = min(today, the_quarter.end)  # a closed quarter is judged as it stood on its last day
    checkins: dict[str, list[CheckIn]] = defaultdict(list)
    for c in okrs.checkins:
        checkins[c.kr_id].append(c)
    krs_by_objective: dict[tuple[str, str], list[KeyResult]] = defaultdict(list)
    for kr in okrs.key_results:
        krs_by_objective[(kr.team, kr.objective)].append(kr)

    views: dict[str, list[ObjectiveView]] = defaultdict(list)
    objectives = {(o.team, o.title): o for o in okrs.objectives}
    for key, krs in krs_by_objective.items():
        objective = objectives.get(key) or Objective(team=key[0], title=key[1])
        kr_views = [
            KrView(
                kr,
                kr_status(
                    kr,
                    quarter=the_quarter,
                    today=today,
                    thresholds=okrs.settings.thresholds,
                    checkins=checkins.get(kr.id or "", ()),
                    objective_type=objective.type or ObjectiveType.COMMITTED,
                ),
            )
            for kr in krs
        ]
        score = objective_score([(v.kr, v.status.grade) for v in kr_views])
        views[objective.team].append(ObjectiveView(objective, kr_views, score))
    return [
        TeamView(name, the_quarter, objs, team_score([(o.objective, o.score) for o in objs]))
        for name, objs in sorted(views.items())
    ]


def _kr_dict(view: KrView) -> dict[str, object]:
    kr, st = view.kr, view.status
    return {
        "id": kr.id,
        "continues": kr.continues,
        "title": kr.title,
        "owner": kr.owner,
        "kind": str(kr.kind) if kr.kind else None,
        "baseline": kr.baseline,
        "target": kr.target,
        "current": kr.current,
        "unit": kr.unit,
        "confidence": kr.confidence,
        "due": kr.due.isoformat() if kr.due else None,
        "progress": st.progress,
        "expected": st.expected,
        "status": str(st.status),
        "grade": st.grade,
        "last_checkin": st.last_checkin.isoformat() if st.last_checkin else None,
    }
