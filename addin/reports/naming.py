"""The file name a team's retro pack goes by: on disk, on a meeting, in a download."""

from __future__ import annotations

import hashlib
import re
import unicodedata


def pack_name(team: str, quarter: str) -> str:
    """Readable and safe in any file system or mail client, and unique per team name."""
    clean = "".join(c for c in unicodedata.normalize("NFC", team) if unicodedata.category(c)[0] not in "CZ" or c == " ")
    clean = re.sub(r'[\\/:*?"<>|;,]+', "-", clean).strip(" .-")[:60] or "team"
    if clean != team:  # "R/D" and "R:D" must not share a file
        clean += " " + hashlib.sha256(team.encode()).hexdigest()[:6]
    return f"OKR retro {clean} {quarter}.docx"
