"""Workbooks written by other software than Excel (invented content)."""

from __future__ import annotations

import io
import zipfile

from tests.excel.corpus import Case, case
from tests.excel.corpus.build import book, save, sheet

XLSB_DEFAULT = b'<Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'


def as_sheetjs(data: bytes) -> bytes:
    """Declare the .xlsb content type as the Default for "bin", as SheetJS does in every .xlsx it writes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "[Content_Types].xml":
                body = body.replace(b"<Default ", XLSB_DEFAULT + b"<Default ", 1)
                assert XLSB_DEFAULT in body
            target.writestr(info.filename, body)
    return out.getvalue()


@case
def web_app_export_sheetjs() -> Case:
    """A web app's "Export to Excel": one flat sheet, ids, percent progress, written by SheetJS."""
    wb = book()
    sheet(wb, "Sheet1", [
        ["Objective", "Key Result", "Owner", "Start", "Target", "Current", "Progress", "Due Date"],
        ["Delight first-time buyers", "Checkout conversion from 2.1% to 3%", "Lea Brandt", "2.1%", "3%", "2.6%",
         "56%", "2026-03-31"],
        ["Delight first-time buyers", "Net promoter score of new buyers at 45", "Lea Brandt", 31, 45, 38, "50%",
         "2026-03-31"],
    ])  # fmt: skip
    o = "Delight first-time buyers"
    return Case(
        "web-app-export-sheetjs", as_sheetjs(save(wb)),
        objectives=[("Sheet1", o)],
        key_results=[
            {"objective": o, "title": "Checkout conversion from 2.1% to 3%", "baseline": 2.1, "target": 3,
             "current": 2.6, "unit": "%"},
            {"objective": o, "title": "Net promoter score of new buyers at 45", "baseline": 31, "target": 45},
        ],
    )  # fmt: skip
