"""The dependency handshake: a team's dependencies both ways (everyone reads them), and the
depended-on team's lead accepting or declining one with a note."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from addin.api.context import current_actor, database, now, tenant
from addin.errors import RequestError
from addin.handshake import answer_dependency, dependency_view

bp = Blueprint("dependencies", __name__, url_prefix="/api")


@bp.get("/teams/<team>/dependencies")
def show(team: str) -> Response:
    """What ``team`` depends on and who depends on it in the quarter (today's, or ?quarter=)."""
    view = dependency_view(
        database(), tenant(), team, quarter=request.args.get("quarter"), today=now().date(), actor=current_actor()
    )
    return jsonify(view.as_dict())


@bp.put("/teams/<team>/dependencies/<kr_id>")
def answer(team: str, kr_id: str) -> Response:
    """``team``'s lead accepts or declines key result ``kr_id``'s dependency on ``team``."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise RequestError(
            'Send a JSON object like {"state": "accepted", "note": "..."} (state: accepted or declined).',
            code="invalid_json",
        )
    link = answer_dependency(
        database(),
        tenant(),
        current_actor(),
        team=team,
        kr_id=kr_id,
        state=body.get("state"),
        note=body.get("note"),
        now=now(),
    )
    return jsonify(link.as_dict())
