"""`okr feed --team T [--revoke]`: the team's calendar feed URL, printed once; revoked, it answers 404."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest


@pytest.fixture
def synced(okr, tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "okrs.xlsx"
    okr("template", "--sample", str(path))
    assert okr("sync", str(path)).exit_code == 0


def test_the_printed_url_is_the_feed_until_it_is_revoked(okr, synced, client) -> None:  # type: ignore[no-untyped-def]
    made = okr("feed", "--team", "growth")

    assert made.exit_code == 0, made.stderr
    url = made.stdout.strip()
    assert url.startswith("https://localhost:5000/feeds/") and url.endswith(".ics")
    assert "webcal://localhost:5000/feeds/" in made.stderr and "OKR_PUBLIC_URL" in made.stderr
    answer = client.get(urlsplit(url).path)
    assert answer.status_code == 200 and b"METHOD:PUBLISH" in answer.data and b"Growth: weekly" in answer.data

    revoked = okr("feed", "--team", "Growth", "--revoke")
    assert revoked.exit_code == 0 and "404" in revoked.stdout
    assert client.get(urlsplit(url).path).status_code == 404
    assert okr("feed", "--team", "Growth", "--revoke").exit_code == 2  # nothing left to revoke


def test_running_it_again_replaces_the_url_and_the_audit_says_so(okr, synced, client) -> None:  # type: ignore[no-untyped-def]
    first = okr("feed", "--team", "Growth").stdout.strip()
    second = okr("feed", "--team", "Growth")
    assert "previous feed URL of Growth stopped working" in second.stderr
    assert client.get(urlsplit(first).path).status_code == 404
    assert client.get(urlsplit(second.stdout.strip()).path).status_code == 200
    entries = json.loads(okr("audit", "--action", "feed-change", "--json").stdout)["entries"]
    assert [(e["target"], e["details"]["change"], e["actor"]) for e in entries] == [
        ("Growth", "rotated", "local"),
        ("Growth", "created", "local"),
    ]


def test_the_public_address_and_json(okr, synced, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OKR_PUBLIC_URL", "https://okr.contoso.example/")
    made = okr("feed", "--team", "Product", "--json")
    body = json.loads(made.stdout)
    assert body["team"] == "Product" and body["replaced"] is False
    assert body["url"].startswith("https://okr.contoso.example/feeds/")
    assert body["webcal"].startswith("webcal://okr.contoso.example/feeds/")
    assert made.stderr == ""


def test_bad_input_is_one_line_and_exit_2(okr, synced, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    unknown = okr("feed", "--team", "Nobody")
    assert unknown.exit_code == 2 and "There is no team called 'Nobody'" in unknown.stderr
    monkeypatch.setenv("OKR_PUBLIC_URL", "javascript:alert(1)")
    bad = okr("feed", "--team", "Product")
    assert bad.exit_code == 2 and "OKR_PUBLIC_URL" in bad.stderr and "[bad_setting]" in bad.stderr
