"""Configuration from environment variables (a `.env` file is read in development)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

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
        instance = Path(env.get("OKR_INSTANCE_PATH") or "instance").resolve()
        url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'okr.db'}"
        return cls(
            instance_path=instance,
            database_url=url,
            max_upload_bytes=int(float(env.get("OKR_MAX_UPLOAD_MB", "50")) * 1024 * 1024),
            tenant=env.get("OKR_TENANT") or LOCAL_TENANT,
        )


def load_dotenv(path: Path = Path(".env")) -> None:
    """Put KEY=VALUE lines of a development `.env` into os.environ (real env wins)."""
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key and not key.startswith("#"):
            os.environ.setdefault(key.strip(), value.strip().strip('"').strip("'"))
