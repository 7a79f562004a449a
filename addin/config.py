"""Configuration from environment variables (a `.env` file is read in development).

This is the one module of ``addin`` that reads the environment (tests/test_architecture.py
checks it): the edges (the app factory, the CLI, the jobs) call the readers below and pass
the values down. Identity settings (OKR_CLIENT_ID, OKR_AUTHORITY, ...) are read in
``auth/config.py``, because ``auth`` imports nothing of ``addin``.

Where each variable is used:

- store and instance: OKR_INSTANCE_PATH, DATABASE_URL, OKR_TENANT, OKR_MAX_UPLOAD_MB,
  OKR_MAX_KR_ROWS, OKR_NOW (:class:`Config`, :func:`max_kr_rows`, :func:`clock`);
- the meeting rhythm: OKR_ONLINE_MEETINGS, OKR_MEETING_CATEGORIES, OKR_WORKBOOK_URL,
  OKR_REVIEW_WEEKDAY, OKR_REVIEW_WEEK, OKR_INVITE_STATUS, OKR_ALLOW_EXTERNAL_ATTENDEES
  (:func:`cadence_settings`); the calendar: OKR_CLIENT_ID, OKR_GRAPH_BASE_URL
  (:func:`calendar_settings`); OKR_PUBLIC_URL (:func:`public_url`);
- the web app: OKR_RATE_LIMIT_*, OKR_WORKBOOK_SLOTS, OKR_WORKBOOK_WAIT, OKR_FRAME_ANCESTORS,
  OKR_TRUSTED_HOSTS (:func:`web_settings`);
  ``okr serve``: OKR_REQUEST_TIMEOUT, OKR_FORWARDED_ALLOW_IPS (:func:`serve_settings`);
- background jobs: OKR_BROKER_URL, OKR_JOBS_QUEUE, OKR_JOBS_VISIBILITY_TIMEOUT,
  OKR_REFRESH_MINUTES, OKR_ATTACH_MINUTES (:func:`broker_url`, :func:`celery_settings`,
  :func:`job_periods`).

Each reader is called when its value is needed, so a bad value of one variable stops only
what uses it.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # cadence_settings imports it only when called
    from addin.outlook.plan import CadenceSettings

LOCAL_TENANT = "local"  # the one tenant of the embedded default (no Azure app registration)


@dataclass(frozen=True, slots=True)
class Config:
    instance_path: Path
    database_url: str
    max_upload_bytes: int
    tenant: str  # the tenant CLI commands act for

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        """Read OKR_INSTANCE_PATH, DATABASE_URL, OKR_MAX_UPLOAD_MB and OKR_TENANT."""
        env = _env(env)
        from addin.store.db import default_database_url

        instance = Path(env.get("OKR_INSTANCE_PATH") or "instance").resolve()
        url = database_url(env) or default_database_url(str(instance))
        return cls(
            instance_path=instance,
            database_url=url,
            max_upload_bytes=int(float(env.get("OKR_MAX_UPLOAD_MB", "50")) * 1024 * 1024),
            # Token tenant ids are lower-case GUIDs: an upper-case OKR_TENANT would name nobody's data.
            tenant=(env.get("OKR_TENANT") or "").strip().lower() or LOCAL_TENANT,
        )


def _env(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def database_url(env: Mapping[str, str] | None = None) -> str | None:
    """DATABASE_URL as set, or None (the embedded default: SQLite in the instance folder)."""
    return _env(env).get("DATABASE_URL") or None


def clock(env: Mapping[str, str] | None = None) -> dt.datetime:
    """Now, in UTC; OKR_NOW (ISO 8601) pins it for reproducible runs and tests."""
    pinned = _env(env).get("OKR_NOW")
    if pinned:
        moment = dt.datetime.fromisoformat(pinned)
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return dt.datetime.now(dt.UTC)


def public_url(env: Mapping[str, str] | None = None) -> str | None:
    """OKR_PUBLIC_URL: the origin people and calendar apps reach this server at (no trailing
    slash), or None when unset. Feed URLs, consent redirects and links to large retro packs are built on it."""
    from urllib.parse import urlsplit

    from addin.errors import InputError

    raw = (_env(env).get("OKR_PUBLIC_URL") or "").strip().rstrip("/")
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
        raise InputError(
            "OKR_PUBLIC_URL must be an https:// address such as https://okr.contoso.com.",
            code="bad_setting",
            field="OKR_PUBLIC_URL",
        )
    return raw


def load_dotenv(path: Path = Path(".env")) -> None:
    """Put KEY=VALUE lines of a development `.env` into os.environ (real env wins)."""
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key and not key.startswith("#"):
            os.environ.setdefault(key.strip(), value.strip().strip('"').strip("'"))


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def cadence_settings(env: Mapping[str, str] | None = None) -> CadenceSettings:
    """The meeting rhythm's knobs from the environment (defaults: the product's usual rhythm).

    OKR_ONLINE_MEETINGS (true/false), OKR_MEETING_CATEGORIES (comma-separated),
    OKR_WORKBOOK_URL (https link shown in invites), OKR_REVIEW_WEEKDAY (e.g. thursday),
    OKR_REVIEW_WEEK (first, second, third, fourth or last), OKR_INVITE_STATUS (how the
    KR status reaches attendees: occurrence, mail or off; see the README),
    OKR_ALLOW_EXTERNAL_ATTENDEES (true/false: invite attendees outside the tenant).
    """
    from addin.errors import InputError
    from addin.outlook.plan import CadenceSettings

    env = _env(env)
    default = CadenceSettings()
    online = _flag(env, "OKR_ONLINE_MEETINGS", "true")
    external = _flag(env, "OKR_ALLOW_EXTERNAL_ATTENDEES", "false")
    weekday = env.get("OKR_REVIEW_WEEKDAY", _WEEKDAYS[default.review_weekday]).strip().lower()
    if weekday not in _WEEKDAYS:
        raise InputError(
            "OKR_REVIEW_WEEKDAY must be a weekday name such as thursday.",
            code="bad_setting",
            field="OKR_REVIEW_WEEKDAY",
        )
    week = env.get("OKR_REVIEW_WEEK", default.review_index).strip().lower()
    if week not in ("first", "second", "third", "fourth", "last"):
        raise InputError(
            "OKR_REVIEW_WEEK must be first, second, third, fourth or last.", code="bad_setting", field="OKR_REVIEW_WEEK"
        )
    status = env.get("OKR_INVITE_STATUS", default.invite_status).strip().lower()
    if status not in ("occurrence", "mail", "off"):
        raise InputError(
            "OKR_INVITE_STATUS must be occurrence, mail or off.", code="bad_setting", field="OKR_INVITE_STATUS"
        )
    categories = tuple(
        c.strip() for c in env.get("OKR_MEETING_CATEGORIES", ",".join(default.categories)).split(",") if c.strip()
    )
    return CadenceSettings(
        review_weekday=_WEEKDAYS.index(weekday),
        review_index=week,
        online_meeting=online,
        categories=categories,
        workbook_url=env.get("OKR_WORKBOOK_URL") or None,
        invite_status=status,
        allow_external_attendees=external,
    )


def _flag(env: Mapping[str, str], name: str, default: str) -> bool:
    """A true/false variable (also 1/0, yes/no); anything else is refused, naming it."""
    from addin.errors import InputError

    raw = (env.get(name) or default).strip().lower()
    if raw not in ("true", "false", "1", "0", "yes", "no"):
        raise InputError(f"{name} must be true or false.", code="bad_setting", field=name)
    return raw in ("true", "1", "yes")


def max_kr_rows(env: Mapping[str, str] | None = None) -> int:
    """OKR_MAX_KR_ROWS (default 20,000): key result rows one sync may hold."""
    from addin.excel.sync_limits import DEFAULT_MAX_KR_ROWS

    raw = (_env(env).get("OKR_MAX_KR_ROWS") or "").strip()
    if not raw:
        return DEFAULT_MAX_KR_ROWS
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"OKR_MAX_KR_ROWS must be a positive whole number, got {raw!r}")
    return int(raw)


@dataclass(frozen=True, slots=True)
class CalendarSettings:
    """Which calendar the cadence writes to (``addin.calendars.default_calendar``)."""

    graph: bool  # an app registration is configured (OKR_CLIENT_ID): Graph, given a token
    graph_base_url: str | None  # OKR_GRAPH_BASE_URL, None: the public Graph endpoint


def calendar_settings(env: Mapping[str, str] | None = None) -> CalendarSettings:
    """OKR_CLIENT_ID (set: Graph) and OKR_GRAPH_BASE_URL (a national cloud, or a test server)."""
    env = _env(env)
    return CalendarSettings(
        graph=bool(env.get("OKR_CLIENT_ID")),
        graph_base_url=(env.get("OKR_GRAPH_BASE_URL") or "").strip().rstrip("/") or None,
    )


# The web app's settings, put into ``app.config`` under the same names (test overrides win).
RATE_LIMIT_DEFAULTS = {
    "OKR_RATE_LIMIT_UPLOADS": "30 per minute",
    "OKR_RATE_LIMIT_UPLOAD_MB": "1000 per hour",
    "OKR_RATE_LIMIT_DEFAULT": "600 per minute",
    "OKR_RATE_LIMIT_FEED": "60 per minute",
    "OKR_RATE_LIMIT_STORAGE": "memory://",
}
# Workbook uploads a worker process reads at once, and seconds one waits its turn (addin/api/workbook_turns.py)
WORKBOOK_TURN_DEFAULTS = {"OKR_WORKBOOK_SLOTS": "2", "OKR_WORKBOOK_WAIT": "30"}


def web_settings(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """OKR_RATE_LIMIT_* (see addin/api/limits.py), OKR_WORKBOOK_SLOTS and OKR_WORKBOOK_WAIT (see
    addin/api/workbook_turns.py), OKR_FRAME_ANCESTORS, OKR_TRUSTED_HOSTS and OKR_PUBLIC_URL, as
    strings for ``app.config``."""
    env = _env(env)
    defaults = RATE_LIMIT_DEFAULTS | WORKBOOK_TURN_DEFAULTS
    settings = {name: env.get(name) or default for name, default in defaults.items()}
    for name in ("OKR_FRAME_ANCESTORS", "OKR_TRUSTED_HOSTS"):
        settings[name] = env.get(name, "")
    settings["OKR_PUBLIC_URL"] = public_url(env) or ""
    return settings


DEFAULT_THREADS = 16  # per `okr serve` worker: a read is not queued behind syncs (addin/server.py says why)
DEFAULT_REQUEST_TIMEOUT = 120  # seconds; a 100k-row sync takes about 30 s on 2 cores


def request_timeout(env: Mapping[str, str] | None = None) -> int:
    """OKR_REQUEST_TIMEOUT: seconds a request may take before ``okr serve`` replaces its worker."""
    return int(_env(env).get("OKR_REQUEST_TIMEOUT", DEFAULT_REQUEST_TIMEOUT))


def forwarded_allow_ips(env: Mapping[str, str] | None = None) -> str:
    """OKR_FORWARDED_ALLOW_IPS: the TLS proxies whose X-Forwarded-* headers are believed."""
    return _env(env).get("OKR_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def reloader_child(env: Mapping[str, str] | None = None) -> bool:
    """True in the process Werkzeug's reloader runs the app in (not the one watching files)."""
    return _env(env).get("WERKZEUG_RUN_MAIN") == "true"


def broker_url(env: Mapping[str, str] | None = None) -> str | None:
    """OKR_BROKER_URL (redis://host:6379/0): jobs go to Celery workers; None: they run in-process."""
    return (_env(env).get("OKR_BROKER_URL") or "").strip() or None


@dataclass(frozen=True, slots=True)
class JobPeriods:
    """How often the periodic jobs run, in minutes."""

    refresh_minutes: float  # OKR_REFRESH_MINUTES (15): invites refreshed
    attach_minutes: float  # OKR_ATTACH_MINUTES (60): retro packs attached


def job_periods(env: Mapping[str, str] | None = None) -> JobPeriods:
    env = _env(env)
    return JobPeriods(
        refresh_minutes=float(env.get("OKR_REFRESH_MINUTES", "15")),
        attach_minutes=float(env.get("OKR_ATTACH_MINUTES", "60")),
    )


@dataclass(frozen=True, slots=True)
class CelerySettings:
    broker_url: str  # OKR_BROKER_URL, default redis://127.0.0.1:6379/0
    queue: str  # OKR_JOBS_QUEUE (okr)
    visibility_timeout: int  # OKR_JOBS_VISIBILITY_TIMEOUT (3600 s: longer than the longest job)
    periods: JobPeriods


def celery_settings(env: Mapping[str, str] | None = None) -> CelerySettings:
    env = _env(env)
    return CelerySettings(
        broker_url=broker_url(env) or "redis://127.0.0.1:6379/0",
        queue=env.get("OKR_JOBS_QUEUE", "okr"),
        visibility_timeout=int(env.get("OKR_JOBS_VISIBILITY_TIMEOUT", "3600")),
        periods=job_periods(env),
    )
