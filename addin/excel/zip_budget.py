"""The budgets an upload must fit, checked on the zip container before a byte is inflated.

The member count is read from the end record before zipfile builds one object per
entry; declared sizes and compression ratios are checked from the central directory;
a member with more compressed bytes than deflate could produce from its declared size
is refused outright (its header lies). Member names that are absolute, carry a drive
letter, a backslash or a ``..`` step are set aside: nothing may read them.
"""

from __future__ import annotations

import re
import struct
import zipfile
from dataclasses import dataclass

from addin.errors import WorkbookTooLarge
from addin.excel.package_errors import corrupt

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Budgets an upload must fit before any part of it is parsed."""

    max_upload_bytes: int = 50 * MiB  # the app's default MAX_CONTENT_LENGTH (OKR_MAX_UPLOAD_MB)
    max_members: int = 5_000
    max_uncompressed_bytes: int = 256 * MiB  # sum of every member's declared size
    max_member_ratio: int = 100  # declared size / compressed size, per member ...
    ratio_floor_bytes: int = 1 * MiB  # ... for members declaring more than this
    max_shared_strings_bytes: int = 64 * MiB
    max_shared_strings: int = 2_000_000  # <si> entries
    max_sheets: int = 255
    max_part_bytes: int = 16 * MiB  # a part parsed whole in memory (workbook.xml, rels ...)


DEFAULT_LIMITS = Limits()

EOCD = struct.Struct("<4sHHHHIIH")
ZIP64_LOCATOR = struct.Struct("<4sIQI")
ZIP64_EOCD = struct.Struct("<4sQHHIIQQQQ")
CENTRAL_ENTRY_MIN = 46  # bytes of a central directory entry with an empty name


def check_central_directory(data: bytes, limits: Limits) -> None:
    """Budget the member count from the end record, before zipfile builds one object per entry."""
    tail_start = max(0, len(data) - (EOCD.size + 0xFFFF))
    at = data.rfind(b"PK\x05\x06", tail_start)
    if at < 0 or at + EOCD.size > len(data):
        raise corrupt("the end of the file is missing (it was probably cut short while copying)")
    _sig, _disk, _cd_disk, _n_disk, entries, cd_size, _cd_offset, _comment = EOCD.unpack_from(data, at)
    locator_at = at - ZIP64_LOCATOR.size
    if locator_at >= 0 and data[locator_at : locator_at + 4] == b"PK\x06\x07":
        _sig, _disk, z64_at, _disks = ZIP64_LOCATOR.unpack_from(data, locator_at)
        if z64_at + ZIP64_EOCD.size <= len(data) and data[z64_at : z64_at + 4] == b"PK\x06\x06":
            fields = ZIP64_EOCD.unpack_from(data, z64_at)
            entries, cd_size = fields[7], fields[8]
    # zipfile reads entries until it has consumed cd_size bytes, whatever the count says.
    if entries > limits.max_members or cd_size > limits.max_members * 1024:
        raise WorkbookTooLarge(
            f"The workbook package holds {max(entries, cd_size // CENTRAL_ENTRY_MIN):,} parts; "
            f"at most {limits.max_members:,} are accepted. Save it again from Excel as Excel "
            "Workbook (.xlsx); if it still fails, remove unused sheets and objects.",
            code="too_many_parts",
        )


def unsafe_name(name: str) -> bool:
    """A member name that would point outside a folder if anyone extracted it."""
    if not name or "\\" in name or "\x00" in name or name.startswith("/"):
        return True
    if re.match(r"^[A-Za-z]:", name):
        return True
    return ".." in name.split("/")


def list_parts(zf: zipfile.ZipFile, limits: Limits) -> tuple[dict[str, zipfile.ZipInfo], tuple[str, ...]]:
    """The package's readable parts by lower-case name (OPC names ignore case), and the unsafe names.

    Refuses an empty package, too many members, a name listed twice, encrypted members,
    compression methods Excel does not write and every declared-size budget.
    """
    infos = zf.infolist()
    if not infos:
        raise corrupt("the zip package is empty")
    if len(infos) > limits.max_members:  # the end record can understate it
        raise WorkbookTooLarge(
            f"The workbook package holds {len(infos):,} parts; at most {limits.max_members:,} are accepted.",
            code="too_many_parts",
        )
    seen: set[str] = set()
    ignored: list[str] = []
    parts: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        key = info.filename.lower()
        if key in seen:
            raise corrupt(f"it contains the part '{info.filename}' twice", part=info.filename)
        seen.add(key)
        if info.flag_bits & 0x1:
            raise corrupt(f"the part '{info.filename}' is encrypted inside the zip", part=info.filename)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise corrupt(
                f"the part '{info.filename}' uses a compression method Excel does not write",
                part=info.filename,
            )
        if unsafe_name(info.filename):
            ignored.append(info.filename)  # never read: nothing may refer to it
        elif not info.is_dir():
            parts[key] = info
    check_budgets(infos, limits)
    return parts, tuple(ignored)


def check_budgets(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Declared-size budgets: a zip bomb is refused before a byte of it is inflated."""
    total = sum(info.file_size for info in infos)
    if total > limits.max_uncompressed_bytes:
        raise WorkbookTooLarge(
            f"The workbook would unpack to {total / MiB:,.0f} MB; at most "
            f"{limits.max_uncompressed_bytes / MiB:,.0f} MB are accepted. Remove unused sheets, "
            "images or formatted empty rows and save it again.",
            code="uncompressed_too_large",
        )
    for info in infos:
        # Deflate never grows data by more than ~0.1 %, and stored data not at all: more
        # compressed bytes than that means the declared size lies (ZIP-2), and a plain
        # zipfile read() would inflate all of them at once.
        bound = (
            info.file_size
            if info.compress_type == zipfile.ZIP_STORED
            else (info.file_size + info.file_size // 1000 + 64)
        )
        if info.compress_size > bound:
            raise corrupt(f"the part '{info.filename}' holds more data than the zip says", part=info.filename)
        if info.file_size <= limits.ratio_floor_bytes:
            continue
        if info.file_size > limits.max_member_ratio * max(info.compress_size, 1):
            raise WorkbookTooLarge(
                f"The part '{info.filename}' is compressed {info.file_size // max(info.compress_size, 1):,} "
                f"to 1 (at most {limits.max_member_ratio} to 1 is accepted): this is how zip bombs "
                "look, so the file was not opened. Save it again from Excel as Excel Workbook (.xlsx).",
                code="zip_bomb",
                part=info.filename,
            )
