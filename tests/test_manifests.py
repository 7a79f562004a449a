"""The Excel and Outlook add-in manifests validate against the Office add-in manifest XSDs.

The XSDs are vendored in tests/data/spec/office-manifest-xsd/ (see its SOURCE.txt).
They are 2019 copies with known defects, repaired here in memory only:
  1. ``xmlns:xs="https://www.w3.org/2001/XMLSchema"`` (https typo) -> http, same for xmldsig;
  2. the import of ContentAppVersionOverridesV1_0.xsd (never published) -> a tiny stub schema;
  3. the lazy quantifier ``{0,3}?`` (not XSD regex) -> ``{0,3}``;
  4. MailAppVersionOverridesV1_1 predates WebApplicationInfo (Outlook SSO): the Outlook manifest's
     WebApplicationInfo is checked to be identical to the Excel manifest's (which the TaskPane
     schema does validate) and removed before validating the rest.
Every schema is served from the folder by an lxml resolver; the network is never used.
"""

from __future__ import annotations

import copy
import uuid
from pathlib import Path

import pytest
from lxml import etree

REPO = Path(__file__).resolve().parents[1]
XSD_DIR = REPO / "tests" / "data" / "spec" / "office-manifest-xsd"
EXCEL_MANIFEST = REPO / "addin" / "excel" / "manifest.xml"
OUTLOOK_MANIFEST = REPO / "addin" / "outlook" / "manifest.xml"

NS = {
    "o": "http://schemas.microsoft.com/office/appforoffice/1.1",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "bt": "http://schemas.microsoft.com/office/officeappbasictypes/1.0",
    "tp": "http://schemas.microsoft.com/office/taskpaneappversionoverrides",
    "m10": "http://schemas.microsoft.com/office/mailappversionoverrides",
    "m11": "http://schemas.microsoft.com/office/mailappversionoverrides/1.1",
}
XSI_TYPE = f"{{{NS['xsi']}}}type"
CONTENT_STUB = b"""<?xml version="1.0" encoding="utf-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified"
    targetNamespace="http://schemas.microsoft.com/office/contentappversionoverrides">
  <xs:element name="VersionOverrides"><xs:complexType><xs:sequence>
    <xs:any minOccurs="0" maxOccurs="unbounded" processContents="lax"/>
  </xs:sequence></xs:complexType></xs:element>
</xs:schema>"""


def _repaired(text: bytes) -> bytes:
    """The XSD with defects 1 and 3 of SOURCE.txt repaired."""
    return (
        text.replace(b'"https://www.w3.org/2001/XMLSchema"', b'"http://www.w3.org/2001/XMLSchema"')
        .replace(b'"https://www.w3.org/2000/09/xmldsig#"', b'"http://www.w3.org/2000/09/xmldsig#"')
        .replace(b"{0,3}?", b"{0,3}")
    )


class _LocalSchemas(etree.Resolver):
    """Serves every schemaLocation from the XSD folder (repaired); refuses anything else."""

    def resolve(self, url, public_id, context):  # type: ignore[no-untyped-def]
        name = url.replace("\\", "/").rsplit("/", 1)[-1]
        if name == "ContentAppVersionOverridesV1_0.xsd":
            return self.resolve_string(CONTENT_STUB, context)
        path = XSD_DIR / name
        if not path.is_file():
            raise AssertionError(f"schema {url!r} is not in {XSD_DIR}")
        return self.resolve_string(_repaired(path.read_bytes()), context)


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_LocalSchemas())
    main = XSD_DIR / "OfficeAppManifestV1_1.xsd"
    document = etree.fromstring(_repaired(main.read_bytes()), parser, base_url=main.as_uri())
    return etree.XMLSchema(etree.ElementTree(document))


def _load(path: Path) -> etree._ElementTree:
    parser = etree.XMLParser(no_network=True, resolve_entities=False, remove_comments=True)
    return etree.parse(str(path), parser)


def _assert_valid(schema: etree.XMLSchema, document: etree._ElementTree) -> None:
    if not schema.validate(document):
        problems = "\n".join(f"line {e.line}: {e.message}" for e in schema.error_log)
        pytest.fail(f"manifest does not validate:\n{problems}")


def _web_application_info(document: etree._ElementTree, ns: str) -> etree._Element:
    found = document.findall(f".//{{{NS[ns]}}}WebApplicationInfo")
    assert len(found) == 1, "exactly one WebApplicationInfo"
    return found[0]


def _shape(element: etree._Element) -> list[tuple[str, str]]:
    """(local name, text) of an element tree, namespace-free, for comparing across schemas."""
    return [(etree.QName(e).localname, (e.text or "").strip()) for e in element.iter()]


def test_schema_rejects_a_broken_manifest(schema: etree.XMLSchema) -> None:
    # Guards against a validator that accepts everything (e.g. lax wildcards everywhere).
    document = _load(EXCEL_MANIFEST)
    document.getroot().find("o:Id", NS).text = "not-a-guid"
    assert not schema.validate(document)
    document = _load(EXCEL_MANIFEST)
    hosts = document.getroot().find("o:Hosts", NS)
    hosts.getparent().remove(hosts)
    document.getroot().find("o:Requirements", NS).addprevious(etree.Element(f"{{{NS['o']}}}Bogus"))
    assert not schema.validate(document)


def test_excel_manifest_is_valid(schema: etree.XMLSchema) -> None:
    _assert_valid(schema, _load(EXCEL_MANIFEST))


def test_excel_manifest_is_a_workbook_task_pane_with_sso(schema: etree.XMLSchema) -> None:
    root = _load(EXCEL_MANIFEST).getroot()
    assert root.get(XSI_TYPE) == "TaskPaneApp"
    assert [h.get("Name") for h in root.findall("o:Hosts/o:Host", NS)] == ["Workbook"]
    assert root.find("o:DefaultSettings/o:SourceLocation", NS).get("DefaultValue") == (
        "https://localhost:5000/addin/excel/taskpane.html"
    )
    action = root.find(".//tp:Control[@id='OkrCadence.TaskpaneButton']/tp:Action", NS)
    assert action.get(XSI_TYPE) == "ShowTaskpane"
    url_id = action.find("tp:SourceLocation", NS).get("resid")
    assert root.find(f".//bt:Url[@id='{url_id}']", NS).get("DefaultValue").endswith("/addin/excel/taskpane.html")
    sso = _web_application_info(root.getroottree(), "tp")
    client_id = sso.find("tp:Id", NS).text
    uuid.UUID(client_id)
    assert sso.find("tp:Resource", NS).text == f"api://localhost:5000/{client_id}"
    assert "access_as_user" in [s.text for s in sso.findall("tp:Scopes/tp:Scope", NS)]


def test_outlook_manifest_is_valid(schema: etree.XMLSchema) -> None:
    document = _load(OUTLOOK_MANIFEST)
    sso = _web_application_info(document, "m11")
    # Defect 4: the 2019 MailApp V1_1 schema has no WebApplicationInfo; it must match the
    # Excel manifest's, which the TaskPane schema validates, then the rest is validated.
    assert _shape(sso) == _shape(_web_application_info(_load(EXCEL_MANIFEST), "tp"))
    stripped = copy.deepcopy(document)
    removed = _web_application_info(stripped, "m11")
    removed.getparent().remove(removed)
    _assert_valid(schema, stripped)


def test_outlook_manifest_covers_messages_and_meetings(schema: etree.XMLSchema) -> None:
    root = _load(OUTLOOK_MANIFEST).getroot()
    assert root.get(XSI_TYPE) == "MailApp"
    overrides = root.find("m10:VersionOverrides/m11:VersionOverrides", NS)
    assert overrides is not None and overrides.get(XSI_TYPE) == "VersionOverridesV1_1"
    surfaces = {e.get(XSI_TYPE) for e in overrides.findall(".//m11:ExtensionPoint", NS)}
    assert surfaces == {
        "MessageReadCommandSurface",
        "AppointmentAttendeeCommandSurface",
        "AppointmentOrganizerCommandSurface",
    }
    rules = {(r.get("ItemType"), r.get("FormType")) for r in root.findall("o:Rule/o:Rule", NS)}
    assert rules == {("Message", "Read"), ("Appointment", "Read"), ("Appointment", "Edit")}
    assert {s.get("DefaultValue") for s in root.findall(".//o:SourceLocation", NS)} == {
        "https://localhost:5000/addin/outlook/taskpane.html"
    }
    assert overrides.find(".//bt:Url[@id='Taskpane.Url']", NS).get("DefaultValue") == (
        "https://localhost:5000/addin/outlook/taskpane.html"
    )


def test_manifests_carry_no_real_tenant_or_client_ids() -> None:
    excel, outlook = _load(EXCEL_MANIFEST).getroot(), _load(OUTLOOK_MANIFEST).getroot()
    assert excel.find("o:Id", NS).text != outlook.find("o:Id", NS).text
    for document, ns in ((excel, "tp"), (outlook, "m11")):
        client_id = _web_application_info(document.getroottree(), ns).find(f"{ns}:Id", NS).text
        assert uuid.UUID(client_id).int == 0, "the client id is a placeholder the deployer replaces"
    for path in (EXCEL_MANIFEST, OUTLOOK_MANIFEST):
        text = path.read_text(encoding="utf-8")
        assert "login.microsoftonline.com" not in text and "onmicrosoft.com" not in text
