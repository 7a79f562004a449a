"""Calendar feeds through the API with sign-in on: who may make and revoke a team's feed URL,
and what the URL answers to a calendar app that sends no token, no cookie and no header.

The sample workbook's teams: Product (lead ana.lopez, members tom.berg and li.wei; Europe/Madrid),
Growth (lead priya.nair; America/New_York), ... An admin syncs it first, which stores those rosters.
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import icalendar
import openpyxl
import pytest

from tests.api.conftest import upload
from tests.api.test_authority import ADMIN, Users
from tests.outlook import ics_lines

LEAD, MEMBER, OUTSIDER = "ana.lopez@example.com", "tom.berg@example.com", "priya.nair@example.com"


@pytest.fixture
def signed(limited_app, sign_in, identity, workbook):  # type: ignore[no-untyped-def]
    """(client, users of tenant A, users of tenant B); both tenants synced the sample, B with Product in Tokyo."""
    config, tenants, _ = sign_in
    client = limited_app(auth=config).test_client()
    a, b = (Users(identity, config.client_id, t) for t in tenants)
    assert upload(client, "/api/sync", workbook, a.headers(ADMIN, admin=True)).status_code == 200
    assert upload(client, "/api/sync", _in_tokyo(workbook), b.headers(ADMIN, admin=True)).status_code == 200
    return client, a, b


def _in_tokyo(data: bytes) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["Teams"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "Product")
    row[5].value = "Asia/Tokyo"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _path(url: str) -> str:
    return urlsplit(url).path


def _open(client, users: Users, email: str, team: str = "Product", **kwargs):  # type: ignore[no-untyped-def]
    return client.post(f"/api/teams/{team}/feed", headers=users.headers(email, **kwargs))


def test_the_lead_a_member_and_an_admin_may_make_the_feed_and_others_may_not(signed) -> None:  # type: ignore[no-untyped-def]
    client, a, _ = signed
    for email, admin in ((LEAD, False), (MEMBER, False), ("boss2@example.com", True)):
        made = _open(client, a, email, admin=admin)
        assert made.status_code == 201, (email, made.get_data(as_text=True))
    refused = _open(client, a, OUTSIDER)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "not_your_team"
    assert client.delete("/api/teams/Product/feed", headers=a.headers(OUTSIDER)).status_code == 403
    assert _open(client, a, LEAD, team="Nobody").status_code == 404
    assert client.post("/api/teams/Product/feed").status_code == 401  # no token, no feed


def test_a_calendar_app_reads_the_feed_without_signing_in(signed) -> None:  # type: ignore[no-untyped-def]
    client, a, _ = signed
    made = _open(client, a, LEAD).get_json()
    assert made["active"] and not made["replaced"] and made["team"] == "Product"
    assert made["url"].startswith("http") and made["url"].endswith(".ics")
    assert made["webcal"] == "webcal://" + made["url"].split("://", 1)[1]

    answer = client.get(_path(made["url"]))  # no Authorization header, no cookie

    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.mimetype == "text/calendar"
    assert answer.headers["Cache-Control"] == "private, max-age=300"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "noindex" in answer.headers["X-Robots-Tag"]
    cal = icalendar.Calendar.from_ical(answer.data)
    assert cal["METHOD"] == "PUBLISH"
    events = list(cal.walk("VEVENT"))
    assert len(events) == 6 and all(str(e["SUMMARY"]).startswith("Product: ") for e in events)
    assert ics_lines.parse(answer.data).named("ATTENDEE") == []
    # a leaked URL gives away titles and times only: no address of anyone, no key result
    assert b"@example.com" not in answer.data and b"activation" not in answer.data.lower()

    again = client.get(_path(made["url"]), headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304 and not again.data


def test_revoking_makes_the_url_404_like_any_unknown_one(signed) -> None:  # type: ignore[no-untyped-def]
    client, a, _ = signed
    url = _path(_open(client, a, LEAD).get_json()["url"])
    revoked = client.delete("/api/teams/Product/feed", headers=a.headers(MEMBER))
    assert revoked.status_code == 200 and revoked.get_json()["active"] is False

    gone = client.get(url)
    unknown = client.get("/feeds/" + "A" * 43 + ".ics")
    malformed = client.get("/feeds/not-a-token.ics")
    for answer in (gone, unknown, malformed):
        assert answer.status_code == 404
        assert answer.get_json() == gone.get_json()  # nothing says which of them it was
        assert answer.headers["Cache-Control"] == "no-store"
    again = client.delete("/api/teams/Product/feed", headers=a.headers(LEAD))
    assert again.status_code == 404 and again.get_json()["error"]["code"] == "feed_not_found"
    status = client.get("/api/teams/Product/feed", headers=a.headers(OUTSIDER)).get_json()
    assert status["active"] is False and status["revoked_at"] and "url" not in status


def test_rotating_stops_the_old_url(signed) -> None:  # type: ignore[no-untyped-def]
    client, a, _ = signed
    old = _path(_open(client, a, LEAD).get_json()["url"])
    rotated = _open(client, a, MEMBER).get_json()
    new = _path(rotated["url"])

    assert rotated["replaced"] is True and new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_a_token_of_one_tenant_never_shows_anothers_meetings(signed) -> None:  # type: ignore[no-untyped-def]
    client, a, b = signed
    url_a = _path(_open(client, a, LEAD).get_json()["url"])
    url_b = _path(_open(client, b, LEAD).get_json()["url"])

    zones_a = {e["DTSTART"].params["TZID"] for e in icalendar.Calendar.from_ical(client.get(url_a).data).walk("VEVENT")}
    zones_b = {e["DTSTART"].params["TZID"] for e in icalendar.Calendar.from_ical(client.get(url_b).data).walk("VEVENT")}
    assert zones_a == {"Europe/Madrid"} and zones_b == {"Asia/Tokyo"}
    # and tenant B's people cannot touch tenant A's feed: revoking B's leaves A's answering
    assert client.delete("/api/teams/Product/feed", headers=b.headers(LEAD)).status_code == 200
    assert client.get(url_a).status_code == 200 and client.get(url_b).status_code == 404


def test_every_change_is_audited_with_its_actor_and_never_the_token(signed) -> None:  # type: ignore[no-untyped-def]
    client, a, _ = signed
    made = _open(client, a, LEAD).get_json()
    _open(client, a, MEMBER)
    client.delete("/api/teams/Product/feed", headers=a.headers(LEAD))

    entries = client.get("/api/audit?action=feed-change", headers=a.headers(ADMIN, admin=True)).get_json()["entries"]
    assert [(e["target"], e["details"]["change"], e["actor"]) for e in entries] == [
        ("Product", "revoked", a.oids[LEAD]),
        ("Product", "rotated", a.oids[MEMBER]),
        ("Product", "created", a.oids[LEAD]),
    ]
    token = _path(made["url"]).rsplit("/", 1)[1].removesuffix(".ics")
    assert token not in repr(entries)


def test_an_offboarded_organisations_feeds_stop(signed) -> None:  # type: ignore[no-untyped-def]
    client, a, _ = signed
    url = _path(_open(client, a, LEAD).get_json()["url"])
    assert client.delete("/api/tenant", headers=a.headers(ADMIN, admin=True)).status_code == 200
    assert client.get(url).status_code == 404


def test_the_feed_url_uses_the_public_address_when_one_is_configured(limited_app, sign_in, identity, workbook) -> None:  # type: ignore[no-untyped-def]
    config, tenants, _ = sign_in
    app = limited_app(auth=config)
    app.config["OKR_PUBLIC_URL"] = "https://okr.contoso.example/"
    client = app.test_client()
    users = Users(identity, config.client_id, tenants[0])
    upload(client, "/api/sync", workbook, users.headers(ADMIN, admin=True))
    made = _open(client, users, LEAD).get_json()
    assert made["url"].startswith("https://okr.contoso.example/feeds/")
    assert made["webcal"].startswith("webcal://okr.contoso.example/feeds/")


def test_without_sign_in_the_feed_answers_only_trusted_host_names(client, workbook) -> None:  # type: ignore[no-untyped-def]
    assert upload(client, "/api/sync", workbook).status_code == 200
    url = _path(client.post("/api/teams/Growth/feed").get_json()["url"])
    assert client.get(url).status_code == 200
    assert client.get(url, headers={"Host": "okr.attacker.example"}).status_code == 400


def test_one_feed_polled_too_often_is_slowed_alone(limited_app, sign_in, identity, workbook) -> None:  # type: ignore[no-untyped-def]
    config, tenants, _ = sign_in
    client = limited_app(auth=config, FEED="2 per minute", DEFAULT="4 per minute").test_client()
    users = Users(identity, config.client_id, tenants[0])
    upload(client, "/api/sync", workbook, users.headers(ADMIN, admin=True))
    product = _path(_open(client, users, LEAD).get_json()["url"])
    growth = _path(_open(client, users, OUTSIDER, team="Growth").get_json()["url"])

    answers = [client.get(product) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].get_json()["error"]["details"]["quota"] == "feed"
    assert int(answers[2].headers["Retry-After"]) >= 1 and answers[2].headers["Cache-Control"] == "no-store"
    assert client.get(growth).status_code == 200  # another feed has its own count
    # polling counts against no organisation's API quota (4 per minute: 2 feeds were made, this is the 3rd)
    assert client.get("/api/teams", headers=users.headers(LEAD)).status_code == 200
