"""The audit trail, for admins: who changed what, when (newest first, paged with ``before``)."""

from __future__ import annotations

from typing import overload

from flask import Blueprint, Response, jsonify, request

from addin.api.context import current_actor, database, tenant
from addin.errors import Forbidden, RequestError
from addin.store import audit

bp = Blueprint("audit", __name__, url_prefix="/api")


@bp.get("/audit")
def list_entries() -> Response:
    if not current_actor().is_admin:
        raise Forbidden("Only OKR Cadence admins (app role OKR.Admin) can read the audit trail.", code="admin_only")
    limit = _int("limit", 100)
    before = _int("before", None)
    action = request.args.get("action")
    if action is not None and action not in audit.ACTIONS:
        raise RequestError(f"'action' must be one of {', '.join(audit.ACTIONS)}.", code="invalid_field", field="action")
    with database().read() as session:
        rows = audit.entries(session, tenant(), limit=limit, before=before, action=action)
    following = rows[-1].id if len(rows) == min(limit, audit.MAX_PAGE) else None
    return jsonify(
        {
            "entries": [r.as_dict() for r in rows],
            "next": f"/api/audit?before={following}&limit={limit}" if following else None,
        }
    )


@overload
def _int(name: str, default: int) -> int: ...
@overload
def _int(name: str, default: None) -> int | None: ...
def _int(name: str, default: int | None) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= 10**12:
        raise RequestError(f"'{name}' must be a positive whole number.", code="invalid_field", field=name)
    return int(raw)
