"""Teams and their OKRs with status: transparency across the tenant."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from addin.api.context import database, now, tenant
from addin.status import okr_status

bp = Blueprint("teams", __name__, url_prefix="/api")


@bp.get("/teams")
def list_teams():  # type: ignore[no-untyped-def]
    views = okr_status(database(), tenant(), today=now().date(), quarter=request.args.get("quarter"))
    return jsonify({"teams": [v.as_dict() for v in views]})


@bp.get("/teams/<team>")
def show_team(team: str):  # type: ignore[no-untyped-def]
    views = okr_status(database(), tenant(), today=now().date(), team=team,
                       quarter=request.args.get("quarter"))
    return jsonify(views[0].as_dict() if views else {"team": team, "objectives": [], "score": None})
