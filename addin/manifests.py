"""``okr manifest``: both add-in manifests for a host and an app registration.

The checked-in manifests (``addin/excel/manifest.xml``, ``addin/outlook/manifest.xml``) are the
localhost development ones and serve as templates (package data: an installed wheel has them,
read with importlib.resources): every URL on
``https://localhost:5000`` is moved onto the given base URL, the AppDomain becomes its
origin, and WebApplicationInfo gets the client id and ``api://<host>/<client id>`` (the
Application ID URI Office SSO asks for). Nothing else changes, so the result validates
against the same schemas as the templates.
"""

from __future__ import annotations

import re
import uuid
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

from addin.errors import InputError
from addin.files import write_atomically

DEV_ORIGIN = "https://localhost:5000"
PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000"
TEMPLATES: dict[str, Traversable] = {
    "excel-manifest.xml": files("addin.excel") / "manifest.xml",
    "outlook-manifest.xml": files("addin.outlook") / "manifest.xml",
}
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
_PATH = re.compile(r"^[A-Za-z0-9._~/-]*$")


def check_base_url(base_url: str) -> str:
    """The base URL without a trailing slash; InputError unless https://host[:port][/path]."""
    parts = urlsplit(base_url.strip())
    if parts.scheme != "https":
        raise InputError(
            "--base-url must start with https:// (Office loads add-ins over HTTPS only).",
            code="bad_base_url",
            field="base-url",
        )
    if not parts.netloc or "@" in parts.netloc or not _HOST.match(parts.netloc):
        raise InputError(f"--base-url {base_url!r} has no usable host name.", code="bad_base_url", field="base-url")
    if parts.query or parts.fragment or not _PATH.match(parts.path) or ".." in parts.path.split("/"):
        raise InputError(
            "--base-url must be a plain https://host[:port][/path], without query or fragment.",
            code="bad_base_url",
            field="base-url",
        )
    return f"https://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def check_client_id(client_id: str) -> str:
    try:
        value = str(uuid.UUID(client_id.strip()))
    except ValueError:
        raise InputError(
            f"--client-id {client_id!r} is not a GUID (the app registration's Application (client) ID).",
            code="bad_client_id",
            field="client-id",
        ) from None
    if value == PLACEHOLDER_ID:
        raise InputError(
            "--client-id is the placeholder; give the app registration's client id.",
            code="bad_client_id",
            field="client-id",
        )
    return value


def render_manifest(template: bytes, base_url: str, client_id: str) -> bytes:
    """One manifest moved onto ``base_url`` with ``client_id``."""
    base = check_base_url(base_url)
    client = check_client_id(client_id)
    parts = urlsplit(base)
    origin = f"https://{parts.netloc}"
    parser = etree.XMLParser(no_network=True, resolve_entities=False, remove_comments=True)
    root = etree.fromstring(template, parser)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        name = etree.QName(element).localname
        if name == "AppDomain":
            element.text = origin
        elif name == "WebApplicationInfo":
            for child in element:
                local = etree.QName(child).localname
                if local == "Id":
                    child.text = client
                elif local == "Resource":
                    child.text = f"api://{parts.netloc}{parts.path}/{client}"
        elif element.text and element.text.strip().startswith(DEV_ORIGIN):
            element.text = base + element.text.strip()[len(DEV_ORIGIN) :]
        for attr, value in element.attrib.items():
            if value.startswith(DEV_ORIGIN):
                element.set(attr, base + value[len(DEV_ORIGIN) :])
    root.addprevious(etree.Comment(f" OKR Cadence add-in manifest for {base} (written by okr manifest) "))
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8", pretty_print=True)


def write_manifests(base_url: str, client_id: str, out: Path) -> list[Path]:
    """Write excel-manifest.xml and outlook-manifest.xml into ``out``; the paths written."""
    missing = [str(p) for p in TEMPLATES.values() if not p.is_file()]
    if missing:
        raise InputError(
            f"The manifest templates are missing from the installed package: {', '.join(missing)} "
            "(reinstall OKR Cadence).",
            code="manifest_template_missing",
        )
    rendered = {name: render_manifest(path.read_bytes(), base_url, client_id) for name, path in TEMPLATES.items()}
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in rendered.items():
        write_atomically(out / name, data)
        written.append(out / name)
    return written
