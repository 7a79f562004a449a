"""Record a check-in on a key result (from the Outlook pane or any client)."""

from __future__ import annotations

import datetime as dt
import math

from flask import Blueprint, Response, jsonify, request

from addin.api.context import current_actor, database, now, tenant
from addin.errors import Forbidden, NotFound, RequestError
from addin.okr.authority import Actor, may_check_in
from addin.okr.values import parse_confidence
from addin.store import audit, checkins, people
from addin.store.db import Session

bp = Blueprint("checkins", __name__, url_prefix="/api")

MAX_NOTE = 5000


@bp.post("/key-results/<kr_id>/checkins")
def record(kr_id: str) -> tuple[Response, int]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise RequestError(
            'Send a JSON object like {"value": 42, "confidence": 0.7, "note": "..."}.', code="invalid_json"
        )
    value = _number(body.get("value"), "value")
    confidence = _confidence(body.get("confidence"))
    note = body.get("note") or ""
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        raise RequestError(f"'note' must be text of at most {MAX_NOTE} characters.", code="invalid_field", field="note")
    actor = current_actor()
    with database().transaction() as session:
        check_may_check_in(session, tenant(), actor, kr_id, now=now())
        checkin = checkins.record_checkin(
            session, tenant(), kr_id, value=value, confidence=confidence, note=note, at=now(), source="api"
        )
        audit.record(
            session,
            tenant(),
            actor,
            "checkin",
            at=now(),
            target=checkin.kr_id,
            details={"value": checkin.value, "confidence": checkin.confidence},
        )
    return jsonify(
        {
            "key_result": checkin.kr_id,
            "at": checkin.at.isoformat(),
            "value": checkin.value,
            "confidence": checkin.confidence,
            "note": checkin.note,
        }
    ), 201


def _number(raw: object, field: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise RequestError(f"'{field}' must be a finite number.", code="invalid_field", field=field)
    try:
        value = float(raw)  # a 400-digit integer overflows here
    except OverflowError:
        value = math.inf
    if not math.isfinite(value):
        raise RequestError(f"'{field}' must be a finite number.", code="invalid_field", field=field)
    return value


def _confidence(raw: object) -> float | None:
    if raw is None:
        return None
    try:
        return parse_confidence(raw)
    except ValueError as exc:
        raise RequestError(f"'confidence' {exc}", code="invalid_field", field="confidence") from exc


def check_may_check_in(session: Session, tenant_id: str, actor: Actor, kr_id: str, *, now: dt.datetime) -> None:
    """403 unless the actor owns the KR, is in its team, or is an admin (404 for unknown ids)."""
    found = people.stored_team_of(session, tenant_id, kr_id)
    if found is None:
        raise NotFound(f"Key result {kr_id} was not found.", code="kr_not_found", key_result=kr_id)
    kr, team = found
    bindings = people.bind(session, tenant_id, actor, now=now)
    if not may_check_in(actor, kr.owner, team, bindings):
        raise Forbidden(
            f"Only the owner of {kr.id} ({kr.owner or 'none'}), team {team.name!r}'s lead and "
            "members, or an admin can check in on it.",
            code="not_your_key_result",
            key_result=kr.id,
        )
