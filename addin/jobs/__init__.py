"""Background jobs: meetings re-planned after a sync, invites refreshed, retro packs attached.

The jobs (``work``) call the layers below exactly as the CLI does (``schedule``,
``refresh_invites``, ``attach_retro_packs``); each is idempotent, so running one twice, or
again after a worker died half-way, changes nothing more. Where they run:

- with ``OKR_BROKER_URL`` (Redis): on Celery workers (``okr worker [--beat]``), acknowledged
  late, so a worker killed mid-job leaves the job on the queue for the next one;
- without a broker (the embedded default): in the ``okr serve`` process itself
  (``inprocess``), so ``make run`` needs nothing more.

``dispatch.submit`` is the one door: routes and commands never care which is used.
"""

from __future__ import annotations

from addin.jobs.dispatch import after_sync, submit, teams_before

__all__ = ["after_sync", "submit", "teams_before"]
