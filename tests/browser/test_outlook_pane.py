"""The Outlook task pane in a real headless Chromium: a meeting's KRs and a check-in."""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from addin.excel.template import write_template
from tests.conftest import FIXED_NOW


def _sync_sample(client) -> list[dict]:
    data = write_template(sample=True, today=FIXED_NOW.date())
    response = client.post(
        "/api/sync", data={"workbook": (io.BytesIO(data), "okrs.xlsx")}, content_type="multipart/form-data"
    )
    assert response.status_code == 200
    return client.get("/api/teams").get_json()["teams"]


def _open_pane(
    page, live_server: str, subject: str, host: str = "Outlook", *, body: str = "", compose: bool = False
) -> None:
    page.add_init_script(
        f"window.__FAKE_HOST = {host!r}; window.__MEETING_SUBJECT = {subject!r};"
        f" window.__MEETING_BODY = {body!r}; window.__COMPOSE = {str(compose).lower()};"
        " window.OKR_NO_SSO = true;"
    )
    page.goto(f"{live_server}/addin/outlook/taskpane.html")


def _invite_text(app, team: str, kind: str = "checkin") -> str:
    """The text body of the team's scheduled invite, as Outlook hands it to the pane."""
    import html
    import re

    from addin.outlook.ics import IcsCalendar
    from addin.outlook.schedule import schedule
    from addin.store.meetings import list_meetings

    db = app.extensions["okr_db"]
    schedule(db, "local", calendar=IcsCalendar(Path(app.instance_path) / "ics"), now=FIXED_NOW)
    with db.read() as s:
        rec = next(r for r in list_meetings(s, "local") if r.team == team and r.kind == kind)
    text = re.sub(r"<[^>]+>", "\n", str((rec.snapshot or {})["body_html"]))
    return "Microsoft Teams meeting\nJoin: https://teams.microsoft.com/l/x\n" + html.unescape(text)


@pytest.mark.parametrize("compose", [False, True], ids=["attendee", "organiser"])
def test_meeting_shows_its_teams_krs_and_records_a_checkin(page, live_server, client, app, compose):
    teams = _sync_sample(client)
    team = teams[-1]
    krs = [k for o in team["objectives"] for k in o["key_results"]]
    # the subject names another team first: the pane goes by the key in the body, not the subject
    _open_pane(
        page, live_server, f"{teams[0]['team']} / {team['team']}", body=_invite_text(app, team["team"]), compose=compose
    )
    page.wait_for_function(f"document.getElementById('state').textContent.startsWith({team['team']!r})")

    assert page.input_value("#team") == team["team"]
    # the agenda: what the API says this meeting should talk about, as text
    key = re.search(r"key: (okr-checkin-[0-9a-f]{24})", _invite_text(app, team["team"]))[1]
    agenda = client.get(f"/api/meetings/{key}/agenda").get_json()
    assert agenda["team"] == team["team"]
    shown = {f: len(v) for f in ("moved", "stale", "low_confidence", "dependencies") if (v := agenda[f])}
    assert shown, agenda  # the sample has something to talk about
    page.wait_for_selector("#agenda:not([hidden])")
    for field, count in shown.items():
        assert page.locator(f"#agenda .agenda-{field} li").count() == count
    assert page.locator("#krs .kr").count() == len(krs)
    assert page.locator("#krs .title").all_text_contents() == [k["title"] for k in krs]

    first = page.locator("#krs .kr").first
    first.locator("input[name=value]").fill("42")
    first.locator("select[name=confidence]").select_option("high")
    first.locator("input[name=note]").fill("<script>window.__pwned=1</script> moved")
    first.locator("button").click()
    page.wait_for_function("document.getElementById('state').textContent.startsWith('Checked in')")

    stored = client.get(f"/api/teams/{team['team']}").get_json()
    kr = next(k for o in stored["objectives"] for k in o["key_results"] if k["id"] == krs[0]["id"])
    assert kr["current"] == 42
    assert page.evaluate("window.__pwned") is None
    # the pane asked again with the page's ETag: the check-in moved it, so it shows the new value
    assert page.locator("#krs .kr .numbers").first.text_content().startswith("42 of")

    # back to a team it already shows: the server answers 304 and the pane keeps what it has
    answers: list[int] = []
    page.on("response", lambda r: answers.append(r.status) if _is_team_page(r.url) else None)
    page.select_option("#team", teams[0]["team"])
    page.wait_for_function(f"document.getElementById('state').textContent.startsWith({teams[0]['team']!r})")
    page.select_option("#team", team["team"])
    page.wait_for_function(f"document.getElementById('state').textContent.startsWith({team['team']!r})")
    assert answers == [200, 304]
    assert page.locator("#krs .title").all_text_contents() == [k["title"] for k in krs]
    assert page.locator("#krs .kr .numbers").first.text_content().startswith("42 of")


def test_a_meeting_without_a_key_is_not_given_another_teams_krs(page, live_server, client):
    teams = _sync_sample(client)
    _open_pane(page, live_server, f"Weekly OKR check-in · {teams[0]['team']}", body="Lunch?")
    page.wait_for_function("document.getElementById('state').textContent.includes('choose the team')")
    assert page.input_value("#team") == ""
    assert page.locator("#krs .kr").count() == 0


def test_an_unknown_key_says_so_and_shows_nothing(page, live_server, client):
    _sync_sample(client)
    _open_pane(page, live_server, "x", body="OKR meeting key: okr-checkin-0123456789abcdef01234567")
    page.wait_for_function("document.getElementById('state').classList.contains('error')")
    assert "No OKR meeting has this key" in page.text_content("#state")
    assert page.input_value("#team") == "" and page.locator("#krs .kr").count() == 0


def test_outside_outlook_the_pane_says_so(page, live_server):
    _open_pane(page, live_server, "", host="Excel")
    page.wait_for_selector("#host-warning:not([hidden])")


def _is_team_page(url: str) -> bool:
    """GET /api/teams/<team> itself (not its /dependencies, which the pane reads beside it)."""
    return re.fullmatch(r"/api/teams/[^/]+", urlsplit(url).path) is not None
