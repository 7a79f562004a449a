"""OKR Cadence: OKRs kept alive in Excel, Outlook and Word."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """The Flask app factory (`flask --app addin run` finds it here)."""
    # Imported here so that `import addin.okr` never pulls in Flask.
    from addin.app import create_app as _create_app

    return _create_app(overrides)
