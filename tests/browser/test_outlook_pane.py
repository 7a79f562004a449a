"""The Outlook task pane in a real headless Chromium: a meeting's KRs and a check-in."""

from __future__ import annotations

import io

from addin.excel.template import write_template
from tests.conftest import FIXED_NOW


def _sync_sample(client) -> list[dict]:
    data = write_template(sample=True, today=FIXED_NOW.date())
    response = client.post("/api/sync", data={"workbook": (io.BytesIO(data), "okrs.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    return client.get("/api/teams").get_json()["teams"]


def _open_pane(page, live_server: str, subject: str, host: str = "Outlook") -> None:
    page.add_init_script(f"window.__FAKE_HOST = {host!r}; window.__MEETING_SUBJECT = {subject!r};"
                         " window.OKR_NO_SSO = true;")
    page.goto(f"{live_server}/addin/outlook/taskpane.html")


def test_meeting_shows_its_teams_krs_and_records_a_checkin(page, live_server, client):
    teams = _sync_sample(client)
    team = teams[-1]
    krs = [k for o in team["objectives"] for k in o["key_results"]]
    _open_pane(page, live_server, f"Weekly OKR check-in · {team['team']}")
    page.wait_for_function(f"document.getElementById('state').textContent.startsWith({team['team']!r})")

    assert page.input_value("#team") == team["team"]
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


def test_outside_outlook_the_pane_says_so(page, live_server):
    _open_pane(page, live_server, "", host="Excel")
    page.wait_for_selector("#host-warning:not([hidden])")
