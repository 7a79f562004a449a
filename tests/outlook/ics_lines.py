"""A strict reader of iCalendar content lines (RFC 5545 3.1), for tests.

It checks what a lenient parser (icalendar's) forgives: CRLF line ends only, every physical
line at most 75 octets, folds that never split a UTF-8 character, a single space or tab
opening each continuation, property and parameter names from the grammar, parameter values
quoted where they must be, no control characters in values, BEGIN/END balanced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_OCTETS = 75
_NAME = r"[A-Za-z0-9-]+"
# param-value = paramtext / quoted-string (RFC 5545 3.1): SAFE-CHAR excludes DQUOTE ; : ,
_PARAM_VALUE = r'(?:"[^"\x00-\x08\x0a-\x1f\x7f]*"|[^";:,\x00-\x08\x0a-\x1f\x7f]*)'
_PARAM = rf"{_NAME}={_PARAM_VALUE}(?:,{_PARAM_VALUE})*"
_LINE = re.compile(rf"(?P<name>{_NAME})(?P<params>(?:;{_PARAM})*):(?P<value>.*)", re.DOTALL)
_PARAM_RE = re.compile(rf"(?P<name>{_NAME})=(?P<value>{_PARAM_VALUE}(?:,{_PARAM_VALUE})*)")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class ContentLineError(AssertionError):
    """The data breaks RFC 5545's content-line rules (the message says where)."""


@dataclass
class Property:
    name: str
    params: dict[str, str]
    value: str
    path: tuple[str, ...]  # the components it sits in, outermost first


@dataclass
class Parsed:
    properties: list[Property] = field(default_factory=list)
    physical_lines: list[bytes] = field(default_factory=list)

    def named(self, name: str, component: str | None = None) -> list[Property]:
        return [
            p for p in self.properties if p.name == name and (component is None or (p.path and p.path[-1] == component))
        ]


def parse(data: bytes) -> Parsed:
    """Read ``data`` strictly; raises ContentLineError at the first rule broken."""
    if not data.endswith(b"\r\n"):
        raise ContentLineError("the object does not end with CRLF")
    physical = data[:-2].split(b"\r\n")
    out = Parsed(physical_lines=physical)
    logical: list[str] = []
    for number, line in enumerate(physical, 1):
        if b"\r" in line or b"\n" in line:
            raise ContentLineError(f"line {number}: a bare CR or LF")
        if len(line) > MAX_OCTETS:
            raise ContentLineError(f"line {number} is {len(line)} octets long: {line[:40]!r}...")
        try:
            text = line.decode("utf-8")  # a fold inside a UTF-8 sequence fails here
        except UnicodeDecodeError as exc:
            raise ContentLineError(f"line {number}: not UTF-8 on its own (a fold split a character)") from exc
        if text[:1] in (" ", "\t"):
            if not logical:
                raise ContentLineError("the object starts with a continuation line")
            if len(text) == 1:
                raise ContentLineError(f"line {number}: an empty continuation")
            logical[-1] += text[1:]
        else:
            logical.append(text)
    stack: list[str] = []
    for text in logical:
        match = _LINE.fullmatch(text)
        if match is None:
            raise ContentLineError(f"not a content line: {text[:60]!r}")
        name, value = match["name"].upper(), match["value"]
        if _CONTROL.search(value):
            raise ContentLineError(f"{name}: a control character in the value {value[:60]!r}")
        params = {m["name"].upper(): m["value"] for m in _PARAM_RE.finditer(match["params"])}
        if name == "BEGIN":
            stack.append(value.upper())
        elif name == "END":
            if not stack or stack.pop() != value.upper():
                raise ContentLineError(f"END:{value} does not close the open component")
        else:
            if not stack:
                raise ContentLineError(f"{name} outside any component")
            out.properties.append(Property(name, params, value, tuple(stack)))
    if stack:
        raise ContentLineError(f"{stack[-1]} is never closed")
    return out


def unescape_text(value: str) -> str:
    """A TEXT value as written (RFC 5545 3.3.11): \\\\ \\; \\, \\n undone; a bare , or ; is an error."""
    out, i = [], 0
    while i < len(value):
        ch = value[i]
        if ch == "\\":
            nxt = value[i + 1 : i + 2]
            if nxt not in ("\\", ";", ",", "n", "N"):
                raise ContentLineError(f"a bad escape \\{nxt} in {value!r}")
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
            continue
        if ch in ",;":
            raise ContentLineError(f"an unescaped {ch!r} in the TEXT value {value!r}")
        out.append(ch)
        i += 1
    return "".join(out)
