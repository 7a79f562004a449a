"""An upload's relationship parts: where each relationship points, and refusing any that leaves.

A relationship whose target climbs out of the package (``..`` past the root, a scheme,
a drive letter, a backslash, a UNC path) is refused as ``corrupt_workbook``; external
targets (``TargetMode="External"``) are kept as written and never followed.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from addin.errors import WorkbookError
from addin.excel.package_errors import SAVE_AS_XLSX
from addin.excel.xml_scan import local_name


@dataclass(frozen=True)
class Rel:
    """One relationship as the package check needs it."""

    type: str  # last segment of the type URI, lower case, e.g. "worksheet"
    type_uri: str
    target: str  # resolved member name, or the raw target when external
    external: bool


def rels_part(source: str) -> str:
    """'xl/workbook.xml' -> 'xl/_rels/workbook.xml.rels'; '' (the package) -> '_rels/.rels'."""
    folder, _, file = source.rpartition("/")
    return posixpath.join(folder, "_rels", file + ".rels")


def rels_source(rels_name: str) -> str | None:
    """'xl/_rels/workbook.xml.rels' -> 'xl/workbook.xml'; '_rels/.rels' -> '' (the package)."""
    folder, _, file = rels_name.rpartition("/")
    if not file.endswith(".rels") or posixpath.basename(folder) != "_rels":
        return None
    return posixpath.join(posixpath.dirname(folder), file[: -len(".rels")]).lstrip("/")


def read_rels(root: Element, source: str, rels: str) -> dict[str, Rel]:
    """The relationships of ``source`` by id, from the parsed part ``rels``."""
    found: dict[str, Rel] = {}
    for node in root.iter():
        if local_name(node.tag) != "Relationship":
            continue
        type_uri = node.get("Type", "")
        target = node.get("Target", "")
        external = node.get("TargetMode", "").lower() == "external"
        resolved = target if external else resolve(source, target, rels)
        found[node.get("Id", "")] = Rel(type_uri.rsplit("/", 1)[-1].lower(), type_uri, resolved, external)
    return found


def resolve(source: str, target: str, rels: str) -> str:
    """The member a relationship points at; refuse one that leaves the package."""
    raw = unquote(target)
    escapes = (
        "\\" in raw
        or "\x00" in raw
        or raw.startswith("//")
        or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", raw) is not None  # scheme or drive letter
    )
    if not escapes:
        base = "" if raw.startswith("/") else posixpath.dirname(source)
        joined = posixpath.normpath(posixpath.join("/", base, raw.lstrip("/")))
        # normpath('/..') is '/', so walk the steps to see whether they climbed out.
        depth = 0
        for step in posixpath.join(base, raw.lstrip("/")).split("/"):
            if step == "..":
                depth -= 1
            elif step not in ("", "."):
                depth += 1
            if depth < 0:
                escapes = True
                break
        else:
            return joined.lstrip("/")
    raise WorkbookError(
        f"The workbook part '{rels}' has a relationship pointing outside the workbook "
        f"('{target[:120]}'). Such a file is not read. " + SAVE_AS_XLSX,
        code="corrupt_workbook",
        part=rels,
        target=target[:200],
    )
