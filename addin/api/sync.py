"""Upload a workbook: lint it, or sync it and get the cells it wrote (and, asked, the updated workbook)."""

from __future__ import annotations

import base64

from flask import Blueprint, Response, current_app, jsonify, request

from addin.api.context import current_actor, current_user, database, now, tenant
from addin.api.upload import uploaded_workbook
from addin.api.workbook_turns import workbook_turn
from addin.excel.mapping import parse_mapping
from addin.excel.reader import propose_mapping
from addin.excel.sync import lint_workbook, sync_workbook
from addin.jobs import after_sync, teams_before

bp = Blueprint("sync", __name__, url_prefix="/api")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.post("/sync")
def sync() -> tuple[Response, int]:
    current_user()  # refuse an unauthenticated upload before reading its body
    workbook = uploaded_workbook()  # first: it enforces the upload limits before any form is parsed
    # the pane sends a corrected mapping as the form field "mapping" beside the workbook
    given = request.form.get("mapping") if request.mimetype == "multipart/form-data" else None
    with workbook_turn():  # a worker's core is not sliced between many workbooks at once
        return _sync(workbook, given)


def _sync(workbook: bytes, given: str | None) -> tuple[Response, int]:
    before = teams_before(database(), tenant())
    wants_file = "workbook" in request.args.getlist("include")
    report = sync_workbook(
        database(),
        tenant(),
        workbook,
        now=now(),
        quarter=request.args.get("quarter"),
        actor=current_actor(),
        max_rows=current_app.config["OKR_MAX_KR_ROWS"],
        mapping=parse_mapping(given) if given else None,
        write_back=wants_file,  # the pane writes the cells in place: the file is built only when asked for
    )
    # teams whose cadence, lead or members changed are re-planned; a quarter the sync starts is planned
    after_sync(database(), tenant(), before, report.quarters)
    body = report.as_dict()
    body["mapping"] = report.mapping
    body["cells"] = [
        {"sheet": c.sheet, "row": c.row, "column": c.column, "value": _json_value(c.value), "kind": c.kind}
        for c in report.cells
    ]
    # 200 either way: the sync is stored. The pane applies ``cells`` in place (no file is built for it:
    # "written_back" is false); a client that uploads a file may ask for it back whole
    # (?include=workbook): null without a write-back (a CSV export, or it failed after the commit:
    # "written_back": false, "write_back_error" and a finding say why).
    if wants_file:
        body["workbook"] = (
            {"content_type": XLSX, "base64": base64.b64encode(report.workbook).decode("ascii")}
            if report.written_back
            else None
        )
    return jsonify(body), 200


@bp.post("/map")
def map_workbook() -> tuple[Response, int]:
    """How the workbook's sheets and columns are read; when no table is found, its sheets' columns
    with sample values, for the pane's drop-downs."""
    current_user()
    workbook = uploaded_workbook()
    with workbook_turn():
        mapping, refusal = propose_mapping(workbook, quarter=request.args.get("quarter"), today=now().date())
    return jsonify({"mapping": mapping.as_dict(), "refusal": refusal}), 200


@bp.post("/lint")
def lint() -> tuple[Response, int]:
    current_user()
    workbook = uploaded_workbook()
    with workbook_turn():
        report = lint_workbook(workbook, today=now().date(), quarter=request.args.get("quarter"))
    return jsonify(report.as_dict()), 200


def _json_value(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value
