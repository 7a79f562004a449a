"""Download a team's quarter-end Word retro pack."""

from __future__ import annotations

from flask import Blueprint, Response, request

from addin.api.context import database, now, tenant
from addin.okr.periods import view_quarter
from addin.store import okr_sets

bp = Blueprint("retro", __name__, url_prefix="/api")

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@bp.get("/teams/<team>/retro/<quarter>.docx")
def download(team: str, quarter: str) -> Response:
    # python-docx and matplotlib load on the first pack, not at server start-up
    from addin.reports import build_retro_pack, gather_retro_input
    from addin.reports.naming import pack_name

    with database().read() as session:
        the_quarter = view_quarter(quarter, okr_sets.load_settings(session, tenant()), now().date())
        data = gather_retro_input(session, tenant(), team, the_quarter, now=now())
    pack = build_retro_pack(data, charts=request.args.get("charts", "1") != "0")
    name = pack_name(data.team.name, the_quarter.label)
    return Response(pack, mimetype=DOCX, headers={"Content-Disposition": _attachment(name)})


def _attachment(name: str) -> str:
    """A Content-Disposition that carries any team name (RFC 6266 filename*)."""
    from urllib.parse import quote

    fallback = name.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
