"""Record a check-in on a key result (from the Outlook pane or any client)."""

from __future__ import annotations

import math

from flask import Blueprint, jsonify, request

from addin.api.context import database, now, tenant
from addin.errors import RequestError
from addin.okr.values import parse_confidence
from addin.store import repo

bp = Blueprint("checkins", __name__, url_prefix="/api")

MAX_NOTE = 5000


@bp.post("/key-results/<kr_id>/checkins")
def record(kr_id: str):  # type: ignore[no-untyped-def]
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise RequestError("Send a JSON object like {\"value\": 42, \"confidence\": 0.7, \"note\": \"...\"}.",
                           code="invalid_json")
    value = _number(body.get("value"), "value")
    confidence = _confidence(body.get("confidence"))
    note = body.get("note") or ""
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        raise RequestError(f"'note' must be text of at most {MAX_NOTE} characters.", code="invalid_field",
                           field="note")
    with database().transaction() as session:
        checkin = repo.record_checkin(session, tenant(), kr_id, value=value, confidence=confidence,
                                      note=note, at=now(), source="api")
    return jsonify({
        "key_result": checkin.kr_id,
        "at": checkin.at.isoformat(),
        "value": checkin.value,
        "confidence": checkin.confidence,
        "note": checkin.note,
    }), 201


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
