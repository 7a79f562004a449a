"""The Flask app factory: configuration, the database, blueprints and the one error shape."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from addin.config import Config, max_kr_rows, web_settings
from addin.errors import OkrError, error_body
from addin.store.db import Database

log = logging.getLogger(__name__)


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app; ``overrides`` (tests) win over the environment."""
    config = Config.from_env()
    app = Flask(__name__, instance_path=str(config.instance_path), static_folder=None)
    app.config.update(
        OKR_CONFIG=config,
        DATABASE_URL=config.database_url,
        MAX_CONTENT_LENGTH=config.max_upload_bytes,
        OKR_CLOCK=lambda: dt.datetime.now(dt.UTC),
        OKR_AUTO_MIGRATE=True,
        **web_settings(),  # rate limits, frame ancestors, trusted hosts, public URL
    )
    app.config.update(overrides or {})
    # Sign-in is decided once, at start-up: a blank or misspelt client id refuses to start
    # (ValueError, one line) instead of silently serving everyone as the local admin.
    from auth import AuthConfig

    if app.config.get("OKR_AUTH") is None:
        app.config["OKR_AUTH"] = AuthConfig.from_env()
    if app.config.get("OKR_MAX_KR_ROWS") is None:
        app.config["OKR_MAX_KR_ROWS"] = max_kr_rows()  # a bad value refuses to start

    config.instance_path.mkdir(parents=True, exist_ok=True)
    db = Database(app.config["DATABASE_URL"])
    if app.config["OKR_AUTO_MIGRATE"]:
        db.create_schema()
    app.extensions["okr_db"] = db

    from addin.api import audit, calendars, checkins, dependencies, docs, feeds, onboard, retro, sync, teams

    panes = (
        _task_pane("excel", "excel/static"),
        _task_pane("outlook", "outlook/static"),
        _task_pane("common", "static"),
    )
    blueprints = (
        docs.bp,
        sync.bp,
        teams.bp,
        dependencies.bp,
        checkins.bp,
        calendars.bp,
        feeds.bp,
        feeds.public,
        retro.bp,
        audit.bp,
        onboard.bp,
    )
    for blueprint in (*blueprints, *panes):
        app.register_blueprint(blueprint)

    from addin.api.limits import init_limits

    init_limits(app)
    from addin.api.workbook_turns import init_workbook_turns

    init_workbook_turns(app)  # a bad OKR_WORKBOOK_SLOTS or OKR_WORKBOOK_WAIT refuses to start
    from addin.api.security import init_security

    init_security(app, sign_in=app.config["OKR_AUTH"].enabled)
    _register_error_handlers(app)
    return app


def _task_pane(name: str, folder: str) -> Blueprint:
    """Serve a task pane's static files (beside its Python code) at /addin/<name>/."""
    return Blueprint(
        f"{name}_pane", __name__, static_folder=str(Path(__file__).parent / folder), static_url_path=f"/addin/{name}"
    )


def _register_error_handlers(app: Flask) -> None:
    from auth.errors import AuthError

    @app.errorhandler(OkrError)
    def _okr_error(exc: OkrError) -> Response:
        response = jsonify(error_body(exc.code, exc.message, exc.details))
        response.status_code = exc.status
        if exc.details.get("retry_after"):
            response.headers["Retry-After"] = str(exc.details["retry_after"])
        return response

    @app.errorhandler(AuthError)
    def _auth_error(exc: AuthError) -> Response:
        response = jsonify(error_body(exc.code, exc.message, exc.details))
        response.status_code = exc.status
        if exc.status == 401 and exc.www_authenticate:
            response.headers["WWW-Authenticate"] = exc.www_authenticate
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[Response, int]:
        code = {
            404: "not_found",
            405: "method_not_allowed",
            413: "upload_too_large",
            415: "unsupported_media_type",
        }.get(exc.code or 500, "http_error")
        message = exc.description or exc.name
        if exc.code == 413:
            limit = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
            message = f"The upload is larger than the {limit} MB limit."
        return jsonify(error_body(code, message)), exc.code or 500

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[Response, int]:
        log.exception("unexpected error")
        return jsonify(error_body("internal_error", "Something went wrong on our side; nothing was changed.")), 500
