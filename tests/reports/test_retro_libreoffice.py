"""The pack opens in a real office suite: LibreOffice converts it to PDF."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from addin.reports.build import build_retro_pack

from .factories import make_input

OFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.slow
@pytest.mark.skipif(OFFICE is None, reason="LibreOffice is not installed")
def test_libreoffice_converts_the_pack_to_pdf(tmp_path):
    pack = tmp_path / "retro.docx"
    pack.write_bytes(build_retro_pack(make_input(objectives=3)))
    profile = tmp_path / "profile"  # a private profile: parallel runs never share a lock file
    result = subprocess.run(
        [
            OFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(pack),
        ],
        capture_output=True,
        timeout=180,
        check=False,
    )
    pdf = tmp_path / "retro.pdf"
    assert result.returncode == 0, result.stderr
    assert pdf.exists(), result.stdout + result.stderr
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(data) > 50_000  # charts and text, not an empty page
    pdftotext = shutil.which("pdftotext")
    if pdftotext:
        text = subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, check=True, timeout=60).stdout.decode()
        for heading in ("Scorecard", "Operating rhythm", "Retrospective questions", "Carry-over"):
            assert heading in text
