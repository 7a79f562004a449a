"""Which calendar the cadence writes to: Microsoft Graph with an app registration, else .ics files.

The choice is made here, at the edges (CLI, jobs, tests), and handed down: the cadence
(``addin.outlook``) knows calendars only through its own protocol, and the Graph adapter
(``addin.graph``) implements it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from addin.config import calendar_settings
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
    other than the embedded "local"). ``environ`` (tests): the variables to read instead of
    the process's."""
    settings = calendar_settings(environ)
    if ics_dir is None and settings.graph and token_provider is not None:
        from addin.graph import DEFAULT_BASE_URL, GraphCalendar, GraphSettings  # heavy: only when Graph is used

        base = settings.graph_base_url or DEFAULT_BASE_URL
        return with_people_check(GraphCalendar(GraphSettings(token_provider=token_provider, base_url=base)))
    from addin.outlook.ics import IcsCalendar

    return IcsCalendar(Path(ics_dir) if ics_dir is not None else ics_folder(instance_path, tenant))
