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


def test_the_agenda_of_last_quarters_meeting_is_about_last_quarters_key_results(app, client) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from addin.excel.sync import sync_workbook
    from addin.excel.template import write_next_quarter, write_template
    from addin.okr.model import KeyResult, Settings
    from addin.okr.quarters import Quarter
    from addin.store import okr_sets
    from addin.store.meetings import MeetingRecord, upsert_meeting
    from tests.conftest import FIXED_NOW

    db = app.extensions["okr_db"]
    sync_workbook(db, "local", write_template(sample=True, today=FIXED_NOW.date()), now=FIXED_NOW)
    with db.read() as s:
        growth = next(t for t in okr_sets.list_teams(s, "local") if t.name == "Growth")
        q4_ids = {k.id for k in okr_sets.load_okrs(s, "local", team="Growth", quarter="2026-Q4").key_results}
    carried = [KeyResult(team="Growth", objective="Grow", title="Raise activation to 50", baseline=30, target=50)]
    q1 = sync_workbook(
        db,
        "local",
        write_next_quarter(Quarter(2027, 1), growth, carried, [], Settings()),
        now=FIXED_NOW + dt.timedelta(days=50),
    )
    assert q1.quarters == ("2027-Q1",)
    key = "okr-checkin-00000000000000000000aaaa"
    with db.transaction() as s:
        upsert_meeting(s, "local", MeetingRecord(key, "Growth", "checkin", "2026-Q4", growth.lead or ""), now=FIXED_NOW)
    agenda = client.get(f"/api/meetings/{key}/agenda").get_json()
    named = {x["kr_id"] for part in ("moved", "stale", "low_confidence") for x in agenda[part]}
    assert agenda["quarter"] == "2026-Q4" and named and named <= q4_ids
