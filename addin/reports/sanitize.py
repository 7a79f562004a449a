"""Make any user text safe to put into a Word document.

The documented rule (HOSTILE-INPUT-CHECKLIST TXT-3, TXT-4, TXT-5):

- characters XML 1.0 forbids are removed: C0 controls except TAB and LF (CR and CRLF
  become LF), lone surrogates, U+FFFE and U+FFFF; C1 controls (U+0080-U+009F) are
  removed too, as they only ever come from mis-decoded text and Word shows them as boxes;
- bidi embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069) are removed;
- everything else is kept exactly as written: RTL text, bidi marks (U+200E, U+200F), zero-width joiners
  and emoji sequences round-trip unchanged (no normalisation), and HTML stays literal
  text (python-docx escapes ``<`` and ``&`` when it writes the XML);
- text longer than its limit is cut at the limit and ends with an ellipsis, so the
  result is never longer than the limit. Limits per kind of text are below.

Nothing here raises: any value (None, numbers, bytes) becomes a string.
"""

from __future__ import annotations

import re

TITLE_LIMIT = 300  # objective / KR titles, team names, owners
NOTE_LIMIT = 600  # one check-in note in the timeline
MESSAGE_LIMIT = 600  # a finding's message or suggestion
SHORT_LIMIT = 80  # text in narrow table cells (units, ids)
ELLIPSIS = "…"

# XML 1.0 Char excludes C0 (but TAB, LF, CR), surrogates, U+FFFE, U+FFFF; C1 is stripped by choice.
# Bidi embeddings/overrides/isolates (U+202A-U+202E, U+2066-U+2069) are removed too: they can
# make a title read backwards (spoofing); the marks U+200E/U+200F stay.
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")


def text_for_docx(value: object, limit: int = TITLE_LIMIT) -> str:
    """Return ``value`` as Word-safe text of at most ``limit`` characters."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        text = value.decode("utf-8", errors="replace")
    else:
        text = value if isinstance(value, str) else str(value)
    if len(text) > limit * 4:
        # Cut before the regex so a 1,000,000-character note costs no more than a short one.
        text = text[: limit * 4]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVALID.sub("", text)
    if len(text) > limit:
        text = text[: max(0, limit - 1)].rstrip() + ELLIPSIS
    return text


def one_line(value: object, limit: int = TITLE_LIMIT) -> str:
    """Like :func:`text_for_docx`, with line breaks and tabs folded into spaces (for titles, cells)."""
    text = text_for_docx(value, limit)
    return " ".join(text.split()) if ("\n" in text or "\t" in text) else text
