"""Reading an uploaded workbook out of a request."""

from __future__ import annotations

from flask import request

from addin.errors import InputError, RequestError

XLSX_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/octet-stream",
}


def uploaded_workbook() -> bytes:
    """The workbook bytes: a multipart field `workbook`, or the raw request body."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("workbook")
        if upload is None:
            raise RequestError("Attach the workbook as the form field 'workbook'.", code="missing_file",
                               field="workbook")
        data = upload.read()
    elif request.mimetype in XLSX_TYPES:
        data = request.get_data(cache=False)
    else:
        raise RequestError(
            "Send the workbook as multipart/form-data (field 'workbook') or as the request body "
            "with Content-Type application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.",
            code="unsupported_media_type",
        )
    if not data:
        raise InputError("The file is empty: choose a saved Excel workbook (.xlsx).", code="empty_file")
    return data
