"""Which calendar the cadence writes to: Microsoft Graph with an app registration, else .ics files.

The choice is made here, at the edges (CLI, jobs, tests), and handed down: the cadence
(``addin.outlook``) knows calendars only through its own protocol, and the Graph adapter
(``addin.graph``) implements it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from addin.outlook.calendar import Calendar
from addin.outlook.mailbox_check import with_people_check
from addin.outlook.schedule import LOCAL_TENANT, ics_folder


def default_calendar(
    instance_path: str | os.PathLike[str],
    tenant: str = LOCAL_TENANT,
    *,
    ics_dir: str | os.PathLike[str] | None = None,
    token_provider: Callable[[], str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Calendar:
    """Graph when an app registration (OKR_CLIENT_ID) and a token provider are configured,
    else .ics files in ``ics_dir`` or ``<instance>/calendars/`` (one sub-folder per tenant
    other than the embedded "local")."""
    env = os.environ if environ is None else environ
    if ics_dir is None and env.get("OKR_CLIENT_ID") and token_provider is not None:
        from addin.graph import GraphCalendar, GraphSettings  # heavy: only when Graph is used

        base = env.get("OKR_GRAPH_BASE_URL", "").strip().rstrip("/")
        settings = (
            GraphSettings(token_provider=token_provider, base_url=base)
            if base
            else GraphSettings(token_provider=token_provider)
        )
        return with_people_check(GraphCalendar(settings))
    from addin.outlook.ics import IcsCalendar

    return IcsCalendar(Path(ics_dir) if ics_dir is not None else ics_folder(instance_path, tenant))
