"""The dependency handshake through the API, with signed tokens of different users.

In the sample workbook Growth's "Increase monthly self-serve revenue" depends on Customer
Success (lead joao, member marta), which names Growth nowhere; Engineering and Platform depend
on each other and name each other. An admin syncs it first, which stores those rosters.
"""

from __future__ import annotations

import io

import docx
import pytest

from tests.api.conftest import upload
from tests.api.test_authority import ADMIN, trust  # noqa: F401  (the signed-in tenant with the sample)

JOAO, MARTA, PRIYA, OUTSIDER = (
    "joao.silva@example.com",  # Customer Success's lead
    "marta.costa@example.com",  # a member of Customer Success
    "priya.nair@example.com",  # Growth's lead: the dependent team's
    "zed@example.com",
)
REVENUE = "Increase monthly self-serve revenue"


def _kr_id(client, headers, team: str, title_start: str) -> str:
    body = client.get(f"/api/teams/{team}", headers=headers).get_json()
    return next(kr["id"] for o in body["objectives"] for kr in o["key_results"] if kr["title"].startswith(title_start))


def _answer(
    client, headers, kr_id: str, state: str = "accepted", note: str | None = "", team: str = "Customer Success"
):
    body = {"state": state} if note is None else {"state": state, "note": note}
    return client.put(f"/api/teams/{team}/dependencies/{kr_id}", headers=headers, json=body)


def _findings(client, users, data: bytes) -> dict[str, list[dict]]:
    """The rules the admin's re-sync of the workbook reports, by rule."""
    response = upload(client, "/api/sync", data, users.headers(ADMIN, admin=True))
    assert response.status_code == 200, response.get_data(as_text=True)
    out: dict[str, list[dict]] = {}
    for finding in response.get_json()["findings"]:
        out.setdefault(finding["rule"], []).append(finding)
    return out


def test_everyone_reads_a_teams_dependencies_both_ways(trust):  # noqa: F811
    client, users, _ = trust
    outsider = users.headers(OUTSIDER)
    revenue = _kr_id(client, outsider, "Growth", REVENUE)

    cs = client.get("/api/teams/customer success/dependencies?quarter=2026-Q4", headers=outsider)
    assert cs.status_code == 200, cs.get_data(as_text=True)
    body = cs.get_json()
    assert (body["team"], body["quarter"], body["lead"], body["may_answer"]) == (
        "Customer Success",
        "2026-Q4",
        JOAO,
        False,
    )
    assert body["depends_on"] == []
    (incoming,) = body["depended_on_by"]
    assert (incoming["kr_id"], incoming["team"], incoming["other_team"], incoming["state"]) == (
        revenue,
        "Growth",
        "Customer Success",
        "unanswered",
    )
    assert incoming["acknowledged"] is False and incoming["answered_by"] is None

    growth = client.get("/api/teams/Growth/dependencies", headers=outsider).get_json()
    assert [(d["kr_id"], d["other_team"], d["state"]) for d in growth["depends_on"]] == [
        (revenue, "Customer Success", "unanswered")
    ]
    engineering = client.get("/api/teams/Engineering/dependencies", headers=outsider).get_json()
    assert [(d["other_team"], d["named_back"], d["acknowledged"]) for d in engineering["depends_on"]] == [
        ("Platform", True, True)  # Platform's KR names Engineering: acknowledged without an answer
    ]
    assert [d["team"] for d in engineering["depended_on_by"]] == ["Platform"]

    assert client.get("/api/teams/Customer Success/dependencies", headers=users.headers(JOAO)).get_json()["may_answer"]
    admin = users.headers(ADMIN, admin=True)
    assert client.get("/api/teams/Customer Success/dependencies", headers=admin).get_json()["may_answer"]
    assert not client.get("/api/teams/Customer Success/dependencies", headers=users.headers(MARTA)).get_json()[
        "may_answer"
    ]
    missing = client.get("/api/teams/Nobody/dependencies", headers=outsider)
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "team_not_found"


@pytest.mark.parametrize(
    ("who", "admin", "status"),
    [
        (JOAO, False, 200),  # the depended-on team's lead
        (ADMIN, True, 200),
        (MARTA, False, 403),  # a member of that team
        (PRIYA, False, 403),  # another team's lead (the dependent team's)
        ("kenji.sato@example.com", False, 403),  # another team's lead
        (OUTSIDER, False, 403),
    ],
)
def test_only_the_depended_on_teams_lead_or_an_admin_answers(trust, who, admin, status):  # noqa: F811
    client, users, _ = trust
    revenue = _kr_id(client, users.headers(who), "Growth", REVENUE)
    response = _answer(client, users.headers(who, admin=admin), revenue, "accepted", "We own trial follow-ups")
    assert response.status_code == status, response.get_data(as_text=True)
    state = client.get("/api/teams/Growth/dependencies", headers=users.headers(OUTSIDER)).get_json()["depends_on"][0]
    entries = client.get("/api/audit?action=dependency-answer", headers=users.headers(ADMIN, admin=True)).get_json()
    if status == 403:
        error = response.get_json()["error"]
        assert error["code"] == "not_the_teams_lead" and JOAO in error["message"]
        assert error["details"] == {"team": "Customer Success"}
        assert state["state"] == "unanswered" and entries["entries"] == []
        return
    assert response.get_json()["state"] == "accepted" and response.get_json()["answered_by"] == who
    assert (state["state"], state["note"], state["answered_by"]) == ("accepted", "We own trial follow-ups", who)
    (entry,) = entries["entries"]
    assert (entry["actor"], entry["target"]) == (users.oids[who], revenue)
    assert entry["details"] == {
        "team": "Customer Success",
        "quarter": "2026-Q4",
        "state": "accepted",
        "note": "We own trial follow-ups",
    }


def test_an_accepted_dependency_clears_the_finding_and_a_declined_one_says_why(trust):  # noqa: F811
    client, users, data = trust
    joao = users.headers(JOAO)
    revenue = _kr_id(client, joao, "Growth", REVENUE)
    assert [f["location"]["key_result"] for f in _findings(client, users, data)["dependency-unacknowledged"]] == [
        revenue
    ]

    assert _answer(client, joao, revenue, "accepted").status_code == 200
    found = _findings(client, users, data)
    assert "dependency-unacknowledged" not in found and "dependency-declined" not in found

    note = "\u202eNo capacity\u202c until <b>January</b>\r\nsorry"
    declined = _answer(client, joao, revenue, "declined", note)
    assert declined.status_code == 200, declined.get_data(as_text=True)
    assert declined.get_json()["note"] == "No capacity until <b>January</b>\nsorry"  # bidi gone, text literal
    (finding,) = _findings(client, users, data)["dependency-declined"]
    assert finding["location"]["key_result"] == revenue
    assert "\u201cNo capacity until <b>January</b> sorry\u201d" in finding["message"] and JOAO in finding["message"]

    growth = client.get("/api/teams/Growth", headers=users.headers(OUTSIDER)).get_json()
    (dep,) = growth["dependencies"]["depends_on"]
    assert (dep["state"], dep["answered_by"], dep["acknowledged"]) == ("declined", JOAO, False)
    assert dep["answered_at"].startswith("2026-11-20")
    cs = client.get("/api/teams/Customer Success", headers=users.headers(OUTSIDER)).get_json()
    assert [d["state"] for d in cs["dependencies"]["depended_on_by"]] == ["declined"]


def test_answering_records_the_findings_the_retro_pack_reads(trust):  # noqa: F811
    client, users, _ = trust
    joao = users.headers(JOAO)
    revenue = _kr_id(client, joao, "Growth", REVENUE)
    assert _answer(client, joao, revenue, "declined", "<script>alert(1)</script> Not this quarter").status_code == 200

    pack = client.get("/api/teams/Growth/retro/2026-Q4.docx?charts=0", headers=users.headers(OUTSIDER))
    assert pack.status_code == 200
    document = docx.Document(io.BytesIO(pack.data))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    paragraphs = [p.text for p in document.paragraphs]
    acknowledged = next(c for c in cells if c.startswith("declined by"))
    assert acknowledged == f"declined by {JOAO}, 20 Nov 2026: \u201c<script>alert(1)</script> Not this quarter\u201d"
    flagged = [c for c in cells if "declined it on 2026-11-20" in c]  # "Pitfalls flagged": recorded by the answer
    assert flagged and "<script>alert(1)</script>" in flagged[0]
    assert any("which declined it" in p and "What did we do instead" in p for p in paragraphs)

    cs_pack = client.get("/api/teams/Customer Success/retro/2026-Q4.docx?charts=0", headers=users.headers(OUTSIDER))
    cs_text = [p.text for p in docx.Document(io.BytesIO(cs_pack.data)).paragraphs]
    assert any(REVENUE in p and f"declined by {JOAO}" in p for p in cs_text)


def test_the_later_answer_replaces_the_earlier_one(trust):  # noqa: F811
    client, users, _ = trust
    joao = users.headers(JOAO)
    revenue = _kr_id(client, joao, "Growth", REVENUE)
    assert _answer(client, joao, revenue, "declined", "not now").status_code == 200
    assert _answer(client, users.headers(ADMIN, admin=True), revenue, "accepted", None).status_code == 200
    (dep,) = client.get("/api/teams/Customer Success/dependencies", headers=joao).get_json()["depended_on_by"]
    assert (dep["state"], dep["note"], dep["answered_by"]) == ("accepted", "", ADMIN)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"state": "declined"}, "note_required"),  # a decline says why
        ({"state": "declined", "note": " \u202e\u2066 "}, "note_required"),
        ({"state": "accepted", "note": "x" * 501}, "invalid_field"),
        ({"state": "maybe"}, "invalid_field"),
        ({"state": "accepted", "note": ["a"]}, "invalid_field"),
        ({}, "invalid_field"),
        ("accepted", "invalid_json"),
    ],
)
def test_a_bad_answer_is_refused_and_nothing_is_stored(trust, body, code):  # noqa: F811
    client, users, _ = trust
    joao = users.headers(JOAO)
    revenue = _kr_id(client, joao, "Growth", REVENUE)
    response = client.put(f"/api/teams/Customer Success/dependencies/{revenue}", headers=joao, json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == code
    (dep,) = client.get("/api/teams/Customer Success/dependencies", headers=joao).get_json()["depended_on_by"]
    assert dep["state"] == "unanswered"


def test_unknown_teams_key_results_and_links_are_not_found(trust, sign_in):  # noqa: F811
    client, users, _ = trust
    joao, admin = users.headers(JOAO), users.headers(ADMIN, admin=True)
    revenue = _kr_id(client, joao, "Growth", REVENUE)
    churn = _kr_id(client, joao, "Growth", "Reduce monthly logo churn")  # depends on nobody
    cases = [
        (_answer(client, admin, revenue, team="Nobody"), "team_not_found"),
        (_answer(client, joao, "KR-FFFFFF"), "kr_not_found"),
        (_answer(client, joao, churn), "not_a_dependency"),
        (_answer(client, admin, revenue, team="Platform"), "not_a_dependency"),  # it depends on CS, not Platform
    ]
    for response, code in cases:
        assert response.status_code == 404 and response.get_json()["error"]["code"] == code, response.get_json()
    # another tenant's admin cannot answer (nor see) this tenant's dependency
    _, tenants, headers = sign_in
    other = headers(tenants[1])
    assert _answer(client, other, revenue).status_code == 404
    assert client.get("/api/teams/Customer Success/dependencies", headers=other).status_code == 404
    (dep,) = client.get("/api/teams/Growth/dependencies", headers=joao).get_json()["depends_on"]
    assert dep["state"] == "unanswered"
