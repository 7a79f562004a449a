"""`okr manifest` writes both add-in manifests for a host; they validate against the vendored XSDs."""

from __future__ import annotations

import copy
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import etree

from tests.test_manifests import (  # noqa: F401  (schema: the vendored XSDs, repaired in memory)
    EXCEL_MANIFEST,
    NS,
    _assert_valid,
    _load,
    _shape,
    _web_application_info,
    schema,
)

CLIENT_ID = str(uuid.uuid4())
BASE = "https://okr.contoso.example/cadence"


@pytest.fixture
def written(okr, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    out = tmp_path / "manifests"
    result = okr("manifest", "--base-url", BASE + "/", "--client-id", CLIENT_ID.upper(), "-o", str(out))
    assert result.exit_code == 0, result.output
    return out


def _urls(root: etree._Element) -> list[str]:
    values = [v for e in root.iter() if isinstance(e.tag, str) for v in e.attrib.values()]
    values += [e.text.strip() for e in root.iter() if isinstance(e.tag, str) and e.text]
    return [v for v in values if "://" in v]


def test_both_manifests_point_every_url_at_the_host(written: Path) -> None:
    for name in ("excel-manifest.xml", "outlook-manifest.xml"):
        root = _load(written / name).getroot()
        urls = _urls(root)
        assert urls, name
        for url in urls:
            if url.startswith("api://"):
                continue
            assert urlsplit(url).netloc == "okr.contoso.example", (name, url)
        assert "localhost" not in (written / name).read_text(encoding="utf-8")
        assert root.find("o:AppDomains/o:AppDomain", NS).text == "https://okr.contoso.example"
    excel = _load(written / "excel-manifest.xml").getroot()
    assert excel.find("o:DefaultSettings/o:SourceLocation", NS).get("DefaultValue") == (
        f"{BASE}/addin/excel/taskpane.html"
    )


def test_web_application_info_names_the_app_registration(written: Path) -> None:
    for name, ns in (("excel-manifest.xml", "tp"), ("outlook-manifest.xml", "m11")):
        sso = _web_application_info(_load(written / name), ns)
        assert sso.find(f"{ns}:Id", NS).text == CLIENT_ID
        assert sso.find(f"{ns}:Resource", NS).text == f"api://okr.contoso.example/cadence/{CLIENT_ID}"
        assert "access_as_user" in [s.text for s in sso.findall(f"{ns}:Scopes/{ns}:Scope", NS)]


def test_written_manifests_validate(written: Path, schema: etree.XMLSchema) -> None:  # noqa: F811
    _assert_valid(schema, _load(written / "excel-manifest.xml"))
    outlook = _load(written / "outlook-manifest.xml")
    sso = _web_application_info(outlook, "m11")
    assert _shape(sso) == _shape(_web_application_info(_load(written / "excel-manifest.xml"), "tp"))
    stripped = copy.deepcopy(outlook)
    removed = _web_application_info(stripped, "m11")
    removed.getparent().remove(removed)
    _assert_valid(schema, stripped)


def test_checked_in_manifests_stay_the_localhost_ones(written: Path) -> None:
    assert "https://localhost:5000/addin/excel/taskpane.html" in EXCEL_MANIFEST.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "base, client, says",
    [
        ("http://okr.example", CLIENT_ID, "https://"),
        ("https://user:pw@okr.example", CLIENT_ID, "host"),
        ('https://okr.example/"><x', CLIENT_ID, "plain"),
        ("https://okr.example?next=evil", CLIENT_ID, "plain"),
        ("https://okr.example/../admin", CLIENT_ID, "plain"),
        ("https://okr.example", "not-a-guid", "GUID"),
        ("https://okr.example", "00000000-0000-0000-0000-000000000000", "placeholder"),
    ],
)
def test_unusable_input_is_refused_and_nothing_is_written(
    okr, tmp_path: Path, base: str, client: str, says: str
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    result = okr("manifest", "--base-url", base, "--client-id", client, "-o", str(out))
    assert result.exit_code == 2
    assert says in result.output
    assert not out.exists()


@pytest.mark.slow
def test_an_installed_wheel_writes_valid_manifests(tmp_path: Path, schema: etree.XMLSchema) -> None:  # noqa: F811
    """The templates are package data: a wheel installed away from any checkout has them."""
    import shutil
    import subprocess
    import sys
    import zipfile

    repo = Path(__file__).resolve().parents[1]
    source = tmp_path / "source"  # a copy: building never writes into the checkout
    for name in ("addin", "auth"):
        shutil.copytree(repo / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(repo / name, source / name)
    wheels, site = tmp_path / "wheels", tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    build = [*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(wheels), str(source)]
    subprocess.run(build, check=True, cwd=tmp_path)
    (wheel,) = wheels.glob("okr_cadence-*.whl")
    assert {"addin/excel/manifest.xml", "addin/outlook/manifest.xml"} <= set(zipfile.ZipFile(wheel).namelist())
    subprocess.run([*pip, "install", "--no-deps", "--no-index", "--target", str(site), str(wheel)], check=True)

    out = tmp_path / "out"
    program = (
        "import sys, addin.manifests as m; "
        f"assert m.__file__.startswith({str(site)!r}), m.__file__; "  # the wheel's copy, not the checkout's
        f"m.write_manifests({BASE!r}, {CLIENT_ID!r}, __import__('pathlib').Path(sys.argv[1]))"
    )
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", program, str(out)], check=True, cwd=tmp_path, env=env)
    _assert_valid(schema, _load(out / "excel-manifest.xml"))
    outlook = _load(out / "outlook-manifest.xml")
    removed = _web_application_info(outlook, "m11")  # validated as in test_written_manifests_validate
    removed.getparent().remove(removed)
    _assert_valid(schema, outlook)
    assert "okr.contoso.example" in (out / "excel-manifest.xml").read_text(encoding="utf-8")
