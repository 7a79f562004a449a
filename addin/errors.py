"""The project's own exceptions; the edges (app.py, cli/base.py) turn them into answers.

    OkrError                       anything a user can cause or must be told about
    ├── InputError                 the input cannot be used as given (400)
    │   ├── WorkbookError          the file is not a usable workbook (422)
    │   │   ├── UnsupportedFormat  a legacy .xls, CSV, strict OOXML, password... (415)
    │   │   └── WorkbookTooLarge   over a size, row, column or zip budget (413)
    │   └── RequestError           a request field is missing or malformed (400)
    ├── Forbidden                  signed in, but not allowed to change this (403)
    ├── NotFound                   no such thing for this tenant (404)
    ├── Conflict                   the stored state changed under the caller (409)
    ├── TooBusy                    the same work is already running; retry later (429)
    └── ServiceUnavailable         an outside service (Graph) failed, or the server is busy, for now (503)

Each carries a stable snake_case ``code`` the task panes switch on, a message a
manager understands, and ``details`` (sheet, cell, field...) naming where.
"""

from __future__ import annotations

from typing import Any


class OkrError(Exception):
    status = 400
    code = "okr_error"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = {k: v for k, v in details.items() if v is not None}

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class InputError(OkrError):
    code = "invalid_input"


class WorkbookError(InputError):
    status = 422
    code = "invalid_workbook"


class UnsupportedFormat(WorkbookError):
    status = 415
    code = "unsupported_format"


class WorkbookTooLarge(WorkbookError):
    status = 413
    code = "workbook_too_large"


class RequestError(InputError):
    code = "bad_request"


class Forbidden(OkrError):
    status = 403
    code = "forbidden"


class NotFound(OkrError):
    status = 404
    code = "not_found"


class Conflict(OkrError):
    status = 409
    code = "conflict"


class TooBusy(OkrError):
    status = 429
    code = "too_busy"


class ServiceUnavailable(OkrError):
    status = 503
    code = "service_unavailable"


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """The one JSON shape of every non-2xx answer (the app's error handlers and the quotas use it)."""
    return {"error": {"code": code, "message": message, "details": details or {}}}
