"""Teams and their OKRs with status: transparency across the tenant, one quarter at a time."""

from __future__ import annotations

import base64

from flask import Blueprint, jsonify, request

from addin.api.context import database, now, tenant
from addin.rollover import next_quarter_workbook
from addin.status import okr_status, team_history

bp = Blueprint("teams", __name__, url_prefix="/api")


@bp.get("/teams")
def list_teams():  # type: ignore[no-untyped-def]
    views = okr_status(database(), tenant(), today=now().date(), quarter=request.args.get("quarter"))
    return jsonify({"teams": [v.as_dict() for v in views]})


@bp.get("/teams/<team>")
def show_team(team: str):  # type: ignore[no-untyped-def]
    """The team's quarter (today's, or ?quarter=), its last four quarters and its carried-over KRs' paths."""
    views = okr_status(database(), tenant(), today=now().date(), team=team,
                       quarter=request.args.get("quarter"))
    shown = views[0].as_dict() if views else {"team": team, "objectives": [], "score": None}
    return jsonify(shown | team_history(database(), tenant(), team, quarter=request.args.get("quarter"), now=now()))


@bp.get("/teams/<team>/next-quarter")
def next_quarter(team: str):  # type: ignore[no-untyped-def]
    """Next quarter's workbook, pre-filled from the retro's carry-over (base64, for Excel.createWorkbook)."""
    made = next_quarter_workbook(database(), tenant(), team, quarter=request.args.get("quarter"), now=now())
    return jsonify({
        "team": team,
        "from": made.closing.label,
        "quarter": made.opening.label,
        "carried": made.carried,
        "workbook": base64.b64encode(made.workbook).decode("ascii"),
    })
