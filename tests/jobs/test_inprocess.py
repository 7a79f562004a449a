"""Without a broker the jobs run inside `okr serve` (gunicorn workers, a real subprocess): a sync
over HTTP that changes a team's lead re-plans its meetings; the invite refresh runs on its own."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from pathlib import Path

from addin.store.db import Database
from addin.store.meetings import list_meetings
from tests.conftest import FIXED_NOW
from tests.jobs.test_after_sync import NEW_LEAD, _with_lead
from tests.test_server import OKR, serve  # noqa: F401  (okr serve as a subprocess)


def _okr(folder: Path, env: dict[str, str], *args: str) -> None:
    result = subprocess.run([str(OKR), *args], cwd=folder, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode in (0, 1), result.stderr


def _post(url: str, data: bytes, content_type: str) -> dict:  # type: ignore[type-arg]
    request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())


def _multipart(workbook: bytes) -> tuple[bytes, str]:
    boundary = "okr-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="workbook"; filename="okrs.xlsx"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + workbook + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _meetings(instance: Path) -> dict:  # type: ignore[type-arg]
    db = Database(f"sqlite:///{instance / 'okr.sqlite3'}")
    try:
        with db.read() as s:
            return {m.key: m for m in list_meetings(s, "local")}
    finally:
        db.dispose()


def _wait(condition, seconds: float, what: str, log: Path) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:  # polling for an outcome, not asserting a duration
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {seconds} s\n{log.read_text()[-4000:]}")


def test_jobs_run_inside_okr_serve_without_a_broker(serve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OKR_", "DATABASE_URL"))}
    env.update(
        {
            "OKR_INSTANCE_PATH": str(tmp_path / "instance"),
            "OKR_NOW": FIXED_NOW.isoformat(),
            "OKR_REFRESH_MINUTES": "0.02",
        }
    )
    book = tmp_path / "okrs.xlsx"
    _okr(tmp_path, env, "template", "--sample", str(book))
    _okr(tmp_path, env, "sync", str(book))
    _okr(tmp_path, env, "schedule")
    before = _meetings(tmp_path / "instance")
    product = {k for k, m in before.items() if m.team == "Product"}
    assert product

    served = serve("--workers", "2", env={k: env[k] for k in ("OKR_NOW", "OKR_REFRESH_MINUTES")})
    base = f"http://127.0.0.1:{served.port}"
    body, content_type = _multipart(_with_lead(book.read_bytes(), "Product", NEW_LEAD))
    assert _post(f"{base}/api/sync", body, content_type)["conflicts"] == []
    _wait(
        lambda: all(_meetings(served.instance)[k].organizer == NEW_LEAD for k in product),
        120,
        "the re-planning of Product's meetings",
        served.log,
    )
    assert _meetings(served.instance).keys() == before.keys()

    # a check-in changes a KR's status: the periodic refresh puts it into that team's invites
    teams = json.loads(urllib.request.urlopen(f"{base}/api/teams", timeout=30).read())["teams"]
    kr = next(
        k
        for t in teams
        if t["team"] == "Growth"
        for o in t["objectives"]
        for k in o["key_results"]
        if k["target"] is not None
    )
    growth = {k: m.body_hash for k, m in _meetings(served.instance).items() if m.team == "Growth"}
    _post(
        f"{base}/api/key-results/{kr['id']}/checkins", json.dumps({"value": kr["target"]}).encode(), "application/json"
    )
    _wait(
        lambda: any(_meetings(served.instance)[k].body_hash != h for k, h in growth.items()),
        120,
        "the refresh of Growth's invites",
        served.log,
    )
