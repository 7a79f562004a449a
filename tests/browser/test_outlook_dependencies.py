"""The dependency handshake in the Outlook pane, in a real headless Chromium: both lists, and
Accept / Decline with a note for the depended-on team's lead only."""

from __future__ import annotations

import io
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from addin.excel.template import write_template
from auth import AuthConfig
from tests.auth.conftest import identity, identity_server  # noqa: F401  (the local identity platform)
from tests.browser.test_outlook_pane import _invite_text, _open_pane, _sync_sample
from tests.conftest import FIXED_NOW

REVENUE = "Increase monthly self-serve revenue from $120k to $180k"
HOSTILE = '<img src=x onerror="window.__pwned=1"> No capacity\u202e until January'


def _dependency(client, team: str = "Customer Success") -> dict:
    (dep,) = client.get(f"/api/teams/{team}/dependencies").get_json()["depended_on_by"]
    return dep


def test_the_lead_declines_with_a_note_then_accepts_in_the_review_meeting(page, live_server, client, app):
    _sync_sample(client)
    _open_pane(page, live_server, "CS review", body=_invite_text(app, "Customer Success", "review"))
    page.wait_for_function("document.getElementById('state').textContent.startsWith('Customer Success')")
    page.wait_for_selector("#dependencies:not([hidden])")
    assert page.locator("#depends-on li").count() == 0
    item = page.locator("#depended-on-by li")
    assert item.count() == 1
    assert item.locator(".title").text_content() == f"Growth: {REVENUE}"
    assert item.locator(".answer").text_content() == "Not answered"
    assert page.locator("#agenda .agenda-awaiting_answer li").all_text_contents() == [f"Growth: {REVENUE}"]

    item.locator("button.decline").click()  # a decline without a reason is refused, in words
    page.wait_for_function("document.getElementById('state').classList.contains('error')")
    assert "Say why" in page.text_content("#state") and _dependency(client)["state"] == "unanswered"

    item.locator("input[name=note]").fill(HOSTILE)
    item.locator("button.decline").click()
    page.wait_for_function("document.getElementById('state').textContent.startsWith('Declined')")
    stored = _dependency(client)
    assert (stored["state"], stored["note"]) == ("declined", HOSTILE.replace("\u202e", ""))
    item = page.locator("#depended-on-by li")
    assert item.locator(".answer").text_content() == "Declined"
    assert item.locator(".note").text_content() == stored["note"]  # shown as text, never as markup
    assert item.locator(".who").text_content() == "Declined by local on 2026-11-20"
    assert page.locator("#dependencies img").count() == 0 and page.evaluate("window.__pwned") is None

    item.locator("input[name=note]").fill("Agreed after the review")
    item.locator("button:not(.decline)").click()
    page.wait_for_function("document.getElementById('state').textContent.startsWith('Accepted')")
    assert _dependency(client)["state"] == "accepted"
    assert page.locator("#depended-on-by .answer").text_content() == "Accepted"


def test_the_dependent_team_sees_the_answer_and_cannot_answer_it(page, live_server, client, app):
    _sync_sample(client)
    revenue = _dependency(client)["kr_id"]
    client.put(f"/api/teams/Customer Success/dependencies/{revenue}", json={"state": "declined", "note": "Not now"})
    _open_pane(page, live_server, "Growth check-in", body=_invite_text(app, "Growth"))
    page.wait_for_function("document.getElementById('state').textContent.startsWith('Growth')")
    page.wait_for_selector("#dependencies:not([hidden])")
    item = page.locator("#depends-on li")
    assert item.locator(".title").text_content() == f"Customer Success: {REVENUE}"
    assert item.locator(".answer").text_content() == "Declined" and item.locator(".note").text_content() == "Not now"
    assert item.locator("form").is_hidden()  # an answer is the other team's to give
    assert page.locator("#depended-on-by li").count() == 0


# ---------------------------------------------------------------- signed in: only the lead answers


@contextmanager
def _serve(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


@pytest.fixture
def signed_in(identity, instance):  # noqa: F811
    """(the app with sign-in on, token(email, admin=False) of a user of its tenant)."""
    from addin import create_app

    client_id, secret = identity.register_client()
    tenant = str(uuid.uuid4())
    config = AuthConfig.from_env(
        {
            "OKR_CLIENT_ID": client_id,
            "OKR_CLIENT_SECRET": secret,
            "OKR_AUTHORITY": identity.base_url,
            "OKR_ALLOWED_TENANTS": tenant,
            "OKR_CA_BUNDLE": str(identity.ca_path),
        }
    )
    app = create_app({"TESTING": True, "OKR_CLOCK": lambda: FIXED_NOW, "OKR_AUTH": config})
    oids: dict[str, str] = {}

    def token(email: str, admin: bool = False) -> str:
        oid = oids.setdefault(email, str(uuid.uuid4()))
        roles = ["OKR.Admin"] if admin else None
        return identity.user_token(tenant, oid, client_id, preferred_username=email, name=email, roles=roles)

    return app, token


def _open_signed_in(page, base: str, token: str, team: str) -> None:
    page.add_init_script(f"window.__FAKE_HOST = 'Outlook'; window.__SSO_TOKEN = {token!r};")
    page.goto(f"{base}/addin/outlook/taskpane.html")
    page.wait_for_selector("#team:not([disabled])")
    page.select_option("#team", team)
    page.wait_for_function(f"document.getElementById('state').textContent.startsWith({team!r})")
    page.wait_for_selector("#dependencies:not([hidden])")


def test_only_the_depended_on_teams_lead_gets_accept_and_decline(browser, signed_in):
    app, token = signed_in
    client = app.test_client()
    data = write_template(sample=True, today=FIXED_NOW.date())
    synced = client.post(
        "/api/sync",
        headers={"Authorization": f"Bearer {token('boss@example.com', admin=True)}"},
        data={"workbook": (io.BytesIO(data), "okrs.xlsx")},
        content_type="multipart/form-data",
    )
    assert synced.status_code == 200, synced.get_data(as_text=True)

    with _serve(app) as base:
        member = browser.new_context(bypass_csp=True)
        page = member.new_page()
        page.route("https://appsforoffice.microsoft.com/**", _fake_office)
        _open_signed_in(page, base, token("marta.costa@example.com"), "Customer Success")
        assert page.locator("#depended-on-by li").count() == 1
        assert page.locator("#depended-on-by form").is_hidden()  # a member of the team: no answer to give
        member.close()

        lead = browser.new_context(bypass_csp=True)
        page = lead.new_page()
        page.route("https://appsforoffice.microsoft.com/**", _fake_office)
        _open_signed_in(page, base, token("joao.silva@example.com"), "Customer Success")
        page.locator("#depended-on-by input[name=note]").fill("We own trial follow-ups")
        page.locator("#depended-on-by button:not(.decline)").click()
        page.wait_for_function("document.getElementById('state').textContent.startsWith('Accepted')")
        assert page.locator("#depended-on-by .who").text_content() == "Accepted by joao.silva@example.com on 2026-11-20"
        lead.close()
    marta = {"Authorization": f"Bearer {token('marta.costa@example.com')}"}
    (dep,) = client.get("/api/teams/Customer Success/dependencies", headers=marta).get_json()["depended_on_by"]
    assert (dep["state"], dep["answered_by"], dep["note"]) == (
        "accepted",
        "joao.silva@example.com",
        "We own trial follow-ups",
    )


def _fake_office(route) -> None:  # type: ignore[no-untyped-def]
    from tests.browser.conftest import FAKE_OFFICE

    route.fulfill(body=FAKE_OFFICE, content_type="application/javascript")
