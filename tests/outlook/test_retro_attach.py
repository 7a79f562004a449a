"""Retro packs on the quarter-end retro meeting: real msgraph-sdk against the local Graph, and .ics."""

from __future__ import annotations

import base64
import datetime as dt
import io
import random
import zipfile
from pathlib import Path

import httpx
import icalendar
import pytest

from addin.outlook.ics import IcsCalendar
from addin.outlook.retro_attach import attach_retro_packs, pack_link
from addin.outlook.schedule import schedule
from addin.reports.naming import pack_name
from addin.store.meetings import list_meetings
from tests.outlook.conftest import NOW, make_okrs
from tests.outlook.graph_server import Faults


def _retro_start(db, team: str = "T0") -> dt.datetime:  # type: ignore[no-untyped-def]
    with db.read() as s:
        rec = next(r for r in list_meetings(s, "t1") if r.kind == "retro" and r.team == team)
    return dt.datetime.fromisoformat(str(rec.snapshot["start"]))  # type: ignore[index]


def _retro_event(server, team: str) -> dict:  # type: ignore[no-untyped-def]
    return next(
        e for e in server.state.all_events() if e["subject"].startswith(f"{team}:") and "retro" in e["subject"].lower()
    )


def _tagged_build(tag: str):  # type: ignore[no-untyped-def]
    """A fast stand-in for the Word build: the team, its KR values and a tag, as bytes."""

    def build(data) -> bytes:  # type: ignore[no-untyped-def]
        values = [(kr.title, kr.current) for kr in data.okrs.key_results if kr.team == data.team.name]
        return f"PK{tag}|{data.team.name}|{values}".encode()

    return build


@pytest.fixture
def scheduled(database, store_okrs, graph_server, graph_calendar):  # type: ignore[no-untyped-def]
    okrs = make_okrs(2)
    store_okrs(okrs)
    cal = graph_calendar()
    assert schedule(database, "t1", calendar=cal, now=NOW).ok
    return okrs, cal


def test_real_pack_is_attached_once_as_a_file_attachment(database, graph_server, scheduled) -> None:  # type: ignore[no-untyped-def]
    _okrs, cal = scheduled
    soon = _retro_start(database) - dt.timedelta(days=2)
    report = attach_retro_packs(database, "t1", now=soon, calendar=cal)
    assert report.ok and sorted(m.team for m in report.attached) == ["T0", "T1"]
    for team in ("T0", "T1"):
        (att,) = graph_server.state.attachments_of(_retro_event(graph_server, team)["id"])
        assert att["name"] == pack_name(team, "2026-Q4") and att["isInline"] is False
        assert att["contentType"].endswith("wordprocessingml.document")
        with zipfile.ZipFile(io.BytesIO(att["content"])) as docx:  # a real Word package
            assert team in docx.read("word/document.xml").decode()
    assert graph_server.state.operations["POST attachment"] == 2
    with database.read() as s:
        retro = {r.team: r for r in list_meetings(s, "t1") if r.kind == "retro"}
    assert retro["T0"].attachment["how"] == "file"  # type: ignore[index]
    # a second run the next day: nothing new to say, nothing sent
    sent = graph_server.state.http_requests
    again = attach_retro_packs(database, "t1", now=soon + dt.timedelta(days=1), calendar=cal)
    assert [m.action for m in again.meetings] == ["unchanged", "unchanged"]
    assert graph_server.state.http_requests == sent


def test_changed_content_replaces_the_pack_and_only_then(database, store_okrs, graph_server, scheduled) -> None:  # type: ignore[no-untyped-def]
    okrs, cal = scheduled
    soon = _retro_start(database) - dt.timedelta(days=3)
    attach_retro_packs(database, "t1", now=soon, calendar=cal, build=_tagged_build("v1"))
    okrs.key_results[3].current = 3  # T1's churn KR moved (nothing of T0's pack reads it)
    store_okrs(okrs)
    report = attach_retro_packs(database, "t1", now=soon, calendar=cal, build=_tagged_build("v2"))
    assert {(m.team, m.action) for m in report.meetings} == {("T1", "replaced"), ("T0", "unchanged")}
    (att,) = graph_server.state.attachments_of(_retro_event(graph_server, "T1")["id"])
    assert att["content"].startswith(b"PKv2") and b"3.0" in att["content"]
    (old,) = graph_server.state.attachments_of(_retro_event(graph_server, "T0")["id"])
    assert old["content"].startswith(b"PKv1")
    assert graph_server.state.operations["DELETE attachment"] == 1


def test_large_pack_goes_through_an_upload_session(database, graph_server, scheduled) -> None:  # type: ignore[no-untyped-def]
    _okrs, cal = scheduled
    big = random.Random(5).randbytes(7_000_000)
    report = attach_retro_packs(
        database, "t1", now=_retro_start(database) - dt.timedelta(days=1), calendar=cal, build=lambda data: big
    )
    assert report.ok and all(m.size == len(big) for m in report.attached)
    for team in ("T0", "T1"):
        (att,) = graph_server.state.attachments_of(_retro_event(graph_server, team)["id"])
        assert att["content"] == big and att["size"] == len(big)
    ops = graph_server.state.operations
    assert ops["POST createUploadSession"] == 2 and ops["PUT upload"] == 6  # 3 ranges each
    assert ops["POST attachment"] == 0
    with database.read() as s:
        assert {r.attachment["how"] for r in list_meetings(s, "t1") if r.kind == "retro"} == {"upload"}  # type: ignore[index]


def test_only_retros_not_yet_started_within_the_window(database, graph_server, scheduled) -> None:  # type: ignore[no-untyped-def]
    _okrs, cal = scheduled
    start = _retro_start(database)
    early = attach_retro_packs(database, "t1", now=start - dt.timedelta(days=8), calendar=cal, build=_tagged_build("x"))
    assert not early.meetings and graph_server.state.operations["POST attachment"] == 0
    late = attach_retro_packs(
        database, "t1", now=start + dt.timedelta(minutes=1), calendar=cal, build=_tagged_build("x")
    )
    assert "T0" not in {m.team for m in late.meetings}


def test_lost_replies_and_throttling_still_leave_one_pack(
    database, graph_server, graph_calendar, scheduled, sleeps
) -> None:  # type: ignore[no-untyped-def]
    _okrs, _cal = scheduled
    soon = _retro_start(database) - dt.timedelta(days=1)
    graph_server.state.faults = Faults(drop=1.0)  # every answer lost: the POSTs land, we never hear
    first = attach_retro_packs(
        database, "t1", now=soon, calendar=graph_calendar(max_attempts=2), build=_tagged_build("v1")
    )
    assert not first.ok and {m.action for m in first.meetings} == {"failed"}
    event = _retro_event(graph_server, "T0")["id"]
    assert len(graph_server.state.attachments_of(event)) == 2  # the retry sent it again
    graph_server.state.faults = Faults(throttle=0.3, seed=3)
    graph_server.state.page_size = 1  # the copies are found page by page (nextLink)
    waited = len(sleeps.waits)
    second = attach_retro_packs(database, "t1", now=soon, calendar=graph_calendar(), build=_tagged_build("v1"))
    assert second.ok and len(second.attached) == 2
    for team in ("T0", "T1"):
        assert len(graph_server.state.attachments_of(_retro_event(graph_server, team)["id"])) == 1
    assert graph_server.state.operations["GET attachments"] >= 2 * 3  # three pages per event
    # every 429 was waited out for its Retry-After (1 s)
    assert graph_server.state.operations["429 injected"] and sleeps.waits[waited:]
    assert min(sleeps.waits[waited:]) >= 1


def test_the_local_graph_rejects_a_bad_attachment_body(graph_server, scheduled) -> None:  # type: ignore[no-untyped-def]
    event = _retro_event(graph_server, "T0")
    url = f"{graph_server.base_url}/users/lead0@example.com/events/{event['id']}/attachments"
    body = {
        "@odata.type": "#microsoft.graph.fileAttachment",
        "name": "x.docx",
        "contentBytes": base64.b64encode(b"x").decode(),
        "colour": "red",
    }
    reply = httpx.post(url, json=body, headers={"Authorization": "Bearer test-token"})
    assert reply.status_code == 400 and "colour" in reply.text
    assert graph_server.state.violations
    graph_server.state.violations.clear()


# -- .ics -------------------------------------------------------------------------------


def _retro_vevent(path: Path) -> icalendar.Event:
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    return next(e for e in cal.walk("VEVENT") if "retro" in str(e["SUMMARY"]).lower() and "RECURRENCE-ID" not in e)


def test_ics_attach_is_inline_base64_uid_kept_sequence_bumped(database, store_okrs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    okrs = make_okrs(1)
    store_okrs(okrs)
    cal = IcsCalendar(tmp_path / "calendars")
    schedule(database, "t1", calendar=cal, now=NOW)
    path = cal.path_for("T0", "2026-Q4")
    before = _retro_vevent(path)
    soon = _retro_start(database) - dt.timedelta(days=2)
    report = attach_retro_packs(database, "t1", now=soon, calendar=cal, build=_tagged_build("v1"))
    assert report.ok and [m.action for m in report.attached] == ["attached"]
    after = _retro_vevent(path)
    assert after["UID"] == before["UID"] and int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    attach = after["ATTACH"]
    assert attach.params["FMTTYPE"] == ("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert attach.params["ENCODING"] == "BASE64" and attach.params["VALUE"] == "BINARY"
    assert base64.b64decode(attach.to_ical()).startswith(b"PKv1|T0|")
    unchanged = path.read_bytes()
    assert attach_retro_packs(database, "t1", now=soon, calendar=cal, build=_tagged_build("v1")).unchanged
    assert path.read_bytes() == unchanged
    # schedule rewrites the file (a changed meeting): the pack stays on the retro
    okrs.teams[0].meeting_minutes = 45
    store_okrs(okrs)
    schedule(database, "t1", calendar=cal, now=soon)
    assert base64.b64decode(_retro_vevent(path)["ATTACH"].to_ical()).startswith(b"PKv1|T0|")
    okrs.key_results[0].current = 90
    store_okrs(okrs)
    replaced = attach_retro_packs(database, "t1", now=soon, calendar=cal, build=_tagged_build("v2"))
    assert [m.action for m in replaced.meetings] == ["replaced"]
    final = _retro_vevent(path)
    assert not isinstance(final["ATTACH"], list)  # one pack, the new one
    assert base64.b64decode(final["ATTACH"].to_ical()).startswith(b"PKv2|T0|")


def test_ics_large_pack_is_a_link_or_a_clear_failure(database, store_okrs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store_okrs(make_okrs(1))
    cal = IcsCalendar(tmp_path / "calendars")
    schedule(database, "t1", calendar=cal, now=NOW)
    soon = _retro_start(database) - dt.timedelta(days=2)
    big = lambda data: b"PK" + bytes(4_000_000)  # noqa: E731
    refused = attach_retro_packs(database, "t1", now=soon, calendar=cal, build=big)
    assert not refused.ok and "too large" in refused.failures[0].message
    assert "ATTACH" not in _retro_vevent(cal.path_for("T0", "2026-Q4"))
    linked = attach_retro_packs(
        database, "t1", now=soon, calendar=cal, build=big, link=pack_link("https://okr.example.com/")
    )
    assert linked.ok
    attach = _retro_vevent(cal.path_for("T0", "2026-Q4"))["ATTACH"]
    assert str(attach) == "https://okr.example.com/api/teams/T0/retro/2026-Q4.docx"
    assert "VALUE" not in attach.params or attach.params["VALUE"] == "URI"


def test_cli_attach_retro_writes_into_the_ics_folder(
    database, store_okrs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import json

    from click.testing import CliRunner

    from addin.cli import main

    monkeypatch.setenv("DATABASE_URL", str(database.engine.url))
    monkeypatch.setenv("OKR_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("OKR_TENANT", "t1")
    monkeypatch.delenv("OKR_CLIENT_ID", raising=False)
    store_okrs(make_okrs(1))
    folder = tmp_path / "ics"
    schedule(database, "t1", calendar=IcsCalendar(folder), now=NOW)
    monkeypatch.setenv("OKR_NOW", (_retro_start(database) - dt.timedelta(days=1)).isoformat())
    result = CliRunner().invoke(main, ["attach-retro", "--ics", str(folder), "--within", "2d", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert [m["action"] for m in out["meetings"]] == ["attached"] and out["meetings"][0]["size"] > 10_000
    assert "ATTACH" in _retro_vevent(IcsCalendar(folder).path_for("T0", "2026-Q4"))
    bad = CliRunner().invoke(main, ["attach-retro", "--within", "soon"])
    assert bad.exit_code == 2 and "bad_duration" in bad.output
