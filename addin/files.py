"""Writing files so that a reader never sees half of one."""

from __future__ import annotations

import os
import re
import stat
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` in one step: write a temporary file beside it, then rename.

    The file ends with the permissions a plain save gives it: those of the file it
    replaces, or 0666 less the umask for a new one (mkstemp makes its file 0600, which
    would leave every workbook, calendar and retro pack readable by its owner alone).
    """
    mode = _mode_for(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii", errors="replace")
    except OSError:
        status = ""
    found = re.search(r"^Umask:\s*([0-7]+)$", status, re.MULTILINE)
    if found:
        return int(found.group(1), 8)
    # Elsewhere the umask can only be read by setting it: set a strict one meanwhile,
    # so a file another thread creates in that instant is never more open than meant.
    mask = os.umask(0o077)
    os.umask(mask)
    return mask
