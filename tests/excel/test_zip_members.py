"""zip_members: opening the package, and the capped reader every member is read through (ZIP-2).

Scenario ids refer to /shared/HOSTILE-INPUT-CHECKLIST.md.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from addin.errors import WorkbookError, WorkbookTooLarge
from addin.excel.writeback import write_back
from addin.excel.zip_members import iter_member, open_member, open_member_stream, open_package
from tests.excel import hostile_files as h
from tests.excel.upload_gate import MiB, peak_memory, reject

# --- opening the package -----------------------------------------------------------------------------


@pytest.mark.parametrize("keep", [10, 0.5, -10])
def test_truncated_zip_is_corrupt(keep: float) -> None:
    data = h.valid_workbook()
    cut = int(len(data) * keep) if isinstance(keep, float) else keep
    reject(data[:cut], WorkbookError, "corrupt_workbook", "damaged or incomplete", "save it as Excel Workbook")


@pytest.mark.parametrize("data", [b"PK\x03\x04 and then nothing of a zip", b"Team,KR\nA,B\n"])
def test_a_package_that_does_not_open_is_one_error_wherever_it_is_opened(data: bytes) -> None:
    # The upload check, the reader and the write-back open the package the same way.
    with pytest.raises(WorkbookError) as opened:
        open_package(data)
    with pytest.raises(WorkbookError) as written:
        write_back(data, cells=[])
    assert opened.value.code == written.value.code == "corrupt_workbook"
    assert opened.value.message == written.value.message
    assert "not a complete zip package" in opened.value.message


def test_damaged_member_data_is_corrupt() -> None:
    reject(h.damaged_member(), WorkbookError, "corrupt_workbook", "xl/sharedStrings.xml")


# --- ZIP-2: sizes that lie ---------------------------------------------------------------------------


def test_member_larger_than_declared_with_a_bad_crc_is_corrupt() -> None:
    with peak_memory(8):
        reject(h.zip_bomb(declared=4000), WorkbookError, "corrupt_workbook")  # sheet prolog passes, CRC fails
    true_data = h.workbook_parts()["xl/sharedStrings.xml"] + b"<!--" + b"x" * 100_000 + b"-->"
    parts = h.workbook_parts()
    size = len(parts.pop("xl/sharedStrings.xml"))
    data = h.package(parts, [h.lying_member("xl/sharedStrings.xml", true_data, size, honest_crc=False)])
    reject(data, WorkbookError, "corrupt_workbook", "xl/sharedStrings.xml")


def test_counting_reader_never_returns_more_than_the_declared_size() -> None:
    data = h.zip_bomb(declared=4000)
    with zipfile.ZipFile(io.BytesIO(data)) as zf, peak_memory(8):
        try:
            got = open_member(zf, "xl/worksheets/sheet1.xml", 100 * MiB)
        except WorkbookError as exc:
            assert exc.code == "corrupt_workbook"
        else:
            assert len(got) <= 4000


def test_member_with_honest_crc_for_a_lying_size_reads_clean_cut_data() -> None:
    true_data = b"<root>" + b"y" * 1_000_000 + b"</root>"
    data = h.build_zip([h.lying_member("big.xml", true_data, 5000, honest_crc=True)])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert open_member(zf, "big.xml", 10 * MiB) == true_data[:5000]


def test_open_member_refuses_members_over_the_cap() -> None:
    with zipfile.ZipFile(io.BytesIO(h.valid_workbook())) as zf:
        with pytest.raises(WorkbookTooLarge) as caught:
            open_member(zf, "xl/sharedStrings.xml", 100)
        assert caught.value.code == "part_too_large"
        assert b"".join(iter_member(zf, "xl/workbook.xml", 1 * MiB, chunk=7)) == zf.read("xl/workbook.xml")
        with open_member_stream(zf, "XL/WORKBOOK.XML", 1 * MiB) as stream:  # part names ignore case
            assert stream.read() == zf.read("xl/workbook.xml")
        with pytest.raises(WorkbookError) as missing:
            open_member(zf, "xl/nothing.xml", 100)
        assert missing.value.code == "corrupt_workbook"
