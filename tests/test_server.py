"""`okr serve` runs the app under gunicorn (a real subprocess, real HTTP and HTTPS)."""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509

from addin.tls import ensure_localhost_certificate

OKR = Path(sys.executable).with_name("okr")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    def __init__(self, process: subprocess.Popen[bytes], port: int, instance: Path, log: Path) -> None:
        self.process, self.port, self.instance, self.log = process, port, instance, log

    def children(self) -> list[int]:
        """The worker processes gunicorn forked."""
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    found.append(int(entry.name))
        return found

    def workers(self, count: int) -> list[int]:
        """The worker processes, once gunicorn has forked ``count`` of them (it forks one at a time)."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(self.children()) < count:  # polling, not a timing assertion
            time.sleep(0.1)
        return self.children()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator:
    started: list[Served] = []

    def start(*args: str, env: dict[str, str] | None = None) -> Served:
        port = _free_port()
        instance = tmp_path / "instance"
        log = tmp_path / f"serve-{port}.log"
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("OKR_", "DATABASE_URL"))}
        environ.update({"OKR_INSTANCE_PATH": str(instance), **(env or {})})
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [str(OKR), "serve", "--port", str(port), *args],
                cwd=tmp_path,
                env=environ,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        served = Served(process, port, instance, log)
        started.append(served)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # poll until it listens (not a timing assertion)
            assert process.poll() is None, log.read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return served
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"okr serve did not listen:\n{log.read_text()}")

    yield start
    for served in started:
        if served.process.poll() is None:
            served.process.send_signal(signal.SIGTERM)
            try:
                served.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(served.process.pid, signal.SIGKILL)
                served.process.wait()


def _get(url: str, context: ssl.SSLContext | None = None) -> tuple[int, bytes, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=30, context=context) as answer:
            return answer.status, answer.read(), dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def test_https_with_two_workers_serves_the_api_and_the_task_panes(serve) -> None:  # type: ignore[no-untyped-def]
    served = serve("--workers", "2", "--https", env={"OKR_MAX_UPLOAD_MB": "1"})
    ca = served.instance / "tls" / "okr-local-ca.pem"
    trusting = ssl.create_default_context(cafile=str(ca))  # what a machine that trusts the CA does
    base = f"https://localhost:{served.port}"
    status, body, _ = _get(f"{base}/api/health", trusting)
    assert status == 200, body
    status, body, headers = _get(f"{base}/addin/excel/taskpane.html", trusting)
    assert status == 200 and b"<html" in body.lower()
    assert "gunicorn" in headers.get("Server", "")  # not Werkzeug's development server
    assert len(served.workers(2)) == 2
    # a client that does not trust the local CA refuses the certificate
    with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
        _get(f"{base}/api/health", ssl.create_default_context())
    # the upload limit holds under gunicorn: 413 in the one JSON error shape, nothing parsed
    request = urllib.request.Request(
        f"{base}/api/sync",
        data=b"x" * (2 * 1024 * 1024),
        method="POST",
        headers={"Content-Type": "application/octet-stream"},
    )
    try:
        urllib.request.urlopen(request, timeout=30, context=trusting)
        raise AssertionError("an upload over the limit was accepted")
    except urllib.error.HTTPError as error:
        assert error.code == 413
        assert b'"upload_too_large"' in error.read()


def test_plain_http_and_a_worker_replaced_when_it_dies(serve) -> None:  # type: ignore[no-untyped-def]
    served = serve("--workers", "2")
    status, body, _ = _get(f"http://127.0.0.1:{served.port}/api/health")
    assert status == 200, body
    workers = served.workers(2)
    assert len(workers) == 2
    os.kill(workers[0], signal.SIGKILL)
    deadline, now = time.monotonic() + 30, served.children()
    while time.monotonic() < deadline and (len(now) != 2 or workers[0] in now):  # one reading of /proc per check
        time.sleep(0.1)
        now = served.children()
    assert len(now) == 2 and workers[0] not in now, (workers, now, served.log.read_text()[-2000:])
    assert _get(f"http://127.0.0.1:{served.port}/api/health")[0] == 200


def test_a_calendar_feed_under_gunicorn_and_its_secret_kept_out_of_the_access_log(
    serve, okr, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    served = serve()  # the same instance folder as the `okr` fixture's
    book = tmp_path / "okrs.xlsx"
    okr("template", "--sample", str(book))
    assert okr("sync", str(book)).exit_code == 0
    monkeypatch.setenv("OKR_PUBLIC_URL", f"http://127.0.0.1:{served.port}")
    url = okr("feed", "--team", "Growth").stdout.strip()
    token = url.rsplit("/", 1)[1].removesuffix(".ics")

    status, body, headers = _get(url)  # as a calendar app polls: no cookie, no header

    assert status == 200, body
    assert headers["Content-Type"].startswith("text/calendar") and b"METHOD:PUBLISH" in body
    assert headers["Cache-Control"] == "private, max-age=300"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "/feeds/(secret).ics" not in served.log.read_text():
        time.sleep(0.1)  # gunicorn writes the access line after the answer (polling, not a timing assertion)
    log = served.log.read_text()
    assert "GET /feeds/(secret).ics" in log and token not in log


def test_the_local_ca_is_made_once_and_the_certificate_covers_localhost(tmp_path: Path) -> None:
    first = ensure_localhost_certificate(tmp_path)
    ca_bytes = first.ca_cert.read_bytes()
    again = ensure_localhost_certificate(tmp_path)
    assert again.ca_cert.read_bytes() == ca_bytes  # trusted once, kept
    cert = x509.load_pem_x509_certificate(again.cert.read_bytes())
    ca = x509.load_pem_x509_certificate(ca_bytes)
    assert cert.issuer == ca.subject
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert {str(a) for a in names.get_values_for_type(x509.IPAddress)} == {"127.0.0.1", "::1"}
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days <= 398
    for key in (tmp_path / "tls").glob("*key.pem"):
        assert key.stat().st_mode & 0o077 == 0, f"{key.name} is readable by others"


def test_a_certificate_near_its_end_is_renewed_with_the_same_ca(tmp_path: Path) -> None:
    import datetime as dt

    old = ensure_localhost_certificate(tmp_path, now=dt.datetime.now(dt.UTC) - dt.timedelta(days=380))
    before = old.cert.read_bytes()
    ca = old.ca_cert.read_bytes()
    new = ensure_localhost_certificate(tmp_path)
    assert new.cert.read_bytes() != before and new.ca_cert.read_bytes() == ca


def _call(base: str, method: str, path: str, body: bytes | None = None, content_type: str = "") -> tuple[int, dict]:
    request = urllib.request.Request(f"{base}{path}", data=body, method=method)
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_a_write_through_one_server_is_read_at_once_through_another(serve) -> None:  # type: ignore[no-untyped-def]
    """Each worker keeps the team pages it built; none serves one from before a write another worker made."""
    from addin.excel.template import write_template

    first = serve("--workers", "1")
    second = serve("--workers", "1", "--threads", "4")  # the same instance folder: one database
    one, two = (f"http://127.0.0.1:{s.port}" for s in (first, second))
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    status, body = _call(one, "POST", "/api/sync", write_template(sample=True), xlsx)
    assert status == 200, body
    team = _call(one, "GET", "/api/teams")[1]["teams"][0]["team"]
    page = f"/api/teams/{urllib.parse.quote(team)}"

    def current(base: str) -> float:
        status, body = _call(base, "GET", page)
        assert status == 200, body
        return body["objectives"][0]["key_results"][0]["current"]

    kr = _call(one, "GET", page)[1]["objectives"][0]["key_results"][0]["id"]
    assert current(one) == current(two)  # both workers have built the page now
    for value, writer, reader in ((111.0, two, one), (222.0, one, two), (333.0, one, one)):
        status, body = _call(
            writer, "POST", f"/api/key-results/{kr}/checkins", json.dumps({"value": value}).encode(), "application/json"
        )
        assert status == 201, body
        assert current(reader) == value


def test_no_control_socket_in_the_users_home() -> None:
    """gunicorn 25.1+ opens one per user ($HOME/.gunicorn/gunicorn.ctl): two servers would take it from each other."""
    from addin.server import ServeOptions, _Server

    cfg = _Server(ServeOptions()).cfg
    assert "control_socket_disable" not in cfg.settings or cfg.control_socket_disable is True
    assert cfg.threads == ServeOptions().threads and cfg.worker_class_str == "gthread"
