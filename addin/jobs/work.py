"""The jobs themselves: plain functions of (tenant, ...) that return a JSON-able summary.

Each opens the configured database and calendar (Graph with an app registration, else the
.ics folder) and calls one public entry point of ``addin.outlook``. They are safe to run
twice: the store remembers every meeting (and what was attached to it), so a second run
finds the work done.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import TYPE_CHECKING, Any

from addin.config import Config, cadence_settings, clock, load_dotenv, public_url
from addin.store.sync_slots import tenant_slot

if TYPE_CHECKING:  # the jobs import these when they run
    from addin.outlook.calendar import Calendar
    from addin.store.db import Database

_lock = threading.Lock()
_databases: dict[str, Any] = {}  # one engine per database URL per process


def config() -> Config:
    load_dotenv()
    return Config.from_env()


def database(cfg: Config | None = None) -> Database:
    """This process's Database for the configured URL (migrated once)."""
    from addin.store.db import Database

    cfg = cfg or config()
    with _lock:
        db = _databases.get(cfg.database_url)
        if db is None:
            cfg.instance_path.mkdir(parents=True, exist_ok=True)
            db = Database(cfg.database_url)
            db.create_schema()
            _databases[cfg.database_url] = db
        return db


def forget_databases() -> None:
    """Drop pooled connections (after a fork: a child must not use its parent's)."""
    with _lock:
        for db in _databases.values():
            db.dispose()
        _databases.clear()


def calendar_for(cfg: Config, tenant: str) -> Calendar:
    """Graph (app-only token for ``tenant``) with an app registration, else .ics files."""
    from addin.calendars import default_calendar

    def graph_token() -> str:
        from addin.tenancy import auth_config
        from auth import app_token

        return app_token(auth_config(database(cfg)), tenant, ["https://graph.microsoft.com/.default"])

    return default_calendar(cfg.instance_path, tenant, token_provider=graph_token)


def replan_team(tenant: str, team: str, quarter: str | None = None) -> dict[str, Any]:
    """Make one team's meetings match its stored cadence, lead and members."""
    from addin.outlook.schedule import schedule

    cfg = config()
    report = schedule(
        database(cfg),
        tenant,
        team=team,
        quarter=quarter,
        calendar=calendar_for(cfg, tenant),
        now=clock(),
        settings=cadence_settings(),
    )
    return _summary(report.as_dict(), "meetings")


def refresh_invites(tenant: str, within_hours: int = 48) -> dict[str, Any]:
    """Put the current KR status into the invites of a tenant's meetings starting soon."""
    from addin.outlook.schedule import refresh_invites as refresh

    cfg = config()
    with tenant_slot(database(cfg), tenant, "refresh-invites") as held:
        if not held:  # another run is refreshing this tenant: it sends the same updates
            return {"tenant": tenant, "skipped": "another run is refreshing this tenant's invites"}
        report = refresh(
            database(cfg),
            tenant,
            within=dt.timedelta(hours=within_hours),
            now=clock(),
            calendar=calendar_for(cfg, tenant),
            settings=cadence_settings(),
        )
    return {
        "tenant": tenant,
        "updated": len(report.updated),
        "unchanged": report.unchanged,
        "failures": len(report.failures),
    }


def attach_retros(tenant: str, within_days: int = 7) -> dict[str, Any]:
    """Build each team's retro pack and attach it to its retro meeting before it starts."""
    from addin.outlook.retro_attach import attach_retro_packs, pack_link

    cfg = config()
    public = public_url()
    with tenant_slot(database(cfg), tenant, "attach-retros") as held:
        if not held:  # another run is attaching this tenant's packs: two would upload each pack twice
            return {"tenant": tenant, "skipped": "another run is attaching this tenant's retro packs"}
        report = attach_retro_packs(
            database(cfg),
            tenant,
            within=dt.timedelta(days=within_days),
            now=clock(),
            calendar=calendar_for(cfg, tenant),
            link=pack_link(public) if public else None,
        )
    return {
        "tenant": tenant,
        "attached": len(report.attached),
        "replaced": len(report.replaced),
        "unchanged": len(report.unchanged),
        "failures": len(report.failures),
    }


def tenants_to_serve() -> list[str]:
    """Every tenant that has meetings in a calendar."""
    from addin.store.tenants import tenants_with_meetings

    with database().read() as s:
        return tenants_with_meetings(s)


def _summary(report: dict[str, Any], key: str) -> dict[str, Any]:
    actions: dict[str, int] = {}
    for item in report.get(key, []):
        actions[item["action"]] = actions.get(item["action"], 0) + 1
    return {"actions": actions, "failures": len(report.get("failures", []))}
