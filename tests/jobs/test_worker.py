"""Jobs on a real queue: a Celery worker (subprocess) against the local Redis, Graph and identity
platform. A worker killed mid-batch and started again leaves every meeting once: none lost,
none twice."""

from __future__ import annotations

import time
import uuid

import pytest

from addin.store.meetings import CREATED, list_meetings
from tests.outlook.conftest import NOW
from tests.outlook.graph_server import Faults

TEAMS = 12
KINDS = 3  # weekly check-in, monthly review, quarter-end retro


def _created(db, tenant: str) -> int:  # type: ignore[no-untyped-def]
    with db.read() as s:
        return sum(1 for m in list_meetings(s, tenant) if m.state == CREATED)


def _wait(condition, seconds: float, what: str, logs) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:  # polling for an outcome, not asserting a duration
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen within {seconds} s\n{logs()}")


@pytest.fixture
def tenant_env(database, store_okrs, identity, graph_server, queue_name, redis_url, tmp_path):  # type: ignore[no-untyped-def]
    tenant = str(uuid.uuid4())
    store_okrs(make_okrs_for_jobs(), tenant=tenant)
    client_id, secret = identity.register_client()
    env = {
        "DATABASE_URL": str(database.url.render_as_string(hide_password=False)),
        "OKR_INSTANCE_PATH": str(tmp_path / "instance"),
        "OKR_CLIENT_ID": client_id,
        "OKR_CLIENT_SECRET": secret,
        "OKR_AUTHORITY": identity.base_url,
        "OKR_CA_BUNDLE": str(identity.ca_path),
        "OKR_GRAPH_BASE_URL": graph_server.base_url,
        "OKR_ALLOWED_TENANTS": tenant,
        "OKR_BROKER_URL": redis_url,
        "OKR_JOBS_QUEUE": queue_name,
        # a killed worker's task goes back to the queue after this long (production: an hour)
        "OKR_JOBS_VISIBILITY_TIMEOUT": "4",
        "OKR_NOW": NOW.isoformat(),
    }
    return tenant, env


def make_okrs_for_jobs():  # type: ignore[no-untyped-def]
    from tests.outlook.conftest import make_okrs

    return make_okrs(TEAMS)


def test_a_worker_killed_mid_batch_loses_and_duplicates_no_meeting(tenant_env, database, graph_server, workers) -> None:  # type: ignore[no-untyped-def]
    from addin.jobs.celery_app import make_celery

    tenant, env = tenant_env
    graph_server.state.faults = Faults(latency=0.15)  # slow enough to be killed half-way
    app = make_celery(env)
    for i in range(TEAMS):
        app.send_task("okr.replan_team", kwargs={"tenant": tenant, "team": f"T{i}"})
    pool = workers(env)
    first = pool.start("--concurrency", "2")
    total = TEAMS * KINDS
    # killed mid-job: both pool processes waiting on Graph in two leads' mailboxes (two teams), so
    # the worker is not between taking its next task from Redis and recording it as unacknowledged
    # -- kombu's Redis transport loses a task killed in that instant (celery/celery#7950), a limit
    # the README states
    _wait(
        lambda: _created(database, tenant) >= 2 and graph_server.state.mailboxes_in_flight("lead") >= 2,
        120,
        "two jobs waiting on Graph after the first meetings",
        pool.logs,
    )
    pool.kill(first)
    at_kill = _created(database, tenant)
    assert 0 < at_kill < total, "the worker was not killed mid-batch"
    events_at_kill = len(graph_server.state.all_events())

    pool.start("--concurrency", "2")
    _wait(lambda: _created(database, tenant) == total, 180, "every meeting", pool.logs)
    app.close()

    events = graph_server.state.all_events()
    assert len(events) == total, f"{len(events)} events for {total} meetings (at the kill: {events_at_kill})"
    with database.read() as s:
        keys = [m.key for m in list_meetings(s, tenant)]
    assert len(keys) == total
    for key in keys:
        assert len(graph_server.state.by_key(key)) == 1, key


def test_okr_worker_refuses_to_start_without_a_broker(okr) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from addin.cli import main

    result = CliRunner().invoke(main, ["worker"], env={"OKR_BROKER_URL": ""})
    assert result.exit_code == 2
    assert "OKR_BROKER_URL" in result.output


def test_beat_refreshes_invites_and_attaches_retro_packs(
    tenant_env, database, graph_server, graph_calendar, workers
) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from addin.outlook.schedule import schedule

    tenant, env = tenant_env
    report = schedule(database, tenant, calendar=graph_calendar(), now=NOW)
    assert report.ok and len(report.created) == TEAMS * KINDS
    with database.read() as s:
        retros = [m for m in list_meetings(s, tenant) if m.kind == "retro"]
    first_retro = min(dt.datetime.fromisoformat(m.snapshot["start"]) for m in retros)
    # two days before the first retro: its pack is due, and so are that week's invites
    env = {
        **env,
        "OKR_NOW": (first_retro - dt.timedelta(days=2)).isoformat(),
        "OKR_REFRESH_MINUTES": "0.02",
        "OKR_ATTACH_MINUTES": "0.02",
    }
    pool = workers(env)
    pool.start("--beat", "--concurrency", "2")

    def attached() -> bool:
        with database.read() as s:
            return all(
                (m.attachment or {}).get("sha256")
                for m in list_meetings(s, tenant)
                if m.kind == "retro" and dt.datetime.fromisoformat(m.snapshot["start"]) == first_retro
            )

    def refreshed() -> bool:
        with database.read() as s:
            return any(m.body_hash for m in list_meetings(s, tenant) if m.kind == "checkin")

    def state() -> str:
        with database.read() as s:
            return "\n".join(
                f"{m.key} {m.kind} {m.snapshot['start']} body={m.body_hash and m.body_hash[:6]} "
                f"attachment={bool(m.attachment)}"
                for m in list_meetings(s, tenant)
            )

    _wait(
        lambda: attached() and refreshed(),
        60,
        "the scheduled refresh and retro packs",
        lambda: state() + "\n" + pool.logs()[:3000],
    )
    with database.read() as s:
        for m in list_meetings(s, tenant):
            if m.kind == "retro" and (m.attachment or {}).get("sha256"):
                assert len(graph_server.state.attachments_of(m.graph_id)) == 1, m.key
