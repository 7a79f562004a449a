"""The errors every step of the upload check shares: a damaged package, a missing part."""

from __future__ import annotations

from addin.errors import WorkbookError

SAVE_AS_XLSX = "Open it in Excel and save it as Excel Workbook (.xlsx), then upload that file."


def corrupt(why: str, **details: object) -> WorkbookError:
    """``corrupt_workbook``: the package is damaged or incomplete, ``why`` says how."""
    return WorkbookError(
        f"This Excel workbook is damaged or incomplete: {why}. " + SAVE_AS_XLSX,
        code="corrupt_workbook",
        **details,
    )


def missing(part: str) -> WorkbookError:
    """``corrupt_workbook`` naming a part the package must have and does not."""
    return corrupt(f"the required part '{part}' is missing", part=part)
