"""Helpers of the upload-check tests (test_formats, test_zip_*, test_xml_scan, test_relationships,
test_package_check): refusing a file with the right error, bounding memory, watching file writes.

Scenario ids refer to /shared/HOSTILE-INPUT-CHECKLIST.md (UP-*, ZIP-*, XML-*, GEO-*, TXT-*).
"""

from __future__ import annotations

import os
import sys
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from addin.errors import OkrError
from addin.excel.package_check import check_package
from addin.excel.zip_budget import DEFAULT_LIMITS, Limits

MiB = 1024 * 1024


def reject(data: bytes, cls: type[OkrError], code: str, *words: str, limits: Limits = DEFAULT_LIMITS) -> OkrError:
    """check_package must raise exactly ``cls`` with ``code`` and a message holding ``words``."""
    with pytest.raises(OkrError) as caught:
        check_package(data, limits)
    error = caught.value
    assert type(error) is cls, f"{type(error).__name__} {error.code}: {error.message}"
    assert error.code == code, error.message
    for word in words:
        assert word.lower() in error.message.lower(), f"{word!r} not in {error.message!r}"
    return error


@contextmanager
def peak_memory(limit_mb: float) -> Iterator[None]:
    """Python-level allocations inside the block stay under ``limit_mb`` (G2, in process)."""
    tracemalloc.start()
    try:
        yield
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < limit_mb * MiB, f"peak {peak / MiB:.1f} MB"


# Writes seen by an audit hook, while a `watch_writes()` block is open (G6).
_WRITES: list[str] | None = None


def _audit(event: str, args: tuple) -> None:
    if _WRITES is None:
        return
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        mode, flags = args[1], args[2] or 0
        if (mode and any(c in str(mode) for c in "wax+")) or flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            _WRITES.append(str(args[0]))
    elif event in ("os.mkdir", "os.rename", "os.replace", "os.remove", "os.symlink", "os.link", "shutil.move"):
        _WRITES.append(str(args[0]))


sys.addaudithook(_audit)


@contextmanager
def watch_writes() -> Iterator[list[str]]:
    """The paths written to inside the block."""
    global _WRITES
    _WRITES = []
    try:
        yield _WRITES
    finally:
        _WRITES = None
