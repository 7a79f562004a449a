"""The meeting key an invite carries names its team; anything else is refused, not guessed."""

from __future__ import annotations

from addin.outlook.identity import MEETING_KEY
from addin.outlook.plan import plan_cadence
from tests.outlook.conftest import NOW, make_okrs


def test_every_series_body_carries_its_meeting_key() -> None:
    for m in plan_cadence(make_okrs(2), tenant="t1", now=NOW).meetings:
        assert f"OKR meeting key: {m.key}</p>" in m.body_html
        assert MEETING_KEY.match(m.key)


def test_the_api_names_the_meeting_and_refuses_what_is_not_a_key(client) -> None:  # type: ignore[no-untyped-def]
    for bad in ("okr-checkin-XYZ", "okr-checkin-0123456789abcdef01234567' OR 1=1", "okr-retro-%3Cscript%3E"):
        reply = client.get(f"/api/meetings/{bad}")
        assert reply.status_code == 400, bad
        assert reply.get_json()["error"]["code"] == "bad_meeting_key"
    missing = client.get("/api/meetings/okr-review-0123456789abcdef01234567")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "meeting_not_found"


def test_another_tenants_meeting_key_is_not_found_here(app, client) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from addin.store.meetings import MeetingRecord, upsert_meeting

    key = "okr-checkin-0123456789abcdef01234567"
    db = app.extensions["okr_db"]
    with db.transaction() as s:
        upsert_meeting(
            s,
            "other-tenant",
            MeetingRecord(key, "Secret team", "checkin", "2026-Q4", "lead@other.example"),
            now=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        )
    for path in (f"/api/meetings/{key}", f"/api/meetings/{key}/agenda"):
        reply = client.get(path)
        assert reply.status_code == 404 and "Secret team" not in reply.get_data(as_text=True)
