"""Every XML part of an upload is scanned here before anything parses it.

The prolog (what precedes the root element) must hold no DTD, hence no entity, no
``xml-*`` processing instruction other than the leading declaration (xml-stylesheet),
and no encoding other than UTF-8 or UTF-16 (``check_prolog``: the one such check, used
by the upload check on every part and by the write-back before it parses one). A part
scanned whole (``scan_part``) is also searched for characters XML 1.0 forbids and for
declarations past the prolog. Small parts are then parsed with defusedxml
(``parse_xml``), which refuses the same things again.

    DOCTYPE / ENTITY / xml-stylesheet     WorkbookError      dtd_not_allowed
      (any xml-* PI) in any XML part
    control characters, bad encoding,     WorkbookError      corrupt_xml
      malformed XML
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as DET

from addin.errors import WorkbookError, WorkbookTooLarge
from addin.excel.package_errors import SAVE_AS_XLSX
from addin.excel.zip_members import CHUNK, open_member_stream

PROLOG_LIMIT = 64 * 1024  # a real prolog is a few hundred bytes
ALLOWED_ENCODINGS = {"utf-8", "utf8", "utf-16", "utf16", "us-ascii", "ascii"}  # OPC M1.17
XML_DECL = re.compile(r"""<\?xml\s[^>]*?encoding\s*=\s*["']([^"']*)["']""")
PI_TARGET = re.compile(r"<\?([^\s?]*)")
# Characters XML 1.0 forbids (TXT-3): raw C0 controls, U+FFFE/U+FFFF, and character
# references to them or to surrogates. The body of a part is scanned as UTF-8 bytes with
# C-speed tests first (translate, find, count); a pattern runs only where one can match.
BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
C0_BYTES = bytes(c for c in range(32) if c not in (9, 10, 13))
BAD_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")
BAD_CHAR_REFS = re.compile(
    rb"&#(?:0*(?:[0-8]|1[124-9]|2\d|3[01]|5529[6-9]|55[3-9]\d\d|56\d\d\d|57[0-2]\d\d|573[0-3]\d"
    rb"|5734[0-3]|6553[45])|[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]|[dD][89a-fA-F][0-9a-fA-F]{2}"
    rb"|[fF]{3}[eEfF]));"
)
# A DOCTYPE/ENTITY/... declaration, or a processing instruction whose target starts with
# "xml" (xml-stylesheet, a misplaced declaration). Other PIs are let through: SharePoint
# writes <?mso-contentType?> into customXml parts, and no parser acts on them.
MARKUP_DECL = re.compile(rb"<!(?!\[CDATA\[|--)|<\?[xX][mM][lL]")
SI_ENTRY = re.compile(rb"<(?:[\w.-]+:)?si[\s/>]")  # <si> start tags, prefixed or not


def dtd_error(part: str, what: str) -> WorkbookError:
    """``dtd_not_allowed``: ``what`` (a DTD, an entity, a processing instruction) in ``part``."""
    return WorkbookError(
        f"The workbook part '{part}' contains {what}, which Excel never writes: DTDs, entities "
        "and processing instructions are not allowed, so the file was not read. Save it again "
        "from Excel as Excel Workbook (.xlsx).",
        code="dtd_not_allowed",
        part=part,
    )


def xml_error(part: str, why: str) -> WorkbookError:
    """``corrupt_xml``: ``part`` is not valid XML, ``why`` says how."""
    return WorkbookError(
        f"The workbook part '{part}' is not valid XML: {why}. " + SAVE_AS_XLSX,
        code="corrupt_xml",
        part=part,
    )


def _sniff_encoding(part: str, head: bytes) -> str:
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, b"\x00\x00", b"<\x00\x00\x00")):
        raise xml_error(part, "it is encoded as UTF-32 (only UTF-8 and UTF-16 are allowed)")
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(b"<\x00"):
        return "utf-16-le"
    if head.startswith(b"\x00<"):
        return "utf-16-be"
    return "utf-8"


def _decode(part: str, decoder: codecs.IncrementalDecoder, block: bytes, final: bool) -> str:
    try:
        return decoder.decode(block, final)
    except UnicodeDecodeError as exc:
        raise xml_error(part, f"it has bytes that are not valid text at offset {exc.start}") from exc


def _walk_prolog(part: str, text: str, complete: bool) -> tuple[str, int] | None:
    """Walk what precedes the root element; return its start tag and end, None if not reached yet."""
    i = 1 if text.startswith("\ufeff") else 0
    start = i
    n = len(text)
    while True:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i >= n:
            if complete:
                raise xml_error(part, "it has no root element")
            return None
        if text.startswith("<?", i):
            end = text.find("?>", i)
            if end < 0:
                _refuse_if_cut(part, complete, n)
                return None
            named = PI_TARGET.match(text, i, end + 2)
            target = named.group(1) if named else ""
            if target.lower().startswith("xml") and (target.lower() != "xml" or i != start):
                raise dtd_error(part, f"a processing instruction (<?{target[:40]} ...?>)")
            if target.lower() != "xml":
                i = end + 2  # e.g. <?mso-contentType?>: inert
                continue
            declared = XML_DECL.match(text, i, end + 2)
            if declared and declared.group(1).lower() not in ALLOWED_ENCODINGS:
                raise xml_error(
                    part, f"it declares the encoding '{declared.group(1)[:40]}' (only UTF-8 and UTF-16 are allowed)"
                )
            i = end + 2
        elif text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            if end < 0:
                _refuse_if_cut(part, complete, n)
                return None
            i = end + 3
        elif text.startswith("<!", i):
            raise dtd_error(part, "a DTD (<!DOCTYPE ...>)")
        elif text.startswith("<", i):
            end = text.find(">", i)
            if end < 0:
                _refuse_if_cut(part, complete, n)
                return None
            return text[i : end + 1], end + 1
        else:
            raise xml_error(part, "there is text before the first element")


def _refuse_if_cut(part: str, complete: bool, n: int) -> None:
    if complete or n >= PROLOG_LIMIT:
        raise xml_error(part, "its start is cut off or far too long")


@dataclass
class _Prolog:
    encoding: str  # the decoder's name
    decoder: codecs.IncrementalDecoder
    kept: list[bytes]  # every byte read so far
    text: str  # the decoded text of ``kept``
    root: str  # the root element's start tag
    root_end: int  # where it ends in ``text``
    eof: bool


def _read_prolog(part: str, stream: IO[bytes]) -> _Prolog | None:
    """Read ``stream`` up to the end of the root element's start tag, checking the prolog; None: empty."""
    head = stream.read(4)
    if not head:
        return None
    encoding = _sniff_encoding(part, head)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    kept = [head]
    eof = False
    text = _decode(part, decoder, head, eof)
    while (found := _walk_prolog(part, text[:PROLOG_LIMIT], eof)) is None:
        block = stream.read(4096)
        eof = not block
        kept.append(block)
        text += _decode(part, decoder, block, eof)
    root, root_end = found
    bad = BAD_CHARS.search(text, 0, root_end)
    if bad:
        raise xml_error(part, f"it contains a character XML does not allow (U+{ord(bad.group()):04X})")
    return _Prolog(encoding, decoder, kept, text, root, root_end, eof)


def check_prolog(part: str, head: bytes) -> None:
    """Refuse a part whose start (``head``: the whole part, or at least its first 64 KiB)
    declares a DTD or entity, an xml-* processing instruction or an encoding other than
    UTF-8/UTF-16, or is not XML text."""
    _read_prolog(part, io.BytesIO(head))


@dataclass
class Scan:
    """What scanning one part found."""

    root: str  # the root element's start tag
    entries: int = 0  # <si> entries, when counted
    data: bytes | None = None  # the whole part, when kept


def scan_part(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    cap: int,
    *,
    whole: bool,
    keep: bool = False,
    count_entries: int | None = None,
    on_root: Callable[[str], None] | None = None,
) -> Scan | None:
    """Stream one XML part through the checks; return None for an empty part.

    ``whole=False`` stops after the root element's start tag (used for worksheets, which
    the reader streams itself); ``whole=True`` also scans every character for forbidden
    ones and for declarations past the prolog. ``count_entries`` counts <si> entries and
    stops beyond that many; ``on_root`` sees the root start tag before the body is read.
    """
    part = info.filename
    with open_member_stream(zf, info, cap) as stream:
        prolog = _read_prolog(part, stream)
        if prolog is None:
            return None
        if on_root is not None:
            on_root(prolog.root)
        scan = Scan(root=prolog.root)
        if not whole:
            return scan
        _scan_body(part, stream, prolog, scan, keep, count_entries)
    return scan


def _scan_body(
    part: str, stream: IO[bytes], prolog: _Prolog, scan: Scan, keep: bool, count_entries: int | None
) -> None:
    """Scan the rest of a part past its root start tag, in blocks that no token straddles."""
    text, root_end, decoder, kept, eof = prolog.text, prolog.root_end, prolog.decoder, prolog.kept, prolog.eof
    utf8 = prolog.encoding.startswith("utf-8")
    if utf8:  # scan the very bytes read, from just past the root start tag
        offset = len(text[:root_end].encode()) + (len(codecs.BOM_UTF8) if prolog.encoding == "utf-8-sig" else 0)
        pending = b"".join(kept)[offset:]
    else:  # UTF-16: scan the text re-encoded as UTF-8
        pending = text[root_end:].encode()
    carry = b""
    while True:
        body = carry + pending
        # Cut before the last "<" or "&" near the end, so no token straddles two scans.
        low = max(0, len(body) - 4096)
        cut = len(body) if eof else max(body.rfind(b"<", low), body.rfind(b"&", low))
        if cut < 0:
            cut = len(body)
        _check_body(part, body[:cut], scan, count_entries)
        carry = body[cut:]
        if eof:
            break
        block = stream.read(CHUNK)
        eof = not block
        if keep:
            kept.append(block)
        decoded = _decode(part, decoder, block, eof)  # validates the encoding either way
        pending = block if utf8 else decoded.encode()
    if keep:
        scan.data = b"".join(kept)


def _check_body(part: str, data: bytes, scan: Scan, count_entries: int | None) -> None:
    """Refuse forbidden characters and any declaration or PI past the prolog; count <si>."""
    # Single-byte finds (memchr) gate the multi-byte searches: this runs over every byte.
    if len(data.translate(None, C0_BYTES)) != len(data) or (
        b"\xef" in data and (b"\xef\xbf\xbe" in data or b"\xef\xbf\xbf" in data)
    ):
        found = BAD_BYTES.search(data)
        shown = found.group().decode("utf-8", "replace") if found else "?"
        raise xml_error(part, f"it contains a character XML does not allow (U+{ord(shown[0]):04X})")
    if b"&" in data and b"&#" in data and (ref := BAD_CHAR_REFS.search(data)):
        raise xml_error(part, f"it contains a character XML does not allow ({ref.group().decode()})")
    if ((b"!" in data and b"<!" in data) or (b"?" in data and b"<?" in data)) and (decl := MARKUP_DECL.search(data)):
        raise dtd_error(
            part, "a processing instruction" if decl.group().startswith(b"<?") else "a DTD or entity declaration"
        )
    if count_entries is None:
        return
    # Count the <si> start tags at C speed; the pattern runs only where a namespace
    # prefix is used. (Tricks can undercount; the byte budget of the part still bounds it.)
    if b":" in data and b":si" in data:
        scan.entries += sum(1 for _ in SI_ENTRY.finditer(data))
    else:
        scan.entries += data.count(b"<si")
    if scan.entries > count_entries:
        raise WorkbookTooLarge(
            f"The workbook holds more than {count_entries:,} different texts ('{part}'); that is "
            "far more than an OKR workbook needs. Remove unused sheets and save it again.",
            code="shared_strings_too_large",
            part=part,
        )


def parse_xml(part: str, data: bytes) -> Element:
    """Parse a small part with defusedxml (belt and braces: the prolog was checked already)."""
    try:
        return DET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as exc:
        raise dtd_error(part, "a DTD or entity") from exc
    except (ParseError, ValueError) as exc:
        raise xml_error(part, str(exc)[:200]) from exc


def local_name(tag: str) -> str:
    """'{namespace}name' -> 'name'."""
    return tag.rsplit("}", 1)[-1]
