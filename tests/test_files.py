"""write_atomically: a file written by the app has the permissions a plain save gives it."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from addin.files import write_atomically


@pytest.fixture
def umask() -> Iterator[None]:
    """Run the test under umask 022, as a usual login shell; the old one afterwards."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_gets_0666_less_the_umask(tmp_path: Path, umask: None) -> None:
    path = tmp_path / "okrs.xlsx"
    write_atomically(path, b"one")
    assert (path.read_bytes(), _mode(path)) == (b"one", 0o644)
    os.umask(0o027)
    other = tmp_path / "team.ics"
    write_atomically(other, b"two")
    assert _mode(other) == 0o640


def test_a_replaced_file_keeps_its_permissions(tmp_path: Path, umask: None) -> None:
    path = tmp_path / "okrs.xlsx"
    path.write_bytes(b"old")
    for mode in (0o600, 0o664):
        path.chmod(mode)
        write_atomically(path, b"new")
        assert (path.read_bytes(), _mode(path)) == (b"new", mode)
    assert [p.name for p in tmp_path.iterdir()] == ["okrs.xlsx"]  # no temporary file left behind
