"""Opening an uploaded package and reading its members without trusting what the zip says.

Nothing is ever extracted to disk; members are read from memory through a counting
reader (``open_member``, ``open_member_stream``, ``iter_member``) that never inflates
past the size the zip declares, nor past a cap. Other code must read members through
it too: a plain ``ZipFile.read()`` inflates a whole compressed block at once, so a
member whose header understates its size can still allocate a gigabyte there.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING

from addin.errors import WorkbookTooLarge
from addin.excel.package_errors import corrupt, missing

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

MiB = 1024 * 1024
CHUNK = 64 * 1024
# What zipfile and zlib raise for a damaged or lying package.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    struct.error,
)


def open_package(data: bytes) -> zipfile.ZipFile:
    """The workbook's zip package; one that cannot be opened is ``corrupt_workbook``."""
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except ZIP_ERRORS as exc:
        raise corrupt("it is not a complete zip package (truncated or damaged)") from exc


def _member(zf: zipfile.ZipFile, name: str | zipfile.ZipInfo) -> zipfile.ZipInfo:
    if isinstance(name, zipfile.ZipInfo):
        return name
    try:
        return zf.getinfo(name)
    except KeyError:
        wanted = name.lower()
        for info in zf.infolist():
            if info.filename.lower() == wanted:
                return info
        raise missing(name) from None


class CappedReader(io.RawIOBase):
    """A read-only stream over one zip member that stops at its declared size and a cap.

    Why: the central directory can lie. zipfile already truncates at the declared size
    (and checks the CRC); this also refuses a member declared or found larger than
    ``cap``, and turns every zip/zlib failure into ``corrupt_workbook``.
    """

    def __init__(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> None:
        super().__init__()
        self.name = info.filename
        self.cap = cap
        self.declared = info.file_size
        self.count = 0
        if info.file_size > cap:
            raise part_too_large(info.filename, info.file_size, cap)
        try:
            self._raw: IO[bytes] = zf.open(info)
        except ZIP_ERRORS as exc:
            raise corrupt(f"the part '{info.filename}' cannot be opened", part=info.filename) from exc

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        # Ask for at most one byte beyond what is allowed, so an overrun is seen, never inflated.
        want = min(len(view), self.cap + 1 - self.count, self.declared + 1 - self.count)
        try:
            chunk = self._raw.read(want)
        except ZIP_ERRORS as exc:
            raise corrupt(f"the part '{self.name}' is damaged", part=self.name) from exc
        self.count += len(chunk)
        if self.count > self.declared:
            raise corrupt(f"the part '{self.name}' is larger than the zip says", part=self.name)
        if self.count > self.cap:
            raise part_too_large(self.name, self.count, self.cap)
        view[: len(chunk)] = chunk
        return len(chunk)

    def readall(self) -> bytes:
        # RawIOBase reads 8 KiB at a time; 64 KiB blocks halve the cost on big sheets.
        blocks = []
        while block := self.read(CHUNK):
            blocks.append(block)
        return b"".join(blocks)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


def part_too_large(name: str, size: int, cap: int) -> WorkbookTooLarge:
    """``part_too_large``: one member is over the bytes it may inflate to."""
    return WorkbookTooLarge(
        f"The part '{name}' of the workbook is {size / MiB:,.1f} MB; at most {cap / MiB:,.1f} MB "
        "is accepted. Remove unused content and save it again.",
        code="part_too_large",
        part=name,
    )


def open_member_stream(zf: zipfile.ZipFile, name: str | zipfile.ZipInfo, cap: int) -> io.BufferedReader:
    """Open one member for streaming (e.g. lxml.iterparse), capped at ``cap`` inflated bytes."""
    return io.BufferedReader(CappedReader(zf, _member(zf, name), cap), buffer_size=CHUNK)


def open_member(zf: zipfile.ZipFile, name: str | zipfile.ZipInfo, cap: int) -> bytes:
    """Read one member whole, never inflating more than ``cap`` bytes or its declared size."""
    with open_member_stream(zf, name, cap) as stream:
        return stream.read()


def iter_member(zf: zipfile.ZipFile, name: str | zipfile.ZipInfo, cap: int, chunk: int = CHUNK) -> Iterator[bytes]:
    """Yield one member in chunks through the counting reader."""
    with open_member_stream(zf, name, cap) as stream:
        while block := stream.read(chunk):
            yield block
