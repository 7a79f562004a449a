"""Teams and their OKRs with status: transparency across the tenant (everyone reads everything), one quarter at a time."""

from __future__ import annotations

import base64

from flask import Blueprint, Response, current_app, jsonify, request

from addin.api.context import database, now, tenant
from addin.api.page_cache import PageCache, page_etag
from addin.errors import RequestError
from addin.okr.authority import team_key
from addin.okr.model import Team
from addin.rollover import next_quarter_workbook
from addin.status import team_page, teams_page
from addin.store import versions

bp = Blueprint("teams", __name__, url_prefix="/api")

DEFAULT_PAGE = 50
MAX_PAGE = 200


@bp.get("/teams")
def list_teams() -> Response:
    """A page of the teams with key results in the quarter, by name: only that page is read and scored."""
    limit = _int_arg("limit", DEFAULT_PAGE, 1, MAX_PAGE)
    offset = _int_arg("offset", 0, 0, 10**9)
    page = teams_page(
        database(), tenant(), today=now().date(), quarter=request.args.get("quarter"), offset=offset, limit=limit
    )
    rosters = {team_key(t.name): t for t in page.teams}
    following = offset + limit < page.total
    return jsonify(
        {
            "teams": [_with_roster(v.as_dict(), rosters) for v in page.views],
            "total": page.total,
            "offset": offset,
            "limit": limit,
            "next": f"/api/teams?offset={offset + limit}&limit={limit}" if following else None,
        }
    )


@bp.get("/teams/<team>")
def show_team(team: str) -> Response:
    """The team's quarter (today's, or ?quarter=) with its lead and members, last four quarters and KR paths.

    Built once per tenant data version (read first) and day; 304 when the pane already has it.
    """
    quarter, today = request.args.get("quarter"), now().date()
    with database().read() as session:
        # the version first: a page built from what is read after it is never older than it says
        data_version = versions.current(session, tenant())
        etag = page_etag(str(database().url), tenant(), data_version, team, today.isoformat(), quarter)
        if request.if_none_match.contains(etag):
            unchanged = Response(status=304)
            unchanged.set_etag(etag)
            return unchanged
        pages: PageCache = current_app.extensions.setdefault("okr_team_pages", PageCache())  # one per app
        body = pages.get(etag)
        if body is None:
            page = team_page(session, tenant(), team, quarter=quarter, now=now())
            body = jsonify(_with_roster(page.body, {team_key(t.name): t for t in page.teams})).get_data()
            pages.put(etag, body)
    answer = Response(body, mimetype="application/json")
    answer.set_etag(etag)
    return answer


@bp.get("/teams/<team>/next-quarter")
def next_quarter(team: str) -> Response:
    """Next quarter's workbook, pre-filled from the retro's carry-over (base64, for Excel.createWorkbook)."""
    made = next_quarter_workbook(database(), tenant(), team, quarter=request.args.get("quarter"), now=now())
    return jsonify(
        {
            "team": team,
            "from": made.closing.label,
            "quarter": made.opening.label,
            "carried": made.carried,
            "workbook": base64.b64encode(made.workbook).decode("ascii"),
        }
    )


def _with_roster(body: dict[str, object], rosters: dict[str, Team]) -> dict[str, object]:
    """The team's stored lead and members (who may change its OKRs)."""
    team = rosters.get(team_key(str(body["team"])))
    body["lead"] = team.lead if team else None
    body["members"] = list(team.members) if team else []
    return body


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise RequestError(f"'{name}' must be a whole number from {low} to {high}.", code="invalid_field", field=name)
    return int(raw)
