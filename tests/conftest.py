"""Fixtures shared by every test folder: an instance folder, the app, its client and the CLI."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

# Mid Q4 2026: far enough into the quarter for pace and staleness to mean something.
FIXED_NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)

_ENV_VARS = ("DATABASE_URL", "OKR_CLIENT_ID", "OKR_CLIENT_SECRET", "OKR_AUTHORITY", "OKR_TENANT",
             "OKR_ALLOWED_TENANTS", "OKR_GRAPH_BASE_URL", "OKR_MAX_UPLOAD_MB")


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty instance folder and an environment with the embedded defaults."""
    folder = tmp_path / "instance"
    for name in _ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OKR_INSTANCE_PATH", str(folder))
    monkeypatch.setenv("OKR_NOW", FIXED_NOW.isoformat())
    monkeypatch.chdir(tmp_path)  # no stray .env is read from the checkout
    return folder


@pytest.fixture
def app(instance: Path):  # type: ignore[no-untyped-def]
    from addin import create_app

    return create_app({"TESTING": True, "OKR_CLOCK": lambda: FIXED_NOW})


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def db(app):  # type: ignore[no-untyped-def]
    """The app's database (SQLite in the instance folder)."""
    return app.extensions["okr_db"]


@pytest.fixture
def okr(instance: Path) -> Iterator:
    """Run the `okr` command in-process: okr("sync", "a.xlsx") -> click Result."""
    from click.testing import CliRunner

    from addin.cli import main

    runner = CliRunner()

    def run(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(main, list(args), catch_exceptions=False)

    yield run
