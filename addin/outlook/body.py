"""Event bodies are spliced, never replaced: our sections live between stable markers.

Exchange appends a Teams join block to an online meeting's body, and organisers add their
own notes. A PATCH of ``body`` replaces the whole body, so every write here reads the body
first and replaces only our section:

- the *about* section (what the meeting is; written by ``okr schedule``),
- the *status* section (the key-result status; written by ``okr refresh-invites``).

Markers are HTML comments plus an element id, so they survive Outlook's HTML rewriting
of the surrounding markup; a body without markers gets the section put in front (ahead
of any Teams block, which Exchange puts at the end).
"""

from __future__ import annotations

import re

ABOUT = "about"
STATUS = "status"
_SECTIONS = (ABOUT, STATUS)


def _begin(name: str) -> str:
    return f"<!-- okr-cadence:{name}:begin -->"


def _end(name: str) -> str:
    return f"<!-- okr-cadence:{name}:end -->"


def section(name: str, html: str) -> str:
    """``html`` wrapped in the markers of section ``name``."""
    return f'{_begin(name)}<div id="okr-cadence-{name}">{html}</div>{_end(name)}'


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(re.escape(_begin(name)) + r".*?" + re.escape(_end(name)), re.DOTALL)


def splice(body: str | None, name: str, html: str) -> str:
    """``body`` with section ``name`` set to ``html``; everything else kept as it was.

    A missing section goes after our other section (about, then status) when there is one,
    else at the very start of the body (inside ``<body>`` when the body is a document).
    """
    if name not in _SECTIONS:
        raise ValueError(f"unknown body section {name!r}")
    text = body or ""
    new = section(name, html)
    pattern = _pattern(name)
    if pattern.search(text):
        return pattern.sub(lambda _m: new, text, count=1)
    if name == STATUS:
        about = _pattern(ABOUT).search(text)
        if about:
            return text[: about.end()] + new + text[about.end() :]
    if name == ABOUT:
        status = _pattern(STATUS).search(text)
        if status:
            return text[: status.start()] + new + text[status.start() :]
    opened = re.search(r"<body[^>]*>", text, re.IGNORECASE)
    at = opened.end() if opened else 0
    return text[:at] + new + text[at:]


def extract(body: str | None, name: str) -> str | None:
    """The html of section ``name`` in ``body`` (None when it is not there)."""
    match = re.search(
        re.escape(_begin(name)) + rf'<div id="okr-cadence-{name}">(.*?)</div>' + re.escape(_end(name)),
        body or "",
        re.DOTALL,
    )
    return match[1] if match else None


__all__ = ["ABOUT", "STATUS", "section", "splice", "extract"]
