"""The JSON API: the documented routes, the one error shape, uploads and check-ins."""

from __future__ import annotations

import base64
import io
import re

import openpyxl
import pytest
from openapi_spec_validator import validate

from addin.excel.template import write_template
from tests.conftest import FIXED_NOW

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert re.fullmatch(r"[a-z][a-z0-9_]*", body["error"]["code"])
    assert "Traceback" not in body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    return body["error"]


def _upload(client, data: bytes, path: str = "/api/sync"):
    return client.post(path, data={"workbook": (io.BytesIO(data), "okrs.xlsx")}, content_type="multipart/form-data")


@pytest.fixture
def sample() -> bytes:
    return write_template(sample=True, today=FIXED_NOW.date())


def test_openapi_document_is_valid_and_describes_every_route(app, client):
    spec = client.get("/api/openapi.json").get_json()
    validate(spec)
    documented = set(spec["paths"])
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            assert re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule) in documented


def test_sync_upload_returns_report_and_updated_workbook(client, sample):
    response = _upload(client, sample, "/api/sync?include=workbook")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["created"] > 0 and body["conflicts"] == []
    workbook = openpyxl.load_workbook(io.BytesIO(base64.b64decode(body["workbook"]["base64"])))
    sheet = workbook["OKRs"]
    id_column = next(c.column_letter for c in sheet[1] if c.value == "ID")
    ids = [c.value for c in sheet[id_column][1:] if c.value]
    assert len(ids) == body["created"]
    assert {c["sheet"] for c in body["cells"]} == {"OKRs"}


def test_sync_answers_without_the_workbook_unless_asked(client, sample):
    """The pane applies the written cells; the whole workbook comes back only with include=workbook."""
    body = _upload(client, sample).get_json()
    assert "workbook" not in body and body["cells"]


def test_teams_lists_what_was_synced_and_checkin_moves_it(client, sample):
    _upload(client, sample)
    teams = client.get("/api/teams").get_json()["teams"]
    kr = next(k for t in teams for o in t["objectives"] for k in o["key_results"] if k["target"] is not None)

    response = client.post(
        f"/api/key-results/{kr['id']}/checkins",
        json={"value": kr["target"], "confidence": "70%", "note": "done <b>early</b>"},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["confidence"] == pytest.approx(0.7)

    team = client.get(f"/api/teams/{teams[0]['team']}").get_json()
    again = [
        k
        for t in client.get("/api/teams").get_json()["teams"]
        for o in t["objectives"]
        for k in o["key_results"]
        if k["id"] == kr["id"]
    ]
    assert again[0]["current"] == kr["target"]
    assert team["team"] == teams[0]["team"]


def test_unknown_team_and_unknown_kr_are_404(client, sample):
    _upload(client, sample)
    _assert_error(client.get("/api/teams/Nobody"), 404)
    _assert_error(client.post("/api/key-results/KR-FFFFFF/checkins", json={"value": 1}), 404)


@pytest.mark.parametrize("payload", [{"value": "lots"}, {"value": True}, {}, {"value": 1, "note": 5}])
def test_bad_checkin_bodies_are_400_naming_the_field(client, sample, payload):
    _upload(client, sample)
    kr = client.get("/api/teams").get_json()["teams"][0]["objectives"][0]["key_results"][0]
    error = _assert_error(client.post(f"/api/key-results/{kr['id']}/checkins", json=payload), 400)
    assert error["details"].get("field") in {"value", "note"}


def test_not_json_checkin_is_400(client):
    _assert_error(client.post("/api/key-results/KR-1/checkins", data="x", content_type="text/plain"), 400)


def test_empty_upload_is_400(client):
    _assert_error(_upload(client, b""), 400, "empty_file")


def test_upload_without_file_field_is_400(client):
    _assert_error(
        client.post("/api/sync", data={"other": "x"}, content_type="multipart/form-data"), 400, "missing_file"
    )


def test_csv_renamed_xlsx_is_refused_by_content(client):
    error = _assert_error(_upload(client, b"Team,Objective\nA,B\n"), 415)
    assert "Excel" in error["message"]


def test_upload_over_the_limit_is_413_before_parsing(instance):
    from addin import create_app

    small = create_app({"TESTING": True, "MAX_CONTENT_LENGTH": 10_000})
    response = _upload(small.test_client(), b"PK\x03\x04" + b"\0" * 20_000)
    _assert_error(response, 413, "upload_too_large")


def test_raw_body_upload_is_accepted(client, sample):
    response = client.post("/api/lint", data=sample, content_type=XLSX)
    assert response.status_code == 200
    assert response.get_json()["findings"]


def test_unexpected_errors_are_json_without_a_trace(app, client, monkeypatch):
    import addin.api.teams as teams

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(teams, "teams_page", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    error = _assert_error(client.get("/api/teams"), 500, "internal_error")
    assert "secret" not in error["message"]


def test_unknown_route_is_json_404(client):
    _assert_error(client.get("/api/nothing-here"), 404, "not_found")


def test_scheduled_calendar_downloads_as_ics(client, sample, instance):
    from icalendar import Calendar

    from addin.calendars import default_calendar
    from addin.outlook.schedule import schedule

    _upload(client, sample)
    app_db = client.application.extensions["okr_db"]
    report = schedule(app_db, "local", calendar=default_calendar(instance, "local"), now=FIXED_NOW)
    team = report.meetings[0].team
    response = client.get(f"/api/teams/{team}/calendar/{report.quarter}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    events = Calendar.from_ical(response.data).walk("VEVENT")
    assert any("RRULE" in e for e in events)
    _assert_error(client.get(f"/api/teams/{team}/calendar/2019-Q1.ics"), 404, "calendar_not_found")


def test_retro_pack_downloads_as_a_word_document(client, sample):
    import docx

    _upload(client, sample)
    team = client.get("/api/teams").get_json()["teams"][0]
    response = client.get(f"/api/teams/{team['team']}/retro/2026-Q4.docx?charts=0")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    document = docx.Document(io.BytesIO(response.data))
    assert team["team"] in document.core_properties.title
    scorecard = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    for kr in (kr for o in team["objectives"] for kr in o["key_results"]):
        assert f"{kr['id']} {kr['title']}" in scorecard
    _assert_error(client.get("/api/teams/Nobody/retro/2026-Q4.docx"), 404)
    _assert_error(client.get(f"/api/teams/{team['team']}/retro/2026-Q9.docx"), 400, "bad_quarter")
