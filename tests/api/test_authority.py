"""Who may change what, driven through the API with signed tokens of different users.

The sample workbook's teams: Product (lead ana, members tom and li), Growth (lead priya,
members sam and julia), ... An admin syncs it first, which stores those rosters.
"""

from __future__ import annotations

import base64
import io
import uuid
from collections.abc import Callable

import openpyxl
import pytest

from tests.api.conftest import upload

ADMIN = "boss@example.com"
PRODUCT_KR_ROW, GROWTH_KR_ROW = 2, 7  # "Increase activation..." (Product), "...self-serve revenue" (Growth)
TARGET, OWNER, FLAGS, ID = "H", "F", "T", "P"


class Users:
    """Signed tokens for people of one tenant: users.headers("ana@example.com", admin=True)."""

    def __init__(self, identity, client_id: str, tenant: str) -> None:
        self.identity, self.client_id, self.tenant = identity, client_id, tenant
        self.oids: dict[str, str] = {}

    def headers(self, email: str, *, admin: bool = False, oid: str | None = None) -> dict[str, str]:
        oid = oid or self.oids.setdefault(email, str(uuid.uuid4()))
        token = self.identity.user_token(
            self.tenant,
            oid,
            self.client_id,
            preferred_username=email,
            name=email.split("@")[0],
            roles=["OKR.Admin"] if admin else None,
        )
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def trust(limited_app, sign_in, identity, workbook):
    """(client, users, the workbook as the admin's first sync returned it, with IDs)."""
    config, tenants, _ = sign_in
    client = limited_app(auth=config).test_client()
    users = Users(identity, config.client_id, tenants[0])
    response = upload(client, "/api/sync?include=workbook", workbook, users.headers(ADMIN, admin=True))
    assert response.status_code == 200, response.get_data(as_text=True)
    return client, users, _returned(response)


def _returned(response) -> bytes:
    return base64.b64decode(response.get_json()["workbook"]["base64"])


def _edit(data: bytes, change: Callable[[openpyxl.Workbook], None]) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    change(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_value(data: bytes, sheet: str, cell: str) -> object:
    return openpyxl.load_workbook(io.BytesIO(data))[sheet][cell].value


def _kr(client, headers, team: str, title_start: str) -> dict:
    body = client.get(f"/api/teams/{team}", headers=headers).get_json()
    return next(kr for o in body["objectives"] for kr in o["key_results"] if kr["title"].startswith(title_start))


def _rules(response) -> set[str]:
    return {f["rule"] for f in response.get_json()["findings"]}


def test_a_team_shows_its_stored_lead_and_members(trust):
    client, users, _ = trust
    body = client.get("/api/teams/Product", headers=users.headers("li.wei@example.com")).get_json()
    assert body["lead"] == "ana.lopez@example.com"
    assert sorted(body["members"]) == ["ana.lopez@example.com", "li.wei@example.com", "tom.berg@example.com"]


def test_a_member_changes_their_team_but_another_teams_change_is_held_and_flagged(trust):
    client, users, data = trust
    tom = users.headers("tom.berg@example.com")

    def change(book):
        book["OKRs"][f"{TARGET}{PRODUCT_KR_ROW}"] = 50
        book["OKRs"][f"{TARGET}{GROWTH_KR_ROW}"] = 1

    response = upload(client, "/api/sync?include=workbook", _edit(data, change), tom)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "authority.kr-not-yours" in _rules(response)
    assert _kr(client, tom, "Product", "Increase activation")["target"] == 50
    assert _kr(client, tom, "Growth", "Increase monthly self-serve")["target"] != 1
    flags = _sheet_value(_returned(response), "OKRs", f"{FLAGS}{GROWTH_KR_ROW}")
    assert "authority.kr-not-yours" in flags


def test_an_outsider_deleting_rows_archives_nothing_of_other_teams(trust):
    client, users, data = trust
    outsider = users.headers("zed@example.com")
    before = client.get("/api/teams", headers=outsider).get_json()["teams"]
    response = upload(client, "/api/sync", _edit(data, lambda book: book["OKRs"].delete_rows(2, 10)), outsider)
    assert response.status_code == 200
    assert response.get_json()["archived"] == 0
    assert "authority.archive-not-yours" in _rules(response)
    assert client.get("/api/teams", headers=outsider).get_json()["teams"] == before


def test_only_the_lead_changes_who_leads_the_team(trust):
    client, users, data = trust
    tom, ana = users.headers("tom.berg@example.com"), users.headers("ana.lopez@example.com")
    promoted = _edit(data, lambda book: book["Teams"].__setitem__("B2", "tom.berg@example.com"))

    response = upload(client, "/api/sync", promoted, tom)
    assert response.status_code == 200
    assert "authority.lead-change-pending" in _rules(response)
    assert client.get("/api/teams/Product", headers=tom).get_json()["lead"] == "ana.lopez@example.com"

    response = upload(client, "/api/sync", promoted, ana)
    assert "authority.lead-change-pending" not in _rules(response)
    assert client.get("/api/teams/Product", headers=tom).get_json()["lead"] == "tom.berg@example.com"


def test_a_new_team_naming_someone_else_as_lead_waits_for_an_admin(trust):
    client, users, data = trust
    zed = users.headers("zed@example.com")

    def add_team(book):
        book["Teams"].append(["Design", "ceo@example.com", "ceo@example.com; outside@partner.example"])
        book["OKRs"].append(
            [
                "Design",
                "Ship a design system",
                "committed",
                "Increase components in use from 10 to 40",
                "increase",
                "zed@example.com",
                10,
                40,
                12,
            ]
        )

    response = upload(client, "/api/sync", _edit(data, add_team), zed)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "authority.new-team-lead-pending" in _rules(response)
    design = client.get("/api/teams/Design", headers=zed).get_json()
    assert design["lead"] is None and design["members"] == ["zed@example.com"]
    assert _kr(client, zed, "Design", "Increase components")["target"] == 40  # the rest applied


def test_only_an_admin_changes_the_settings(trust):
    client, users, data = trust
    quarter = _edit(data, lambda book: book["Settings"].__setitem__("B2", "2027-Q1"))
    response = upload(client, "/api/sync", quarter, users.headers("ana.lopez@example.com"))
    assert "authority.settings-change-pending" in _rules(response)
    response = upload(client, "/api/sync", quarter, users.headers(ADMIN, admin=True))
    assert "authority.settings-change-pending" not in _rules(response)
    entries = client.get("/api/audit?action=settings-change", headers=users.headers(ADMIN, admin=True)).get_json()[
        "entries"
    ]
    # newest first: the admin's change, then the first sync that set them
    assert [e["details"]["quarter"] for e in entries] == ["2027-Q1", "2026-Q4"]


@pytest.mark.parametrize(
    ("who", "admin", "status"),
    [
        ("julia.roth@example.com", False, 201),  # the KR's owner
        ("sam.okafor@example.com", False, 201),  # a member of its team
        ("priya.nair@example.com", False, 201),  # its team's lead
        (ADMIN, True, 201),
        ("tom.berg@example.com", False, 403),  # another team's member
        ("zed@example.com", False, 403),  # nobody's
    ],
)
def test_who_may_check_in(trust, who, admin, status):
    client, users, _ = trust
    kr = _kr(client, users.headers(who), "Growth", "Run 5 marketing campaigns")
    response = client.post(
        f"/api/key-results/{kr['id']}/checkins", headers=users.headers(who, admin=admin), json={"value": 2}
    )
    assert response.status_code == status, response.get_data(as_text=True)
    if status == 403:
        assert response.get_json()["error"]["code"] == "not_your_key_result"
        assert _kr(client, users.headers(who), "Growth", "Run 5 marketing campaigns")["current"] == kr["current"]


def test_an_address_is_bound_to_the_first_account_that_used_it(trust):
    client, users, _ = trust
    kr = _kr(client, users.headers("julia.roth@example.com"), "Growth", "Run 5 marketing campaigns")
    path = f"/api/key-results/{kr['id']}/checkins"
    assert client.post(path, headers=users.headers("julia.roth@example.com"), json={"value": 1}).status_code == 201
    # a different account later carrying the same address is not julia
    impostor = users.headers("julia.roth@example.com", oid=str(uuid.uuid4()))
    assert client.post(path, headers=impostor, json={"value": 5}).status_code == 403


def test_the_audit_trail_records_every_write_and_only_admins_read_it(trust):
    client, users, data = trust
    julia = users.headers("julia.roth@example.com")
    kr = _kr(client, julia, "Growth", "Run 5 marketing campaigns")
    assert client.post(f"/api/key-results/{kr['id']}/checkins", headers=julia, json={"value": 3}).status_code == 201
    promoted = _edit(data, lambda book: book["Teams"].__setitem__("B3", "sam.okafor@example.com"))
    assert upload(client, "/api/sync", promoted, users.headers("priya.nair@example.com")).status_code == 200

    refused = client.get("/api/audit", headers=julia)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "admin_only"

    entries = client.get("/api/audit", headers=users.headers(ADMIN, admin=True)).get_json()["entries"]
    by_action = {(e["action"], e["actor"]) for e in entries}
    assert ("checkin", users.oids["julia.roth@example.com"]) in by_action
    assert ("sync", users.oids["priya.nair@example.com"]) in by_action
    assert ("sync", users.oids[ADMIN]) in by_action
    change = next(e for e in entries if e["action"] == "lead-change" and e["target"] == "Growth")
    assert change["actor"] == users.oids["priya.nair@example.com"]
    assert change["details"]["lead"] == ["priya.nair@example.com", "sam.okafor@example.com"]
    assert all(e["at"] for e in entries)


def test_teams_are_paged(trust):
    client, users, _ = trust
    headers = users.headers("zed@example.com")
    first = client.get("/api/teams?limit=2", headers=headers).get_json()
    assert len(first["teams"]) == 2 and first["total"] == 5 and first["next"]
    rest = client.get(first["next"], headers=headers).get_json()
    last = client.get(rest["next"], headers=headers).get_json()
    names = [t["team"] for page in (first, rest, last) for t in page["teams"]]
    assert len(set(names)) == 5 and last["next"] is None
    assert client.get("/api/teams?limit=100000", headers=headers).status_code == 400
