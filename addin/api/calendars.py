"""Download a team's quarter as an .ics file (the embedded default's calendar)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from addin.api.context import database, now, tenant
from addin.outlook.agenda import meeting_agenda
from addin.outlook.identity import meeting_identity
from addin.outlook.schedule import team_ics

bp = Blueprint("calendars", __name__, url_prefix="/api")


@bp.get("/teams/<team>/calendar/<quarter>.ics")
def download(team: str, quarter: str) -> Response:
    data = team_ics(current_app.config["OKR_CONFIG"].instance_path, tenant(), team, quarter)
    return Response(
        data, mimetype="text/calendar", headers={"Content-Disposition": f'attachment; filename="okr-{quarter}.ics"'}
    )


@bp.get("/meetings/<key>")
def meeting(key: str) -> Response:
    """The team of the meeting whose key the invite carries (for the Outlook pane)."""
    return jsonify(meeting_identity(database(), tenant(), key))


@bp.get("/meetings/<key>/agenda")
def agenda(key: str) -> Response:
    """What the meeting should talk about: moved, stale and low-confidence KRs, dependencies."""
    return jsonify(meeting_agenda(database(), tenant(), key, today=now().date()))
