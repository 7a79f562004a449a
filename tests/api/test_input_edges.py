"""Input edges found by the review: each gets a 4xx in the error shape (never a 500) or is neutralised."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from tests.api.conftest import upload

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "Pay <RLO>txt.exe" reads as "Pay exe.txt"


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    return body["error"]


def _first_kr(client) -> tuple[str, str]:
    team = client.get("/api/teams").get_json()["teams"][0]
    return team["team"], team["objectives"][0]["key_results"][0]["id"]


def test_a_400_digit_check_in_value_is_a_400(client, workbook):
    assert upload(client, "/api/sync", workbook).status_code == 200
    _, kr = _first_kr(client)
    response = client.post(
        f"/api/key-results/{kr}/checkins", data='{"value": %s}' % ("9" * 400), content_type="application/json"
    )
    assert _error(response, 400, "invalid_field")["details"] == {"field": "value"}


@pytest.mark.parametrize("quarter", ["9999-Q4", "0001-Q1"])
def test_a_quarter_past_the_calendar_is_a_400(client, workbook, quarter):
    assert upload(client, "/api/sync", workbook).status_code == 200
    team, _ = _first_kr(client)
    for response in (
        client.get(f"/api/teams?quarter={quarter}"),
        client.get(f"/api/teams/{team}?quarter={quarter}"),
        client.get(f"/api/teams/{team}/retro/{quarter}.docx"),
        upload(client, f"/api/sync?quarter={quarter}", workbook),
        upload(client, f"/api/lint?quarter={quarter}", workbook),
    ):
        assert _error(response, 400, "bad_quarter")["details"] == {"field": "quarter"}


@pytest.mark.parametrize("as_form", [False, True])
def test_an_over_size_chunked_upload_is_a_413(instance, workbook, as_form):
    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import encode_multipart

    from addin import create_app

    app = create_app({"TESTING": True, "MAX_CONTENT_LENGTH": 64 * 1024})
    big = workbook + b"\0" * (128 * 1024)
    if as_form:
        boundary, body = encode_multipart(MultiDict({"workbook": FileStorage(io.BytesIO(big), "okrs.xlsx")}))
        content_type = f"multipart/form-data; boundary={boundary}"
    else:
        body, content_type = big, XLSX
    # Transfer-Encoding: chunked, no Content-Length; the server says it ends the stream.
    response = app.test_client().post(
        "/api/sync",
        input_stream=io.BytesIO(body),
        environ_overrides={"wsgi.input_terminated": True},
        headers={"Transfer-Encoding": "chunked", "Content-Type": content_type},
    )
    _error(response, 413, "upload_too_large")
    assert app.test_client().get("/api/teams").get_json()["teams"] == []


def test_a_chunked_upload_within_the_limit_syncs(client, workbook):
    response = client.post(
        "/api/sync",
        input_stream=io.BytesIO(workbook),
        environ_overrides={"wsgi.input_terminated": True},
        headers={"Transfer-Encoding": "chunked", "Content-Type": XLSX},
    )
    assert response.status_code == 200, response.get_data(as_text=True)


def _with_bidi_titles(workbook: bytes) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(workbook))
    sheet = book["OKRs"]
    sheet["D2"] = f"Raise activation {RLO}%54 ot %23"
    sheet["B2"] = f"Onboarding {RLO}gnirts"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_bidi_overrides_are_stripped_from_docx_ics_and_invites(client, okr, workbook):
    import icalendar

    assert upload(client, "/api/sync", _with_bidi_titles(workbook)).status_code == 200
    assert okr("schedule", "--quarter", "2026-Q4").exit_code == 0
    team = "Product"

    pack = client.get(f"/api/teams/{team}/retro/2026-Q4.docx")
    assert pack.status_code == 200
    document = zipfile.ZipFile(io.BytesIO(pack.data)).read("word/document.xml").decode()
    assert "Raise activation %54 ot %23" in document
    assert RLO not in document

    ics = client.get(f"/api/teams/{team}/calendar/2026-Q4.ics")
    assert ics.status_code == 200
    texts = " ".join(
        str(value) for event in icalendar.Calendar.from_ical(ics.data).walk("VEVENT") for value in event.values()
    )
    assert "Raise activation %54 ot %23" in texts  # the invite body carries the KR status
    assert RLO not in texts and RLO.encode() not in ics.data


def test_okr_tenant_is_lower_cased_by_the_cli(okr, tmp_path, workbook, monkeypatch):
    path = tmp_path / "okrs.xlsx"
    path.write_bytes(workbook)
    tenant = "3F2504E0-4F89-11D3-9A0C-0305E82C3301"
    monkeypatch.setenv("OKR_TENANT", tenant)
    assert okr("sync", str(path)).exit_code in (0, 1)
    monkeypatch.setenv("OKR_TENANT", tenant.lower())
    shown = okr("status", "--json")
    assert "Product" in shown.output


def _package_with_extras(workbook: bytes) -> bytes:
    """The workbook plus a traversal-named member and an external link the content types don't admit."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    (
                        b'<Relationship Id="rId99" Target="links/book2.xml" Type="http://schemas.openxmlformats.org/'
                        b'officeDocument/2006/relationships/externalLink"/></Relationships>'
                    ),
                )
            target.writestr(info, data)
        target.writestr("../../evil.sh", b"#!/bin/sh\necho owned\n")
        target.writestr("C:/Windows/evil.dll", b"MZ")
        target.writestr(
            "xl/links/book2.xml", b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
        )
        target.writestr(
            "xl/links/_rels/book2.xml.rels",
            (
                b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                b'<Relationship Id="rId1" TargetMode="External" Target="file:///etc/passwd" Type="http://schemas.'
                b'openxmlformats.org/officeDocument/2006/relationships/externalLinkPath"/></Relationships>'
            ),
        )
    return out.getvalue()


def test_the_returned_workbook_drops_unsafe_names_and_external_links(client, workbook):
    import base64

    response = upload(client, "/api/sync?include=workbook", _package_with_extras(workbook))
    assert response.status_code == 200, response.get_data(as_text=True)
    returned = zipfile.ZipFile(io.BytesIO(base64.b64decode(response.get_json()["workbook"]["base64"])))
    names = returned.namelist()
    assert not any(".." in n or n.startswith("C:") for n in names)
    assert not any(n.startswith("xl/links/") for n in names)
    assert b"externalLink" not in returned.read("xl/_rels/workbook.xml.rels")
    assert b"/etc/passwd" not in b"".join(returned.read(n) for n in names)
    openpyxl.load_workbook(io.BytesIO(base64.b64decode(response.get_json()["workbook"]["base64"])))
