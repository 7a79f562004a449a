"""The Celery app: the jobs as tasks on a Redis queue, and the schedule Celery beat keeps.

Delivery is at-least-once by design: a task is acknowledged only after it ran
(``task_acks_late``), and one whose worker died under it is put back
(``task_reject_on_worker_lost``); Redis hands an unacknowledged task to another worker once
its visibility timeout has passed. The jobs are idempotent, so running one again costs
Graph requests but never makes a second meeting. Each worker process takes one task at a
time (``worker_prefetch_multiplier=1``): a worker killed loses at most the task in hand.

Settings (environment): OKR_BROKER_URL (redis://host:6379/0), OKR_JOBS_QUEUE (okr),
OKR_JOBS_VISIBILITY_TIMEOUT (seconds, 3600: longer than the longest job), OKR_REFRESH_MINUTES
(15: how often invites are refreshed), OKR_ATTACH_MINUTES (60: retro packs).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from celery import Celery
from celery.signals import worker_process_init

from addin.config import celery_settings
from addin.jobs import work


def make_celery(env: Mapping[str, str] | None = None) -> Celery:
    """A Celery app configured from the environment (``env``: these variables instead)."""
    settings = celery_settings(env)
    queue, visibility = settings.queue, settings.visibility_timeout
    app = Celery("okr", broker=settings.broker_url)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_default_queue=queue,
        broker_transport_options={
            "visibility_timeout": visibility,
            # look for tasks of dead workers every quarter of the timeout (kombu's default
            # sweep is every 100 s, whatever the timeout)
            "unacked_restore_interval": max(1, min(60, visibility // 4)),
            "unacked_restore_throttle": 1,
            # kombu keeps the unacknowledged tasks of every queue of a Redis database in one
            # set, and a worker puts back any of them older than *its* timeout: keyed by queue,
            # another app (or a test with a short timeout) on the same Redis never re-runs ours
            "unacked_key": f"{queue}.unacked",
            "unacked_index_key": f"{queue}.unacked_index",
            "unacked_mutex_key": f"{queue}.unacked_mutex",
        },
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        timezone="UTC",
        beat_schedule={
            "refresh-invites": {
                "task": "okr.refresh_all",
                "schedule": 60.0 * settings.periods.refresh_minutes,
            },
            "attach-retro-packs": {
                "task": "okr.attach_all",
                "schedule": 60.0 * settings.periods.attach_minutes,
            },
        },
    )
    _register(app)
    return app


def _register(app: Celery) -> None:
    @app.task(name="okr.replan_team", bind=True, max_retries=5)
    def replan_team(self: Any, tenant: str, team: str, quarter: str | None = None) -> dict[str, Any]:
        result = work.replan_team(tenant, team, quarter)
        if result["failures"]:
            raise self.retry(countdown=60)  # a calendar refused for now; the store knows what landed
        return result

    @app.task(name="okr.refresh_invites", bind=True, max_retries=3)
    def refresh_invites(self: Any, tenant: str, within_hours: int = 48) -> dict[str, Any]:
        return work.refresh_invites(tenant, within_hours)

    @app.task(name="okr.attach_retros", bind=True, max_retries=3)
    def attach_retros(self: Any, tenant: str, within_days: int = 7) -> dict[str, Any]:
        return work.attach_retros(tenant, within_days)

    @app.task(name="okr.refresh_all")
    def refresh_all() -> int:
        tenants = work.tenants_to_serve()
        for tenant in tenants:
            refresh_invites.delay(tenant)
        return len(tenants)

    @app.task(name="okr.attach_all")
    def attach_all() -> int:
        tenants = work.tenants_to_serve()
        for tenant in tenants:
            attach_retros.delay(tenant)
        return len(tenants)


@worker_process_init.connect
def _fresh_connections(**_: Any) -> None:
    # a prefork child must not share the parent's pooled database connections
    work.forget_databases()


celery = make_celery()
