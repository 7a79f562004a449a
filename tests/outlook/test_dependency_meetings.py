"""The dependency handshake in the meetings: the agenda, and the invites' "To discuss"."""

from __future__ import annotations

import html
from dataclasses import replace
from pathlib import Path

from addin.excel.sync import sync_workbook
from addin.excel.template import write_template
from addin.okr.model import AnswerState, DependencyAnswer
from addin.okr.quarters import Quarter
from addin.outlook.invite import build_invite
from addin.store import okr_sets
from addin.store.meetings import MeetingRecord, upsert_meeting
from tests.conftest import FIXED_NOW
from tests.factories import TODAY, healthy_okrs

HOSTILE = "<script>alert(1)</script> \u202egnp.exe\u202c & <b>not</b> now"


def test_a_declined_dependencys_note_is_escaped_once_in_the_invite() -> None:
    okrs = healthy_okrs()
    needing = next(k for k in okrs.key_results if k.team == "Growth" and k.depends_on)
    note = HOSTILE.replace("\u202e", "").replace("\u202c", "")  # as stored: okr.dependencies.clean_note
    okrs.dependency_answers = [
        DependencyAnswer(needing.id, "Platform", AnswerState.DECLINED, note, "pat@example.com", FIXED_NOW, "2026-Q4")
    ]
    body = build_invite(okrs, "Growth", quarter=Quarter(2026, 4), today=TODAY)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body.html and "<script>" not in body.html
    assert "&amp; &lt;b&gt;not&lt;/b&gt; now" in body.html and "&amp;amp;" not in body.html
    assert f"\u201c{note}\u201d" in body.text and "declined it on 2026-11-20 (pat@example.com)" in body.text
    okrs.dependency_answers = [replace(okrs.dependency_answers[0], state=AnswerState.ACCEPTED)]
    assert "declined" not in build_invite(okrs, "Growth", quarter=Quarter(2026, 4), today=TODAY).text


def _meeting(db, team: str, kind: str = "review") -> str:  # type: ignore[no-untyped-def]
    with db.read() as s:
        lead = next(t for t in okr_sets.list_teams(s, "local") if t.name == team).lead or ""
    key = f"okr-{kind}-{abs(hash(team)) % 16**24:024x}"
    with db.transaction() as s:
        upsert_meeting(s, "local", MeetingRecord(key, team, kind, "2026-Q4", lead), now=FIXED_NOW)
    return key


def test_the_review_agenda_shows_dependencies_to_settle_and_to_answer(app, client) -> None:  # type: ignore[no-untyped-def]
    db = app.extensions["okr_db"]
    sync_workbook(db, "local", write_template(sample=True, today=FIXED_NOW.date()), now=FIXED_NOW)
    growth, cs = _meeting(db, "Growth"), _meeting(db, "Customer Success")

    theirs = client.get(f"/api/meetings/{cs}/agenda").get_json()
    (waiting,) = theirs["awaiting_answer"]
    assert (waiting["team"], waiting["title"]) == ("Growth", "Increase monthly self-serve revenue from $120k to $180k")
    (ours,) = client.get(f"/api/meetings/{growth}/agenda").get_json()["dependencies"]
    assert ours["kr_id"] == waiting["kr_id"] and "Customer Success" in ours["message"]

    path = f"/api/teams/Customer Success/dependencies/{waiting['kr_id']}"
    assert client.put(path, json={"state": "accepted"}).status_code == 200  # the local admin
    assert client.get(f"/api/meetings/{cs}/agenda").get_json()["awaiting_answer"] == []
    assert client.get(f"/api/meetings/{growth}/agenda").get_json()["dependencies"] == []

    assert client.put(path, json={"state": "declined", "note": "Trials are sales-led now"}).status_code == 200
    (ours,) = client.get(f"/api/meetings/{growth}/agenda").get_json()["dependencies"]
    assert "declined it" in ours["message"] and "\u201cTrials are sales-led now\u201d" in ours["message"]
    assert client.get(f"/api/meetings/{cs}/agenda").get_json()["awaiting_answer"] == []  # answered, either way


def test_the_invites_status_carries_the_answer(app, client) -> None:  # type: ignore[no-untyped-def]
    import icalendar

    from addin.outlook.ics import IcsCalendar
    from addin.outlook.schedule import refresh_invites, schedule

    db = app.extensions["okr_db"]
    sync_workbook(db, "local", write_template(sample=True, today=FIXED_NOW.date()), now=FIXED_NOW)
    revenue = client.get("/api/teams/Growth/dependencies").get_json()["depends_on"][0]["kr_id"]
    path = f"/api/teams/Customer Success/dependencies/{revenue}"
    assert client.put(path, json={"state": "declined", "note": HOSTILE}).status_code == 200
    folder = Path(app.instance_path) / "ics"
    schedule(db, "local", calendar=IcsCalendar(folder), now=FIXED_NOW)
    refresh_invites(db, "local", calendar=IcsCalendar(folder), now=FIXED_NOW)

    events = [
        event
        for file in folder.rglob("*.ics")
        for event in icalendar.Calendar.from_ical(file.read_bytes()).walk("VEVENT")
        if "Growth" in str(event.get("SUMMARY")) and "RECURRENCE-ID" in event  # the occurrences with the status
    ]
    assert events, "no Growth occurrence carries the status"
    shown = "\u201c<script>alert(1)</script> gnp.exe & <b>not</b> now\u201d"
    for event in events:
        alt = str(event["X-ALT-DESC"]).replace("\\;", ";").replace("\\,", ",")  # an X- property stays escaped
        text = str(event["DESCRIPTION"])
        assert html.escape(shown, quote=False) in alt and "<script>" not in alt and "\u202e" not in alt
        assert shown in text
