"""Configuration from environment variables (a `.env` file is read in development)."""

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
        env = os.environ if env is None else env
        from addin.store.db import default_database_url

        instance = Path(env.get("OKR_INSTANCE_PATH") or "instance").resolve()
        url = env.get("DATABASE_URL") or default_database_url(str(instance))
        return cls(
            instance_path=instance,
            database_url=url,
            max_upload_bytes=int(float(env.get("OKR_MAX_UPLOAD_MB", "50")) * 1024 * 1024),
            # Token tenant ids are lower-case GUIDs: an upper-case OKR_TENANT would name nobody's data.
            tenant=(env.get("OKR_TENANT") or "").strip().lower() or LOCAL_TENANT,
        )


def clock() -> dt.datetime:
    """Now, in UTC; OKR_NOW (ISO 8601) pins it for reproducible runs and tests."""
    pinned = os.environ.get("OKR_NOW")
    if pinned:
        moment = dt.datetime.fromisoformat(pinned)
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return dt.datetime.now(dt.UTC)


def public_url(env: Mapping[str, str] | None = None) -> str | None:
    """OKR_PUBLIC_URL: the origin people and calendar apps reach this server at (no trailing
    slash), or None when unset. Feed URLs and links to large retro packs are built on it."""
    from urllib.parse import urlsplit

    from addin.errors import InputError

    env = os.environ if env is None else env
    raw = (env.get("OKR_PUBLIC_URL") or "").strip().rstrip("/")
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
    KR status reaches attendees: occurrence, mail or off; see the README).
    """
    from addin.errors import InputError
    from addin.outlook.plan import CadenceSettings

    env = os.environ if env is None else env
    default = CadenceSettings()
    online = env.get("OKR_ONLINE_MEETINGS", "true").strip().lower()
    if online not in ("true", "false", "1", "0", "yes", "no"):
        raise InputError("OKR_ONLINE_MEETINGS must be true or false.", code="bad_setting", field="OKR_ONLINE_MEETINGS")
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
        online_meeting=online in ("true", "1", "yes"),
        categories=categories,
        workbook_url=env.get("OKR_WORKBOOK_URL") or None,
        invite_status=status,
    )
