"""Reading an uploaded workbook out of a request."""

from __future__ import annotations

import io

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from addin.errors import InputError, RequestError

XLSX_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/octet-stream",
}


def uploaded_workbook() -> bytes:
    """The workbook bytes: a multipart field `workbook`, or the raw request body."""
    if _chunked():
        # Measure a chunked body before any parsing: 413 when it is over the limit, and the
        # form parser never holds a half-read upload.
        buffered = _body()
        request.environ["wsgi.input"] = io.BytesIO(buffered)
        request.environ["CONTENT_LENGTH"] = str(len(buffered))
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("workbook")
        if upload is None:
            raise RequestError(
                "Attach the workbook as the form field 'workbook'.", code="missing_file", field="workbook"
            )
        data = upload.read()
    elif request.mimetype in XLSX_TYPES:
        data = _body()
    else:
        raise RequestError(
            "Send the workbook as multipart/form-data (field 'workbook') or as the request body "
            "with Content-Type application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.",
            code="unsupported_media_type",
        )
    if not data:
        raise InputError("The file is empty: choose a saved Excel workbook (.xlsx).", code="empty_file")
    return data


def _chunked() -> bool:
    """A body without Content-Length that the server ends itself (Transfer-Encoding: chunked)."""
    return request.content_length is None and bool(request.environ.get("wsgi.input_terminated"))


def _body() -> bytes:
    """The raw request body; a chunked one longer than MAX_CONTENT_LENGTH is a 413.

    Werkzeug stops a chunked body at the limit without saying so, which would hand the
    reader a cut-off zip ("corrupt workbook", 422) instead of "too large".
    """
    if not _chunked():
        return request.get_data(cache=False)
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    stream = request.environ["wsgi.input"]
    chunks, size = [], 0
    while size <= limit:
        chunk = stream.read(min(1 << 20, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise RequestEntityTooLarge()
    return b"".join(chunks)
